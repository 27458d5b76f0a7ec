"""Helpers to talk to the server through a real in-memory MCP client, and test data."""

import math
import random
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
from fake_octoperf import BASE, KEY, FakeOctoPerf
from mcp import Client

from octoperf_mcp import JTL_HEADER, RunStats, Settings, Transaction, build_server


def connect(octoperf: FakeOctoPerf, settings: Settings | None = None) -> Client:
    server = build_server(
        settings or Settings(api_key=KEY, api_url=BASE),
        transport=httpx2.MockTransport(octoperf.handler),
        sleep=octoperf.sleep,
        clock=octoperf.clock,
    )
    return Client(server)


async def ok(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    """Call a tool that must succeed; its structured result."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content[0].text
    return result.structured_content


async def fail(client: Client, tool: str, **arguments: Any) -> str:
    """Call a tool that must fail; the sentence the model reads, without the SDK's prefix."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error, result.structured_content
    return result.content[0].text.removeprefix(f"Error executing tool {tool}: ")


def synthetic_history(runs: int, transactions: int) -> list[RunStats]:
    """Runs a day apart whose average, and one transaction's p95, get 30 % slower two thirds in."""
    rng = random.Random(1)
    found = []
    for i in range(runs):
        shift = 1.3 if i >= runs * 2 // 3 else 1.0
        rows = [
            Transaction(name=f"GET /shop/page-{k}", hits=1000, errors=0, error_percent=0.0, avg_ms=100.0,
                        p90_ms=150.0, p95_ms=200.0 * (shift if k == 7 else 1) * rng.uniform(0.95, 1.05),
                        p99_ms=300.0)
            for k in range(transactions)
        ]  # fmt: skip
        values = {
            "RESPONSE_TIME_AVG": 250 * shift * rng.uniform(0.95, 1.05),
            "RESPONSE_TIME_PERCENTILE_95": 500 * rng.uniform(0.95, 1.05),
            "RESPONSE_TIME_PERCENTILE_99": 900 * rng.uniform(0.9, 1.1),
            "ERRORS_PERCENT": rng.uniform(0, 0.3),
            "HITS_RATE": 200 * rng.uniform(0.98, 1.02),
            "HITS_TOTAL": 120_000,
        }
        found.append(
            RunStats(f"br-{i}", datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=i), 600, values, rows)
        )
    return found


def runs_of(
    p95: Sequence[float],
    hits: Sequence[float] | None = None,
    durations: Sequence[int] | None = None,
    **series: Sequence[float],
) -> list[RunStats]:
    """A history (a run a day, oldest first) with this p95 series (ms); the other key metrics are
    flat unless given (avg_ms, p99_ms, error_percent, hits_per_s by their result names); hit
    counts and durations default to 120,000 hits in 600 s."""
    names = {"avg_ms": "RESPONSE_TIME_AVG", "p99_ms": "RESPONSE_TIME_PERCENTILE_99",
             "error_percent": "ERRORS_PERCENT", "hits_per_s": "HITS_RATE"}  # fmt: skip
    found = []
    for i, value in enumerate(p95):
        values = {"RESPONSE_TIME_PERCENTILE_95": value, "RESPONSE_TIME_AVG": 250.0,
                  "RESPONSE_TIME_PERCENTILE_99": 900.0, "ERRORS_PERCENT": 0.1, "HITS_RATE": 200.0,
                  "HITS_TOTAL": hits[i] if hits else 120_000}  # fmt: skip
        values |= {names[name]: points[i] for name, points in series.items()}
        created = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=i)
        found.append(RunStats(f"br-{i + 1}", created, durations[i] if durations else 600, values, []))
    return found


def lognormal(levels: Sequence[float], sigma: float, rng: random.Random) -> list[float]:
    """Each level times lognormal noise (sigma about the relative noise)."""
    return [level * math.exp(rng.gauss(0, sigma)) for level in levels]


def usl(lam: float = 2.0, sigma: float = 0.05, kappa: float = 0.0002) -> Callable[[float], float]:
    """Throughput (hits/s) at n users by the Universal Scalability Law."""
    return lambda n: lam * n / (1 + sigma * (n - 1) + kappa * n * (n - 1)) if n > 0 else 0.0


def jtl_files(
    users: Callable[[int], float],
    seconds: int,
    throughput: Callable[[float], float],
    generators: int = 2,
    think_s: float = 0.5,
    errors: Callable[[float], float] = lambda n: 0.0,
    header: str = JTL_HEADER,
    start: int = 1_790_000_000_000,
) -> list[str]:
    """Each generator's JTL text, a second at a time: users(second) users split over the
    generators, throughput(users) hits/s, elapsed by Little's law (users / hits/s - think time)
    with lognormal noise, a share errors(users) failing."""
    rng, names = random.Random(7), header.split(",")
    files = [[header] for _ in range(generators)]
    carry = [0.0] * generators
    for second in range(seconds):
        n = users(second)
        x = throughput(n)
        wait = max(0.001, n / x - think_s) if x else 0.001
        for g in range(generators):
            carry[g] += x / generators
            hits, carry[g] = int(carry[g]), carry[g] - int(carry[g])
            threads = round(n / generators)
            for k in range(hits):
                elapsed = max(1, round(1000 * wait * rng.lognormvariate(-0.08, 0.4)))
                ok = "false" if rng.random() < errors(n) else "true"
                row = {"timeStamp": start + 1000 * second + 1000 * k // hits, "elapsed": elapsed,
                       "label": "Home", "responseCode": 200, "responseMessage": "OK", "threadName": f"t {g}",
                       "dataType": "text", "success": ok, "bytes": 1000, "sentBytes": 100,
                       "grpThreads": threads, "allThreads": threads, "URL": "https://x/", "Latency": 1,
                       "Encoding": "UTF-8", "Hostname": f"g{g}", "IdleTime": 0, "Connect": 1}  # fmt: skip
                files[g].append(",".join(str(row.get(name, "")) for name in names))
    return ["\n".join(lines) + "\n" for lines in files]
