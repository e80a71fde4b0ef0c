"""``cc-sandbox audit``: what the kernel logged about seccomp filters (SECCOMP_RET_KILL, LOG, ...)."""
