//===- Plugin.cpp - registration of the cc-sandbox-facts pass -------------===//
//
// FILE: lib/Plugin.cpp
// DESCRIPTION: Registers PhaseMarkers (lib/PhaseMarkers.cpp, early in full LTO) and
//   SyscallFactsPrinter, which writes the facts of the module to the
//   file named by $CC_SANDBOX_FACTS_OUT ("-" for stdout). An environment variable rather than a
//   cl::opt because lld parses -mllvm options before it loads pass plugins.
// USAGE:
//   1. Standalone on a saved module:
//        CC_SANDBOX_FACTS_OUT=prog.facts opt-19 -load-pass-plugin=CcSandboxFacts.so
//            -passes=cc-sandbox-facts -disable-output prog.bc
//   2. Inside the final LTO link, on exactly the module that is code-generated:
//        CC_SANDBOX_FACTS_OUT=prog.facts clang-19 -fuse-ld=lld -flto ...
//            -Wl,--load-pass-plugin=CcSandboxFacts.so
//      (registered at the full-LTO "last" extension point; it does nothing when the variable
//      is unset, so loading the plugin never changes a link otherwise).
//
//===----------------------------------------------------------------------===//
#include "PhaseMarkers.h"
#include "SyscallFacts.h"

#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/PassPlugin.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace llvm;
using namespace ccsandbox;

PreservedAnalyses SyscallFactsPrinter::run(Module &M, ModuleAnalysisManager &MAM) {
  const char *Out = std::getenv("CC_SANDBOX_FACTS_OUT");
  if (!Out || !*Out)
    return PreservedAnalyses::all();
  const ModuleFacts &Facts = MAM.getResult<SyscallFactsAnalysis>(M);
  if (StringRef(Out) == "-") {
    writeFactsJson(Facts, outs());
    return PreservedAnalyses::all();
  }
  std::error_code EC;
  raw_fd_ostream OS(Out, EC, sys::fs::OF_Text);
  if (EC) {
    errs() << "cc-sandbox-facts: cannot write " << Out << ": " << EC.message() << "\n";
    return PreservedAnalyses::all();   // the driver notices the missing file
  }
  writeFactsJson(Facts, OS);
  return PreservedAnalyses::all();
}

extern "C" LLVM_ATTRIBUTE_WEAK LLVM_ATTRIBUTE_VISIBILITY_DEFAULT PassPluginLibraryInfo llvmGetPassPluginInfo() {
  return {LLVM_PLUGIN_API_VERSION, "cc-sandbox-facts", "1", [](PassBuilder &PB) {
            // 1. opt -passes=cc-sandbox-facts
            PB.registerPipelineParsingCallback(
                [](StringRef Name, ModulePassManager &MPM, ArrayRef<PassBuilder::PipelineElement>) {
                  if (Name == "cc-sandbox-phase-markers") {
                    MPM.addPass(PhaseMarkers());
                    return true;
                  }
                  if (Name != "cc-sandbox-facts")
                    return false;
                  MPM.addPass(SyscallFactsPrinter());
                  return true;
                });
            // 2. the analysis, for the printer and for anyone else
            PB.registerAnalysisRegistrationCallback(
                [](ModuleAnalysisManager &MAM) { MAM.registerPass([] { return SyscallFactsAnalysis(); }); });
            // 3. the start of the full-LTO pipeline, before inlining: phase-transition markers
            //    (does nothing unless $CC_SANDBOX_PHASES is set; see PhaseMarkers.cpp)
            PB.registerFullLinkTimeOptimizationEarlyEPCallback(
                [](ModulePassManager &MPM, OptimizationLevel) { MPM.addPass(PhaseMarkers()); });
            // 4. compiling a file (-fpass-plugin): keep phase transitions from being inlined away
            PB.registerPipelineStartEPCallback(
                [](ModulePassManager &MPM, OptimizationLevel) { MPM.addPass(PhaseKeeper()); });
            // 5. the end of the full-LTO pipeline: the module as code generation will see it
            PB.registerFullLinkTimeOptimizationLastEPCallback(
                [](ModulePassManager &MPM, OptimizationLevel) { MPM.addPass(SyscallFactsPrinter()); });
          }};
}
