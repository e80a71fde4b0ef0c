//===- SyscallFacts.cpp - collect per-function facts for syscall analysis -===//
//
// FILE: lib/SyscallFacts.cpp
// DESCRIPTION: SyscallFactsAnalysis walks a (whole-program) module once and records what the
//   Python side needs; it makes no decisions (no reachability, no resolution). Notes:
//   * Syscall sites are found in inline and file-scope asm text (scanAsm): `syscall` in any
//     spelling, its number the operand bound to rax by constraint or a `mov $N, %eax` before it.
//     `int $0x80`/`sysenter` are recorded as "?int80" (the filter's arch check kills them).
//   * A call to a vsyscall-page address is a site of the syscall the kernel emulates there.
//   * After LTO, struct GEPs are byte offsets, so a function pointer's struct field is taken
//     from the struct-path TBAA tag of the load/store, canonicalised to the innermost struct.
//   * Intrinsic calls are not recorded: they lower to memcpy/memmove/memset (native, no
//     syscalls) or to libm/compiler-rt routines (no syscalls).
// USAGE: see Plugin.cpp.
//
//===----------------------------------------------------------------------===//
#include "SyscallFacts.h"

#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/IR/Operator.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Metadata.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Regex.h"

using namespace llvm;
using namespace ccsandbox;

AnalysisKey SyscallFactsAnalysis::Key;

bool ValueFact::operator<(const ValueFact &O) const {
  return std::tie(K, Value, Reason) < std::tie(O.K, O.Value, O.Reason);
}
bool CallFact::operator<(const CallFact &O) const {
  if (Callee != O.Callee)
    return Callee < O.Callee;
  return IntArgs < O.IntArgs;
}
bool IndirectCallFact::operator<(const IndirectCallFact &O) const {
  return std::tie(Type, Field) < std::tie(O.Type, O.Field);
}

/// Look through integer casts, which do not change which syscall a number names (nor whether a
/// result is -ENOSYS in its low bits, nor which constants an argument may be).
Value *ccsandbox::stripIntCasts(Value *V) {
  while (auto *C = dyn_cast<CastInst>(V)) {
    if (!isa<ZExtInst, SExtInst, TruncInst>(C))
      break;
    V = C->getOperand(0);
  }
  return V;
}

namespace {

std::string linkageName(GlobalValue::LinkageTypes L) {
  switch (L) {
  case GlobalValue::ExternalLinkage: return "external";
  case GlobalValue::AvailableExternallyLinkage: return "available_externally";
  case GlobalValue::LinkOnceAnyLinkage: return "linkonce";
  case GlobalValue::LinkOnceODRLinkage: return "linkonce_odr";
  case GlobalValue::WeakAnyLinkage: return "weak";
  case GlobalValue::WeakODRLinkage: return "weak_odr";
  case GlobalValue::AppendingLinkage: return "appending";
  case GlobalValue::InternalLinkage: return "internal";
  case GlobalValue::PrivateLinkage: return "private";
  case GlobalValue::ExternalWeakLinkage: return "extern_weak";
  case GlobalValue::CommonLinkage: return "common";
  }
  return "unknown";
}

std::string typeString(Type *T) {
  std::string S;
  raw_string_ostream OS(S);
  T->print(OS);
  return S;
}

} // namespace

/// Constant or parameter; phi/select of those expand to several facts (bounded depth). With
/// ``Fields`` (syscall numbers, and values stored into a number's field), an integer loaded
/// from a struct field is a Field fact instead of unknown.
void ccsandbox::valueFacts(Value *V, Function &F, std::set<ValueFact> &Out, unsigned Depth, bool Fields) {
  V = stripIntCasts(V);
  ValueFact Fact;
  std::string Field = Fields ? loadedField(V) : "";
  if (!Field.empty()) {
    Fact.K = ValueFact::Field;
    Fact.Reason = Field;
  } else if (auto *CI = dyn_cast<ConstantInt>(V)) {
    Fact.K = ValueFact::Const;
    Fact.Value = CI->getSExtValue();
  } else if (auto *A = dyn_cast<Argument>(V); A && A->getParent() == &F) {
    Fact.K = ValueFact::Param;
    Fact.Value = A->getArgNo();
  } else if (auto *P = dyn_cast<PHINode>(V); P && Depth < 4) {
    for (Value *In : P->incoming_values())
      if (In != P)
        valueFacts(In, F, Out, Depth + 1, Fields);
    return;
  } else if (auto *S = dyn_cast<SelectInst>(V); S && Depth < 4) {
    valueFacts(S->getTrueValue(), F, Out, Depth + 1, Fields);
    valueFacts(S->getFalseValue(), F, Out, Depth + 1, Fields);
    return;
  } else {
    Fact.K = ValueFact::Unknown;
    if (auto *I = dyn_cast<Instruction>(V))
      Fact.Reason = I->getOpcodeName();
    else if (isa<PoisonValue, UndefValue>(V))
      Fact.Reason = "undef";
    else
      Fact.Reason = "value";
  }
  Out.insert(Fact);
}

/// The struct-path TBAA access of a load or store as "struct+offset" (innermost struct), or "".
std::string ccsandbox::tbaaField(const Instruction *I) {
  const MDNode *Tag = I->getMetadata(LLVMContext::MD_tbaa);
  if (!Tag || Tag->getNumOperands() < 3)
    return "";
  const MDNode *Base = dyn_cast<MDNode>(Tag->getOperand(0));
  auto *Access = dyn_cast<MDNode>(Tag->getOperand(1));
  auto *Off = mdconst::dyn_extract<ConstantInt>(Tag->getOperand(2));
  if (!Base || !Access || !Off || Base == Access)
    return "";
  uint64_t Offset = Off->getZExtValue();
  // Descend into nested structs: members are (type, offset) pairs after the name.
  for (unsigned Guard = 0; Guard < 16; ++Guard) {
    const MDNode *Inner = nullptr;
    uint64_t InnerOff = 0;
    for (unsigned Op = 1; Op + 1 < Base->getNumOperands(); Op += 2) {
      auto *MemberType = dyn_cast<MDNode>(Base->getOperand(Op));
      auto *MemberOff = mdconst::dyn_extract<ConstantInt>(Base->getOperand(Op + 1));
      if (!MemberType || !MemberOff || MemberOff->getZExtValue() > Offset)
        continue;
      if (MemberType->getNumOperands() >= 3 && MemberType != Access) {  // a struct member
        if (!Inner || MemberOff->getZExtValue() >= InnerOff)
          Inner = MemberType, InnerOff = MemberOff->getZExtValue();
      } else if (MemberOff->getZExtValue() == Offset) {
        Inner = nullptr;  // the scalar member itself starts here
        break;
      }
    }
    if (!Inner)
      break;
    Base = Inner;
    Offset -= InnerOff;
  }
  auto *Name = dyn_cast<MDString>(Base->getOperand(0));
  if (!Name || Name->getString().empty())
    return "";
  return (Name->getString() + "+" + Twine(Offset)).str();
}

std::string ccsandbox::loadedField(Value *V) {
  auto *LI = dyn_cast<LoadInst>(stripIntCasts(V));
  if (!LI || !LI->getType()->isIntegerTy() || LI->isVolatile())
    return "";
  return tbaaField(LI);
}

/// LLVM struct type name as TBAA names it: "struct.op.12" -> "op"; "" if unnamed or a union.
std::string ccsandbox::structKeyName(StructType *ST) {
  if (!ST->hasName())
    return "";
  StringRef N = ST->getName();
  if (!N.consume_front("struct."))
    return "";
  static Regex Suffix("\\.[0-9]+$");
  return Suffix.sub("", N);
}

namespace {

// ---- Syscall sites in assembly text ------------------------------------------------------
// The same rules as ccsandbox/facts/asmscan.py (keep in step). The text is read statement by
// statement, tracking what rax holds: at entry the operand bound to rax by its constraint (inline
// asm) or nothing known; `mov $N, %eax|%rax` and `xor %eax, %eax` set a constant; `mov $K, %rax`
// (template operand K) sets that operand; anything else that may write rax (an explicit rax/eax/
// ax/al/ah destination, instructions with rax as an implicit destination, calls, jumps and labels)
// makes it unknown. A `syscall` (any case, or `.byte 0x0f, 0x05`) records the current value.
// `int $0x80` and `sysenter` (also as bytes) enter the i386 ABI, which the filter's arch check
// kills: they are recorded as "?int80" by design.

struct RaxState {
  enum Kind { Operand, Const, Unknown } K = Unknown;
  long long Value = 0;   // Operand: the template operand number; Const: the value
  std::string Reason = "asm-rax";
};

struct AsmSite {
  bool Int80 = false;
  RaxState State;
  std::string Function;  // module asm: the function label the site is under ("" if none)
};

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

/// The syscall sites of an assembly text. ``Templated``: inline asm (literal `$` is `$$`, `$K`
/// names operand K). ``Labels``: function names a module-asm label may define.
std::vector<AsmSite> scanAsm(StringRef Text, bool Templated, RaxState Entry,
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

/// True for a constraint that puts its operand in rax and nowhere else.
bool codesAreRax(const InlineAsm::ConstraintInfo &CI) {
  if (CI.Codes.size() != 1 || !CI.multipleAlternatives.empty())
    return false;
  std::string C = lower(CI.Codes[0]);
  return C == "a" || C == "{ax}" || C == "{rax}" || C == "{eax}";
}

/// Words in operand position of assembly text (the first word of each statement is a mnemonic
/// or directive, not a reference).
void addAsmTokens(StringRef Asm, StringSet<> &Tokens) {
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
bool asmMakesCalls(StringRef Asm, bool PointersOnly = false) {
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

class Collector {
public:
  explicit Collector(Module &M) : M(M), DL(M.getDataLayout()) {}
  ModuleFacts run();

private:
  Module &M;
  const DataLayout &DL;
  ModuleFacts Facts;
  DenseMap<const Function *, size_t> Index;
  DenseSet<const Function *> Untracked;   // address flows somewhere other than a struct field
  StringSet<> IndirectFields;
  StringSet<> AsmTokens;   // operand words of module-level and inline asm

  FunctionFacts &of(const Function *F) { return Facts.Functions[Index[F]]; }
  void collectFunction(Function &F, FunctionFacts &FF);
  void collectCall(CallBase &CB, Function &F, FunctionFacts &FF);
  void inlineAsmSyscalls(CallBase &CB, InlineAsm &IA, Function &F, FunctionFacts &FF);
  void moduleAsmSyscalls();
  void vsyscall(uint64_t Address, FunctionFacts &FF);
  void collectUses(Function &F);
  void useOf(Function &Target, const Use &U);
  void globalFields(Constant *C, Function *Only);
  void collectFieldStores();
};

ModuleFacts Collector::run() {
  Facts.Triple = M.getTargetTriple();
  Facts.DebugInfo = M.debug_compile_units_begin() != M.debug_compile_units_end();
  for (Function &F : M) {
    if (F.isIntrinsic())
      continue;
    Index[&F] = Facts.Functions.size();
    FunctionFacts FF;
    FF.Name = F.getName().str();
    FF.Linkage = linkageName(F.getLinkage());
    FF.Type = typeString(F.getFunctionType());
    FF.Declaration = F.isDeclaration();
    Facts.Functions.push_back(std::move(FF));
  }
  for (Function &F : M)
    if (!F.isIntrinsic() && !F.isDeclaration())
      collectFunction(F, of(&F));
  for (Function &F : M)
    if (!F.isIntrinsic())
      collectUses(F);
  collectFieldStores();
  collectNumberFieldStores(M, Facts, [&](const Function *F) -> FunctionFacts & { return of(F); });
  for (auto [Name, List] : {std::pair{"llvm.global_ctors", &Facts.Ctors}, {"llvm.global_dtors", &Facts.Dtors}})
    if (auto *GV = M.getGlobalVariable(Name); GV && GV->hasInitializer())
      if (auto *Arr = dyn_cast<ConstantArray>(GV->getInitializer()))
        for (Use &E : Arr->operands())
          if (auto *CS = dyn_cast<ConstantStruct>(E.get()); CS && CS->getNumOperands() >= 2)
            if (auto *Fn = dyn_cast<Function>(CS->getOperand(1)->stripPointerCasts()))
              List->push_back(Fn->getName().str());
  // Symbols named as operands by module-level asm (musl's _start calls _start_c) or by inline
  // asm (`call f` in its text): the asm may call them.
  addAsmTokens(M.getModuleInlineAsm(), AsmTokens);
  const StringSet<> &Tokens = AsmTokens;
  for (const FunctionFacts &FF : Facts.Functions)
    if (Tokens.contains(FF.Name))
      Facts.ModuleAsmRefs.push_back(FF.Name);
  moduleAsmSyscalls();
  Facts.ModuleAsmCallsPointers = asmMakesCalls(M.getModuleInlineAsm(), /*PointersOnly=*/true);
  for (const auto &[F, I] : Index)
    Facts.Functions[I].FieldsOnly = Facts.Functions[I].AddressTaken && !Untracked.contains(F);
  return std::move(Facts);
}

void Collector::collectFunction(Function &F, FunctionFacts &FF) {
  for (BasicBlock &BB : F)
    for (Instruction &I : BB)
      if (auto *CB = dyn_cast<CallBase>(&I))
        collectCall(*CB, F, FF);
  collectOrderFacts(F, FF, [&](CallBase &CB, FunctionFacts &One) { collectCall(CB, F, One); });
}

void Collector::collectCall(CallBase &CB, Function &F, FunctionFacts &FF) {
  Value *Callee = CB.getCalledOperand()->stripPointerCasts();
  if (auto *GA = dyn_cast<GlobalAlias>(Callee))
    Callee = const_cast<GlobalObject *>(GA->getAliaseeObject());
  if (auto *IA = dyn_cast<InlineAsm>(Callee)) {
    inlineAsmSyscalls(CB, *IA, F, FF);
    return;
  }
  if (auto *CE = dyn_cast<ConstantExpr>(Callee); CE && CE->getOpcode() == Instruction::IntToPtr) {
    if (auto *Addr = dyn_cast<ConstantInt>(CE->getOperand(0)))
      vsyscall(Addr->getZExtValue(), FF);
    return;  // a call to a fixed address: no function of the module
  }
  if (auto *Target = dyn_cast_or_null<Function>(Callee)) {
    if (Target->isIntrinsic())
      return;
    // Integer arguments that are constants or parameters, through phi/select (a call with
    // `c ? SYS_a : SYS_b` becomes one fact per combination, at most MaxCombinations).
    constexpr size_t MaxCombinations = 16;
    std::vector<std::pair<unsigned, std::vector<ValueFact>>> Choices;
    size_t Combinations = 1;
    for (unsigned A = 0; A < CB.arg_size(); ++A) {
      if (!CB.getArgOperand(A)->getType()->isIntegerTy())
        continue;
      std::set<ValueFact> Values;
      valueFacts(CB.getArgOperand(A), F, Values);
      bool Known = !Values.empty() && std::all_of(Values.begin(), Values.end(),
                                                  [](const ValueFact &V) { return V.K != ValueFact::Unknown; });
      if (!Known)
        continue;
      if (Values.size() > 1 && Combinations * Values.size() > MaxCombinations)
        continue;   // too many: left out, i.e. unknown
      Combinations *= Values.size();
      Choices.push_back({A, std::vector<ValueFact>(Values.begin(), Values.end())});
    }
    std::vector<CallFact> Expanded(1);
    Expanded[0].Callee = Target->getName().str();
    for (const auto &[A, Values] : Choices) {
      std::vector<CallFact> Next;
      for (const CallFact &Partial : Expanded)
        for (const ValueFact &V : Values) {
          CallFact C = Partial;
          C.IntArgs[A] = V;
          Next.push_back(C);
        }
      Expanded = std::move(Next);
    }
    for (const CallFact &Call : Expanded)
      FF.Calls.insert(Call);
    return;
  }
  IndirectCallFact Ind;
  Ind.Type = typeString(CB.getFunctionType());
  if (auto *LI = dyn_cast<LoadInst>(Callee)) {
    Ind.Field = tbaaField(LI);
    if (!Ind.Field.empty())
      IndirectFields.insert(Ind.Field);
  }
  FF.IndirectCalls.insert(Ind);
}

/// Syscall sites in one inline asm call; the number operand is found by its constraint.
void Collector::inlineAsmSyscalls(CallBase &CB, InlineAsm &IA, Function &F, FunctionFacts &FF) {
  addAsmTokens(IA.getAsmString(), AsmTokens);
  if (asmMakesCalls(IA.getAsmString())) {
    IndirectCallFact Any;   // a call from asm, of no known type: "(...)" is compatible with all
    Any.Type = "void (...)";
    FF.IndirectCalls.insert(Any);
  }
  // Template operand K -> call argument (or -1: a returned output), and which operands are rax.
  InlineAsm::ConstraintInfoVector CIs = IA.ParseConstraints();
  std::vector<int> ArgOf;       // per template operand
  std::vector<bool> Rax;        // per template operand: bound to rax
  std::vector<int> TiedArg;     // per template operand (outputs): the argument of the tied input
  unsigned Arg = 0;
  for (const InlineAsm::ConstraintInfo &CI : CIs) {
    if (CI.Type == InlineAsm::isClobber)
      continue;
    bool TakesArg = CI.Type == InlineAsm::isInput || (CI.Type == InlineAsm::isOutput && CI.isIndirect);
    ArgOf.push_back(TakesArg && Arg < CB.arg_size() ? (int)Arg : -1);
    Rax.push_back(codesAreRax(CI));
    TiedArg.push_back(-1);
    if (TakesArg)
      ++Arg;
    if (CI.Type == InlineAsm::isInput && CI.Codes.size() == 1 && !CI.Codes[0].empty() && isdigit(CI.Codes[0][0])) {
      unsigned Out = std::stoul(CI.Codes[0]);
      if (Out < Rax.size()) {
        Rax.back() = Rax[Out];
        TiedArg[Out] = ArgOf.back();
      }
    }
  }
  auto ValueOf = [&](int K) { return K < (int)ArgOf.size() ? (ArgOf[K] >= 0 ? ArgOf[K] : TiedArg[K]) : -1; };
  RaxState Entry;
  int Bound = -1, Count = 0;
  for (size_t K = 0; K < Rax.size(); ++K)
    if (Rax[K] && ValueOf(K) >= 0 && CIs.size() > 0)
      if (ArgOf[K] >= 0)   // inputs (a tied output's input is an input too)
        Bound = K, ++Count;
  if (Count == 1) {
    Entry.K = RaxState::Operand;
    Entry.Value = Bound;
  } else if (Count > 1) {
    Entry.Reason = "asm-rax-operands";
  } else {
    Entry.Reason = "asm-no-rax-operand";
  }
  auto IsRax = [&](int K) { return K < (int)Rax.size() && Rax[K]; };
  std::vector<AsmSite> Sites = scanAsm(IA.getAsmString(), true, Entry, IsRax, nullptr);
  if (llvm::any_of(Sites, [](const AsmSite &S) { return !S.Int80; }))
    collectSyscallArgs(CB, F, FF);
  if (IA.getDialect() == InlineAsm::AD_Intel)
    for (AsmSite &S : Sites)
      S.State = RaxState(), S.State.Reason = "asm-intel-syntax";
  for (const AsmSite &S : Sites) {
    if (S.Int80) {
      ValueFact V;
      V.Reason = "int80";
      FF.Syscalls.insert(V);
    } else if (S.State.K == RaxState::Const) {
      ValueFact V;
      V.K = ValueFact::Const;
      V.Value = S.State.Value;
      FF.Syscalls.insert(V);
    } else if (S.State.K == RaxState::Operand && ValueOf(S.State.Value) >= 0) {
      valueFacts(CB.getArgOperand(ValueOf(S.State.Value)), F, FF.Syscalls, 0, /*Fields=*/true);
    } else {
      ValueFact V;
      V.Reason = S.State.K == RaxState::Operand ? "asm-rax" : S.State.Reason;
      FF.Syscalls.insert(V);
    }
  }
}

/// Syscall sites in file-scope asm, attributed to the function label they follow; sites under
/// no function label are recorded in ModuleAsmSyscalls (always counted).
void Collector::moduleAsmSyscalls() {
  StringSet<> Labels;
  for (const FunctionFacts &FF : Facts.Functions)
    Labels.insert(FF.Name);
  RaxState Entry;
  Entry.Reason = "asm-rax";
  for (const AsmSite &S : scanAsm(M.getModuleInlineAsm(), false, Entry, [](int) { return false; }, &Labels)) {
    ValueFact V;
    if (S.Int80) {
      V.Reason = "int80";
    } else if (S.State.K == RaxState::Const) {
      V.K = ValueFact::Const;
      V.Value = S.State.Value;
    } else {
      V.Reason = S.State.Reason;
    }
    for (FunctionFacts &FF : Facts.Functions)
      if (FF.Name == S.Function)
        FF.Syscalls.insert(V);
    if (S.Function.empty())
      Facts.ModuleAsmSyscalls.insert(V);
  }
}

/// The vsyscall page: the kernel emulates a call to these fixed addresses as gettimeofday, time
/// and getcpu, and checks them against seccomp under those numbers.
void Collector::vsyscall(uint64_t Address, FunctionFacts &FF) {
  static const std::pair<uint64_t, long long> Page[] = {
      {0xffffffffff600000ULL, 96}, {0xffffffffff600400ULL, 201}, {0xffffffffff600800ULL, 309}};
  for (auto [Entry, Nr] : Page)
    if (Address == Entry) {
      ValueFact V;
      V.K = ValueFact::Const;
      V.Value = Nr;
      FF.Syscalls.insert(V);
    }
}

/// Every use of F that is not "being called": F's address is taken there.
void Collector::collectUses(Function &F) {
  for (const Use &U : F.uses())
    useOf(F, U);
}

void Collector::useOf(Function &Target, const Use &U) {
  const User *Usr = U.getUser();
  if (auto *CB = dyn_cast<CallBase>(Usr)) {
    if (CB->isCallee(&U))
      return;
    if (CB->isArgOperand(&U)) {  // where the address flows: e.g. pthread_create's start routine
      const Value *Callee = CB->getCalledOperand()->stripPointerCasts();
      if (auto *GA = dyn_cast<GlobalAlias>(Callee))
        Callee = GA->getAliaseeObject();
      std::string To = isa<InlineAsm>(Callee) ? "asm" : isa<Function>(Callee) ? Callee->getName().str() : "<indirect>";
      if (!(isa<Function>(Callee) && cast<Function>(Callee)->isIntrinsic()))
        of(&Target).PassedTo.insert({To, CB->getArgOperandNo(&U)});
    }
  }
  if (auto *I = dyn_cast<Instruction>(Usr)) {
    of(&Target).AddressTaken = true;
    if (!I->getFunction()->isIntrinsic())
      of(I->getFunction()).Refs.insert(Target.getName().str());
    auto *SI = dyn_cast<StoreInst>(I);
    if (!SI || SI->getValueOperand() != U.get() || tbaaField(SI).empty())
      Untracked.insert(&Target);
    return;
  }
  if (auto *GV = dyn_cast<GlobalVariable>(Usr)) {
    of(&Target).AddressTaken = true;
    Facts.GlobalRefs[GV->getName().str()].insert(Target.getName().str());
    if (GV->getName().starts_with("llvm."))
      Untracked.insert(&Target);
    else
      globalFields(const_cast<Constant *>(GV->getInitializer()), &Target);
    return;
  }
  if (auto *GA = dyn_cast<GlobalAlias>(Usr)) {
    for (const Use &AU : GA->uses())
      useOf(Target, AU);
    return;
  }
  if (isa<Constant>(Usr)) {
    for (const Use &CU : Usr->uses())
      useOf(Target, CU);
    return;
  }
  of(&Target).AddressTaken = true;   // metadata or anything unforeseen: be conservative
  Untracked.insert(&Target);
}

/// Record functions sitting in named-struct fields of an initializer; functions anywhere else
/// in it (arrays of pointers, unnamed structs, constant expressions) become untracked.
void Collector::globalFields(Constant *C, Function *Only) {
  if (auto *GV = dyn_cast<GlobalValue>(C->stripPointerCasts())) {
    if (auto *Fn = dyn_cast<Function>(GV); Fn && (!Only || Fn == Only))
      Untracked.insert(Fn);   // reached outside a struct field
    return;                   // another global: its initializer is walked on its own
  }
  if (auto *CS = dyn_cast<ConstantStruct>(C)) {
    StructType *ST = CS->getType();
    std::string Key = structKeyName(ST);
    const StructLayout *SL = DL.getStructLayout(ST);
    for (unsigned E = 0; E < CS->getNumOperands(); ++E) {
      Constant *Elem = CS->getOperand(E);
      auto *Fn = dyn_cast<Function>(Elem->stripPointerCasts());
      if (Fn && !Key.empty()) {
        if (!Only || Fn == Only)
          Facts.GlobalFields[Key + "+" + std::to_string(SL->getElementOffset(E))].insert(Fn->getName().str());
      } else {
        globalFields(Elem, Only);
      }
    }
    return;
  }
  for (Use &Op : C->operands())
    if (auto *Inner = dyn_cast<Constant>(Op.get()))
      globalFields(Inner, Only);
}

/// Stores into fields that some indirect call loads from: the function stored, or "?" when
/// the stored value is not a known function (the field's contents then escape the analysis).
void Collector::collectFieldStores() {
  for (Function &F : M)
    for (BasicBlock &BB : F)
      for (Instruction &I : BB)
        if (auto *SI = dyn_cast<StoreInst>(&I); SI && SI->getValueOperand()->getType()->isPointerTy()) {
          std::string Field = tbaaField(SI);
          if (Field.empty() || !IndirectFields.contains(Field))
            continue;
          Value *V = SI->getValueOperand()->stripPointerCasts();
          if (isa<ConstantPointerNull>(V))
            continue;
          auto *Fn = dyn_cast<Function>(V);
          of(&F).FieldStores.insert({Field, Fn ? Fn->getName().str() : "?"});
        }
}

} // namespace

ModuleFacts SyscallFactsAnalysis::run(Module &M, ModuleAnalysisManager &) {
  return Collector(M).run();
}
