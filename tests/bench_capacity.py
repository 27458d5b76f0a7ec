"""Benchmark: find_capacity's JTL reading rate and memory, and its time on the demo's capacity run.
Not collected by pytest.

    uv run --with-requirements octoperf_mcp.py tests/bench_capacity.py [rows]

Makes one gzipped JTL file of `rows` rows (default 1,000,000) in memory, serves it from the fake
OctoPerf (in process, httpx2.MockTransport), and calls find_capacity through the in-memory MCP
client, sampling the process's RSS every 10 ms: the rate is rows over the call's wall time
(download, gunzip, parse and aggregate), the memory is the peak RSS above the RSS just before
the call. Then the demo's capacity run, end to end.
"""

import gzip
import io
import json
import random
import sys
import threading
import time
from pathlib import Path

import anyio
import httpx2
from mcp import Client

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE), str(HERE.parent)]
from fake_octoperf import FakeOctoPerf  # noqa: E402
from support import JTL_HEADER, connect  # noqa: E402

from octoperf_mcp import DemoOctoPerf, Settings, build_server  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def jtl(rows: int) -> bytes:
    """A ramp from 1 to 600 threads over the rows, about 800 rows a second of the run."""
    rng, out = random.Random(1), io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=6, mtime=0) as file:
        file.write((JTL_HEADER + "\n").encode())
        for i in range(rows):
            threads = 1 + 599 * i // rows
            elapsed = int(rng.lognormvariate(5, 0.5))
            file.write(
                f"{1_790_000_000_000 + i * 5 // 4},{elapsed},Checkout,200,OK,Shopper {i % threads + 1},text,"
                f"{'true' if i % 97 else 'false'},24000,700,{threads},{threads},https://shop.example/,"
                f"{elapsed // 2},UTF-8,gen-1,0,3\n".encode()
            )
    return out.getvalue()


async def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    blob = jtl(rows)
    octoperf = FakeOctoPerf()
    octoperf.answer("GET", "/analysis/logs/list/br-1", ["gen-1.jtl.gz"])
    octoperf.answer("GET", "/analysis/logs/br-1", httpx2.Response(200, content=blob))
    octoperf.summaries["br-1"] = {"HITS_TOTAL": float(rows)}
    peak, done = [0.0], threading.Event()

    def sample() -> None:
        while not done.wait(0.01):
            peak[0] = max(peak[0], rss_mb())

    async with connect(octoperf) as client:
        await client.list_tools()
        idle = rss_mb()
        threading.Thread(target=sample, daemon=True).start()
        started = time.perf_counter()
        result = await client.call_tool("find_capacity", {"bench_result_id": "br-1"})
        elapsed = time.perf_counter() - started
        done.set()
    assert not result.is_error, result.content
    print(f"| JTL file | {rows:,} rows, {len(blob) / 1e6:.1f} MB gzipped |")
    print(f"| find_capacity on it | {elapsed:.2f} s: {rows / elapsed:,.0f} rows/s |")
    print(f"| RSS before the call, peak above it | {idle:.1f} MB, +{max(peak[0], rss_mb()) - idle:.1f} MB |")
    settings = Settings.from_env({}, demo=True)
    transport = httpx2.MockTransport(DemoOctoPerf(lambda: 1_795_000_000.0).handle)
    async with Client(build_server(settings, transport)) as client:
        started = time.perf_counter()
        result = await client.call_tool(
            "find_capacity", {"bench_result_id": "br-capacity-01", "sla_p95_ms": 1000}
        )
        elapsed = time.perf_counter() - started
    size = len(json.dumps(result.structured_content, separators=(",", ":")))
    print(
        f"| find_capacity on the demo's capacity run (files made first) | {elapsed:.2f} s,"
        f" result {size:,} bytes |"
    )


if __name__ == "__main__":
    anyio.run(main)
