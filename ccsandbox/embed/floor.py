"""The exec floor: the containers' default seccomp profile, as one x86_64 allowed set.

A program that runs arbitrary commands (env, timeout, xargs, find -exec, a shell) cannot know the
syscalls of what it runs, and seccomp filters survive exec and can only tighten. Its filter, which
everything it runs inherits, is then a named, widely used baseline: the default profile of Podman
and CRI-O (derived from Docker's), which Debian ships in golang-github-containers-common as
``/usr/share/containers/seccomp.json``. It is read from there, never copied by hand.

What counts as allowed for x86_64 (``amd64``), by the profile's own rules:

* ``SCMP_ACT_ALLOW`` entries without ``args``, whose ``includes`` name no capability and, if they
  name architectures, include ``amd64``: the unconditional set;
* ``SCMP_ACT_ALLOW`` entries with ``args`` (``socket`` except AF_NETLINK/NETLINK_AUDIT,
  ``personality`` for five values): cc-sandbox filters never look at arguments, so these are
  allowed with any argument, a little looser than the profile;
* entries that need a capability (``chroot``, ``bpf``, ``*_module``, ...) are not allowed: a
  container gets them only when granted that capability.

Everything else (74 of the 383 x86_64 syscalls with containers-common 0.50.1: kexec, modules,
bpf, perf_event_open, userfaultfd, io_uring, quotactl, clock_settime, swapon, ...) gets the
program's policy action. The program's own set is always added: its own syscalls keep working.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..errors import CcSandboxError
from ..syscalls import SYSCALL_NUMBERS

PROFILE = Path("/usr/share/containers/seccomp.json")
#: Another copy of the profile (e.g. on a machine without the Debian package).
PROFILE_ENV = "CC_SANDBOX_FLOOR_PROFILE"
ARCH = "amd64"

__all__ = ["Floor", "floor_from_profile", "load_floor"]


@dataclass(frozen=True)
class Floor:
    """The floor's allowed syscall numbers and where they come from."""

    unconditional: frozenset[int]
    conditional: frozenset[int]  # allowed by the profile for some arguments only
    source: str
    sha256: str

    @property
    def allowed(self) -> frozenset[int]:
        return self.unconditional | self.conditional

    def blocked_names(self) -> list[str]:
        return sorted(name for name, nr in SYSCALL_NUMBERS.items() if nr not in self.allowed)


def _applies(entry: dict[str, object]) -> bool:
    includes = entry.get("includes") or {}
    excludes = entry.get("excludes") or {}
    if not isinstance(includes, dict) or not isinstance(excludes, dict):
        return False
    if includes.get("caps"):
        return False
    arches = includes.get("arches")
    if arches and ARCH not in arches:
        return False
    return ARCH not in (excludes.get("arches") or [])


def floor_from_profile(profile: object, source: str = "profile") -> Floor:
    """The floor of a decoded OCI/containers seccomp profile (pure)."""
    if not isinstance(profile, dict) or not isinstance(profile.get("syscalls"), list):
        raise CcSandboxError(f"{source}: not a seccomp profile (no 'syscalls' list)")
    unconditional: set[int] = set()
    conditional: set[int] = set()
    for entry in profile["syscalls"]:
        if not isinstance(entry, dict) or entry.get("action") != "SCMP_ACT_ALLOW" or not _applies(entry):
            continue
        numbers = {SYSCALL_NUMBERS[n] for n in entry.get("names", []) if n in SYSCALL_NUMBERS}
        (conditional if entry.get("args") else unconditional).update(numbers)
    if not unconditional:
        raise CcSandboxError(f"{source}: the profile allows nothing on x86_64")
    digest = hashlib.sha256(json.dumps(profile, sort_keys=True).encode()).hexdigest()
    return Floor(frozenset(unconditional), frozenset(conditional - unconditional), source, digest)


@cache
def load_floor() -> Floor:
    """The floor from the installed profile; a missing package is one error line."""
    path = Path(os.environ.get(PROFILE_ENV) or PROFILE)
    try:
        profile = json.loads(path.read_text())
    except FileNotFoundError:
        raise CcSandboxError(
            f"exec mode floor reads {path}, which is missing: apt-get install golang-github-containers-common"
        ) from None
    except (OSError, json.JSONDecodeError) as err:
        raise CcSandboxError(f"exec mode floor: cannot read {path} ({err})") from None
    return floor_from_profile(profile, str(path))
