//===- PhaseMarkers.cpp - insert the runtime's phase transitions ----------===//
//
// FILE: lib/PhaseMarkers.cpp
// DESCRIPTION: For `cc-sandbox make --phase-entry FUNC` / `--phase-at CALLER:CALLEE`. Runs at the
//   start of the full-LTO pipeline (before the inliner) and, for transition K (1-based, in the
//   order given):
//   * FUNC: marks FUNC noinline (so the binary keeps its symbol, for `trace --phase-at FUNC`) and
//     inserts `call void @__cc_sandbox_phase_K()` at its entry;
//   * CALLER:CALLEE: inserts the same call just before every direct call CALLER -> CALLEE.
//   The runtime (toolchain/runtime/cc_sandbox_rt.c) defines __cc_sandbox_phase_K, which installs
//   the K-th embedded filter once. The analysis then sees the marker calls as ordinary calls.
//
//   Configured by environment variables, like the facts printer (lld parses -mllvm options before
//   it loads pass plugins):
//     CC_SANDBOX_PHASES      transitions separated by ';' ("aeMain;main:clear_files")
//     CC_SANDBOX_PHASES_OUT  file receiving one line per transition: "K<TAB>STATUS<TAB>COUNT"
//   STATUS is ok, unknown-function, not-defined (declared only: the definition went away before
//   LTO), no-call-site or no-runtime. When one failed, the report goes on with the names the
//   driver suggests from: "function<TAB>NAME" per defined function and, for no-call-site,
//   "callee<TAB>K<TAB>NAME" per function the caller does call. The pass never fails the link
//   itself: the driver reads the report and refuses to publish the binary, with one error line.
//   PhaseKeeper runs when each file is compiled (-fpass-plugin, at the start of the pipeline) with
//   the same $CC_SANDBOX_PHASES: it marks FUNC noinline and each call CALLER -> CALLEE a noinline
//   call site, so that compiling does not inline away what the link-time markers must find.
// USAGE: loaded with the facts plugin: -Wl,--load-pass-plugin=CcSandboxFacts.so (link) and
//   -fpass-plugin=CcSandboxFacts.so (compile).
//
//===----------------------------------------------------------------------===//
#include "PhaseMarkers.h"

#include "llvm/IR/Function.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

#include <cstdlib>
#include <string>
#include <vector>

using namespace llvm;
using namespace ccsandbox;

namespace {

struct Outcome {
  std::string Status;
  unsigned Count = 0;
};

Function *definedFunction(Module &M, StringRef Name, std::string &Status) {
  Function *F = M.getFunction(Name);
  if (!F) {
    Status = "unknown-function";
    return nullptr;
  }
  if (F->isDeclaration()) {
    Status = "not-defined";
    return nullptr;
  }
  return F;
}

Outcome markEntry(Module &M, StringRef Name, FunctionCallee Marker) {
  Outcome O;
  Function *F = definedFunction(M, Name, O.Status);
  if (!F)
    return O;
  F->removeFnAttr(Attribute::AlwaysInline);
  F->addFnAttr(Attribute::NoInline);
  IRBuilder<> B(&*F->getEntryBlock().getFirstInsertionPt());
  B.CreateCall(Marker);
  O.Status = "ok";
  O.Count = 1;
  return O;
}

/// Calls CALLER -> CALLEE in \p F.
std::vector<CallBase *> callsTo(Function &F, StringRef Callee) {
  std::vector<CallBase *> Sites;
  for (Instruction &I : instructions(F))
    if (auto *CB = dyn_cast<CallBase>(&I))
      if (auto *Target = dyn_cast<Function>(CB->getCalledOperand()->stripPointerCasts()))
        if (Target->getName() == Callee)
          Sites.push_back(CB);
  return Sites;
}

Outcome markCalls(Module &M, StringRef Caller, StringRef Callee, FunctionCallee Marker) {
  Outcome O;
  Function *F = definedFunction(M, Caller, O.Status);
  if (!F)
    return O;
  std::vector<CallBase *> Sites = callsTo(*F, Callee);
  for (CallBase *CB : Sites) {
    IRBuilder<> B(CB);
    B.CreateCall(Marker);
  }
  O.Status = Sites.empty() ? "no-call-site" : "ok";
  O.Count = Sites.size();
  return O;
}

/// The runtime marks its transitions `used` so that they reach this pass; from here on only the
/// calls inserted below may keep them, or every program would carry address-taken functions
/// that install filters (and the analysis would allow seccomp everywhere).
bool releaseMarkers(Module &M) {
  bool Found = false;
  removeFromUsedLists(M, [&](Constant *C) {
    bool Marker = C->stripPointerCasts()->getName().starts_with("__cc_sandbox_phase_");
    Found |= Marker;
    return Marker;
  });
  return Found;
}

} // namespace

PreservedAnalyses PhaseMarkers::run(Module &M, ModuleAnalysisManager &) {
  bool Released = releaseMarkers(M);
  const char *Spec = std::getenv("CC_SANDBOX_PHASES");
  const char *Out = std::getenv("CC_SANDBOX_PHASES_OUT");
  if (!Spec || !*Spec || !Out || !*Out)
    return Released ? PreservedAnalyses::none() : PreservedAnalyses::all();
  SmallVector<StringRef, 8> Transitions;
  StringRef(Spec).split(Transitions, ';', -1, /*KeepEmpty=*/false);
  std::error_code EC;
  raw_fd_ostream OS(Out, EC, sys::fs::OF_Text);
  if (EC) {
    errs() << "cc-sandbox-phases: cannot write " << Out << ": " << EC.message() << "\n";
    return PreservedAnalyses::all(); // the driver notices the missing report
  }
  bool Changed = false, Failed = false;
  std::string Hints;
  raw_string_ostream HintOS(Hints);
  for (unsigned K = 1; K <= Transitions.size(); ++K) {
    StringRef T = Transitions[K - 1];
    std::string MarkerName = "__cc_sandbox_phase_" + std::to_string(K);
    Function *MarkerFn = M.getFunction(MarkerName);
    Outcome O;
    if (!MarkerFn || MarkerFn->isDeclaration()) {
      O.Status = "no-runtime";
    } else {
      FunctionCallee Marker(MarkerFn->getFunctionType(), MarkerFn);
      auto [Caller, Callee] = T.split(':');
      O = Callee.empty() ? markEntry(M, T, Marker) : markCalls(M, Caller, Callee, Marker);
    }
    Changed |= O.Count > 0;
    Failed |= O.Status != "ok";
    OS << K << "\t" << O.Status << "\t" << O.Count << "\n";
    if (O.Status == "no-call-site")
      if (Function *F = M.getFunction(T.split(':').first))
        for (Instruction &I : instructions(*F))
          if (auto *CB = dyn_cast<CallBase>(&I))
            if (auto *Target = dyn_cast<Function>(CB->getCalledOperand()->stripPointerCasts()))
              if (!Target->isIntrinsic())
                HintOS << "callee\t" << K << "\t" << Target->getName() << "\n";
  }
  if (Failed)
    for (Function &F : M)
      if (!F.isDeclaration())
        OS << "function\t" << F.getName() << "\n";
  OS << Hints;
  return Changed || Released ? PreservedAnalyses::none() : PreservedAnalyses::all();
}

PreservedAnalyses PhaseKeeper::run(Module &M, ModuleAnalysisManager &) {
  const char *Spec = std::getenv("CC_SANDBOX_PHASES");
  if (!Spec || !*Spec)
    return PreservedAnalyses::all();
  SmallVector<StringRef, 8> Transitions;
  StringRef(Spec).split(Transitions, ';', -1, /*KeepEmpty=*/false);
  bool Changed = false;
  for (StringRef T : Transitions) {
    auto [Caller, Callee] = T.split(':');
    Function *F = M.getFunction(Callee.empty() ? T : Caller);
    if (!F || F->isDeclaration())
      continue; // defined in another file, or not at all (the link reports it)
    if (Callee.empty()) {
      F->removeFnAttr(Attribute::AlwaysInline);
      F->addFnAttr(Attribute::NoInline);
      Changed = true;
      continue;
    }
    for (CallBase *CB : callsTo(*F, Callee)) {
      CB->setIsNoInline();
      Changed = true;
    }
  }
  return Changed ? PreservedAnalyses::none() : PreservedAnalyses::all();
}
