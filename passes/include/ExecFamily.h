//===- ExecFamily.h - libc's exec family and where each takes its path -----===//
//
// The functions through which a program runs another, and the index of the argument holding
// the program's path: -1 a file descriptor (fexecve), -2 a shell command line run by /bin/sh.
// ccsandbox/facts/irexec.py's FAMILY is the same table (tests/unit/test_exec_facts.py compares
// them); internal musl names appear once LTO inlines a wrapper.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <utility>

namespace ccsandbox {

inline constexpr std::pair<const char *, int> ExecFamily[] = {
    {"execve", 0},       {"execv", 0},          {"execvp", 0},          {"execvpe", 0}, {"__execvpe", 0},
    {"execl", 0},        {"execlp", 0},         {"execle", 0},          {"fexecve", -1},
    {"posix_spawn", 1},  {"posix_spawnp", 1},   {"__posix_spawnx", 1},
    {"system", -2},      {"popen", -2},         {"wordexp", -2},
};

} // namespace ccsandbox
