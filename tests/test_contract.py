"""The public contract: tools/list as a snapshot, annotations, read-only mode, configuration, stdio."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import anyio
import pytest
from fake_octoperf import BASE, KEY
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from support import connect, fail

from octoperf_mcp import DEFAULT_API_URL, TOOLS, ConfigError, Settings

pytestmark = pytest.mark.anyio
SNAPSHOT = Path(__file__).parent / "snapshots" / "tools_list.json"
SCRIPT = Path(__file__).parent.parent / "octoperf_mcp.py"


async def tools_list(client) -> list[dict]:
    return [
        t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in (await client.list_tools()).tools
    ]


async def test_tools_list_matches_the_snapshot(client):
    """Any change of a name, description, schema or annotation shows here as a diff.
    Accept an intended change with UPDATE_SNAPSHOT=1."""
    tools = await tools_list(client)
    if os.environ.get("UPDATE_SNAPSHOT") and not os.environ.get("CI"):
        SNAPSHOT.write_text(json.dumps(tools, indent=2, ensure_ascii=False) + "\n")
    assert tools == json.loads(SNAPSHOT.read_text())


async def test_tools_list_stays_under_1500_bytes_a_tool(client):
    tools = await tools_list(client)
    size = len(json.dumps(tools, separators=(",", ":")))
    assert size / len(tools) < 1500, f"{size} bytes for {len(tools)} tools"


async def test_the_text_copy_of_a_result_is_its_structured_content_as_compact_json(client):
    result = await client.call_tool("get_test_metrics", {"bench_result_id": "br-1"})
    (text,) = result.content
    assert text.text == json.dumps(result.structured_content, separators=(",", ":"))


async def test_reading_tools_say_so_and_launch_and_stop_say_they_are_destructive(client):
    annotations = {t["name"]: t["annotations"] for t in await tools_list(client)}
    launch, stop = annotations.pop("run_scenario"), annotations.pop("stop_test")
    assert launch["destructiveHint"] is True
    assert launch["idempotentHint"] is False
    assert launch["openWorldHint"] is True
    assert launch["readOnlyHint"] is False
    assert stop["destructiveHint"] is True
    assert stop["idempotentHint"] is True  # stopping a stopped test changes nothing
    assert stop["readOnlyHint"] is False
    assert all(a["readOnlyHint"] for a in annotations.values())


async def test_the_launch_description_warns_that_it_costs_credits(client):
    (launch,) = [t for t in await tools_list(client) if t["name"] == "run_scenario"]
    assert "CONSUMES OCTOPERF CREDITS" in launch["description"]


async def test_read_only_mode_hides_launch_and_stop_and_refuses_them_by_name(octoperf):
    async with connect(octoperf, Settings(api_key=KEY, api_url=BASE, read_only=True)) as client:
        names = [t["name"] for t in await tools_list(client)]
        launch = await fail(client, "run_scenario", scenario_id="scn-1")
        stop = await fail(client, "stop_test", bench_result_id="br-1")
        instructions = client.instructions
    assert names == [
        "list_workspaces",
        "list_projects",
        "list_scenarios",
        "list_tests",
        "get_test_status",
        "wait_for_test",
        "get_test_metrics",
        "get_test_transactions",
        "compare_tests",
        "assess_test",
        "analyze_trend",
        "find_capacity",
        "get_report",
    ]
    assert "Unknown tool" in launch
    assert "Unknown tool" in stop
    assert "read-only: it cannot launch or stop tests" in instructions
    assert not octoperf.requests


async def test_the_instructions_explain_the_chain_and_the_call_order(client):
    assert "workspace > project > scenario" in client.instructions
    assert "list_workspaces > list_projects > list_scenarios > run_scenario" in client.instructions
    assert "> wait_for_test" in client.instructions


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, Settings(api_key=None, api_url=DEFAULT_API_URL, read_only=False)),
        (
            {
                "OCTOPERF_API_KEY": " k ",
                "OCTOPERF_API_URL": "https://perf.example.com/",
                "OCTOPERF_READ_ONLY": "true",
            },
            Settings(api_key="k", api_url="https://perf.example.com", read_only=True),
        ),
        ({"OCTOPERF_API_KEY": "", "OCTOPERF_READ_ONLY": "1"}, Settings(api_key=None, read_only=True)),
        ({"OCTOPERF_READ_ONLY": "0"}, Settings(read_only=False)),
    ],
)
def test_settings_come_from_the_environment(env, expected):
    assert Settings.from_env(env) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://octoperf.example.com",
        "https://octoperf.example.com:8443/api",
        "http://127.0.0.1:8090",
        "http://localhost:8090",
        "http://[::1]:8090",
    ],
)
def test_https_urls_and_plain_http_on_this_machine_are_accepted(url):
    assert Settings.from_env({"OCTOPERF_API_URL": url}).api_url == url


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://octoperf.example.com", "must be an http:// or https:// URL"),
        ("octoperf.example.com", "must be an http:// or https:// URL"),
        ("https://", "must be an http:// or https:// URL"),
        ("https://[::1", "must be an http:// or https:// URL"),
        ("https://user:secret@octoperf.example.com", "must not carry a user name or password"),
        ("https://octoperf.example.com/?token=x", "must not carry a query or fragment"),
        ("https://octoperf.example.com/#x", "must not carry a query or fragment"),
        ("http://octoperf.example.com", "would send the API key unencrypted"),
        ("http://10.0.0.5:8090", "would send the API key unencrypted"),
    ],
)
def test_an_api_url_that_could_leak_the_key_or_reach_nothing_is_refused(url, problem):
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"OCTOPERF_API_URL": url})
    assert problem in str(refused.value)
    assert "secret" not in str(refused.value)


def test_plain_http_to_another_machine_is_allowed_only_when_asked():
    env = {"OCTOPERF_API_URL": "http://octoperf.lan:8090", "OCTOPERF_ALLOW_HTTP": "1"}
    assert Settings.from_env(env).allow_http is True


def test_a_bad_api_url_stops_the_script_with_one_line_and_status_2():
    env = {
        "OCTOPERF_API_URL": "http://octoperf.example.com",
        "OCTOPERF_API_KEY": KEY,
        "PATH": os.environ["PATH"],
    }
    done = subprocess.run([sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "octoperf-mcp: OCTOPERF_API_URL http://octoperf.example.com uses plain http:// to another machine,"
        " which would send the API key unencrypted: use https://, or set OCTOPERF_ALLOW_HTTP=1 if the"
        " network is trusted."
    ]


def test_settings_never_print_the_key():
    assert KEY not in repr(Settings(api_key=KEY))


async def test_stdout_carries_only_json_rpc_through_warnings_errors_bad_input_and_exit():
    """The raw byte stream, read to the end, so that a write buffered until exit shows too."""
    requests = [
        {"method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                                            "clientInfo": {"name": "raw", "version": "0"}}},
        {"method": "tools/call", "params": {"name": "list_workspaces", "arguments": {}}},
        {"method": "tools/call", "params": {"name": "get_test_status",
                                            "arguments": {"bench_result_id": "../x"}}},
        {"method": "tools/call", "params": {"name": "no_such_tool", "arguments": {}}},
        {"method": "no/such/method"},
    ]  # fmt: skip
    lines = [json.dumps({"jsonrpc": "2.0", "id": i} | r) for i, r in enumerate(requests, 1)]
    lines.insert(1, json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
    lines.append("this is not JSON")
    env = {"PATH": os.environ["PATH"], "OCTOPERF_API_URL": "http://127.0.0.1:9"}  # no key: a warning
    out = b""
    with anyio.fail_after(60):
        async with await anyio.open_process([sys.executable, str(SCRIPT)], env=env) as process:
            await process.stdin.send("".join(line + "\n" for line in lines).encode())
            while sum(b'"id":' in line for line in out.splitlines()) < len(requests):
                out += await process.stdout.receive()
            await process.stdin.aclose()
            async for chunk in process.stdout:
                out += chunk
            errors = b"".join([chunk async for chunk in process.stderr]).decode()
    assert process.returncode == 0
    messages = [json.loads(line) for line in out.decode().splitlines()]
    assert all(m["jsonrpc"] == "2.0" for m in messages)
    answers = {m["id"]: m for m in messages if "id" in m}
    assert answers[2]["result"]["isError"] is True
    assert "not an OctoPerf id" in answers[3]["result"]["content"][0]["text"]
    assert "error" in answers[5]
    assert "WARNING octoperf_mcp: OCTOPERF_API_KEY is not set" in errors


async def test_the_script_serves_mcp_on_stdio_with_nothing_else_on_stdout_and_no_key_in_its_log():
    """The real entrypoint, as an editor starts it, here with an OctoPerf URL nothing listens on."""
    not_json_rpc: list[Exception] = []

    async def on_message(message):
        if isinstance(message, Exception):
            not_json_rpc.append(message)

    closed = "http://127.0.0.1:9"
    env = {"OCTOPERF_API_URL": closed, "OCTOPERF_API_KEY": KEY}
    server = StdioServerParameters(command=sys.executable, args=[str(SCRIPT)], env=env)
    with tempfile.TemporaryFile("w+") as stderr:
        async with Client(stdio_client(server, errlog=stderr), message_handler=on_message) as client:
            assert len((await client.list_tools()).tools) == len(TOOLS)
            result = await client.call_tool("list_workspaces", {})
        stderr.seek(0)
        log = stderr.read()
    assert result.is_error
    assert result.content[0].text.endswith(f"Cannot reach {closed}: check OCTOPERF_API_URL and the network.")
    assert not_json_rpc == []
    assert "Cannot reach" in log
    assert KEY not in log


FORBIDDEN = {"$ref", "$defs", "anyOf", "oneOf", "allOf", "additionalProperties", "title"}


def keywords(schema) -> list[tuple[str, object]]:
    """Every (keyword, value) pair anywhere in a schema (property names are not keywords)."""
    if isinstance(schema, dict):
        inner = [v for k, v in schema.items() if k not in ("properties", "$defs")]
        inner += [v for k in ("properties", "$defs") for v in schema.get(k, {}).values()]
        return [(k, v) for k, v in schema.items()] + [p for v in inner for p in keywords(v)]
    if isinstance(schema, list):
        return [p for v in schema for p in keywords(v)]
    return []


async def test_every_input_schema_is_flat_with_one_plain_type_per_parameter(client):
    for tool in await tools_list(client):
        found = keywords(tool["inputSchema"])
        assert not {k for k, _ in found} & FORBIDDEN, tool["name"]
        assert all(isinstance(v, str) for k, v in found if k == "type"), tool["name"]
        for name, prop in tool["inputSchema"]["properties"].items():
            assert prop["type"] in ("string", "integer", "number", "array"), (tool["name"], name)
            assert prop.get("description"), (tool["name"], name)


async def test_output_schemas_say_null_with_anyof_never_with_a_type_array(client):
    for tool in await tools_list(client):
        assert all(isinstance(v, str) for k, v in keywords(tool["outputSchema"]) if k == "type"), tool["name"]


async def test_google_genai_converts_every_tool_into_a_function_declaration(client):
    from google.genai import _mcp_utils

    tools = (await client.list_tools()).tools
    declarations = [_mcp_utils.mcp_to_gemini_tool(tool).function_declarations[0] for tool in tools]
    assert [d.name for d in declarations] == [t.name for t in tools]
    (assess,) = [d for d in declarations if d.name == "assess_test"]
    assert set(assess.parameters.properties) == {
        "bench_result_id",
        "sla_avg_ms",
        "sla_p95_ms",
        "sla_p99_ms",
        "sla_error_percent",
    }
    assert assess.parameters.required == ["bench_result_id"]
