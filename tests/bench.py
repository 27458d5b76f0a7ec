"""Benchmark: the figures in the README's Performance section. Not collected by pytest.

    uv run --with-requirements octoperf_mcp.py tests/bench.py [--quick]

Starts the fake OctoPerf (tests/fake_octoperf.py) as an HTTP server on 127.0.0.1, spawns the MCP
server over stdio with the SDK's client, as an editor does, and prints a Markdown table. The cold
start uses an empty uv cache, so it downloads the dependencies (it needs the package registry).
"""

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anyio
import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

HERE = Path(__file__).parent
SCRIPT = HERE.parent / "octoperf_mcp.py"
sys.path[:0] = [str(HERE), str(HERE.parent)]
from fake_octoperf import KEY, FakeOctoPerf  # noqa: E402
from support import connect, synthetic_history  # noqa: E402

from octoperf_mcp import analyse  # noqa: E402

QUICK = "--quick" in sys.argv
CALLS = 200 if QUICK else 1_000
SOAK = 1_000 if QUICK else 10_000
STATUS = {"bench_result_id": "br-1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def server_pid() -> int:
    """The MCP server this process spawned (the SDK's client does not expose its pid)."""
    for proc in Path("/proc").iterdir():
        try:
            status = (proc / "status").read_text()
            cmdline = (proc / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if f"PPid:\t{os.getpid()}\n" in status and str(SCRIPT).encode() in cmdline:
            return int(proc.name)
    raise RuntimeError("the server process was not found")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def params(url: str, command: list[str], **env: str) -> StdioServerParameters:
    base = {k: v for k, v in os.environ.items() if not k.startswith("OCTOPERF_")}  # uv's proxies, certs
    return StdioServerParameters(
        command=command[0],
        args=command[1:],
        env=base | {"OCTOPERF_API_URL": url, "OCTOPERF_API_KEY": KEY} | env,
    )


async def start_to_tools_list(server: StdioServerParameters) -> float:
    began = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        async with Client(stdio_client(server, errlog=quiet)) as client:
            await client.list_tools()
    return time.perf_counter() - began


async def timed(call) -> float:
    began = time.perf_counter()
    await call()
    return (time.perf_counter() - began) * 1000


async def main() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    fake = subprocess.Popen([sys.executable, str(HERE / "fake_octoperf.py"), str(port)])
    try:
        with anyio.fail_after(30):
            while True:
                try:
                    httpx2.get(url + "/", timeout=1)
                    break
                except httpx2.TransportError:
                    await anyio.sleep(0.05)
        rows = await measure(url)
    finally:
        fake.terminate()
    print("| measure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


async def measure(url: str) -> list[tuple[str, str]]:
    rows = []
    uv = ["uv", "run", "--quiet", str(SCRIPT)]
    with tempfile.TemporaryDirectory() as cache:
        try:
            cold = await start_to_tools_list(params(url, uv, UV_CACHE_DIR=cache))
            rows.append(("start to tools/list, `uv run`, empty uv cache (cold)", f"{cold:.2f} s"))
        except Exception as error:  # no registry access: say so, measure the rest
            rows.append(("start to tools/list, cold", f"n/a ({type(error).__name__})"))
    warm = [await start_to_tools_list(params(url, uv)) for _ in range(5)]
    rows.append(("start to tools/list, `uv run`, warm (median of 5)", f"{statistics.median(warm):.2f} s"))
    direct = [await start_to_tools_list(params(url, [sys.executable, str(SCRIPT)])) for _ in range(5)]
    rows.append(("start to tools/list, python directly (median of 5)", f"{statistics.median(direct):.2f} s"))

    server = params(url, [sys.executable, str(SCRIPT)])
    with open(os.devnull, "w") as quiet:
        async with Client(stdio_client(server, errlog=quiet)) as client:
            tools = (await client.list_tools()).tools
            listing = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]
            size = len(json.dumps(listing, separators=(",", ":")))
            rows.append(("tools/list", f"{len(tools)} tools, {size:,} bytes ({size // len(tools):,} a tool)"))

            # The request get_test_status makes of a FINISHED run, straight to the fake with httpx2.
            headers = {"Authorization": f"Bearer {KEY}"}
            async with httpx2.AsyncClient(base_url=url, headers=headers) as http:

                async def by_hand():
                    (await http.get("/runtime/bench-results/br-1")).json()

                async def by_tool():
                    result = await client.call_tool("get_test_status", STATUS)
                    assert not result.is_error, result.content

                for _ in range(50):  # warm both paths
                    await by_hand()
                    await by_tool()
                hand = [await timed(by_hand) for _ in range(CALLS)]
                tool = [await timed(by_tool) for _ in range(CALLS)]
            p50, p99 = statistics.median(tool), percentile(tool, 99)
            h50, h99 = statistics.median(hand), percentile(hand, 99)
            rows.append(
                (f"`get_test_status` over MCP, {CALLS:,} calls", f"p50 {p50:.2f} ms, p99 {p99:.2f} ms")
            )
            rows.append(
                (f"its HTTP request with httpx2, {CALLS:,} times", f"p50 {h50:.2f} ms, p99 {h99:.2f} ms")
            )
            rows.append(("overhead over stdio (p50)", f"{p50 - h50:.2f} ms ({p50 / h50:.2f}x)"))
            async with connect(FakeOctoPerf()) as in_process:  # no pipes, no sockets: the code alone

                async def by_code():
                    await in_process.call_tool("get_test_status", STATUS)

                for _ in range(50):
                    await by_code()
                code = [await timed(by_code) for _ in range(CALLS)]
            rows.append(
                (
                    "the same call in process (SDK client and server, our code, HTTP mocked)",
                    f"p50 {statistics.median(code):.2f} ms, p99 {percentile(code, 99):.2f} ms",
                )
            )

            failures = 0
            began = time.perf_counter()
            limiter = anyio.CapacityLimiter(10)

            async def one() -> None:
                nonlocal failures
                async with limiter:
                    result = await client.call_tool("get_test_status", STATUS)
                    failures += bool(result.is_error)

            async with anyio.create_task_group() as group:
                for _ in range(CALLS):
                    group.start_soon(one)
            took = time.perf_counter() - began
            rows.append(
                (
                    f"{CALLS:,} calls at concurrency 10",
                    f"{took:.2f} s, {CALLS / took:,.0f} calls/s, {failures} failed",
                )
            )

            pid = server_pid()
            before = rss_kib(pid)
            for start in range(0, SOAK, 100):
                async with anyio.create_task_group() as group:
                    for _ in range(min(100, SOAK - start)):
                        group.start_soon(client.call_tool, "get_test_status", STATUS)
            after = rss_kib(pid)
            rows.append(
                (
                    f"server RSS before and after {SOAK:,} more calls",
                    f"{before / 1024:.1f} MB -> {after / 1024:.1f} MB ({(after - before) / 1024:+.1f} MB)",
                )
            )

            for tool_name, arguments in [
                ("list_workspaces", {}),
                ("list_projects", {"workspace_id": "ws-1"}),
                ("list_scenarios", {"project_id": "prj-1"}),
                ("list_tests", {"project_id": "prj-1"}),
                ("get_test_status", STATUS),
                ("wait_for_test", STATUS),
                ("get_test_metrics", STATUS),
                ("get_test_transactions", STATUS),
                ("compare_tests", {"baseline_bench_result_id": "br-0", "candidate_bench_result_id": "br-1"}),
                ("assess_test", STATUS | {"sla_p95_ms": 800, "sla_error_percent": 1}),
                ("get_report", {"bench_report_id": "rep-1"}),
            ]:
                result = await client.call_tool(tool_name, arguments)
                assert not result.is_error, result.content
                rows.append((f"result of `{tool_name}`", f"{len(result.content[0].text):,} bytes"))
    for runs in (20, 50):  # the statistics alone, on a synthetic history with a lasting shift
        history = synthetic_history(runs, 200)
        times = []
        for _ in range(5):
            started = time.perf_counter()
            trend = analyse("scn-1", history, 10, [], "seconds, checked on br-0")
            times.append(time.perf_counter() - started)
        size = len(json.dumps(trend.model_dump(mode="json"), separators=(",", ":")))
        rows.append((f"`analyze_trend` analysis, {runs} runs x 200 transactions (median of 5)",
                     f"{statistics.median(times) * 1000:.0f} ms, result {size:,} bytes"))  # fmt: skip
    return rows


if __name__ == "__main__":
    anyio.run(main)
