"""Reasoning on facts: call graph, roots, syscall numbers, the allowed set (pure functions)."""
