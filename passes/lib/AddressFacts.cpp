//===- AddressFacts.cpp - where the addresses of functions go -------------===//
//
// FILE: lib/AddressFacts.cpp
// DESCRIPTION: Every use of a function that is not a call of it takes its address. The facts
//   (FORMAT.md) let the Python side bound the targets of indirect calls: `address_taken` ("fields"
//   when every such use is a struct field: a TBAA-tagged store or a named-struct field of an
//   initializer), `refs` (the functions whose code takes it), `passed_to` (the callee and
//   argument a call hands it to, e.g. pthread_create's start routine), `global_refs` and
//   `global_fields` (the globals, and named-struct fields of initializers, holding it), and
//   `field_stores` (what is stored into the fields indirect calls load from, "?" when not a
//   known function: the field's contents then escape the analysis).
//
//===----------------------------------------------------------------------===//
#include "SyscallFacts.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"

using namespace llvm;
using namespace ccsandbox;

namespace {

class AddressFacts {
public:
  AddressFacts(Module &M, ModuleFacts &Facts, function_ref<FunctionFacts &(const Function *)> Of)
      : M(M), DL(M.getDataLayout()), Facts(Facts), Of(Of) {}
  void run();

private:
  Module &M;
  const DataLayout &DL;
  ModuleFacts &Facts;
  function_ref<FunctionFacts &(const Function *)> Of;
  DenseSet<const Function *> Untracked;   // address flows somewhere other than a struct field
  void useOf(Function &Target, const Use &U);
  void globalFields(Constant *C, Function *Only);
};

/// Every use of F that is not "being called": F's address is taken there.
void AddressFacts::run() {
  for (Function &F : M)
    if (!F.isIntrinsic())
      for (const Use &U : F.uses())
        useOf(F, U);
  for (Function &F : M)
    if (!F.isIntrinsic())
      Of(&F).FieldsOnly = Of(&F).AddressTaken && !Untracked.contains(&F);
}

void AddressFacts::useOf(Function &Target, const Use &U) {
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
        Of(&Target).PassedTo.insert({To, CB->getArgOperandNo(&U)});
    }
  }
  if (auto *I = dyn_cast<Instruction>(Usr)) {
    Of(&Target).AddressTaken = true;
    if (!I->getFunction()->isIntrinsic())
      Of(I->getFunction()).Refs.insert(Target.getName().str());
    auto *SI = dyn_cast<StoreInst>(I);
    if (!SI || SI->getValueOperand() != U.get() || tbaaField(SI).empty())
      Untracked.insert(&Target);
    return;
  }
  if (auto *GV = dyn_cast<GlobalVariable>(Usr)) {
    Of(&Target).AddressTaken = true;
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
  Of(&Target).AddressTaken = true;   // metadata or anything unforeseen: be conservative
  Untracked.insert(&Target);
}

/// Record functions sitting in named-struct fields of an initializer; functions anywhere else
/// in it (arrays of pointers, unnamed structs, constant expressions) become untracked.
void AddressFacts::globalFields(Constant *C, Function *Only) {
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

} // namespace

void ccsandbox::collectAddressFacts(Module &M, ModuleFacts &Facts,
                                    function_ref<FunctionFacts &(const Function *)> Of) {
  AddressFacts(M, Facts, Of).run();
}

/// Stores into fields that some indirect call loads from: the function stored, or "?" when
/// the stored value is not a known function (the field's contents then escape the analysis).
void ccsandbox::collectFieldStores(Module &M, ModuleFacts &Facts,
                                   function_ref<FunctionFacts &(const Function *)> Of) {
  StringSet<> IndirectFields;
  for (const FunctionFacts &FF : Facts.Functions)
    for (const IndirectCallFact &Ind : FF.IndirectCalls)
      if (!Ind.Field.empty())
        IndirectFields.insert(Ind.Field);
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
          Of(&F).FieldStores.insert({Field, Fn ? Fn->getName().str() : "?"});
        }
}
