"""The pinned x86_64 system call table (names and numbers), see :mod:`.table`."""

from .table import KERNEL_VERSION, SYSCALL_NAMES, SYSCALL_NUMBERS, UNIMPLEMENTED, name_of, number_of

__all__ = ["KERNEL_VERSION", "SYSCALL_NAMES", "SYSCALL_NUMBERS", "UNIMPLEMENTED", "name_of", "number_of"]
