//===- SyscallFacts.cpp - collect per-function facts for syscall analysis -===//
//
// FILE: lib/SyscallFacts.cpp
// DESCRIPTION: SyscallFactsAnalysis walks a (whole-program) module once and records what the
//   Python side needs; it makes no decisions (no reachability, no resolution). Notes:
//   * A syscall site is inline asm whose text contains the `syscall` instruction (musl's
//     __syscallN); its number is operand 0. `int $0x80`/`sysenter` are recorded as unknown.
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

/// Look through integer casts, which do not change which syscall a number names.
Value *stripIntCasts(Value *V) {
  while (auto *C = dyn_cast<CastInst>(V)) {
    if (!isa<ZExtInst, SExtInst, TruncInst>(C))
      break;
    V = C->getOperand(0);
  }
  return V;
}

/// Constant or parameter; phi/select of those expand to several facts (bounded depth).
void valueFacts(Value *V, Function &F, std::set<ValueFact> &Out, unsigned Depth = 0) {
  V = stripIntCasts(V);
  ValueFact Fact;
  if (auto *CI = dyn_cast<ConstantInt>(V)) {
    Fact.K = ValueFact::Const;
    Fact.Value = CI->getSExtValue();
  } else if (auto *A = dyn_cast<Argument>(V); A && A->getParent() == &F) {
    Fact.K = ValueFact::Param;
    Fact.Value = A->getArgNo();
  } else if (auto *P = dyn_cast<PHINode>(V); P && Depth < 4) {
    for (Value *In : P->incoming_values())
      if (In != P)
        valueFacts(In, F, Out, Depth + 1);
    return;
  } else if (auto *S = dyn_cast<SelectInst>(V); S && Depth < 4) {
    valueFacts(S->getTrueValue(), F, Out, Depth + 1);
    valueFacts(S->getFalseValue(), F, Out, Depth + 1);
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
std::string tbaaField(const Instruction *I) {
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

/// LLVM struct type name as TBAA names it: "struct.op.12" -> "op"; "" if unnamed or a union.
std::string structKeyName(StructType *ST) {
  if (!ST->hasName())
    return "";
  StringRef N = ST->getName();
  if (!N.consume_front("struct."))
    return "";
  static Regex Suffix("\\.[0-9]+$");
  return Suffix.sub("", N);
}

bool isSyscallAsm(StringRef Asm) {
  static Regex R("(^|[^A-Za-z0-9_.])syscall($|[^A-Za-z0-9_])");
  return R.match(Asm);
}
bool isOtherTrapAsm(StringRef Asm) {
  return Asm.contains("int $$0x80") || Asm.contains("int $0x80") || Asm.contains("sysenter");
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

  FunctionFacts &of(const Function *F) { return Facts.Functions[Index[F]]; }
  void collectFunction(Function &F, FunctionFacts &FF);
  void collectCall(CallBase &CB, Function &F, FunctionFacts &FF);
  void collectUses(Function &F);
  void useOf(Function &Target, const Use &U);
  void globalFields(Constant *C, Function *Only);
  void collectFieldStores();
};

ModuleFacts Collector::run() {
  Facts.Triple = M.getTargetTriple();
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
  for (auto [Name, List] : {std::pair{"llvm.global_ctors", &Facts.Ctors}, {"llvm.global_dtors", &Facts.Dtors}})
    if (auto *GV = M.getGlobalVariable(Name); GV && GV->hasInitializer())
      if (auto *Arr = dyn_cast<ConstantArray>(GV->getInitializer()))
        for (Use &E : Arr->operands())
          if (auto *CS = dyn_cast<ConstantStruct>(E.get()); CS && CS->getNumOperands() >= 2)
            if (auto *Fn = dyn_cast<Function>(CS->getOperand(1)->stripPointerCasts()))
              List->push_back(Fn->getName().str());
  // Symbols named as operands by module-level asm (musl's _start calls _start_c). The first
  // word of each statement is a mnemonic or directive, not a reference.
  StringRef Asm = M.getModuleInlineAsm();
  StringSet<> Tokens;
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
  for (const FunctionFacts &FF : Facts.Functions)
    if (Tokens.contains(FF.Name))
      Facts.ModuleAsmRefs.push_back(FF.Name);
  for (const auto &[F, I] : Index)
    Facts.Functions[I].FieldsOnly = Facts.Functions[I].AddressTaken && !Untracked.contains(F);
  return std::move(Facts);
}

void Collector::collectFunction(Function &F, FunctionFacts &FF) {
  for (BasicBlock &BB : F)
    for (Instruction &I : BB)
      if (auto *CB = dyn_cast<CallBase>(&I))
        collectCall(*CB, F, FF);
}

void Collector::collectCall(CallBase &CB, Function &F, FunctionFacts &FF) {
  Value *Callee = CB.getCalledOperand()->stripPointerCasts();
  if (auto *GA = dyn_cast<GlobalAlias>(Callee))
    Callee = const_cast<GlobalObject *>(GA->getAliaseeObject());
  if (auto *IA = dyn_cast<InlineAsm>(Callee)) {
    StringRef Asm = IA->getAsmString();
    if (isSyscallAsm(Asm)) {
      if (CB.arg_size() == 0) {
        ValueFact Unknown;
        Unknown.Reason = "no-operand";
        FF.Syscalls.insert(Unknown);
      } else {
        valueFacts(CB.getArgOperand(0), F, FF.Syscalls);
      }
      collectSyscallArgs(CB, F, FF);
    } else if (isOtherTrapAsm(Asm)) {
      ValueFact Unknown;
      Unknown.Reason = "int80";
      FF.Syscalls.insert(Unknown);
    }
    return;
  }
  if (auto *Target = dyn_cast_or_null<Function>(Callee)) {
    if (Target->isIntrinsic())
      return;
    CallFact Call;
    Call.Callee = Target->getName().str();
    for (unsigned A = 0; A < CB.arg_size(); ++A) {
      Value *V = stripIntCasts(CB.getArgOperand(A));
      if (!CB.getArgOperand(A)->getType()->isIntegerTy())
        continue;
      if (auto *CI = dyn_cast<ConstantInt>(V)) {
        ValueFact C;
        C.K = ValueFact::Const;
        C.Value = CI->getSExtValue();
        Call.IntArgs[A] = C;
      } else if (auto *Arg = dyn_cast<Argument>(V); Arg && Arg->getParent() == &F) {
        ValueFact P;
        P.K = ValueFact::Param;
        P.Value = Arg->getArgNo();
        Call.IntArgs[A] = P;
      }
    }
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
