"""Debug builds (-O0 -g) of the real programs, and the whole of coreutils 9.1, through cc-sandbox.

Opt-in and long (CC_SANDBOX_DEBUG_BUILDS=1; coreutils' configure alone takes minutes). sqlite3,
redis and coreutils' ls are built by their recipes with RECIPE_CFLAGS="-O0 -g" (and LUA_DEBUG=yes,
redis' own switch that builds its Lua at -O0 too), in a kept directory of their own
(real_builds.default_work), apart from the default builds. Each passes its smoke run under its kill filter, and
its strace workload (workloads.py) stays inside its policy. Then every coreutils program is built
in the same -O0 tree (examples/real/coreutils), a few run on small inputs under their filters and,
as root, chroot --userspec drops to nobody (setgroups/setgid/setuid) and runs a program.
"""

from __future__ import annotations

import grp
import hashlib
import json
import os
import pwd
import shutil
import subprocess
from pathlib import Path

import llvmlite.binding as llvm
import pytest

from .helpers import EXAMPLES, run
from .real_builds import build_once, default_work
from .test_real_programs import RECIPES
from .tracing import run_traced, unsound
from .workloads import WORKLOADS

pytestmark = [
    pytest.mark.real_programs,
    pytest.mark.skipif(os.environ.get("CC_SANDBOX_DEBUG_BUILDS") != "1", reason="long (-O0 builds): opt in"),
]

DEBUG_FLAGS = {"RECIPE_CFLAGS": "-O0 -g", "LUA_DEBUG": "yes"}
SIGSYS = 31


@pytest.fixture(scope="session")
def debug_work() -> Path:
    return default_work("O0")


@pytest.fixture()
def debug_env(tool_env: dict[str, str]) -> dict[str, str]:
    return {**tool_env, **DEBUG_FLAGS}


def build(name: str, work: Path, env: dict[str, str]) -> Path:
    """Build a recipe at -O0 once per test session (in its own WORKDIR, apart from
    test_real_programs' builds); returns what the recipe printed last: the binary, or coreutils'
    src directory."""
    built, stderr = build_once(name, work, env, timeout=3600)
    assert "cc-sandbox: error" not in stderr, stderr[-3000:]
    return built


def optnone_functions(module: Path) -> set[str]:
    """Functions of a bitcode module that clang compiled at -O0 (they carry `optnone`)."""
    parsed = llvm.parse_bitcode(module.read_bytes())
    return {f.name for f in parsed.functions if any(b"optnone" in a for a in f.attributes)}


def policy(binary: Path) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(Path(f"{binary}.policy.json").read_text())
    return loaded


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_debug_build_passes_its_smoke_run(name: str, debug_work: Path, debug_env: dict[str, str]) -> None:
    binary = build(name, debug_work, debug_env)
    smoke = run([str(EXAMPLES / "real" / name / "smoke.sh"), str(binary)], debug_env, timeout=120)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr  # under the embedded kill-process filter
    inspected = run(
        [str(Path(debug_env["PATH"].split(":")[0]) / "cc-sandbox"), "inspect", "--json", str(binary)], debug_env
    )
    assert inspected.returncode == 0 and json.loads(inspected.stdout)["action"] == "kill", inspected.stdout
    assert not policy(binary)["allow_all"]
    _, program_function = RECIPES[name]
    assert {"main", program_function} <= optnone_functions(Path(f"{binary}.bc")), "the program was not built at -O0"


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
@pytest.mark.parametrize("name", sorted(RECIPES))
def test_debug_build_policy_covers_everything_its_workload_does(
    name: str, debug_work: Path, debug_env: dict[str, str], tmp_path: Path
) -> None:
    binary = build(name, debug_work, debug_env)
    observed = WORKLOADS[name](binary, tmp_path)
    assert len(observed) > 15, f"the workload did too little: {sorted(observed)}"
    assert unsound(observed, Path(f"{binary}.policy.json")) == []


def test_whole_coreutils_debug_build_runs_its_programs(
    debug_work: Path, debug_env: dict[str, str], tmp_path: Path
) -> None:
    src = build("coreutils", debug_work, debug_env)
    programs = sorted(p for p in src.iterdir() if Path(f"{p}.policy.json").is_file())
    assert len(programs) >= 100, [p.name for p in programs]
    for program in programs:
        assert not policy(program)["allow_all"], program.name
    assert "main" in optnone_functions(src / "chroot.bc")
    enforcement = policy(src / "chroot")["enforcement"]
    assert isinstance(enforcement, dict) and enforcement["exec"] == "floor"
    assert "chroot" in enforcement["allowed"]  # its own call, outside the containers' profile
    launchers = run([str(EXAMPLES / "real" / "coreutils-launchers" / "smoke.sh"), str(src)], debug_env, timeout=120)
    assert launchers.returncode == 0, launchers.stdout + launchers.stderr

    data = tmp_path / "in.txt"
    data.write_text("banana\napple\ncherry\napple\n")
    me = pwd.getpwuid(os.getuid()).pw_name
    checks: list[tuple[list[str], str | None]] = [  # (argv, expected stdout or None: exit 0 is enough)
        (["cat", "in.txt"], data.read_text()),
        (["sort", "-u", "in.txt"], "apple\nbanana\ncherry\n"),
        (["wc", "-l", "in.txt"], "4 in.txt\n"),
        (["head", "-n", "2", "in.txt"], "banana\napple\n"),
        (["cut", "-c1-3", "in.txt"], "ban\napp\nche\napp\n"),
        (["seq", "-s", " ", "3"], "1 2 3\n"),
        (["md5sum", "in.txt"], f"{hashlib.md5(data.read_bytes()).hexdigest()}  in.txt\n"),
        (["sha256sum", "in.txt"], f"{hashlib.sha256(data.read_bytes()).hexdigest()}  in.txt\n"),
        (["date", "-u", "-d", "@0", "+%F %T"], "1970-01-01 00:00:00\n"),
        (["id", "-u"], f"{os.getuid()}\n"),
        (["whoami"], f"{me}\n"),
        (["uname", "-s"], "Linux\n"),
        (["mkdir", "-p", "d/e"], ""),
        (["cp", "in.txt", "d/e/copy"], ""),
        (["mv", "d/e/copy", "d/moved"], ""),
        (["stat", "-c", "%s %F", "d/moved"], "26 regular file\n"),
        (["touch", "-d", "2001-02-03 04:05:06", "d/moved"], ""),
        (["date", "-r", "d/moved", "+%F %T"], "2001-02-03 04:05:06\n"),
        (["ln", "-s", "moved", "d/link"], ""),
        (["readlink", "d/link"], "moved\n"),
        (["realpath", "d/link"], f"{tmp_path}/d/moved\n"),
        (["chmod", "640", "d/moved"], ""),
        (["stat", "-c", "%a", "d/moved"], "640\n"),
        (["du", "-s", "d/e"], None),
        (["df", "."], None),
        (["rm", "-r", "d"], ""),
    ]
    if os.getuid() == 0:
        checks += [(["chown", "nobody", "in.txt"], ""), (["stat", "-c", "%U", "in.txt"], "nobody\n")]
    for argv, expected in checks:
        done = run([str(src / argv[0]), *argv[1:]], debug_env, cwd=tmp_path, timeout=60)
        assert done.returncode != -SIGSYS, f"{argv}: killed by its filter (SIGSYS): {done.stderr}"
        assert done.returncode == 0, (argv, done.returncode, done.stderr)
        assert expected is None or done.stdout == expected, (argv, done.stdout)


@pytest.mark.skipif(os.getuid() != 0, reason="chroot needs root")
def test_whole_coreutils_chroot_drops_to_nobody_and_runs_a_program(
    debug_work: Path, debug_env: dict[str, str], tmp_path: Path
) -> None:
    try:
        nobody, nogroup = pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
    except KeyError:
        pytest.skip("no user nobody or group nogroup")
    src = build("coreutils", debug_work, debug_env)
    chroot = [str(src / "chroot"), "--userspec=nobody:nogroup", "/"]
    done = run([*chroot, "true"], debug_env, timeout=60)  # the host's true, found on PATH
    assert done.returncode == 0, (done.returncode, done.stderr)
    done = run([*chroot, str(src / "id")], debug_env, timeout=60)  # two filters: chroot's floor, then id's own
    assert done.returncode == 0, (done.returncode, done.stderr)
    assert done.stdout == f"uid={nobody}(nobody) gid={nogroup}(nogroup) groups={nogroup}(nogroup)\n"
    if shutil.which("strace") is not None:  # what chroot's own code does, up to its execve, is in its policy
        trace = tmp_path / "chroot.trace"
        observed = run_traced([*chroot, str(src / "id")], trace, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert {"chroot", "setgroups", "setgid", "setuid", "execve"} <= observed, sorted(observed)
        assert unsound(observed, Path(f"{src / 'chroot'}.policy.json")) == []
