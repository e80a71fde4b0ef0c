//===- FactsWriter.cpp - serialise ModuleFacts as versioned JSON ----------===//
//
// FILE: lib/FactsWriter.cpp
// DESCRIPTION: The "cc-sandbox-facts" JSON format, version 2 (passes/FORMAT.md). Empty lists
//   are omitted; every list is sorted, so output is deterministic and diffs cleanly.
//
//===----------------------------------------------------------------------===//
#include "SyscallFacts.h"

#include "llvm/Config/llvm-config.h"
#include "llvm/Support/JSON.h"

using namespace llvm;
using namespace ccsandbox;

namespace {

json::Value valueJson(const ValueFact &V) {
  switch (V.K) {
  case ValueFact::Const: return json::Value(V.Value);
  case ValueFact::Param: return json::Value("p" + std::to_string(V.Value));
  case ValueFact::Field: return json::Value("@" + V.Reason);
  case ValueFact::Unknown: break;
  }
  return json::Value("?" + V.Reason);
}

template <typename Container, typename Fn>
void arrayIfAny(json::OStream &J, StringRef Key, const Container &C, Fn Each) {
  if (C.empty())
    return;
  J.attributeArray(Key, [&] {
    for (const auto &E : C)
      Each(E);
  });
}

void writeFunction(json::OStream &J, const FunctionFacts &F, const ChainIndex &Chains) {
  J.object([&] {
    J.attribute("name", F.Name);
    J.attribute("linkage", F.Linkage);
    J.attribute("type", F.Type);
    if (F.Declaration)
      J.attribute("declaration", true);
    if (F.AddressTaken)
      J.attribute("address_taken", F.FieldsOnly ? "fields" : "any");
    arrayIfAny(J, "calls", F.Calls, [&](const CallFact &C) {
      J.object([&] {
        J.attribute("callee", C.Callee);
        if (!C.IntArgs.empty())
          J.attributeObject("args", [&] {
            for (const auto &[Idx, V] : C.IntArgs)
              J.attribute(std::to_string(Idx), valueJson(V));
          });
      });
    });
    arrayIfAny(J, "indirect_calls", F.IndirectCalls, [&](const IndirectCallFact &C) {
      J.object([&] {
        J.attribute("type", C.Type);
        if (!C.Field.empty())
          J.attribute("field", C.Field);
      });
    });
    arrayIfAny(J, "syscalls", F.Syscalls, [&](const ValueFact &V) { J.value(valueJson(V)); });
    arrayIfAny(J, "syscall_args", F.SyscallArgs, [&](const SyscallArgsFact &S) {
      J.object([&] {
        J.attribute("nr", valueJson(S.Nr));
        J.attributeObject("args", [&] {
          for (const auto &[Idx, Values] : S.Args) {
            if (Values.size() == 1) {
              J.attribute(std::to_string(Idx), valueJson(*Values.begin()));
              continue;
            }
            J.attributeArray(std::to_string(Idx), [&] {
              for (const ValueFact &V : Values)
                J.value(valueJson(V));
            });
          }
        });
      });
    });
    arrayIfAny(J, "refs", F.Refs, [&](const std::string &R) { J.value(R); });
    arrayIfAny(J, "passed_to", F.PassedTo, [&](const auto &P) {
      J.array([&] {
        J.value(P.first);
        J.value(static_cast<int64_t>(P.second));
      });
    });
    arrayIfAny(J, "field_stores", F.FieldStores, [&](const auto &P) {
      J.array([&] {
        J.value(P.first);
        J.value(P.second);
      });
    });
    arrayIfAny(J, "exec_calls", F.ExecCalls, [&](const auto &P) {
      J.array([&] {
        J.value(P.first);
        if (P.second.empty())
          J.value(nullptr);
        else
          J.value(P.second);
      });
    });
    arrayIfAny(J, "int_field_stores", F.IntFieldStores, [&](const auto &P) {
      J.array([&] {
        J.value(P.first);
        J.value(valueJson(P.second));
      });
    });
    writeOrderFacts(J, F, Chains);
  });
}

void writeNameSets(json::OStream &J, StringRef Key, const std::map<std::string, std::set<std::string>> &M) {
  J.attributeObject(Key, [&] {
    for (const auto &[K, Names] : M)
      J.attributeArray(K, [&] {
        for (const std::string &N : Names)
          J.value(N);
      });
  });
}

} // namespace

void ccsandbox::writeFactsJson(const ModuleFacts &Facts, raw_ostream &OS) {
  json::OStream J(OS);
  J.object([&] {
    J.attribute("format", "cc-sandbox-facts");
    J.attribute("version", FactsVersion);
    J.attribute("producer", "cc-sandbox-facts plugin (LLVM " LLVM_VERSION_STRING ")");
    J.attribute("triple", Facts.Triple);
    for (auto [Key, List] : {std::pair{"ctors", &Facts.Ctors}, {"dtors", &Facts.Dtors},
                             {"module_asm_refs", &Facts.ModuleAsmRefs}})
      J.attributeArray(Key, [&] {
        for (const std::string &N : *List)
          J.value(N);
      });
    if (Facts.DebugInfo)
      J.attribute("debug_info", true);
    if (Facts.ModuleAsmCallsPointers)
      J.attribute("module_asm_calls_pointers", true);
    arrayIfAny(J, "module_asm_syscalls", Facts.ModuleAsmSyscalls, [&](const ValueFact &V) { J.value(valueJson(V)); });
    writeNameSets(J, "global_refs", Facts.GlobalRefs);
    writeNameSets(J, "global_fields", Facts.GlobalFields);
    if (!Facts.GlobalIntFields.empty())
      J.attributeObject("global_int_fields", [&] {
        for (const auto &[K, Values] : Facts.GlobalIntFields)
          J.attributeArray(K, [&] {
            for (long long V : Values)
              J.value(static_cast<int64_t>(V));
          });
      });
    ChainIndex Chains = inlinedChains(Facts);
    if (!Chains.empty())
      J.attributeArray("inlined_chains", [&] {
        for (const auto &[Chain, Index] : Chains)
          J.array([&] {
            for (const std::string &N : Chain)
              J.value(N);
          });
      });
    J.attribute("exec_facts", true);   // functions carry exec_calls (a reader can tell older facts)
    J.attributeArray("functions", [&] {
      for (const FunctionFacts &F : Facts.Functions)
        writeFunction(J, F, Chains);
    });
  });
  OS << "\n";
}
