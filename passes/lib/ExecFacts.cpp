//===- ExecFacts.cpp - the path argument of calls into libc's exec family --===//
//
// FILE: lib/ExecFacts.cpp
// DESCRIPTION: For each call to a member of the exec family (include/ExecFamily.h; a name's LTO
//   suffix ".N" dropped) and each inline-asm `syscall` whose number is execve (59) or execveat
//   (322), what its program-path argument is (`exec_calls`, see FORMAT.md): a constant C string,
//   poison/undef, main's argv or a getenv result (through pointer loads and GEPs), or another
//   value. Written here so that the analysis needs no IR text; ccsandbox/facts/irexec.py is the
//   reference, and the two are compared on the fixtures and the real programs.
//
//===----------------------------------------------------------------------===//
#include "ExecFamily.h"
#include "SyscallFacts.h"

#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/Instructions.h"

#include <optional>

using namespace llvm;
using namespace ccsandbox;

namespace {

/// "execvp.12" (an LTO-renamed internal copy) -> "execvp".
StringRef baseName(StringRef Name) {
  size_t Dot = Name.rfind('.');
  if (Dot == StringRef::npos || Dot + 1 == Name.size())
    return Name;
  StringRef Tail = Name.substr(Dot + 1);
  return std::all_of(Tail.begin(), Tail.end(), [](char C) { return C >= '0' && C <= '9'; }) ? Name.take_front(Dot)
                                                                                           : Name;
}

std::optional<int> familySlot(StringRef Name) {
  for (auto [Member, Slot] : ExecFamily)
    if (Name == Member)
      return Slot;
  return std::nullopt;
}

/// The C string of the first global constant `[N x i8] c"..."` the operand names, directly or
/// inside a constant expression (a GEP, or the `ptrtoint` of a raw syscall's argument), up to its
/// first NUL: what the printed argument names, read left to right.
std::optional<std::string> cString(Value *V) {
  if (auto *GV = dyn_cast<GlobalVariable>(V)) {
    if (!GV->isConstant() || !GV->hasInitializer())
      return std::nullopt;
    auto *Data = dyn_cast<ConstantDataArray>(GV->getInitializer());
    if (!Data || !Data->getElementType()->isIntegerTy(8))
      return std::nullopt;
    return Data->getRawDataValues().take_until([](char C) { return C == '\0'; }).str();
  }
  if (auto *CE = dyn_cast<ConstantExpr>(V))
    for (Value *Op : CE->operands())
      if (std::optional<std::string> S = cString(Op))
        return S;
  return std::nullopt;
}

/// "argv", "environment" or "variable": where a non-constant path comes from.
std::string classify(Value *V, Function &F) {
  Argument *Argv = baseName(F.getName()) == "main" && F.arg_size() > 1 ? F.getArg(1) : nullptr;
  SmallVector<Value *, 8> Work{V};
  SmallPtrSet<Value *, 16> Seen;
  while (!Work.empty()) {
    Value *X = Work.pop_back_val();
    if (!Seen.insert(X).second)
      continue;
    if (X == Argv)
      return "argv";
    if (auto *CB = dyn_cast<CallBase>(X)) {
      if (auto *Callee = dyn_cast<Function>(CB->getCalledOperand()->stripPointerCasts()))
        if (Callee->getName() == "getenv" || Callee->getName() == "secure_getenv")
          return "environment";
      continue;
    }
    if (auto *LI = dyn_cast<LoadInst>(X)) {
      if (LI->getType()->isPointerTy() && !LI->isVolatile() && !LI->isAtomic())
        Work.push_back(LI->getPointerOperand());
    } else if (auto *GEP = dyn_cast<GetElementPtrInst>(X)) {
      for (Value *Op : GEP->operands())
        Work.push_back(Op);
    }
  }
  return "variable";
}

std::string pathOf(CallBase &CB, unsigned Index, Function &F) {
  if (Index >= CB.arg_size())
    return "poison";
  Value *Arg = CB.getArgOperand(Index);
  if (std::optional<std::string> S = cString(Arg))
    return "=" + *S;
  if (isa<UndefValue>(Arg))   // poison is an undef too
    return "poison";
  return classify(Arg, F);
}

} // namespace

void ccsandbox::collectExecCalls(Function &F, FunctionFacts &FF) {
  for (BasicBlock &BB : F)
    for (Instruction &I : BB) {
      auto *CB = dyn_cast<CallBase>(&I);
      if (!CB)
        continue;
      Value *Called = CB->getCalledOperand()->stripPointerCasts();
      if (auto *IA = dyn_cast<InlineAsm>(Called)) {
        if (IA->getAsmString().find("syscall") == std::string::npos || CB->arg_size() == 0)
          continue;
        auto *Nr = dyn_cast<ConstantInt>(CB->getArgOperand(0));
        if (!Nr || (Nr->getSExtValue() != 59 && Nr->getSExtValue() != 322))
          continue;
        FF.ExecCalls.insert({"syscall", pathOf(*CB, Nr->getSExtValue() == 59 ? 1 : 2, F)});
        continue;
      }
      auto *Callee = dyn_cast<GlobalValue>(Called);
      if (!Callee)
        continue;
      StringRef Name = baseName(Callee->getName());
      std::optional<int> Slot = familySlot(Name);
      if (!Slot)
        continue;
      FF.ExecCalls.insert({Name.str(), *Slot < 0 ? std::string() : pathOf(*CB, *Slot, F)});
    }
}
