//===- AsmScan.h - reading assembly text for syscall sites and calls -*- C++ -*-===//
//
// See lib/AsmScan.cpp: the syscall sites of inline or file-scope asm text (with what rax holds
// at each), the words the text names as operands, and whether it calls or jumps through a
// pointer. Functions of the text only; the same rules as ccsandbox/facts/asmscan.py.
//
//===----------------------------------------------------------------------===//
#ifndef CC_SANDBOX_ASM_SCAN_H
#define CC_SANDBOX_ASM_SCAN_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/StringSet.h"

#include <string>
#include <vector>

namespace ccsandbox {

/// What rax holds at a point of the text: a template operand, a constant, or unknown (and why).
struct RaxState {
  enum Kind { Operand, Const, Unknown } K = Unknown;
  long long Value = 0;   // Operand: the template operand number; Const: the value
  std::string Reason = "asm-rax";
};

/// One syscall site of the text: `syscall` with what rax held there, or the i386 ABI (Int80).
struct AsmSite {
  bool Int80 = false;
  RaxState State;
  std::string Function;  // module asm: the function label the site is under ("" if none)
};

/// The syscall sites of an assembly text. ``Templated``: inline asm (literal `$` is `$$`, `$K`
/// names operand K). ``Labels``: function names a module-asm label may define.
std::vector<AsmSite> scanAsm(llvm::StringRef Text, bool Templated, RaxState Entry,
                             llvm::function_ref<bool(int)> OperandIsRax, const llvm::StringSet<> *Labels);

/// Words in operand position of assembly text, added to Tokens (symbols the asm may call).
void addAsmTokens(llvm::StringRef Asm, llvm::StringSet<> &Tokens);

/// Does the asm call or jump through something other than a local label? (`call`, or an
/// indirect `jmp *...`; with PointersOnly, only through a pointer.)
bool asmMakesCalls(llvm::StringRef Asm, bool PointersOnly = false);

} // namespace ccsandbox

#endif
