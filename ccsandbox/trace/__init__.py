"""The ptrace tracer: what a program really does, as the oracle for the static policy."""
