"""Classic BPF for seccomp: instructions, the filter compiler, an interpreter, a disassembler."""
