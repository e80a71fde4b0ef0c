//===- AsmScan.cpp - syscall sites and calls in assembly text -------------===//
//
// FILE: lib/AsmScan.cpp
// DESCRIPTION: Reads inline and file-scope asm text for the `syscalls` facts (lib/AsmFacts.cpp
//   turns the sites into facts) and for `module_asm_refs`/`module_asm_calls_pointers`. Text
//   only: no IR. The same rules as ccsandbox/facts/asmscan.py (keep in step; tests compare
//   their results). The text is read statement by statement, tracking what rax holds: at entry
//   the operand bound to rax by its constraint (inline asm) or nothing known;
//   `mov $N, %eax|%rax` and `xor %eax, %eax` set a constant; `mov $K, %rax` (template operand
//   K) sets that operand; anything else that may write rax (an explicit rax/eax/ax/al/ah
//   destination, instructions with rax as an implicit destination, calls, jumps and labels)
//   makes it unknown. A `syscall` (any case, or `.byte 0x0f, 0x05`) records the current value.
//   `int $0x80` and `sysenter` (also as bytes) enter the i386 ABI, which the filter's arch check
//   kills: they are recorded as "?int80" by design.
//
//===----------------------------------------------------------------------===//
#include "AsmScan.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"

#include <cctype>

using namespace llvm;
using namespace ccsandbox;

namespace {

std::string lower(StringRef S) { return S.lower(); }

/// Split at top-level commas (not inside parentheses).
SmallVector<std::string, 4> splitOperands(StringRef S) {
  SmallVector<std::string, 4> Out;
  int Depth = 0;
  std::string Cur;
  for (char C : S) {
    if (C == '(')
      ++Depth;
    else if (C == ')')
      --Depth;
    if (C == ',' && Depth == 0) {
      Out.push_back(StringRef(Cur).trim().str());
      Cur.clear();
    } else {
      Cur += C;
    }
  }
  if (!StringRef(Cur).trim().empty())
    Out.push_back(StringRef(Cur).trim().str());
  return Out;
}

bool parseInt(StringRef S, long long &V) {
  S = S.trim();
  bool Neg = S.consume_front("-");
  unsigned long long U;
  if (S.empty() || S.getAsInteger(0, U))
    return false;
  V = Neg ? -(long long)U : (long long)U;
  return true;
}

/// A template operand reference ($K, ${K}, ${K:q}) in inline asm; -1 if not one.
int operandRef(StringRef S) {
  S = S.trim();
  if (!S.consume_front("$") || S.starts_with("$"))
    return -1;
  if (S.consume_front("{"))
    S = S.take_until([](char C) { return C == ':' || C == '}'; });
  unsigned K;
  return S.getAsInteger(10, K) ? -1 : (int)K;
}

bool isRaxRegister(StringRef S) {
  static const StringSet<> Names = {"%rax", "%eax", "%ax", "%al", "%ah"};
  return Names.contains(lower(S.trim()));
}

/// Mnemonics that write rax without naming it (or transfer control): rax becomes unknown.
bool clobbersRaxImplicitly(StringRef M) {
  static const StringSet<> Names = {
      "cpuid", "rdtsc", "rdtscp", "rdpmc", "rdmsr", "xgetbv", "rdpkru", "mul", "div", "idiv", "imul",
      "cbw", "cwde", "cdqe", "cltq", "cwtl", "cbtw", "cqto", "cltd", "cwtd", "cqo", "cdq", "cwd",
      "in", "xchg", "xadd", "lahf", "xlat", "xlatb", "popa", "popad", "call", "ret", "leave", "int",
      "int3", "into", "iret", "iretq", "loop", "loope", "loopne", "sysret", "sysexit", "ud2"};
  if (Names.contains(M) || M.starts_with("lods") || M.starts_with("cmpxchg") || M.starts_with("j") ||
      M.starts_with("scas") || M.starts_with("rep"))
    return true;
  return M.size() > 1 && StringRef("bwlq").contains(M.back()) && Names.contains(M.drop_back());
}

/// Bytes of a data directive (.byte/.word/...), or false when it is not one with numeric values.
bool directiveBytes(StringRef Directive, StringRef Args, SmallVectorImpl<unsigned> &Bytes, bool &Symbolic) {
  static const StringMap<unsigned> Widths = {{".byte", 1}, {".word", 2}, {".short", 2}, {".value", 2},
                                              {".2byte", 2}, {".long", 4}, {".int", 4}, {".4byte", 4},
                                              {".quad", 8}, {".8byte", 8}};
  auto W = Widths.find(Directive);
  if (W == Widths.end())
    return false;
  for (const std::string &Op : splitOperands(Args)) {
    long long V;
    if (!parseInt(Op, V)) {
      Symbolic = true;
      continue;
    }
    for (unsigned B = 0; B < W->second; ++B)
      Bytes.push_back((unsigned long long)V >> (8 * B) & 0xff);
  }
  return true;
}

} // namespace

/// The syscall sites of an assembly text. ``Templated``: inline asm (literal `$` is `$$`, `$K`
/// names operand K). ``Labels``: function names a module-asm label may define.
std::vector<AsmSite> ccsandbox::scanAsm(StringRef Text, bool Templated, RaxState Entry,
                                        function_ref<bool(int)> OperandIsRax, const StringSet<> *Labels) {
  std::vector<AsmSite> Sites;
  RaxState State = Entry;
  std::string Function;
  int PendingByte = -1;   // last byte of the previous data directive (0x0f/0xcd pairs span them)
  auto Unknown = [&](const char *Why) { State = RaxState(); State.Reason = Why; };
  auto Site = [&](bool Int80) {
    AsmSite S;
    S.Int80 = Int80;
    S.State = State;
    S.Function = Function;
    Sites.push_back(S);
    Unknown("asm-rax");   // the syscall's result is in rax now
  };
  SmallVector<StringRef, 16> Lines;
  Text.split(Lines, '\n');
  for (StringRef Line : Lines) {
    SmallVector<StringRef, 4> Statements;
    Line.split(Statements, ';');
    for (StringRef St : Statements) {
      St = St.split('#').first.trim();
      // labels: "name:" possibly followed by an instruction
      while (true) {
        size_t Colon = St.find(':');
        StringRef Head = Colon == StringRef::npos ? StringRef() : St.take_front(Colon);
        if (Colon == StringRef::npos || Head.empty() ||
            Head.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.$") !=
                StringRef::npos)
          break;
        if (Labels && Labels->contains(Head))
          Function = Head.str();
        else if (!Head.starts_with(".L") && !isdigit((unsigned char)Head[0]))
          Function = "";   // code under another symbol: reached from asm, so always counted
        Unknown("asm-label");
        St = St.drop_front(Colon + 1).trim();
      }
      if (St.empty())
        continue;
      size_t Space = St.find_first_of(" \t");
      std::string Mnemonic = lower(St.take_front(Space));
      StringRef Args = Space == StringRef::npos ? StringRef() : St.drop_front(Space).trim();
      static const StringSet<> Prefixes = {"lock", "rep", "repe", "repz", "repne", "repnz", "notrack", "data16"};
      if (Prefixes.contains(Mnemonic) && !Args.empty()) {
        size_t Next = Args.find_first_of(" \t");
        Mnemonic = lower(Args.take_front(Next));
        Args = Next == StringRef::npos ? StringRef() : Args.drop_front(Next).trim();
      }
      SmallVector<unsigned, 16> Bytes;
      bool Symbolic = false;
      if (directiveBytes(Mnemonic, Args, Bytes, Symbolic)) {
        if (PendingByte >= 0)
          Bytes.insert(Bytes.begin(), PendingByte);
        for (size_t I = 0; I + 1 < Bytes.size(); ++I) {
          if (Bytes[I] == 0x0f && Bytes[I + 1] == 0x05)
            Site(false), ++I;
          else if ((Bytes[I] == 0x0f && Bytes[I + 1] == 0x34) || (Bytes[I] == 0xcd && Bytes[I + 1] == 0x80))
            Site(true), ++I;
        }
        PendingByte = Bytes.empty() ? -1 : (int)Bytes.back();
        if (Symbolic)
          PendingByte = -1;
        continue;
      }
      PendingByte = -1;
      if (Mnemonic == ".intel_syntax") {
        Unknown("asm-intel-syntax");
        continue;
      }
      if (!Mnemonic.empty() && Mnemonic[0] == '.')
        continue;   // other directives
      if (Mnemonic == "syscall") {
        Site(false);
        continue;
      }
      if (Mnemonic == "sysenter") {
        Site(true);
        continue;
      }
      SmallVector<std::string, 4> Ops = splitOperands(Args);
      if (Mnemonic == "int" && Ops.size() == 1) {
        long long V;
        StringRef Imm = StringRef(Ops[0]);
        if ((Templated ? Imm.consume_front("$$") : Imm.consume_front("$")) && parseInt(Imm, V) && V == 0x80)
          Site(true);
        Unknown("asm-rax");
        continue;
      }
      StringRef Dest = Ops.empty() ? StringRef() : StringRef(Ops.back());
      bool DestIsRax = isRaxRegister(Dest) || (Templated && operandRef(Dest) >= 0 && OperandIsRax(operandRef(Dest)));
      bool Wide = Ops.size() == 2 && (lower(Dest) == "%eax" || lower(Dest) == "%rax");
      StringRef Mov(Mnemonic);
      if (Wide && (Mov == "mov" || Mov == "movl" || Mov == "movq" || Mov == "movabs" || Mov == "movabsq")) {
        StringRef Src(Ops[0]);
        long long V;
        int K = Templated ? operandRef(Src) : -1;
        if ((Templated ? Src.consume_front("$$") : Src.consume_front("$")) && parseInt(Src, V)) {
          State = RaxState();
          State.K = RaxState::Const;
          State.Value = V;
        } else if (K >= 0) {
          State = RaxState();
          State.K = RaxState::Operand;
          State.Value = K;
        } else {
          Unknown("asm-rax");
        }
        continue;
      }
      if (Wide && (Mov == "xor" || Mov == "xorl" || Mov == "xorq") && isRaxRegister(Ops[0])) {
        State = RaxState();
        State.K = RaxState::Const;
        State.Value = 0;
        continue;
      }
      if (DestIsRax || clobbersRaxImplicitly(Mnemonic))
        Unknown("asm-rax");
    }
  }
  return Sites;
}

/// Words in operand position of assembly text (the first word of each statement is a mnemonic
/// or directive, not a reference).
void ccsandbox::addAsmTokens(StringRef Asm, StringSet<> &Tokens) {
  SmallVector<StringRef, 32> Lines;
  Asm.split(Lines, '\n');
  for (StringRef Line : Lines) {
    SmallVector<StringRef, 8> Statements;
    Line.split(Statements, ';');
    for (StringRef St : Statements) {
      St = St.split('#').first.trim();
      if (St.ends_with(":"))
        continue;  // a label definition
      std::string Spaced = St.split(' ').second.str();
      if (St.find('\t') != StringRef::npos && St.find(' ') == StringRef::npos)
        Spaced = St.split('\t').second.str();
      for (char &C : Spaced)
        if (!(isalnum((unsigned char)C) || C == '_' || C == '.' || C == '$'))
          C = ' ';
      SmallVector<StringRef, 8> Words;
      StringRef(Spaced).split(Words, ' ', -1, false);
      for (StringRef W : Words)
        Tokens.insert(W);
    }
  }
}

/// Does the asm call or jump through something other than a local label? (`call`, or an
/// indirect `jmp *...`): then it may enter any address-taken function.
bool ccsandbox::asmMakesCalls(StringRef Asm, bool PointersOnly) {
  SmallVector<StringRef, 16> Lines;
  Asm.split(Lines, '\n');
  for (StringRef Line : Lines) {
    SmallVector<StringRef, 4> Statements;
    Line.split(Statements, ';');
    for (StringRef St : Statements) {
      St = St.split('#').first.trim();
      while (St.contains(':') && St.take_until([](char C) { return C == ':'; }).find_first_of(" \t(%") == StringRef::npos)
        St = St.drop_until([](char C) { return C == ':'; }).drop_front().trim();
      std::string M = lower(St.take_until([](char C) { return C == ' ' || C == '\t'; }));
      StringRef Rest = St.drop_front(M.size()).trim();
      bool Call = M == "call" || M == "callq" || M == "calll" || M == "lcall";
      if ((Call || (!M.empty() && M[0] == 'j')) && Rest.starts_with("*"))
        return true;
      if (Call && !PointersOnly)
        return true;
    }
  }
  return false;
}
