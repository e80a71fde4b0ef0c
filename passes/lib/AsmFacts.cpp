//===- AsmFacts.cpp - syscall sites and calls of inline and file-scope asm -===//
//
// FILE: lib/AsmFacts.cpp
// DESCRIPTION: The facts asm gives, from the sites lib/AsmScan.cpp finds in its text:
//   * an inline asm call: its syscall sites (`syscalls`: the number is the operand bound to rax
//     by its constraint, or a constant the text moves there; an unreadable number is "?REASON"),
//     their `syscall_args` (lib/ArgFacts.cpp), and an indirect call of any type when the text
//     makes a call;
//   * file-scope asm: its syscall sites, attributed to the function label they follow
//     (`module_asm_syscalls` when under none), the functions named as operands there or in
//     inline asm (`module_asm_refs`: musl's _start calls _start_c), and whether it calls or jumps
//     through a pointer (`module_asm_calls_pointers`).
//
//===----------------------------------------------------------------------===//
#include "AsmScan.h"
#include "SyscallFacts.h"

#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"

#include <cctype>

using namespace llvm;
using namespace ccsandbox;

namespace {

/// True for a constraint that puts its operand in rax and nowhere else.
bool codesAreRax(const InlineAsm::ConstraintInfo &CI) {
  if (CI.Codes.size() != 1 || !CI.multipleAlternatives.empty())
    return false;
  std::string C = StringRef(CI.Codes[0]).lower();
  return C == "a" || C == "{ax}" || C == "{rax}" || C == "{eax}";
}

/// Syscall sites in file-scope asm, attributed to the function label they follow; sites under
/// no function label are recorded in ModuleAsmSyscalls (always counted).
void moduleAsmSyscalls(Module &M, ModuleFacts &Facts) {
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

} // namespace

/// Syscall sites in one inline asm call; the number operand is found by its constraint.
void ccsandbox::collectInlineAsmFacts(CallBase &CB, InlineAsm &IA, Function &F, FunctionFacts &FF,
                                      StringSet<> &AsmTokens) {
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

/// File-scope asm: the functions named as operands (there or in inline asm), its syscall sites,
/// and whether it calls through a pointer. Runs after every function's inline asm was read.
void ccsandbox::collectModuleAsmFacts(Module &M, ModuleFacts &Facts, StringSet<> &AsmTokens) {
  // Symbols named as operands by module-level asm (musl's _start calls _start_c) or by inline
  // asm (`call f` in its text): the asm may call them.
  addAsmTokens(M.getModuleInlineAsm(), AsmTokens);
  for (const FunctionFacts &FF : Facts.Functions)
    if (AsmTokens.contains(FF.Name))
      Facts.ModuleAsmRefs.push_back(FF.Name);
  moduleAsmSyscalls(M, Facts);
  Facts.ModuleAsmCallsPointers = asmMakesCalls(M.getModuleInlineAsm(), /*PointersOnly=*/true);
}
