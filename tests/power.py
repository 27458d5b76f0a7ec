"""Benchmark: what analyze_trend's verdict rule detects, and how often it raises a false alarm,
over seeded histories of 20 runs with lognormal noise. Not collected by pytest.

    uv run --with-requirements octoperf_mcp.py tests/power.py [histories]

Each history has p95, average, p99, error % and hits/s, all noisy; a case changes p95 and the
average. Detection: the verdict is regression, dated within one run of the step. False alarm:
any verdict but stable.
"""

import random
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE), str(HERE.parent)]
from support import lognormal, runs_of  # noqa: E402

from octoperf_mcp import analyse  # noqa: E402

RUNS = 20


def history(rng: random.Random, step: float, at: int, noise: float, outliers: float = 0.0):
    levels = [1.0 if i < at else 1 + step for i in range(RUNS)]
    odd = [1.4 if i < RUNS - 1 and rng.random() < outliers else 1.0 for i in range(RUNS)]

    def scale(base: float) -> list[float]:
        return [v * o for v, o in zip(lognormal([base * x for x in levels], noise, rng), odd, strict=True)]

    return runs_of(
        scale(200.0),
        avg_ms=scale(100.0),
        p99_ms=lognormal([400.0] * RUNS, noise, rng),
        error_percent=[abs(rng.gauss(0.2, 0.05)) for _ in range(RUNS)],
        hits_per_s=lognormal([100.0] * RUNS, noise / 2, rng),
    )


def rate(case, n: int) -> float:
    return 100 * sum(case(random.Random(seed)) for seed in range(n)) / n


def detected(step: float, noise: float):
    def case(rng: random.Random) -> bool:
        at = rng.randint(6, 14)
        trend = analyse("scn", history(rng, step, at, noise), 10, [], None)
        return trend.verdict == "regression" and abs(trend.run_ids.index(trend.since) - at) <= 1

    return case


def alarmed(step: float, noise: float, outliers: float = 0.0):
    def case(rng: random.Random) -> bool:
        at = rng.randint(6, 14)
        return analyse("scn", history(rng, step, at, noise, outliers), 10, [], None).verdict != "stable"

    return case


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    print(f"| case ({n} seeded histories of {RUNS} runs, tolerance 10 %) | rate |\n|---|---|")
    for name, case in (
        ("detects a +20 % step at 5 % noise", detected(0.20, 0.05)),
        ("detects a +15 % step at 3 % noise", detected(0.15, 0.03)),
        (
            "false alarms, no change, 5 % noise, 1 run in 10 an outlier (+40 %, not the newest)",
            alarmed(0, 0.05, 0.1),
        ),
        ("false alarms, no change, 5 % noise", alarmed(0, 0.05)),
        ("false alarms, a +5 % step at 3 % noise (under the tolerance)", alarmed(0.05, 0.03)),
    ):
        print(f"| {name} | {rate(case, n):.1f} % |")
