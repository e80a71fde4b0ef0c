#!/bin/sh
# Regenerate the shared fixtures: basic.ll from basic.c, and the golden facts from the plugin.
set -eu
cd "$(dirname "$0")/Inputs"
clang-19 --target=x86_64-linux-musl -O2 -gline-tables-only -S -emit-llvm -fno-discard-value-names basic.c -o basic.ll
CC_SANDBOX_FACTS_OUT=basic.facts.json opt-19 -load-pass-plugin=../../build/CcSandboxFacts.so \
    -passes=cc-sandbox-facts -disable-output basic.ll
python3 -m json.tool basic.facts.json > basic.facts.pretty && mv basic.facts.pretty basic.facts.json
clang-19 --target=x86_64-linux-musl -O2 -S -emit-llvm -fno-discard-value-names args.c -o args.ll
CC_SANDBOX_FACTS_OUT=args.facts.json opt-19 -load-pass-plugin=../../build/CcSandboxFacts.so \
    -passes=cc-sandbox-facts -disable-output args.ll
python3 -m json.tool args.facts.json > args.facts.pretty && mv args.facts.pretty args.facts.json
clang-19 --target=x86_64-linux-musl -O2 -S -emit-llvm -fno-discard-value-names enosys.c -o enosys.ll
CC_SANDBOX_FACTS_OUT=enosys.facts.json opt-19 -load-pass-plugin=../../build/CcSandboxFacts.so \
    -passes=cc-sandbox-facts -disable-output enosys.ll
python3 -m json.tool enosys.facts.json > enosys.facts.pretty && mv enosys.facts.pretty enosys.facts.json
clang-19 --target=x86_64-linux-musl -O2 -S -emit-llvm -fno-discard-value-names memory.c -o memory.ll
CC_SANDBOX_FACTS_OUT=memory.facts.json opt-19 -load-pass-plugin=../../build/CcSandboxFacts.so \
    -passes=cc-sandbox-facts -disable-output memory.ll
python3 -m json.tool memory.facts.json > memory.facts.pretty && mv memory.facts.pretty memory.facts.json
clang-19 --target=x86_64-linux-musl -O2 -S -emit-llvm -fno-discard-value-names exec.c -o exec.ll
CC_SANDBOX_FACTS_OUT=exec.facts.json opt-19 -load-pass-plugin=../../build/CcSandboxFacts.so \
    -passes=cc-sandbox-facts -disable-output exec.ll
python3 -m json.tool exec.facts.json > exec.facts.pretty && mv exec.facts.pretty exec.facts.json
