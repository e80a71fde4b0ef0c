//===- ArgFacts.cpp - argument facts of inline-asm syscall sites ----------===//
//
// FILE: lib/ArgFacts.cpp
// DESCRIPTION: For each inline-asm syscall site, the number and each argument as constants and
//   parameters of the enclosing function (the `syscall_args` facts, FORMAT.md), which the Python
//   side resolves through callers into argument constraints. Arguments are read from the
//   register constraints of the asm operands ({di},{si},{dx},{r10},{r8},{r9}), and only when the
//   asm text is exactly `syscall` (musl's __syscallN): other asm could change a register first,
//   so such a site is recorded with an unknown number ("?asm"), which makes every syscall of its
//   function argument-unknown. A value is a set of constants and parameters: integer casts are
//   looked through, phi/select contribute each incoming value, and `or` of two constant sets is
//   the set of their ORs (flags built with |). Anything else is unknown, and left out.
//
//===----------------------------------------------------------------------===//
#include "SyscallFacts.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/Instructions.h"

using namespace llvm;

namespace ccsandbox {

bool SyscallArgsFact::operator<(const SyscallArgsFact &O) const {
  return std::tie(Nr, Args) < std::tie(O.Nr, O.Args);
}

namespace {

constexpr size_t MaxAtoms = 16;

/// The constants and parameters V may be; false when it may be anything else.
bool atoms(Value *V, Function &F, std::set<ValueFact> &Out, unsigned Depth = 0) {
  V = stripIntCasts(V);
  if (auto *CI = dyn_cast<ConstantInt>(V)) {
    if (CI->getBitWidth() > 64)
      return false;
    ValueFact Fact;
    Fact.K = ValueFact::Const;
    Fact.Value = CI->getSExtValue();
    Out.insert(Fact);
  } else if (auto *A = dyn_cast<Argument>(V); A && A->getParent() == &F) {
    ValueFact Fact;
    Fact.K = ValueFact::Param;
    Fact.Value = A->getArgNo();
    Out.insert(Fact);
  } else if (auto *P = dyn_cast<PHINode>(V); P && Depth < 4) {
    for (Value *In : P->incoming_values())
      if (In != P && !atoms(In, F, Out, Depth + 1))
        return false;
  } else if (auto *S = dyn_cast<SelectInst>(V); S && Depth < 4) {
    if (!atoms(S->getTrueValue(), F, Out, Depth + 1) || !atoms(S->getFalseValue(), F, Out, Depth + 1))
      return false;
  } else if (auto *B = dyn_cast<BinaryOperator>(V); B && B->getOpcode() == Instruction::Or && Depth < 4) {
    std::set<ValueFact> L, R;
    if (!atoms(B->getOperand(0), F, L, Depth + 1) || !atoms(B->getOperand(1), F, R, Depth + 1))
      return false;
    for (const ValueFact &X : L)
      for (const ValueFact &Y : R) {
        if (X.K != ValueFact::Const || Y.K != ValueFact::Const)
          return false;
        ValueFact Fact;
        Fact.K = ValueFact::Const;
        Fact.Value = X.Value | Y.Value;
        Out.insert(Fact);
      }
  } else {
    return false;
  }
  return Out.size() <= MaxAtoms;
}

/// Argument index of a register constraint code, -1 for another register; -2 for rax.
int registerIndex(StringRef Code) {
  static const char *Regs[] = {"{di}", "{si}", "{dx}", "{r10}", "{r8}", "{r9}"};
  if (Code == "{ax}")
    return -2;
  for (int I = 0; I < 6; ++I)
    if (Code == Regs[I])
      return I;
  return -1;
}

} // namespace

void collectSyscallArgs(CallBase &CB, Function &F, FunctionFacts &FF) {
  auto *IA = cast<InlineAsm>(CB.getCalledOperand());
  SyscallArgsFact Site;
  Site.Nr.Reason = "asm";
  if (StringRef(IA->getAsmString()).trim() != "syscall") {
    FF.SyscallArgs.insert(Site);
    return;
  }
  // Map operands to registers: outputs and clobbers take no call argument (an indirect output
  // does); an input tied to an output ("0") is in that output's register.
  std::vector<int> OutputReg;
  int NrArg = -1;
  std::map<unsigned, unsigned> ArgOf;  // syscall argument index -> call operand
  unsigned Operand = 0;
  for (const InlineAsm::ConstraintInfo &CI : IA->ParseConstraints()) {
    if (CI.Type == InlineAsm::isClobber)
      continue;
    int Reg = CI.Codes.size() == 1 ? registerIndex(CI.Codes[0]) : -1;
    if (CI.Type == InlineAsm::isOutput) {
      OutputReg.push_back(Reg);
      if (CI.isIndirect)
        ++Operand;
      continue;
    }
    if (CI.Codes.size() == 1 && !CI.Codes[0].empty() && isdigit(CI.Codes[0][0])) {
      unsigned Tied = std::stoul(CI.Codes[0]);
      Reg = Tied < OutputReg.size() ? OutputReg[Tied] : -1;
    }
    if (Operand < CB.arg_size()) {
      if (Reg == -2)
        NrArg = Operand;
      else if (Reg >= 0)
        ArgOf[Reg] = Operand;
    }
    ++Operand;
  }
  std::set<ValueFact> Numbers;
  std::string Field = NrArg >= 0 ? loadedField(CB.getArgOperand(NrArg)) : "";
  if (!Field.empty()) {
    ValueFact Loaded;   // a number loaded from a struct field: resolved like the site's number
    Loaded.K = ValueFact::Field;
    Loaded.Reason = Field;
    Numbers.insert(Loaded);
  } else if (NrArg < 0 || !atoms(CB.getArgOperand(NrArg), F, Numbers)) {
    FF.SyscallArgs.insert(Site);
    return;
  }
  for (const auto &[Index, Op] : ArgOf) {
    std::set<ValueFact> Values;
    if (atoms(CB.getArgOperand(Op), F, Values))
      Site.Args[Index] = Values;
  }
  for (const ValueFact &Nr : Numbers) {
    Site.Nr = Nr;
    FF.SyscallArgs.insert(Site);
  }
}

} // namespace ccsandbox
