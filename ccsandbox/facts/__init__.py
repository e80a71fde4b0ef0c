"""The facts the LLVM pass (or the llvmlite reference extractor) writes about a module."""
