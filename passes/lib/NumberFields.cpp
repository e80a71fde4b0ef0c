//===- NumberFields.cpp - what a syscall number loaded from memory can be --===//
//
// FILE: lib/NumberFields.cpp
// DESCRIPTION: A syscall site whose number is loaded from a struct field ("@ctx+12": musl's
//   setuid family hands a `struct ctx` to every thread through __synccall) is resolved by the
//   Python side from what is written into that field: integer stores tagged with the field,
//   the constants initializers put there, and every write into the bytes of an object (an
//   alloca or a global) whose struct type has that name and an integer of the load's width at
//   that offset, whatever its TBAA tag: the SLP vectorizer merges an initialisation into one
//   `store <4 x i32>` tagged as a plain int, and clang initialises a constant struct with a
//   memcpy from a constant global. A write whose value there cannot be told is an unknown value
//   (the site then fails closed). The reference extractor's copy is
//   ccsandbox/facts/irmemory.py; fixture test/Inputs/memory.c.
//
//===----------------------------------------------------------------------===//
#include "SyscallFacts.h"

#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Operator.h"
#include "llvm/Support/MathExtras.h"

using namespace llvm;
using namespace ccsandbox;

namespace {

class NumberFields {
public:
  NumberFields(Module &M, ModuleFacts &Facts, function_ref<FunctionFacts &(const Function *)> Of)
      : M(M), DL(M.getDataLayout()), Facts(Facts), Of(Of) {}
  void run();

private:
  Module &M;
  const DataLayout &DL;
  ModuleFacts &Facts;
  function_ref<FunctionFacts &(const Function *)> Of;
  void globalIntFields(Constant *C, const std::set<std::string> &Wanted);
  void objectStores(Value *Object, StructType *ST, Function *In, const std::set<std::string> &Round,
                    const std::map<std::string, unsigned> &Width, std::set<std::string> &Next);
};

/// Integer stores into the fields syscall numbers are loaded from (and, transitively, into the
/// fields those stores load from), and the constants initializers put there: what a number
/// that travels through memory can be. Every other store is of no interest to the analysis.
void NumberFields::run() {
  std::set<std::string> Wanted, Done;
  auto Want = [&](const ValueFact &V) {
    if (V.K == ValueFact::Field && !Done.count(V.Reason))
      Wanted.insert(V.Reason);
  };
  for (const FunctionFacts &FF : Facts.Functions)   // file-scope asm gives no field numbers
    for (const ValueFact &V : FF.Syscalls)
      Want(V);
  while (!Wanted.empty()) {
    std::set<std::string> Round;
    Round.swap(Wanted);
    Done.insert(Round.begin(), Round.end());
    for (Function &F : M)
      for (BasicBlock &BB : F)
        for (Instruction &I : BB)
          if (auto *SI = dyn_cast<StoreInst>(&I); SI && SI->getValueOperand()->getType()->isIntegerTy()) {
            std::string Field = tbaaField(SI);
            if (Field.empty() || !Round.count(Field))
              continue;
            std::set<ValueFact> Values;
            valueFacts(SI->getValueOperand(), F, Values, 0, /*Fields=*/true);
            for (const ValueFact &V : Values) {
              Of(&F).IntFieldStores.insert({Field, V});
              Want(V);
            }
          }
    for (GlobalVariable &GV : M.globals())
      if (GV.hasInitializer() && !GV.getName().starts_with("llvm."))
        globalIntFields(GV.getInitializer(), Round);
    // Objects of the fields' struct types (locals and globals): every write into their bytes,
    // whatever its TBAA tag. The SLP vectorizer merges the field stores of an initialisation
    // into one `store <4 x i32>` tagged as a plain int, which the tagged-store rule cannot see.
    std::map<std::string, unsigned> Width;   // field -> bytes, from the loads that read it
    for (Function &F : M)
      for (BasicBlock &BB : F)
        for (Instruction &I : BB)
          if (auto *LI = dyn_cast<LoadInst>(&I); LI && LI->getType()->isIntegerTy())
            if (std::string Field = tbaaField(LI); Round.count(Field))
              Width[Field] = std::max(Width[Field], (unsigned)DL.getTypeStoreSize(LI->getType()));
    std::set<std::string> Keys;
    for (const std::string &Field : Round)
      Keys.insert(Field.substr(0, Field.rfind('+')));
    auto Typed = [&](Type *T) -> StructType * {
      auto *ST = dyn_cast<StructType>(T);
      return ST && Keys.count(structKeyName(ST)) ? ST : nullptr;
    };
    std::set<std::string> Next;
    for (Function &F : M)
      for (BasicBlock &BB : F)
        for (Instruction &I : BB)
          if (auto *AI = dyn_cast<AllocaInst>(&I))
            if (StructType *ST = Typed(AI->getAllocatedType()))
              objectStores(AI, ST, &F, Round, Width, Next);
    for (GlobalVariable &GV : M.globals())
      if (StructType *ST = Typed(GV.getValueType()))
        objectStores(&GV, ST, nullptr, Round, Width, Next);
    for (const std::string &Field : Next)
      if (!Done.count(Field))
        Wanted.insert(Field);
  }
}

/// The value ``Bytes`` bytes at ``Offset`` of a constant hold (little-endian), if it is a
/// constant whose bytes are known: integers, vectors and arrays of them, zero.
bool constantBytes(Constant *C, const DataLayout &DL, uint64_t Offset, unsigned Bytes, long long &Out) {
  if (C->isNullValue()) {
    Out = 0;
    return true;
  }
  if (auto *CI = dyn_cast<ConstantInt>(C)) {
    unsigned Size = DL.getTypeStoreSize(CI->getType());
    if (Offset + Bytes > Size || CI->getBitWidth() > 64)
      return false;
    uint64_t V = CI->getZExtValue() >> (8 * Offset);
    Out = Bytes >= 8 ? (long long)V : SignExtend64(V & ((1ULL << (8 * Bytes)) - 1), 8 * Bytes);
    return true;
  }
  if (auto *CDS = dyn_cast<ConstantDataSequential>(C)) {
    unsigned Elem = DL.getTypeStoreSize(CDS->getElementType());
    if (!CDS->getElementType()->isIntegerTy() || Offset / Elem != (Offset + Bytes - 1) / Elem)
      return false;
    return constantBytes(CDS->getElementAsConstant(Offset / Elem), DL, Offset % Elem, Bytes, Out);
  }
  if (auto *CS = dyn_cast<ConstantStruct>(C)) {
    const StructLayout *SL = DL.getStructLayout(CS->getType());
    if (CS->getNumOperands() == 0 || Offset >= SL->getSizeInBytes())
      return false;
    unsigned E = SL->getElementContainingOffset(Offset);
    uint64_t At = Offset - SL->getElementOffset(E);
    if (At + Bytes > DL.getTypeStoreSize(CS->getOperand(E)->getType()))
      return false;
    return constantBytes(CS->getOperand(E), DL, At, Bytes, Out);
  }
  if (isa<ConstantVector, ConstantArray>(C)) {
    Type *ElemT = C->getType()->isVectorTy() ? cast<VectorType>(C->getType())->getElementType()
                                             : C->getType()->getArrayElementType();
    unsigned Elem = DL.getTypeStoreSize(ElemT);
    if (Offset / Elem != (Offset + Bytes - 1) / Elem || Offset / Elem >= C->getNumOperands())
      return false;
    return constantBytes(cast<Constant>(C->getOperand(Offset / Elem)), DL, Offset % Elem, Bytes, Out);
  }
  return false;
}

/// The bytes at ``Offset`` of what ``Src`` points to, when it is a constant offset into a
/// constant global with a definitive initializer.
bool copiedConstant(Value *Src, const DataLayout &DL, uint64_t Offset, unsigned Bytes, long long &Out) {
  APInt Off(DL.getIndexTypeSizeInBits(Src->getType()), 0);
  auto *GV = dyn_cast<GlobalVariable>(Src->stripAndAccumulateConstantOffsets(DL, Off, /*AllowNonInbounds=*/true));
  if (!GV || !GV->isConstant() || !GV->hasDefinitiveInitializer() || Off.isNegative())
    return false;
  return constantBytes(GV->getInitializer(), DL, Off.getZExtValue() + Offset, Bytes, Out);
}

/// Does ``T`` hold an integer of ``Bytes`` bytes exactly at ``Offset`` (through nested structs
/// and arrays)? Two struct types may share a name ("ctx" in several musl files): only the one
/// whose layout has the field is an object of it.
bool intMemberAt(Type *T, const DataLayout &DL, uint64_t Offset, unsigned Bytes) {
  if (auto *ST = dyn_cast<StructType>(T)) {
    const StructLayout *SL = DL.getStructLayout(ST);
    if (ST->getNumElements() == 0 || Offset >= SL->getSizeInBytes())
      return false;
    unsigned E = SL->getElementContainingOffset(Offset);
    return intMemberAt(ST->getElementType(E), DL, Offset - SL->getElementOffset(E), Bytes);
  }
  if (auto *AT = dyn_cast<ArrayType>(T)) {
    uint64_t Elem = DL.getTypeAllocSize(AT->getElementType());
    return Elem && intMemberAt(AT->getElementType(), DL, Offset % Elem, Bytes);
  }
  return T->isIntegerTy() && Offset == 0 && DL.getTypeStoreSize(T) == Bytes;
}

/// Writes into the bytes of one object of struct type ``ST`` (an alloca of ``In``, or a global):
/// for each number field of ST, the value each write that overlaps it stores there (unknown for
/// a write whose value there cannot be told, or a pointer into the object that is not at a
/// constant offset).
void NumberFields::objectStores(Value *Object, StructType *ST, Function *In, const std::set<std::string> &Round,
                             const std::map<std::string, unsigned> &Width, std::set<std::string> &Next) {
  std::string Key = structKeyName(ST);
  std::vector<std::pair<uint64_t, unsigned>> Fields;   // (offset, width) of the wanted fields
  for (const std::string &Field : Round)
    if (Field.substr(0, Field.rfind('+')) == Key) {
      auto W = Width.find(Field);
      uint64_t Off = std::stoull(Field.substr(Field.rfind('+') + 1));
      unsigned Bytes = W == Width.end() ? 4u : W->second;
      if (intMemberAt(ST, DL, Off, Bytes))
        Fields.push_back({Off, Bytes});
    }
  if (Fields.empty())
    return;
  auto Record = [&](Function *F, uint64_t Offset, unsigned, const ValueFact &V) {
    if (!F)
      return;   // every write is an instruction: a user outside a function writes nothing
    Of(F).IntFieldStores.insert({Key + "+" + std::to_string(Offset), V});
    if (V.K == ValueFact::Field)
      Next.insert(V.Reason);
  };
  auto Unknown = [](const char *Why) {
    ValueFact V;
    V.Reason = Why;
    return V;
  };
  // (pointer, its constant offset into the object)
  std::vector<std::pair<Value *, uint64_t>> Work = {{Object, 0}};
  SmallPtrSet<Value *, 16> Seen;
  while (!Work.empty()) {
    auto [Ptr, At] = Work.back();
    Work.pop_back();
    if (!Seen.insert(Ptr).second)
      continue;
    for (User *U : Ptr->users()) {
      auto *I = dyn_cast<Instruction>(U);
      Function *F = I ? I->getFunction() : In;
      if (auto *GEP = dyn_cast<GEPOperator>(U)) {
        APInt Off(64, 0);
        if (GEP->getPointerOperand() == Ptr && GEP->accumulateConstantOffset(DL, Off)) {
          Work.push_back({GEP, At + Off.getSExtValue()});
          continue;
        }
      } else if (isa<BitCastOperator, AddrSpaceCastInst>(U) || (isa<ConstantExpr>(U) && cast<ConstantExpr>(U)->isCast())) {
        if (U->getType()->isPointerTy()) {
          Work.push_back({U, At});
          continue;
        }
      } else if (isa<LoadInst>(U)) {
        continue;
      }
      if (auto *SI = dyn_cast<StoreInst>(U); SI && SI->getPointerOperand() == Ptr) {
        unsigned Size = DL.getTypeStoreSize(SI->getValueOperand()->getType());
        for (auto [Off, W] : Fields) {
          if (At + Size <= Off || Off + W <= At)
            continue;
          long long C;
          if (At == Off && Size == W && SI->getValueOperand()->getType()->isIntegerTy()) {
            std::set<ValueFact> Values;
            valueFacts(SI->getValueOperand(), *SI->getFunction(), Values, 0, /*Fields=*/true);
            for (const ValueFact &V : Values)
              Record(F, Off, W, V);
          } else if (auto *K = dyn_cast<Constant>(SI->getValueOperand());
                     K && At <= Off && Off + W <= At + Size && constantBytes(K, DL, Off - At, W, C)) {
            ValueFact V;
            V.K = ValueFact::Const;
            V.Value = C;
            Record(F, Off, W, V);
          } else {
            Record(F, Off, W, Unknown("store"));
          }
        }
        continue;
      }
      if (auto *CB = dyn_cast<CallBase>(U)) {
        Function *Callee = CB->getCalledFunction();
        StringRef Name = Callee ? Callee->getName() : "";
        bool Fill = Name.starts_with("llvm.memset") || Name == "memset";
        bool Copy = Name.starts_with("llvm.memcpy") || Name.starts_with("llvm.memmove") || Name == "memcpy" ||
                    Name == "memmove";
        if ((Fill || Copy) && CB->arg_size() >= 3 && CB->getArgOperand(0) == Ptr) {
          auto *Len = dyn_cast<ConstantInt>(CB->getArgOperand(2));
          auto *Byte = Fill ? dyn_cast<ConstantInt>(CB->getArgOperand(1)) : nullptr;
          for (auto [Off, W] : Fields) {
            if (Len && (At + Len->getZExtValue() <= Off || Off + W <= At))
              continue;
            long long Copied;
            if (Copy && Len && At <= Off && Off + W <= At + Len->getZExtValue() &&
                copiedConstant(CB->getArgOperand(1), DL, Off - At, W, Copied)) {
              ValueFact Fact;   // copied from a constant (clang initialises a local struct so)
              Fact.K = ValueFact::Const;
              Fact.Value = Copied;
              Record(F, Off, W, Fact);
            } else if (Byte && Len && At <= Off && Off + W <= At + Len->getZExtValue()) {
              uint64_t B = Byte->getZExtValue() & 0xff, V = 0;
              for (unsigned K = 0; K < W; ++K)
                V |= B << (8 * K);
              ValueFact Fact;
              Fact.K = ValueFact::Const;
              Fact.Value = W >= 8 ? (long long)V : SignExtend64(V, 8 * W);
              Record(F, Off, W, Fact);
            } else {
              Record(F, Off, W, Unknown(Fill ? "memset" : "memcpy"));
            }
          }
        }
        continue;   // other calls: the callee's own writes are stores tagged with the field
      }
      if (isa<PHINode, SelectInst>(U) || (isa<GEPOperator>(U)))
        for (auto [Off, W] : Fields)   // a pointer into the object at an offset not known
          Record(F, Off, W, Unknown("pointer"));
    }
  }
}

/// Integer constants at the named-struct fields ``Wanted`` of an initializer.
void NumberFields::globalIntFields(Constant *C, const std::set<std::string> &Wanted) {
  if (auto *CS = dyn_cast<ConstantStruct>(C)) {
    StructType *ST = CS->getType();
    std::string Key = structKeyName(ST);
    const StructLayout *SL = DL.getStructLayout(ST);
    for (unsigned E = 0; E < CS->getNumOperands(); ++E) {
      Constant *Elem = CS->getOperand(E);
      std::string Field = Key + "+" + std::to_string(SL->getElementOffset(E));
      if (auto *CI = dyn_cast<ConstantInt>(Elem); CI && !Key.empty() && Wanted.count(Field))
        Facts.GlobalIntFields[Field].insert(CI->getSExtValue());
      else if (!isa<ConstantInt>(Elem))
        globalIntFields(Elem, Wanted);
    }
    return;
  }
  if (isa<ConstantAggregate>(C))
    for (Use &Op : C->operands())
      if (auto *Inner = dyn_cast<Constant>(Op.get()))
        globalIntFields(Inner, Wanted);
}

} // namespace

void ccsandbox::collectNumberFieldStores(Module &M, ModuleFacts &Facts,
                                         function_ref<FunctionFacts &(const Function *)> Of) {
  NumberFields(M, Facts, Of).run();
}
