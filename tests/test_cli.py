"""The command line, the HTTP transport, and the config snippets people paste."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import anyio
import httpx2
import pytest
from fake_octoperf import BASE, KEY, FakeOctoPerf, bench_result, http_server
from mcp import Client

from octoperf_mcp import POLL_NEAR_END_S, TOOLS, Settings, __version__, check, main, parse_args

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).parent.parent
SCRIPT = ROOT / "octoperf_mcp.py"
ENVIRONMENT = (
    "OCTOPERF_API_KEY",
    "OCTOPERF_API_URL",
    "OCTOPERF_READ_ONLY",
    "OCTOPERF_ALLOW_HTTP",
    "OCTOPERF_DEMO",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


def run(argv, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(argv)
    out, err = capsys.readouterr()
    return done.value.code, out, err


def test_help_documents_every_flag_and_environment_variable(capsys):
    status, out, _ = run(["--help"], capsys)
    flags = [f"--{name.replace('_', '-')}" for name in vars(parse_args([]))]
    assert status == 0
    assert all(flag in out for flag in [*flags, "--version", "--help"])
    assert all(name in out for name in ENVIRONMENT)


def test_version_prints_the_version(capsys):
    assert run(["--version"], capsys) == (0, f"octoperf-mcp {__version__}\n", "")


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--bogus"], "octoperf-mcp: unrecognized arguments: --bogus (see --help)"),
        (
            ["--port", "eighty"],
            "octoperf-mcp: argument --port: 'eighty' is not a port number from 1 to 65535",
        ),
        (["--port", "99999"], "octoperf-mcp: argument --port: '99999' is not a port number from 1 to 65535"),
        (["--port", "0"], "octoperf-mcp: argument --port: '0' is not a port number from 1 to 65535"),
        (["--transport", "sse"], "octoperf-mcp: argument --transport: invalid choice: 'sse'"),
    ],
)
def test_a_bad_flag_is_one_line_and_status_2(capsys, argv, says):
    status, out, err = run(argv, capsys)
    assert (status, out) == (2, "")
    assert len(err.splitlines()) == 1
    assert err.startswith(says)


def test_serving_http_beyond_this_machine_needs_allow_remote(capsys):
    status, _, err = run(["--transport", "streamable-http", "--host", "0.0.0.0"], capsys)
    assert status == 2
    assert err == (
        "octoperf-mcp: --host 0.0.0.0 would let other machines use your OctoPerf key: add --allow-remote"
        " (and put a TLS proxy with authentication in front), or listen on 127.0.0.1.\n"
    )


def test_check_on_the_demo_says_ok_with_the_count_and_url_then_tests_each_assumption(
    capsys, tmp_path, monkeypatch
):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert run(["--demo", "--check"], capsys)[:2] == (
        0,
        "OK: 1 workspace reachable at https://demo.octoperf.invalid\n"
        "OK      listing past runs: 21 reports in project 'Web shop' (prj-shop)\n"
        "OK      response-time unit: seconds, checked on br-checkout-r20\n"
        "SKIPPED progress endpoint: no RUNNING test among the 3 newest of 'Web shop'\n"
        "OK      JTL listing: br-checkout-r20 has 1 file(s), 0 of them JTL\n",
    )


@pytest.mark.parametrize("times_in", ["s", "ms"])
async def test_check_proves_each_assumption_on_the_account_in_at_most_10_requests(times_in):
    fake = FakeOctoPerf()
    fake.times_in = times_in
    fake.answer("GET", "/runtime/bench-results/br-1", bench_result("br-1", "RUNNING"))
    fake.answer("GET", "/runtime/bench-results/progress/br-1", {"value": 42.5})
    status, text = await check(Settings(api_key=KEY, api_url=BASE), httpx2.MockTransport(fake.handler))
    unit = {"s": "seconds", "ms": "milliseconds"}[times_in]
    assert (status, text.splitlines()) == (
        0,
        [
            f"OK: 2 workspaces reachable at {BASE}",
            "OK      listing past runs: 3 reports in project 'Shop' (prj-1)",
            f"OK      response-time unit: {unit}, checked on br-0",
            "OK      progress endpoint: br-1 is at 42.5 %",
            "OK      JTL listing: br-0 has 3 file(s), 2 of them JTL",
        ],
    )
    assert len(fake.requests) <= 10
    assert not fake.unexpected


async def test_check_says_which_assumption_failed_with_octoperfs_status_and_still_exits_0():
    fake = FakeOctoPerf()
    fake.answer("GET", "/analysis/bench-reports/by-project/prj-1", httpx2.Response(404))
    status, text = await check(Settings(api_key=KEY, api_url=BASE), httpx2.MockTransport(fake.handler))
    assert status == 0
    assert text.splitlines()[1:] == [
        "FAILED  listing past runs: GET /analysis/bench-reports/by-project/prj-1 answered HTTP 404;"
        " list_tests cannot work",
        "SKIPPED response-time unit: no run found without the listing",
        "SKIPPED progress endpoint: no run found without the listing",
        "SKIPPED JTL listing: no run found without the listing",
    ]


async def test_check_reports_a_refused_unit_check_and_a_failing_progress_endpoint():
    fake = FakeOctoPerf()
    fake.answer("GET", "/analysis/metrics/global/br-0", httpx2.Response(403))
    fake.answer("GET", "/runtime/bench-results/br-1", bench_result("br-1", "RUNNING"))
    fake.answer("GET", "/runtime/bench-results/progress/br-1", httpx2.Response(500))
    status, text = await check(Settings(api_key=KEY, api_url=BASE), httpx2.MockTransport(fake.handler))
    assert status == 0
    assert text.splitlines()[2:] == [
        "FAILED  response-time unit: seconds, assumed (global metrics of br-0: HTTP 403)",
        "FAILED  progress endpoint: br-1 answered HTTP 500",
        "OK      JTL listing: br-0 has 3 file(s), 2 of them JTL",
    ]


async def test_check_gives_the_reason_when_it_fails():
    fake = FakeOctoPerf()
    status, line = await check(Settings(api_key="wrong", api_url=BASE), httpx2.MockTransport(fake.handler))
    assert status == 1
    assert line.startswith("FAILED: OctoPerf rejected the API key (HTTP 401)")


async def test_streamable_http_serves_the_tools_to_a_client():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = [sys.executable, str(SCRIPT), "--demo", "--transport", "streamable-http", "--port", str(port)]
    server = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with anyio.fail_after(60):
            while True:
                try:
                    async with Client(f"http://127.0.0.1:{port}/mcp") as client:
                        tools = (await client.list_tools()).tools
                        result = await client.call_tool("list_workspaces", {})
                    break
                except* (httpx2.TransportError, OSError):
                    await anyio.sleep(0.2)
    finally:
        server.terminate()
        server.wait(10)
    assert len(tools) == len(TOOLS)
    assert result.structured_content["workspaces"][0]["id"] == "ws-demo"


def snippets() -> list[tuple[str, str]]:
    readme = (ROOT / "README.md").read_text()
    found = [
        (f"README.md json block {i}", block)
        for i, block in enumerate(re.findall(r"```json\n(.*?)```", readme, re.S))
    ]
    return [*found, (".vscode/mcp.json", (ROOT / ".vscode" / "mcp.json").read_text())]


@pytest.mark.parametrize(("where", "text"), snippets(), ids=[w for w, _ in snippets()])
def test_every_config_snippet_is_valid_json_that_starts_this_script(where, text):
    config = json.loads(text)
    servers = config.get("servers") or config.get("mcpServers")
    assert servers, f"{where}: no servers"
    for name, server in servers.items():
        args = server["args"]
        assert server["command"] == "uv", where
        assert args[0] == "run" and args[1].endswith("octoperf_mcp.py"), where
        assert ("--demo" in args) == ("demo" in name), where
        assert KEY not in text


def test_the_readme_offers_a_demo_and_a_real_server_for_each_editor():
    blocks = [json.loads(text) for _, text in snippets()]
    names = [set((b.get("servers") or b.get("mcpServers")).keys()) for b in blocks]
    assert all({"octoperf", "octoperf-demo"} <= n for n in names)


def test_the_vscode_config_asks_for_the_key_and_never_holds_one():
    config = json.loads((ROOT / ".vscode" / "mcp.json").read_text())
    (prompt,) = config["inputs"]
    assert prompt["password"] is True
    assert config["servers"]["octoperf"]["env"]["OCTOPERF_API_KEY"] == f"${{input:{prompt['id']}}}"


def test_the_readme_starts_with_the_demo():
    readme = (ROOT / "README.md").read_text()
    first_command = re.search(r"```sh\n(.*?)\n", readme).group(1)
    assert first_command.startswith("uv run octoperf_mcp.py --demo")


def test_a_bad_api_url_in_the_environment_is_one_line_and_status_2(capsys, monkeypatch):
    monkeypatch.setenv("OCTOPERF_API_URL", "ftp://octoperf.example.com")
    status, out, err = run([], capsys)
    assert (status, out) == (2, "")
    assert err == (
        "octoperf-mcp: OCTOPERF_API_URL ftp://octoperf.example.com must be an http:// or https:// URL,"
        " like https://api.octoperf.com.\n"
    )


def test_the_script_runs_as_a_subprocess_with_help():
    done = subprocess.run([sys.executable, str(SCRIPT), "--help"], capture_output=True, text=True, timeout=60,
                          env={"PATH": os.environ["PATH"]})  # fmt: skip
    assert done.returncode == 0
    assert "--demo" in done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(*argv: str, env: dict[str, str] | None = None, **options) -> subprocess.Popen:
    """The real script in its own process, stderr captured."""
    environment = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")} | (env or {})
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), *argv], env=environment, stderr=subprocess.PIPE, text=True, **options
    )


class Lines:
    """A child's text stream, read line by line by a thread of its own, so that a line already in
    the stream's buffer is seen and every wait has a deadline that fails with what was read."""

    def __init__(self, stream) -> None:
        self.seen: list[str] = []
        self.changed = threading.Condition()
        threading.Thread(target=self.pump, args=(stream,), daemon=True).start()

    def pump(self, stream) -> None:
        for line in iter(stream.readline, ""):
            with self.changed:
                self.seen.append(line)
                self.changed.notify_all()
        with self.changed:
            self.seen.append(EOF)
            self.changed.notify_all()

    def expect(self, text: str, timeout: float = 30) -> str:
        """The first line holding text; fails the test with every line read when none comes in time."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not (found := [line for line in self.seen if text in line]):
                left = deadline - time.monotonic()
                if left <= 0 or EOF in self.seen:
                    pytest.fail(f"no line with {text!r} within {timeout} s; the child wrote: {self.seen!r}")
                self.changed.wait(left)
        return found[0]

    def rest(self, timeout: float = 20) -> str:
        """Everything the child wrote, once its stream ends (or what came within timeout)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while EOF not in self.seen and (left := deadline - time.monotonic()) > 0:
                self.changed.wait(left)
            return "".join(line for line in self.seen if line is not EOF)


EOF = "<end of stream>"


def wait_for_port(port: int, server: subprocess.Popen, timeout: float = 30) -> None:
    """Until the child listens on the port; fails the test, with its exit status, when it does not in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail(f"nothing listened on port {port} within {timeout} s (exit status {server.poll()})")


def test_a_wait_for_a_line_that_never_comes_fails_in_time_with_what_the_child_wrote():
    talks_then_sleeps = "import sys, time; print('hello', file=sys.stderr); time.sleep(30)"
    child = subprocess.Popen([sys.executable, "-c", talks_then_sleeps], stderr=subprocess.PIPE, text=True)
    started = time.monotonic()
    try:
        with pytest.raises(pytest.fail.Exception, match=r"no line with 'Uvicorn running' within 1 s.*hello"):
            Lines(child.stderr).expect("Uvicorn running", timeout=1)
    finally:
        child.kill()
    assert time.monotonic() - started < 10


def test_in_a_terminal_stdio_mode_says_it_waits_for_a_client_and_ctrl_c_exits_quietly(tmp_path):
    import pty

    terminal, child_end = pty.openpty()
    server = start("--demo", env={"XDG_STATE_HOME": str(tmp_path)}, stdin=child_end, stdout=subprocess.PIPE)
    stderr = Lines(server.stderr)
    try:
        line = stderr.expect("octoperf-mcp: ")
        server.send_signal(signal.SIGINT)
        server.wait(20)
    finally:
        server.kill()
        os.close(terminal)
        os.close(child_end)
    assert line.startswith("octoperf-mcp: serving MCP on stdio and waiting for an MCP client")
    assert "--check" in line and "Inspector" in line and "Ctrl-C" in line
    assert server.returncode == 130
    assert stderr.rest() == line
    assert server.stdout.read() == ""


def test_over_http_the_start_line_names_the_full_url_and_ctrl_c_exits_quietly(tmp_path):
    port = free_port()
    server = start("--demo", "--transport", "streamable-http", "--port", str(port),
                   env={"XDG_STATE_HOME": str(tmp_path)}, stdout=subprocess.DEVNULL)  # fmt: skip
    stderr = Lines(server.stderr)
    try:
        line = stderr.expect("octoperf-mcp: ")
        wait_for_port(port, server)
        server.send_signal(signal.SIGINT)
        server.wait(20)
    finally:
        server.kill()
    assert line == f"octoperf-mcp: serving MCP at http://127.0.0.1:{port}/mcp\n"
    assert server.returncode == 130
    assert stderr.rest() == line  # quiet: no start-up or request lines without --verbose


def test_a_port_in_use_is_one_line_and_status_2(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status, out, err = run(["--demo", "--transport", "streamable-http", "--port", str(port)], capsys)
    assert (status, out) == (2, "")
    assert err == f"octoperf-mcp: port {port} on 127.0.0.1 is in use: pick another with --port.\n"


def test_the_demo_may_listen_beyond_this_machine_since_it_holds_no_key(monkeypatch):
    started = []
    monkeypatch.setattr("octoperf_mcp.MCPServer.run", lambda self, *a, **k: started.append(k))
    main(["--demo", "--transport", "streamable-http", "--host", "0.0.0.0", "--port", str(free_port())])
    assert started[0]["host"] == "0.0.0.0"


async def test_over_http_a_cancelled_wait_stops_polling_octoperf_within_one_poll_interval():
    """As TypeScript-SDK clients cancel: notifications/cancelled in a POST of its own while the
    call's event stream stays open. Real HTTP both ways: the script, and the fake OctoPerf."""
    fake = FakeOctoPerf()
    fake.answer("GET", "/runtime/bench-results/br-2", bench_result("br-2", "RUNNING"))
    fake.answer("GET", "/runtime/bench-results/progress/br-2", {"value": 95.0})  # polls every 5 s
    octoperf = http_server(fake)
    threading.Thread(target=octoperf.serve_forever, daemon=True).start()
    port = free_port()
    env = {"OCTOPERF_API_URL": f"http://127.0.0.1:{octoperf.server_port}", "OCTOPERF_API_KEY": KEY}
    server = start("--transport", "streamable-http", "--port", str(port), env=env, stdout=subprocess.DEVNULL)
    polls = lambda: len(fake.sent("GET", "/runtime/bench-results/br-2"))  # noqa: E731
    headers = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18"}
    hello = {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "ts-like", "version": "0"},
    }
    wait = {"name": "wait_for_test", "arguments": {"bench_result_id": "br-2"}, "_meta": {"progressToken": 1}}
    try:
        wait_for_port(port, server)
        with anyio.fail_after(60):
            url = f"http://127.0.0.1:{port}/mcp"
            async with httpx2.AsyncClient(headers=headers, timeout=None) as http:

                async def send(message: dict) -> httpx2.Response:
                    return await http.post(url, json={"jsonrpc": "2.0"} | message)

                session = (await send({"id": 1, "method": "initialize", "params": hello})).headers.get(
                    "mcp-session-id"
                )
                http.headers["mcp-session-id"] = session or ""
                await send({"method": "notifications/initialized"})
                call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": wait}
                progressed = anyio.Event()

                async def follow() -> None:  # reads the call's event stream on, as a client does
                    request = http.build_request("POST", url, json=call)
                    async with http.stream(request.method, request.url, json=call) as stream:
                        async for line in stream.aiter_lines():
                            if "notifications/progress" in line:
                                progressed.set()

                async with anyio.create_task_group() as group:
                    group.start_soon(follow)
                    await progressed.wait()
                    await send(
                        {"method": "notifications/cancelled", "params": {"requestId": 2, "reason": "user"}}
                    )
                    cancelled_at = polls()
                    await anyio.sleep(POLL_NEAR_END_S + 2)  # a wait still running polls again by now
                    after = polls()
                    group.cancel_scope.cancel()
    finally:
        server.terminate()
        server.wait(10)
        octoperf.shutdown()
    assert cancelled_at == 1
    assert after == cancelled_at
    assert session, "stateful HTTP: the server names a session"


@pytest.mark.parametrize("flag", [["--port", "9000"], ["--host", "127.0.0.1"]])
def test_port_or_host_without_the_http_transport_is_one_line_and_status_2(capsys, flag):
    status, out, err = run(["--demo", *flag], capsys)
    assert (status, out) == (2, "")
    assert err == (
        "octoperf-mcp: --host and --port are for --transport streamable-http: add it, or leave them out"
        " (see --help)\n"
    )


def test_with_verbose_each_http_request_is_logged_and_without_it_none(tmp_path):
    logs = {}
    for flags in ([], ["--verbose"]):
        port = free_port()
        server = start("--demo", "--transport", "streamable-http", "--port", str(port), *flags,
                       env={"XDG_STATE_HOME": str(tmp_path)}, stdout=subprocess.DEVNULL)  # fmt: skip
        stderr = Lines(server.stderr)
        try:
            wait_for_port(port, server)
            httpx2.post(f"http://127.0.0.1:{port}/mcp", json={}, timeout=10)
            if flags:
                stderr.expect("Created new transport")
            server.send_signal(signal.SIGINT)
            server.wait(20)
        finally:
            server.kill()
        logs[bool(flags)] = (port, stderr.rest())
    quiet_port, quiet = logs[False]
    assert quiet == f"octoperf-mcp: serving MCP at http://127.0.0.1:{quiet_port}/mcp\n"
    assert "Uvicorn running" in logs[True][1] and "INFO mcp.server" in logs[True][1]


def test_demo_reset_forgets_the_launched_runs_and_says_where(capsys, monkeypatch, tmp_path):
    state = tmp_path / "octoperf-mcp" / "demo-runs.json"
    state.parent.mkdir()
    state.write_text("{}")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    status, out, err = run(["--demo-reset"], capsys)
    assert (status, out, state.exists()) == (0, "", False)
    assert err == f"octoperf-mcp: the demo has forgotten the runs launched in it ({state}).\n"
    assert run(["--demo-reset"], capsys)[0] == 0  # nothing to forget is no error


def test_check_without_a_key_says_what_to_do_and_exits_1(capsys):
    status, out, _ = run(["--check"], capsys)
    assert status == 1
    assert out == (
        "FAILED: OCTOPERF_API_KEY is not set: create one in OctoPerf under Account > Profile > API key,"
        " then run OCTOPERF_API_KEY=your-key uv run octoperf_mcp.py --check (or try --demo, which needs"
        " none).\n"
    )
