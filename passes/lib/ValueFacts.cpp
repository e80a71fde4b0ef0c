//===- ValueFacts.cpp - values and struct fields, as every fact names them -===//
//
// FILE: lib/ValueFacts.cpp
// DESCRIPTION: The vocabulary the fact kinds share, declared in include/SyscallFacts.h: the
//   order of the fact structs (facts are kept in sets, so output is sorted), what an integer
//   value is (valueFacts: a constant, a parameter, a struct field it is loaded from, or unknown
//   with a reason; integer casts looked through), and which struct field a load or store
//   accesses. After LTO, struct GEPs are byte offsets, so a field is taken from the struct-path
//   TBAA tag of the load/store, canonicalised to the innermost struct ("struct+offset").
//
//===----------------------------------------------------------------------===//
#include "SyscallFacts.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Metadata.h"
#include "llvm/Support/Regex.h"

using namespace llvm;
using namespace ccsandbox;

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
