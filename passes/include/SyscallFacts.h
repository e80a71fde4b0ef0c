//===- SyscallFacts.h - per-function facts for syscall analysis ---*- C++ -*-===//
//
// FILE: include/SyscallFacts.h
// DESCRIPTION: The facts cc-sandbox's Python analysis needs from a whole-program module:
//   per function its direct calls (with integer arguments that are constants or parameters),
//   indirect call sites (function type and struct field), inline-asm syscall sites, and the
//   functions whose address it takes; per global, the functions in its initializer.
//   SyscallFactsAnalysis only computes; writeFactsJson serialises (format "cc-sandbox-facts").
// The format is documented in passes/FORMAT.md and parsed by ccsandbox/facts/schema.py.
//
//===----------------------------------------------------------------------===//
#ifndef CC_SANDBOX_SYSCALL_FACTS_H
#define CC_SANDBOX_SYSCALL_FACTS_H

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/InstrTypes.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/PassManager.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace ccsandbox {

constexpr int FactsVersion = 2;

/// A value as far as the analysis can tell without data flow: a constant, the caller's
/// N-th parameter, an integer loaded from a struct field ("struct+offset" by struct-path TBAA:
/// a syscall number that travels through memory, resolved from every store into that field),
/// or unknown (with a short reason).
struct ValueFact {
  enum Kind { Const, Param, Unknown, Field } K = Unknown;
  long long Value = 0;     // Const: the value; Param: the index
  std::string Reason;      // Unknown: why (e.g. the opcode it came from); Field: the field
  bool operator<(const ValueFact &O) const;
};

struct CallFact {
  std::string Callee;
  std::map<unsigned, ValueFact> IntArgs;  // only constants and parameters
  bool operator<(const CallFact &O) const;
};

struct IndirectCallFact {
  std::string Type;   // the call's function type, e.g. "i32 (ptr, i64)"
  std::string Field;  // "struct+offset" from struct-path TBAA of the pointer's load, or ""
  bool operator<(const IndirectCallFact &O) const;
};

/// A syscall site's number and arguments (ArgFacts.cpp): per argument index, the constants and
/// parameters it may be; an index absent from Args is unknown. Nr unknown ("?asm"): the site's
/// arguments could not be read, so none of the function's syscalls has known arguments.
struct SyscallArgsFact {
  ValueFact Nr;
  std::map<unsigned, std::set<ValueFact>> Args;
  bool operator<(const SyscallArgsFact &O) const;
};

/// One call, indirect call or syscall site, in block and instruction order (OrderFacts.cpp).
struct SiteFact {
  unsigned Block = 0;
  enum Kind { Call, Indirect, Syscall } K = Call;
  std::set<CallFact> Direct;              // Call (a choice of constants at an argument: several)
  IndirectCallFact Through;               // Indirect
  std::set<ValueFact> Values;             // Syscall (phi/select: several)
  std::vector<std::string> Inlined;       // inlined-at chain from debug info, innermost first
};

struct FunctionFacts {
  std::string Name;
  std::string Linkage;
  std::string Type;
  bool Declaration = false;
  bool AddressTaken = false;
  bool FieldsOnly = false;   // every address use is a struct field (tagged store/initializer)
  std::set<CallFact> Calls;
  std::set<IndirectCallFact> IndirectCalls;
  std::set<ValueFact> Syscalls;
  std::set<SyscallArgsFact> SyscallArgs;
  std::set<std::string> Refs;                       // functions whose address this code takes
  std::set<std::pair<std::string, std::string>> FieldStores;  // (field, function or "?")
  std::set<std::pair<std::string, ValueFact>> IntFieldStores;  // (number field, value stored)
  std::set<std::pair<std::string, unsigned>> PassedTo;  // (callee, argument) receiving this function
  std::vector<std::vector<unsigned>> Blocks;  // order facts: successors of each block (sorted)
  std::vector<SiteFact> Sites;                // order facts: the sites, in block/instruction order
  // block -> inlined-at chain in it -> index of the first site not before the chain's first instruction
  std::map<unsigned, std::map<std::vector<std::string>, unsigned>> BlockInlined;
  // block (with sites) -> guards: sets of sites one of whose -ENOSYS result every path saw
  std::map<unsigned, std::set<std::vector<unsigned>>> EnosysBlocks;
  // calls into the exec family: (member or "syscall", path: "=STRING", "poison", "argv",
  // "environment", "variable"; "" for a member that takes no path)
  std::set<std::pair<std::string, std::string>> ExecCalls;
};

struct ModuleFacts {
  std::string Triple;
  std::vector<FunctionFacts> Functions;                        // module order
  std::map<std::string, std::set<std::string>> GlobalRefs;     // global -> functions
  std::map<std::string, std::set<std::string>> GlobalFields;   // "struct+offset" -> functions
  std::map<std::string, std::set<long long>> GlobalIntFields;  // number field -> initializer values
  std::vector<std::string> Ctors, Dtors, ModuleAsmRefs;
  bool DebugInfo = false;   // the module has debug compile units (inlined-at chains are known)
  std::set<ValueFact> ModuleAsmSyscalls;   // syscall sites in file-scope asm under no function label
  bool ModuleAsmCallsPointers = false;     // file-scope asm calls or jumps through a pointer
};

/// V with integer casts (zext, sext, trunc) looked through: the one rule every fact uses.
llvm::Value *stripIntCasts(llvm::Value *V);

/// The "struct+offset" an integer load reads (struct-path TBAA, innermost struct), or "".
std::string loadedField(llvm::Value *V);

/// The struct-path TBAA access of a load or store as "struct+offset" (innermost struct), or "".
std::string tbaaField(const llvm::Instruction *I);

/// LLVM struct type name as TBAA names it: "struct.op.12" -> "op"; "" if unnamed or a union.
std::string structKeyName(llvm::StructType *ST);

/// What an integer value is: constants, parameters of F, or (with Fields) a struct field it is
/// loaded from; phi/select give several (bounded depth).
void valueFacts(llvm::Value *V, llvm::Function &F, std::set<ValueFact> &Out, unsigned Depth = 0, bool Fields = false);

/// Address facts (AddressFacts.cpp): for every function, the uses that take its address
/// (AddressTaken, FieldsOnly, Refs, PassedTo) and the globals holding it (GlobalRefs, GlobalFields).
void collectAddressFacts(llvm::Module &M, ModuleFacts &Facts,
                         llvm::function_ref<FunctionFacts &(const llvm::Function *)> Of);

/// Field stores (AddressFacts.cpp): what is stored into the fields that the indirect calls already
/// collected load their callee from, into FunctionFacts::FieldStores.
void collectFieldStores(llvm::Module &M, ModuleFacts &Facts,
                        llvm::function_ref<FunctionFacts &(const llvm::Function *)> Of);

/// Number fields (NumberFields.cpp): what is written into the struct fields that syscall
/// numbers are loaded from ("@ctx+12"), into FunctionFacts::IntFieldStores and
/// ModuleFacts::GlobalIntFields.
void collectNumberFieldStores(llvm::Module &M, ModuleFacts &Facts,
                              llvm::function_ref<FunctionFacts &(const llvm::Function *)> Of);

/// Records the `syscall_args` fact of an inline-asm syscall site (ArgFacts.cpp).
void collectSyscallArgs(llvm::CallBase &CB, llvm::Function &F, FunctionFacts &FF);

/// Asm facts (AsmFacts.cpp) of one inline asm call: its syscall sites (FunctionFacts::Syscalls,
/// and their SyscallArgs), an indirect call when its text makes calls; its operand words go
/// into AsmTokens.
void collectInlineAsmFacts(llvm::CallBase &CB, llvm::InlineAsm &IA, llvm::Function &F, FunctionFacts &FF,
                           llvm::StringSet<> &AsmTokens);

/// Asm facts (AsmFacts.cpp) of file-scope asm, once every inline asm was collected: ModuleAsmRefs
/// (functions named in AsmTokens or the module asm), its syscall sites, ModuleAsmCallsPointers.
void collectModuleAsmFacts(llvm::Module &M, ModuleFacts &Facts, llvm::StringSet<> &AsmTokens);

class SyscallFactsAnalysis : public llvm::AnalysisInfoMixin<SyscallFactsAnalysis> {
public:
  using Result = ModuleFacts;
  Result run(llvm::Module &M, llvm::ModuleAnalysisManager &);

private:
  static llvm::AnalysisKey Key;
  friend struct llvm::AnalysisInfoMixin<SyscallFactsAnalysis>;
};

/// Serialise facts as the versioned JSON format (deterministic order).
void writeFactsJson(const ModuleFacts &Facts, llvm::raw_ostream &OS);

/// Order facts (OrderFacts.cpp): the block graph of F and its sites in order. `Classify` states
/// what one call instruction contributes (the same rules as the per-function facts), so that a
/// site and the facts it produced can never disagree.
/// ExecFacts.cpp: the path argument of each call into libc's exec family (`exec_calls`).
void collectExecCalls(llvm::Function &F, FunctionFacts &FF);

void collectOrderFacts(llvm::Function &F, FunctionFacts &FF,
                       llvm::function_ref<void(llvm::CallBase &, FunctionFacts &)> Classify);

/// ENOSYS fallback facts (FallbackFacts.cpp): the blocks of F that run only after one of the
/// sites (`SiteOf`: call instruction -> its index in FF.Sites) returned -ENOSYS.
void collectFallbackFacts(llvm::Function &F, const llvm::DenseMap<const llvm::Instruction *, unsigned> &SiteOf,
                          const llvm::DenseMap<const llvm::BasicBlock *, unsigned> &Number, FunctionFacts &FF);

/// Inlined-at chains of the whole module, sorted, each with its index in "inlined_chains".
using ChainIndex = std::map<std::vector<std::string>, int64_t>;
ChainIndex inlinedChains(const ModuleFacts &Facts);

/// Write FF's order facts ("blocks", "block_inlined", "sites", "inlined") into the function
/// object being written; chains are written as indexes into `Chains`.
void writeOrderFacts(llvm::json::OStream &J, const FunctionFacts &FF, const ChainIndex &Chains);

/// Writes the facts of the module to $CC_SANDBOX_FACTS_OUT (or stdout for "-").
class SyscallFactsPrinter : public llvm::PassInfoMixin<SyscallFactsPrinter> {
public:
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &MAM);
  static bool isRequired() { return true; }
};

} // namespace ccsandbox

#endif
