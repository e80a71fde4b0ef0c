"""Exports run the sandboxed binary they come from, under the real consumer of each format:
bubblewrap for the raw BPF, runc for the OCI profile, systemd-analyze for the drop-in."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import copy_example, run

SIGSYS_EXIT = 128 + signal.SIGSYS
needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
needs_runc = pytest.mark.skipif(
    shutil.which("runc") is None or os.geteuid() != 0, reason="runc is not installed, or not root"
)


@pytest.fixture(scope="module")
def echo_server(tmp_path_factory: pytest.TempPathFactory, cc_sandbox: str, session_env: dict[str, str]) -> Path:
    """The echo-server example, built sandboxed (default options)."""
    work = copy_example("echo-server", tmp_path_factory.mktemp("exports") / "echo")
    done = run([cc_sandbox, "make", "-C", str(work)], session_env)
    assert done.returncode == 0, done.stderr
    return work / "echo-server"


def export(cc_sandbox: str, env: dict[str, str], source: Path, fmt: str, out: Path, *extra: str) -> Path:
    done = run([cc_sandbox, "export", str(source), "--format", fmt, "-o", str(out), *extra], env)
    assert done.returncode == 0, done.stderr
    return out


def without(policy_json: Path, name: str, dest: Path) -> Path:
    """A copy of the policy (and of what its binary enforces) without syscall ``name``."""
    policy = json.loads(policy_json.read_text())
    policy["allowed"] = [e for e in policy["allowed"] if e["name"] != name]
    policy["enforcement"]["allowed"].remove(name)
    dest.write_text(json.dumps(policy))
    return dest


@contextlib.contextmanager
def serving(command: list[str]) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """Start an echo-server command line; yields it and its port once it listens."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "listening on" in line, (line, proc.stderr.read() if proc.stderr else "")
        yield proc, int(line.rsplit(":", 1)[1])
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(timeout=30)


def echo_and_stop(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        client.sendall(b"ping\n")
        answer = client.recv(10)
        client.sendall(b"SHUTDOWN\n")
    return answer


def connect_quietly(port: int) -> None:
    """Connect (the server may die in accept4 meanwhile: a reset or refusal is expected)."""
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=5):
        pass


def bwrap(blob: Path, *argv: str) -> list[str]:
    script = f'exec 3<"{blob}"; exec bwrap --ro-bind / / --dev /dev --seccomp 3 "$@"'
    return ["sh", "-c", script, "bwrap", *argv]


@needs_bwrap
def test_the_sandboxed_echo_server_serves_under_bwrap_with_its_bpf_export(
    echo_server: Path, tmp_path: Path, cc_sandbox: str, session_env: dict[str, str]
) -> None:
    blob = export(cc_sandbox, session_env, echo_server, "bpf", tmp_path / "echo.bpf")
    with serving(bwrap(blob, str(echo_server), "0")) as (proc, port):
        assert echo_and_stop(port) == b"ping\n"
        assert proc.wait(timeout=30) == 0


@needs_bwrap
def test_the_bpf_export_is_what_bwrap_enforces(
    echo_server: Path, tmp_path: Path, cc_sandbox: str, session_env: dict[str, str]
) -> None:
    """Negative control: an export without accept4 kills the server there, although its own
    embedded filter allows accept4."""
    source = without(Path(f"{echo_server}.policy.json"), "accept4", tmp_path / "policy.json")
    blob = export(cc_sandbox, session_env, source, "bpf", tmp_path / "echo.bpf")
    with serving(bwrap(blob, str(echo_server), "0")) as (proc, port):
        connect_quietly(port)
        assert proc.wait(timeout=30) == SIGSYS_EXIT


@needs_bwrap
def test_the_exec_rule_survives_the_export_as_eperm(
    tmp_path: Path, cc_sandbox: str, session_env: dict[str, str]
) -> None:
    work = copy_example("workers", tmp_path / "workers")
    assert run([cc_sandbox, "make", "-C", str(work)], session_env).returncode == 0
    blob = export(cc_sandbox, session_env, work / "workers", "bpf", tmp_path / "workers.bpf")
    done = subprocess.run(bwrap(blob, str(work / "workers"), "/bin/true"), capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "child exit -1" in done.stdout, done.stdout + done.stderr  # EPERM, not SIGSYS
    profile = json.loads(
        export(cc_sandbox, session_env, work / "workers", "oci", tmp_path / "workers.json").read_text()
    )
    assert {"names": ["execveat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1} in profile["syscalls"]


def runc_bundle(binary: Path, profile: Path, bundle: Path, no_new_privileges: bool) -> Path:
    """A runc bundle: a rootfs holding only the static binary, sharing the host's network."""
    (bundle / "rootfs").mkdir(parents=True)
    shutil.copy(binary, bundle / "rootfs" / binary.name)
    done = subprocess.run(["runc", "spec"], cwd=bundle, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    config = json.loads((bundle / "config.json").read_text())
    config["process"].update(args=[f"/{binary.name}", "0"], terminal=False, noNewPrivileges=no_new_privileges)
    config["linux"]["namespaces"] = [n for n in config["linux"]["namespaces"] if n["type"] != "network"]
    config["linux"]["seccomp"] = json.loads(profile.read_text())
    (bundle / "config.json").write_text(json.dumps(config, indent=1))
    return bundle


@contextlib.contextmanager
def runc_container(bundle: Path) -> Iterator[list[str]]:
    name = f"cc-sandbox-test-{os.getpid()}-{bundle.name}"
    try:
        yield ["runc", "run", "--bundle", str(bundle), name]
    finally:
        subprocess.run(["runc", "delete", "--force", name], capture_output=True)


@needs_runc
@pytest.mark.parametrize("no_new_privileges", [True, False], ids=["no-new-privileges", "docker-default"])
def test_the_sandboxed_echo_server_serves_under_runc_with_its_oci_export(
    no_new_privileges: bool, echo_server: Path, tmp_path: Path, cc_sandbox: str, session_env: dict[str, str]
) -> None:
    profile = export(cc_sandbox, session_env, echo_server, "oci", tmp_path / "seccomp.json")
    bundle = runc_bundle(echo_server, profile, tmp_path / "bundle", no_new_privileges)
    with runc_container(bundle) as command, serving(command) as (proc, port):
        assert echo_and_stop(port) == b"ping\n"
        assert proc.wait(timeout=30) == 0


@needs_runc
def test_the_oci_export_is_what_runc_enforces(
    echo_server: Path, tmp_path: Path, cc_sandbox: str, session_env: dict[str, str]
) -> None:
    source = without(Path(f"{echo_server}.policy.json"), "accept4", tmp_path / "policy.json")
    profile = export(cc_sandbox, session_env, source, "oci", tmp_path / "seccomp.json")
    bundle = runc_bundle(echo_server, profile, tmp_path / "bundle", True)
    with runc_container(bundle) as command, serving(command) as (proc, port):
        connect_quietly(port)
        assert proc.wait(timeout=30) != 0


def test_the_oci_export_is_valid_against_the_runtime_spec_schema(
    echo_server: Path, cc_sandbox: str, session_env: dict[str, str]
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema_dir = Path("/usr/share/gocode/src/github.com/opencontainers/runtime-spec/schema")
    if not schema_dir.is_dir():
        pytest.skip("golang-github-opencontainers-specs-dev is not installed")
    schema = json.loads((schema_dir / "config-linux.json").read_text())
    seccomp_schema = schema["linux"]["properties"]["seccomp"]
    resolver = jsonschema.RefResolver(base_uri=f"file://{schema_dir}/config-linux.json", referrer=schema)
    for fmt in ("oci", "docker"):
        profile = json.loads(run([cc_sandbox, "export", str(echo_server), "--format", fmt], session_env).stdout)
        jsonschema.validate(profile, seccomp_schema, resolver=resolver)
        assert profile["defaultAction"] == "SCMP_ACT_KILL_PROCESS" and "accept4" in profile["syscalls"][0]["names"]
    with pytest.raises(jsonschema.ValidationError):  # the schema does check actions
        jsonschema.validate({**profile, "defaultAction": "SCMP_ACT_BOGUS"}, seccomp_schema, resolver=resolver)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
def test_the_systemd_export_verifies_as_a_service_drop_in(
    echo_server: Path, tmp_path: Path, cc_sandbox: str, session_env: dict[str, str]
) -> None:
    drop_in = export(cc_sandbox, session_env, echo_server, "systemd", tmp_path / "seccomp.conf").read_text()
    unit = tmp_path / "echo-test.service"
    unit.write_text(f"[Unit]\nDescription=echo\n[Service]\nExecStart={echo_server} 0\n{drop_in}")
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Failed to parse" not in done.stderr and "Unknown" not in done.stderr, done.stderr  # it exits 0 anyway
    filter_line = next(line for line in drop_in.splitlines() if line.startswith("SystemCallFilter="))
    assert {"accept4", "prctl", "seccomp"} <= set(filter_line.split("=", 1)[1].split())


@pytest.mark.skipif(
    not Path("/run/systemd/system").is_dir() or shutil.which("systemd-run") is None,
    reason="systemd is not PID 1 here, so systemd-run cannot start a unit",
)
def test_the_sandboxed_echo_server_runs_under_systemd_run_with_its_export(
    echo_server: Path, tmp_path: Path, cc_sandbox: str, session_env: dict[str, str]
) -> None:
    drop_in = export(cc_sandbox, session_env, echo_server, "systemd", tmp_path / "seccomp.conf").read_text()
    properties = [f"--property={line}" for line in drop_in.splitlines() if "=" in line and not line.startswith("#")]
    command = ["systemd-run", "--wait", "--pipe", "--quiet", *properties, str(echo_server), "0"]
    with serving(command) as (proc, port):
        assert echo_and_stop(port) == b"ping\n"
        assert proc.wait(timeout=30) == 0
