"""Where a command's document goes: ``-o FILE``, or stdout for ``-o -`` (or no ``-o``).

The document is complete before anything is written, so a failed command never truncates the
user's file; a file is replaced atomically (written beside it, then renamed).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from ..errors import CcSandboxError

STDOUT = Path("-")

__all__ = ["STDOUT", "is_stdout", "write_document"]


def is_stdout(output: Path | None) -> bool:
    """True when the document goes to standard output (no ``-o``, or ``-o -``)."""
    return output is None or output == STDOUT


def write_document(output: Path | None, data: bytes, binary: bool = False) -> None:
    """Write ``data`` to ``output`` (stdout for None or ``-``); a binary document is refused on a
    terminal."""
    if is_stdout(output):
        if binary and sys.stdout.isatty():
            raise CcSandboxError("the document is binary: write it with -o FILE, or redirect stdout")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    assert output is not None
    directory = output.absolute().parent
    if not directory.is_dir():
        raise CcSandboxError(f"cannot write {output}: directory {directory} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=directory)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.replace(tmp, output)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise CcSandboxError(f"cannot write {output}: {err.strerror}") from None
