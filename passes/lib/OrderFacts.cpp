//===- OrderFacts.cpp - order of call and syscall sites inside functions --===//
//
// FILE: lib/OrderFacts.cpp
// DESCRIPTION: Facts format version 2 adds, per function, what a temporal (phase) analysis
//   needs to answer "which sites can run after this one": the block graph (each block's
//   successors) and the function's sites (direct calls, indirect calls, syscall sites) in block
//   and instruction order, each naming the block it is in and the per-function fact it produced.
//   For a site whose debug location was inlined, the inlined-at chain (DILocation inlinedAt ->
//   DISubprogram names, innermost first) says which source functions LTO folded it out of, so an
//   entry inlined away (redis' aeMain into main) can still be found.
//   The site's facts come from the same classifier as the per-function lists (Collector's
//   collectCall, passed in), so recognition rules live in one place (SyscallFacts.cpp, which
//   hands inline asm to AsmFacts.cpp).
//
//===----------------------------------------------------------------------===//
#include "SyscallFacts.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/Function.h"

#include <algorithm>
#include <map>

using namespace llvm;
using namespace ccsandbox;

namespace {
/// Source functions the instruction was inlined out of, innermost first (empty if none).
std::vector<std::string> inlinedChain(const Instruction &I) {
  std::vector<std::string> Chain;
  for (const DILocation *L = I.getDebugLoc().get(); L && L->getInlinedAt(); L = L->getInlinedAt())
    if (const DISubprogram *SP = L->getScope()->getSubprogram())
      Chain.push_back(SP->getName().str());
  return Chain;
}
} // namespace

void ccsandbox::collectOrderFacts(Function &F, FunctionFacts &FF,
                                  function_ref<void(CallBase &, FunctionFacts &)> Classify) {
  DenseMap<const BasicBlock *, unsigned> Number;
  for (BasicBlock &BB : F)
    Number[&BB] = Number.size();
  std::vector<std::vector<unsigned>> Blocks;
  std::vector<SiteFact> Sites;
  DenseMap<const Instruction *, unsigned> SiteOf;  // call instruction -> its site
  for (BasicBlock &BB : F) {
    std::vector<unsigned> Succ;
    for (const BasicBlock *S : successors(&BB))
      Succ.push_back(Number[S]);
    std::sort(Succ.begin(), Succ.end());
    Succ.erase(std::unique(Succ.begin(), Succ.end()), Succ.end());
    Blocks.push_back(std::move(Succ));
    for (Instruction &I : BB) {
      std::vector<std::string> Chain = inlinedChain(I);
      if (!Chain.empty())
        FF.BlockInlined[Number[&BB]].emplace(Chain, Sites.size());
      auto *CB = dyn_cast<CallBase>(&I);
      if (!CB)
        continue;
      FunctionFacts One;  // what this one instruction contributes
      Classify(*CB, One);
      SiteFact Site;
      Site.Block = Number[&BB];
      if (!One.Calls.empty()) {
        Site.K = SiteFact::Call;
        Site.Direct = One.Calls;
      } else if (!One.IndirectCalls.empty()) {
        Site.K = SiteFact::Indirect;
        Site.Through = *One.IndirectCalls.begin();
      } else if (!One.Syscalls.empty()) {
        Site.K = SiteFact::Syscall;
        Site.Values = One.Syscalls;
      } else {
        continue;  // not a site (intrinsic, other inline asm)
      }
      Site.Inlined = std::move(Chain);
      SiteOf[&I] = Sites.size();
      Sites.push_back(std::move(Site));
    }
  }
  // Keep a chain only where its code can start: in the entry block, or in a block with a
  // predecessor that has none of it. The first instruction of an inlined function to run is in
  // such a block (the block before it on the path ran none of it), and this keeps the facts small.
  std::vector<const BasicBlock *> ByNumber(Number.size());
  for (const auto &[BB, N] : Number)
    ByNumber[N] = BB;
  std::map<unsigned, std::map<std::vector<std::string>, unsigned>> Starts;
  for (const auto &[Block, InBlock] : FF.BlockInlined)
    for (const auto &[Chain, First] : InBlock) {
      bool Start = Block == 0;
      for (const BasicBlock *Pred : predecessors(ByNumber[Block])) {
        auto It = FF.BlockInlined.find(Number[Pred]);
        if (It == FF.BlockInlined.end() || !It->second.count(Chain))
          Start = true;
      }
      if (Start)
        Starts[Block].emplace(Chain, First);
    }
  FF.BlockInlined = std::move(Starts);
  if (Sites.empty() && FF.BlockInlined.empty())
    return;  // nothing to order
  FF.Blocks = std::move(Blocks);
  FF.Sites = std::move(Sites);
  if (!SiteOf.empty())
    collectFallbackFacts(F, SiteOf, Number, FF);
}

namespace {
template <typename T> std::map<T, int64_t> indexOf(const std::set<T> &S) {
  std::map<T, int64_t> Out;
  for (const T &E : S)
    Out.emplace(E, Out.size());
  return Out;
}
} // namespace

ChainIndex ccsandbox::inlinedChains(const ModuleFacts &Facts) {
  ChainIndex Chains;
  for (const FunctionFacts &FF : Facts.Functions) {
    for (const auto &[Block, InBlock] : FF.BlockInlined)
      for (const auto &[Chain, First] : InBlock)
        Chains.emplace(Chain, 0);
    for (const SiteFact &S : FF.Sites)
      if (!S.Inlined.empty())
        Chains.emplace(S.Inlined, 0);
  }
  int64_t N = 0;
  for (auto &Entry : Chains)
    Entry.second = N++;
  return Chains;
}

void ccsandbox::writeOrderFacts(json::OStream &J, const FunctionFacts &FF, const ChainIndex &Chains) {
  if (FF.Blocks.empty())
    return;
  auto Calls = indexOf(FF.Calls);
  auto Indirect = indexOf(FF.IndirectCalls);
  auto Values = indexOf(FF.Syscalls);
  J.attributeArray("blocks", [&] {
    for (const auto &Succ : FF.Blocks)
      J.array([&] {
        for (unsigned S : Succ)
          J.value(static_cast<int64_t>(S));
      });
  });
  const ChainIndex &Index = Chains;
  if (!FF.BlockInlined.empty())
    J.attributeObject("block_inlined", [&] {
      for (const auto &[Block, Set] : FF.BlockInlined)
        J.attributeArray(std::to_string(Block), [&] {
          for (const auto &[Chain, First] : Set)   // sorted by chain, so by chain index
            J.array([&] {
              J.value(Index.at(Chain));
              J.value(static_cast<int64_t>(First));
            });
        });
    });
  if (FF.Sites.empty())
    return;
  J.attributeArray("sites", [&] {
    for (const SiteFact &S : FF.Sites)
      J.array([&] {
        J.value(static_cast<int64_t>(S.Block));
        switch (S.K) {
        case SiteFact::Call:
          J.value("c");
          for (const CallFact &C : S.Direct)  // sorted as FF.Calls, so indexes ascend
            J.value(Calls.at(C));
          break;
        case SiteFact::Indirect:
          J.value("i");
          J.value(Indirect.at(S.Through));
          break;
        case SiteFact::Syscall:
          J.value("s");
          for (const ValueFact &V : S.Values)
            J.value(Values.at(V));
          break;
        }
      });
  });
  bool AnyInlined = std::any_of(FF.Sites.begin(), FF.Sites.end(), [](const SiteFact &S) { return !S.Inlined.empty(); });
  if (AnyInlined)
    J.attributeObject("inlined", [&] {
      for (size_t I = 0; I < FF.Sites.size(); ++I)
        if (!FF.Sites[I].Inlined.empty())
          J.attribute(std::to_string(I), Index.at(FF.Sites[I].Inlined));
    });
  if (!FF.EnosysBlocks.empty())
    J.attributeObject("enosys_blocks", [&] {
      for (const auto &[Block, Guards] : FF.EnosysBlocks)
        J.attributeArray(std::to_string(Block), [&] {
          for (const auto &G : Guards)
            J.array([&] {
              for (unsigned S : G)
                J.value(static_cast<int64_t>(S));
            });
        });
    });
}
