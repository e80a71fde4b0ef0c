//===- FallbackFacts.cpp - blocks that run only after a site returned -ENOSYS ===//
//
// FILE: lib/FallbackFacts.cpp
// DESCRIPTION: The `enosys_blocks` facts (FORMAT.md). musl tries a newer syscall first and falls
//   back to an older one when the kernel answers -ENOSYS. After LTO that is a branch on the raw
//   result of the first syscall's asm (or of a call to a native wrapper such as
//   __syscall_cp_asm) compared with -38, or, once musl's int truncation is folded, its low 32
//   bits (`and i64 %r, 4294967295` == 4294967258). On the edge taken only when the comparison
//   holds (eq: true edge, ne: false edge; through `and`/`select X, Y, false` on the true edge,
//   `or`/`select X, true, Y` on the false edge; switch cases), the target block -- when that edge
//   is its only incoming edge -- and every block it dominates run only after one of the sites
//   whose result the compared value may be (casts and phis looked through) returned -ENOSYS.
//   The facts record that shape only; whether a guard means "this kernel lacks the syscall" is
//   the Python analysis's decision (ccsandbox/analysis/fallbacks.py). Mirrored by
//   ccsandbox/facts/irfallback.py; fixture test/Inputs/enosys.ll.
//
//===----------------------------------------------------------------------===//
#include "SyscallFacts.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/Instructions.h"

using namespace llvm;

namespace ccsandbox {

namespace {

constexpr int64_t Enosys = 38;
constexpr unsigned MaxDepth = 4;
using Guard = std::vector<unsigned>;

class Reader {
public:
  explicit Reader(const DenseMap<const Instruction *, unsigned> &SiteOf) : SiteOf(SiteOf) {}

  /// The sites whose result V is (through casts and phis); false when it may be anything else.
  bool sources(Value *V, std::set<unsigned> &Out, unsigned Depth = 0) const {
    V = stripIntCasts(V);
    if (auto *I = dyn_cast<Instruction>(V)) {
      auto It = SiteOf.find(I);
      if (It != SiteOf.end()) {
        Out.insert(It->second);
        return true;
      }
    }
    auto *P = dyn_cast<PHINode>(V);
    if (!P || Depth >= MaxDepth)
      return false;
    size_t Before = Out.size();
    bool Any = false;
    for (Value *In : P->incoming_values()) {
      if (In == P)
        continue;
      if (!sources(In, Out, Depth + 1))
        return false;
      Any = true;
    }
    return Any && Out.size() >= Before;
  }

  /// The sites whose -ENOSYS result `V == C` means; false when it means something else.
  bool compared(Value *V, ConstantInt *C, std::set<unsigned> &Out) const {
    unsigned Bits = C->getBitWidth();
    if (Bits < 8)
      return false;
    V = stripIntCasts(V);
    auto *Mask = dyn_cast<BinaryOperator>(V);
    if (Bits == 64 && Mask && Mask->getOpcode() == Instruction::And) {
      auto *M = dyn_cast<ConstantInt>(Mask->getOperand(1));
      if (M && M->getValue() == APInt(64, 0xffffffffULL) && C->getValue() == APInt(64, 0x100000000ULL - Enosys))
        return sources(Mask->getOperand(0), Out);
    }
    if (C->getValue() == APInt(Bits, static_cast<uint64_t>(-Enosys), /*isSigned=*/true))
      return sources(V, Out);
    return false;
  }

  /// Guards implied by Cond having the value Taken.
  void guards(Value *Cond, bool Taken, std::set<Guard> &Out, unsigned Depth = 0) const {
    if (Depth > MaxDepth)
      return;
    if (auto *Cmp = dyn_cast<ICmpInst>(Cond)) {
      auto *C = dyn_cast<ConstantInt>(Cmp->getOperand(1));
      bool Eq = Cmp->getPredicate() == ICmpInst::ICMP_EQ;
      if (!C || !(Eq || Cmp->getPredicate() == ICmpInst::ICMP_NE) || Eq != Taken)
        return;
      std::set<unsigned> Found;
      if (compared(Cmp->getOperand(0), C, Found) && !Found.empty())
        Out.insert(Guard(Found.begin(), Found.end()));
      return;
    }
    if (auto *B = dyn_cast<BinaryOperator>(Cond); B && B->getType()->isIntegerTy(1)) {
      if ((B->getOpcode() == Instruction::And && Taken) || (B->getOpcode() == Instruction::Or && !Taken)) {
        guards(B->getOperand(0), Taken, Out, Depth + 1);
        guards(B->getOperand(1), Taken, Out, Depth + 1);
      }
      return;
    }
    if (auto *S = dyn_cast<SelectInst>(Cond); S && S->getType()->isIntegerTy(1)) {
      auto *T = dyn_cast<ConstantInt>(S->getTrueValue());
      auto *F = dyn_cast<ConstantInt>(S->getFalseValue());
      if (Taken && F && F->isZero()) {  // X && Y
        guards(S->getCondition(), true, Out, Depth + 1);
        guards(S->getTrueValue(), true, Out, Depth + 1);
      } else if (!Taken && T && T->isOne()) {  // X || Y
        guards(S->getCondition(), false, Out, Depth + 1);
        guards(S->getFalseValue(), false, Out, Depth + 1);
      }
    }
  }

private:
  const DenseMap<const Instruction *, unsigned> &SiteOf;
};

} // namespace

void collectFallbackFacts(Function &F, const DenseMap<const Instruction *, unsigned> &SiteOf,
                          const DenseMap<const BasicBlock *, unsigned> &Number, FunctionFacts &FF) {
  Reader R(SiteOf);
  std::map<const BasicBlock *, std::set<Guard>> Targets;
  auto Add = [&](BasicBlock &From, BasicBlock *To, std::set<Guard> &G) {
    if (!G.empty() && To->getSinglePredecessor() == &From)
      Targets[To].insert(G.begin(), G.end());
  };
  for (BasicBlock &BB : F) {
    Instruction *Term = BB.getTerminator();
    if (auto *Br = dyn_cast_or_null<BranchInst>(Term); Br && Br->isConditional()) {
      for (bool Taken : {true, false}) {
        std::set<Guard> G;
        R.guards(Br->getCondition(), Taken, G);
        Add(BB, Br->getSuccessor(Taken ? 0 : 1), G);
      }
    } else if (auto *Sw = dyn_cast_or_null<SwitchInst>(Term)) {
      for (auto &Case : Sw->cases()) {
        std::set<unsigned> Found;
        std::set<Guard> G;
        if (R.compared(Sw->getCondition(), Case.getCaseValue(), Found) && !Found.empty())
          G.insert(Guard(Found.begin(), Found.end()));
        Add(BB, Case.getCaseSuccessor(), G);
      }
    }
  }
  if (Targets.empty())
    return;
  DominatorTree DT(F);
  std::set<unsigned> SiteBlocks;
  for (const SiteFact &S : FF.Sites)
    SiteBlocks.insert(S.Block);
  for (BasicBlock &BB : F) {
    if (!SiteBlocks.count(Number.lookup(&BB)) || !DT.isReachableFromEntry(&BB))
      continue;
    std::set<Guard> Found;
    for (const auto &[T, G] : Targets)
      if (DT.dominates(T, &BB))
        Found.insert(G.begin(), G.end());
    if (!Found.empty())
      FF.EnosysBlocks[Number.lookup(&BB)] = std::move(Found);
  }
}

} // namespace ccsandbox
