"""The exception hierarchy.

Library code raises these and never exits; exactly one place (``ccsandbox.cli.entry``, and the
compiler driver's ``main``) turns them into one line on stderr and an exit code. Every message
says what to do next.
"""

from __future__ import annotations

import os


class CcSandboxError(Exception):
    """An expected operational failure: bad input, a missing tool, a failed build step."""

    exit_code = 3


class ToolNotFoundError(CcSandboxError):
    """A required external program (clang-19, lld-19, make, apt-get...) is not installed."""


class SysrootError(CcSandboxError):
    """The musl sysroot is missing, unfinished, or was built by another recipe or compiler."""


class UnsupportedFlagError(CcSandboxError):
    """The compiler driver was asked for something cc-sandbox does not build (e.g. -m32)."""


class LinkError(CcSandboxError):
    """A link ran but could not yield the whole-program module that the analysis needs."""


class ModuleError(CcSandboxError):
    """A file that should be a whole-program bitcode module is not one (corrupt, wrong target)."""


class SourceError(CcSandboxError):
    """Fetching or unpacking a source tree (apt-get source, a user tarball) failed."""


class FactsFormatError(CcSandboxError):
    """A facts file that is not cc-sandbox facts, or of a version this cc-sandbox cannot read."""


class FactsVersionError(FactsFormatError):
    """Facts written in a format version this cc-sandbox does not read (e.g. by an older one)."""


class CarriedFactsError(FactsFormatError):
    """The facts a module carries after its bitcode cannot be used: a malformed or truncated
    trailer, or a sha256 that is not the bitcode's (facts of another module)."""


class AnalysisError(CcSandboxError):
    """The analysis cannot produce a sound policy (e.g. unresolved syscalls with --unresolved=refuse)."""


class PhaseError(AnalysisError):
    """A phase transition that cannot be analysed: unknown or never-reached entry, a transition
    inside a signal handler, an entry inlined away without debug info to find it."""


class NotOurBinaryError(CcSandboxError):
    """The file is not an ELF binary linked by cc-sandbox with a sandbox."""


class ProbeLinkError(NotOurBinaryError):
    """The binary is a probe link (configure/CMake test program): marked, but carries no filter."""


class ExportError(CcSandboxError):
    """The format cannot express the policy, or a name given to ``--allow`` is no syscall."""


class BuildError(CcSandboxError):
    """A program's build failed (``evaluate``); the message names the log."""


class CommandNotFound(CcSandboxError):
    """The command to trace does not exist (the shell's and strace's 127)."""

    exit_code = 127


class CommandNotExecutable(CcSandboxError):
    """The command exists but cannot be executed (the shell's and strace's 126)."""

    exit_code = 126


class TraceError(CcSandboxError):
    """A ptrace request failed."""

    def __init__(self, message: str, err: int, pid: int) -> None:
        super().__init__(f"{message} (pid {pid}): {os.strerror(err)}")
        self.errno, self.pid = err, pid


class WorkloadError(CcSandboxError):
    """A workload file with errors."""


class TracerInterrupted(Exception):
    """Raised by the tracer's signal handler, only while it blocks in waitpid: control flow
    that ends the wait, never shown to the user."""


class AuditError(CcSandboxError):
    """``audit`` could not read the kernel's records."""
