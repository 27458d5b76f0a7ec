"""The command line, the HTTP transport, and the config snippets people paste."""

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import anyio
import httpx2
import pytest
from fake_octoperf import BASE, KEY, FakeOctoPerf
from mcp import Client

from octoperf_mcp import TOOLS, Settings, __version__, check, main, parse_args

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
        (["--port", "eighty"], "octoperf-mcp: argument --port: invalid int value: 'eighty' (see --help)"),
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


def test_check_on_the_demo_says_ok_with_the_count_and_url(capsys):
    assert run(["--demo", "--check"], capsys)[:2] == (
        0,
        "OK: 1 workspace reachable at https://demo.octoperf.invalid\n",
    )


async def test_check_counts_the_workspaces_at_the_configured_url():
    fake = FakeOctoPerf()
    status, line = await check(Settings(api_key=KEY, api_url=BASE), httpx2.MockTransport(fake.handler))
    assert (status, line) == (0, f"OK: 2 workspaces reachable at {BASE}")


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
