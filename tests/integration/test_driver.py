"""The compiler driver on real programs: clang-19, lld-19 and the musl sysroot, no mocks."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

from .helpers import EXAMPLES, copy_example, module_functions, run


def test_hello_compiles_links_runs_and_leaves_its_whole_program_module(
    tmp_path: Path, cc_sandbox_cc: str, tool_env: dict[str, str]
) -> None:
    obj, prog = tmp_path / "hello.o", tmp_path / "hello"
    assert run([cc_sandbox_cc, "-O2", "-c", str(EXAMPLES / "hello/hello.c"), "-o", str(obj)], tool_env).returncode == 0
    linked = run([cc_sandbox_cc, "-O2", str(obj), "-o", str(prog), "-lpthread"], tool_env)
    assert linked.returncode == 0, linked.stderr
    out = run([str(prog)], tool_env)
    assert out.returncode == 0 and "thread 42" in out.stdout and "hello, world 1234" in out.stdout
    functions = module_functions(tmp_path / "hello.bc")
    assert "main" in functions
    assert {"__libc_start_main", "_start_c"} & functions, "musl's start-up code is in the module"
    assert "__stdio_write" in functions, "musl's stdio is in the module"


def test_the_link_manifest_names_the_native_objects_outside_the_module(
    tmp_path: Path, cc_sandbox_cc: str, tool_env: dict[str, str]
) -> None:
    prog = tmp_path / "hello"
    assert run([cc_sandbox_cc, "-O2", str(EXAMPLES / "hello/hello.c"), "-o", str(prog)], tool_env).returncode == 0
    manifest = json.loads((tmp_path / "hello.link.json").read_text())
    assert manifest["format"] == "cc-sandbox-link" and manifest["module"] == "hello.bc"
    names = {n["path"].rsplit("/", 1)[-1]: n["origin"] for n in manifest["native_inputs"]}
    assert names["libc.a(clone.lo)"] == "musl" and "crti.o" in names
    assert any(origin == "compiler-rt" for origin in names.values()), "__udivti3 comes from compiler-rt"
    assert (tmp_path / "hello.map").is_file()
    assert not list(tmp_path.glob(".hello.*")), "no staging directory is left behind"


def test_echo_server_serves_over_loopback(tmp_path: Path, cc_sandbox_cc: str, tool_env: dict[str, str]) -> None:
    prog = tmp_path / "echo-server"
    built = run([cc_sandbox_cc, "-O2", str(EXAMPLES / "echo-server/echo_server.c"), "-o", str(prog)], tool_env)
    assert built.returncode == 0, built.stderr
    assert {"main", "serve_loop", "__stdio_write"} <= module_functions(tmp_path / "echo-server.bc")
    server = subprocess.Popen([str(prog), "0"], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline().rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            client.sendall(b"hello\n")
            assert client.recv(100) == b"hello\n"
        with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            client.sendall(b"SHUTDOWN\n")
        assert server.wait(timeout=5) == 0
        assert "echoed 6 bytes" in server.stdout.read()
    finally:
        server.kill()


def test_make_builds_a_multi_file_program_and_reports_the_link(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    work = copy_example("workers", tmp_path / "workers")
    built = run([cc_sandbox, "make", "-C", str(work)], tool_env)
    assert built.returncode == 0, built.stderr
    assert "linked" in built.stderr and "workers.bc" in built.stderr
    out = run([str(work / "workers"), "-"], tool_env)  # "-": no child (exec is blocked in the sandbox)
    assert out.returncode == 0, out.stderr
    assert "signal seen, child exit 0" in out.stdout and "atexit handler ran" in out.stderr
    assert {"main", "op_square", "run_job"} <= module_functions(work / "workers.bc")


def test_make_passes_the_builds_exit_code_through(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    (tmp_path / "Makefile").write_text("all:\n\texit 7\n")
    assert (
        run([cc_sandbox, "make", "-C", str(tmp_path)], tool_env).returncode == 2
    )  # make's own code for a failed recipe


def test_compile_errors_pass_through_with_the_compilers_exit_code(
    tmp_path: Path, cc_sandbox_cc: str, tool_env: dict[str, str]
) -> None:
    (tmp_path / "bad.c").write_text("int main(void) { return undeclared; }\n")
    done = run([cc_sandbox_cc, "-c", str(tmp_path / "bad.c"), "-o", str(tmp_path / "bad.o")], tool_env)
    assert done.returncode == 1
    assert "use of undeclared identifier 'undeclared'" in done.stderr and "cc-sandbox" not in done.stderr
    assert not (tmp_path / "bad.o").exists()


def test_a_failed_link_keeps_the_previous_output_and_leaves_no_partial_files(
    tmp_path: Path, cc_sandbox_cc: str, tool_env: dict[str, str]
) -> None:
    prog = tmp_path / "prog"
    (tmp_path / "good.c").write_text("int main(void) { return 0; }\n")
    (tmp_path / "bad.c").write_text("int missing(void); int main(void) { return missing(); }\n")
    assert run([cc_sandbox_cc, str(tmp_path / "good.c"), "-o", str(prog)], tool_env).returncode == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("prog")}
    failed = run([cc_sandbox_cc, str(tmp_path / "bad.c"), "-o", str(prog)], tool_env)
    assert failed.returncode != 0 and "undefined symbol: missing" in failed.stderr
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("prog")}
    assert after == before
    assert not list(tmp_path.glob(".prog.*"))


def test_native_objects_from_another_compiler_are_refused(
    tmp_path: Path, cc_sandbox_cc: str, tool_env: dict[str, str]
) -> None:
    (tmp_path / "native.c").write_text("int helper(void) { return 3; }\n")
    (tmp_path / "main.c").write_text("int helper(void); int main(void) { return helper(); }\n")
    subprocess.run(
        ["clang-19", "--target=x86_64-linux-musl", "-c", str(tmp_path / "native.c"), "-o", str(tmp_path / "native.o")],
        check=True,
    )
    assert (
        run([cc_sandbox_cc, "-c", str(tmp_path / "main.c"), "-o", str(tmp_path / "main.o")], tool_env).returncode == 0
    )
    done = run(
        [cc_sandbox_cc, str(tmp_path / "main.o"), str(tmp_path / "native.o"), "-o", str(tmp_path / "prog")], tool_env
    )
    assert done.returncode == 3
    assert "native objects not built by cc-sandbox" in done.stderr and "native.o" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "prog").exists() and not (tmp_path / "prog.bc").exists()


def test_other_architectures_get_one_clear_line(tmp_path: Path, cc_sandbox_cc: str, tool_env: dict[str, str]) -> None:
    done = run([cc_sandbox_cc, "-m32", "-c", str(EXAMPLES / "hello/hello.c"), "-o", str(tmp_path / "h.o")], tool_env)
    assert done.returncode == 3
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert "x86_64 only" in done.stderr


def test_a_missing_sysroot_says_how_to_build_it(tmp_path: Path, cc_sandbox_cc: str, tool_env: dict[str, str]) -> None:
    env = dict(tool_env, CC_SANDBOX_SYSROOT=str(tmp_path / "none"))
    done = run([cc_sandbox_cc, "-c", str(EXAMPLES / "hello/hello.c")], env)
    assert done.returncode == 3 and "run `cc-sandbox sysroot`" in done.stderr


def test_version_and_print_queries_answer_like_clang_for_the_musl_target(
    cc_sandbox_cc: str, tool_env: dict[str, str]
) -> None:
    version = run([cc_sandbox_cc, "--version"], tool_env)
    assert (
        version.returncode == 0
        and "clang version 19" in version.stdout
        and "x86_64-unknown-linux-musl" in version.stdout
    )
    assert run([cc_sandbox_cc, "-dumpmachine"], tool_env).stdout.strip() == "x86_64-unknown-linux-musl"


def test_configure_style_probe_links_work_and_keep_no_module(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    (tmp_path / "conftest.c").write_text('#include <stdio.h>\nint main(void) { puts("probe ok"); return 0; }\n')
    done = run(
        [cc_sandbox, "build", "--", "sh", "-c", "$CC -O2 -o conftest conftest.c && ./conftest"], tool_env, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "probe ok"
    assert not (tmp_path / "conftest.bc").exists()


def test_build_runs_any_command_with_the_toolchain_in_its_environment(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    done = run([cc_sandbox, "build", "--", "sh", "-c", 'echo "$CC"; command -v ar'], tool_env, cwd=tmp_path)
    cc_line, ar_line = done.stdout.split()
    assert cc_line.endswith("cc-sandbox-cc") and ar_line.endswith("toolchain/bin/ar")
