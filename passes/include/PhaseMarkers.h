//===- PhaseMarkers.h - the phase-transition marker pass -------*- C++ -*-===//
//
// See lib/PhaseMarkers.cpp: inserts calls to the runtime's __cc_sandbox_phase_K at the
// transitions named by $CC_SANDBOX_PHASES, early in the full-LTO pipeline.
//
//===----------------------------------------------------------------------===//
#ifndef CCSANDBOX_PHASEMARKERS_H
#define CCSANDBOX_PHASEMARKERS_H

#include "llvm/IR/PassManager.h"

namespace ccsandbox {

class PhaseMarkers : public llvm::PassInfoMixin<PhaseMarkers> {
public:
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &MAM);
  static bool isRequired() { return true; }
};

/// At compile time: keeps the named entries and call sites from being inlined away.
class PhaseKeeper : public llvm::PassInfoMixin<PhaseKeeper> {
public:
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &MAM);
  static bool isRequired() { return true; }
};

} // namespace ccsandbox

#endif
