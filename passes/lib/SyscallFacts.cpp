//===- SyscallFacts.cpp - collect per-function facts for syscall analysis -===//
//
// FILE: lib/SyscallFacts.cpp
// DESCRIPTION: SyscallFactsAnalysis walks a (whole-program) module once and records what the
//   Python side needs; it makes no decisions (no reachability, no resolution). This file holds
//   the walk, each function's own facts (name, linkage, type) and the classifier of call
//   instructions (`calls`, `indirect_calls`, vsyscall sites), which the order facts reuse so
//   that a site and the facts it produced agree. The other fact kinds, one file each:
//   * ValueFacts.cpp: what an integer value is, which struct field a load/store accesses (shared);
//   * AsmFacts.cpp (reading the text: AsmScan.cpp): syscall sites of inline and file-scope asm,
//     and the functions asm names or may call;
//   * ArgFacts.cpp: the arguments of inline-asm syscall sites (`syscall_args`);
//   * AddressFacts.cpp: where function addresses go (`address_taken`, `refs`, `passed_to`,
//     `global_refs`, `global_fields`, `field_stores`);
//   * NumberFields.cpp: what is stored into the struct fields syscall numbers are loaded from;
//   * OrderFacts.cpp, FallbackFacts.cpp: the order of sites, and blocks run only after -ENOSYS;
//   * ExecFacts.cpp: the path argument of each call into libc's exec family.
//   Notes on calls:
//   * A call to a vsyscall-page address is a site of the syscall the kernel emulates there.
//   * After LTO, struct GEPs are byte offsets, so a function pointer's struct field is taken
//     from the struct-path TBAA tag of the load/store, canonicalised to the innermost struct.
//   * Intrinsic calls are not recorded: they lower to memcpy/memmove/memset (native, no
//     syscalls) or to libm/compiler-rt routines (no syscalls).
// USAGE: see Plugin.cpp.
//
//===----------------------------------------------------------------------===//
#include "SyscallFacts.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"

#include <algorithm>

using namespace llvm;
using namespace ccsandbox;

AnalysisKey SyscallFactsAnalysis::Key;

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

class Collector {
public:
  explicit Collector(Module &M) : M(M) {}
  ModuleFacts run();

private:
  Module &M;
  ModuleFacts Facts;
  DenseMap<const Function *, size_t> Index;
  StringSet<> AsmTokens;   // operand words of module-level and inline asm

  FunctionFacts &of(const Function *F) { return Facts.Functions[Index[F]]; }
  void collectFunction(Function &F, FunctionFacts &FF);
  void collectCall(CallBase &CB, Function &F, FunctionFacts &FF);
  void vsyscall(uint64_t Address, FunctionFacts &FF);
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
  auto Of = [&](const Function *F) -> FunctionFacts & { return of(F); };
  collectAddressFacts(M, Facts, Of);
  collectFieldStores(M, Facts, Of);
  collectNumberFieldStores(M, Facts, Of);
  for (auto [Name, List] : {std::pair{"llvm.global_ctors", &Facts.Ctors}, {"llvm.global_dtors", &Facts.Dtors}})
    if (auto *GV = M.getGlobalVariable(Name); GV && GV->hasInitializer())
      if (auto *Arr = dyn_cast<ConstantArray>(GV->getInitializer()))
        for (Use &E : Arr->operands())
          if (auto *CS = dyn_cast<ConstantStruct>(E.get()); CS && CS->getNumOperands() >= 2)
            if (auto *Fn = dyn_cast<Function>(CS->getOperand(1)->stripPointerCasts()))
              List->push_back(Fn->getName().str());
  collectModuleAsmFacts(M, Facts, AsmTokens);
  return std::move(Facts);
}

void Collector::collectFunction(Function &F, FunctionFacts &FF) {
  for (BasicBlock &BB : F)
    for (Instruction &I : BB)
      if (auto *CB = dyn_cast<CallBase>(&I))
        collectCall(*CB, F, FF);
  collectExecCalls(F, FF);
  collectOrderFacts(F, FF, [&](CallBase &CB, FunctionFacts &One) { collectCall(CB, F, One); });
}

void Collector::collectCall(CallBase &CB, Function &F, FunctionFacts &FF) {
  Value *Callee = CB.getCalledOperand()->stripPointerCasts();
  if (auto *GA = dyn_cast<GlobalAlias>(Callee))
    Callee = const_cast<GlobalObject *>(GA->getAliaseeObject());
  if (auto *IA = dyn_cast<InlineAsm>(Callee)) {
    collectInlineAsmFacts(CB, *IA, F, FF, AsmTokens);
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
  if (auto *LI = dyn_cast<LoadInst>(Callee))
    Ind.Field = tbaaField(LI);   // collectFieldStores reads what is stored into it
  FF.IndirectCalls.insert(Ind);
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

} // namespace

ModuleFacts SyscallFactsAnalysis::run(Module &M, ModuleAnalysisManager &) {
  return Collector(M).run();
}
