"""analyze_trend: a scenario's history, its change points by statistics, and the newest run."""

import json
import random
import time

import pytest
from fake_octoperf import BASELINE, DAY, T0, FakeOctoPerf, bench_report, table
from support import fail, ok, synthetic_history

from octoperf_mcp import (
    MIN_SEGMENT,
    PERMUTATIONS,
    SIGNIFICANCE,
    analyse,
    change_points,
    drift_of,
    shifts,
)

pytestmark = pytest.mark.anyio


def noisy(levels: list[float], noise: float = 0.05, seed: int = 7) -> list[float]:
    """A series at these levels, each value within +-noise of its level."""
    rng = random.Random(seed)
    return [level * rng.uniform(1 - noise, 1 + noise) for level in levels]


# Known answers.
@pytest.mark.parametrize("at", [5, 10, 15])
def test_a_30_percent_step_under_5_percent_noise_is_found_at_the_run_it_starts(at):
    values = noisy([100.0] * at + [130.0] * (20 - at))
    (found,) = shifts("avg_ms", values, 10)
    index, before, after, p = found
    assert index == at
    assert 95 < before < 105 and 123 < after < 137
    assert p <= SIGNIFICANCE


@pytest.mark.parametrize("seed", range(5))
def test_pure_noise_gives_no_change_point(seed):
    assert shifts("avg_ms", noisy([100.0] * 20, seed=seed), 10) == []


@pytest.mark.parametrize("at", [3, 10, 17])
def test_one_outlying_run_is_not_reported_as_a_lasting_shift(at):
    values = noisy([100.0] * 20)
    values[at] *= 1.6
    assert shifts("avg_ms", values, 10) == []


def test_a_slow_drift_is_called_a_drift():
    values = noisy([100.0 + 2 * i for i in range(20)], noise=0.02)  # +38 % over 20 runs
    segments = [at for at, *_ in shifts("avg_ms", values, 10)]
    drift = drift_of("avg_ms", values, segments, 10)
    assert drift is not None and 30 < drift < 45


def test_a_step_is_not_called_a_drift():
    values = noisy([100.0] * 10 + [130.0] * 10)
    segments = [at for at, *_ in shifts("avg_ms", values, 10)]
    assert drift_of("avg_ms", values, segments, 10) is None


def test_a_significant_shift_smaller_than_the_tolerance_is_not_reported():
    values = noisy([100.0] * 10 + [106.0] * 10, noise=0.01)
    assert list(change_points(values)) == [10]  # significant...
    assert shifts("avg_ms", values, 10) == []  # ...but under 10 %


def test_the_same_history_always_gives_the_same_answer():
    values = noisy([100.0] * 8 + [120.0] * 12, noise=0.08)
    assert change_points(values) == change_points(values)


# The cross-check against MongoDB's implementation (signal-processing-algorithms, test-only).
CROSS_CHECK = {
    "step at 10": [100.0] * 10 + [130.0] * 10,
    "step at 4": [100.0] * 4 + [140.0] * 16,
    "two steps": [100.0] * 7 + [130.0] * 7 + [100.0] * 7,
    "step down at 15 of 30": [200.0] * 15 + [150.0] * 15,
    "three levels of 50": [100.0] * 20 + [125.0] * 15 + [160.0] * 15,
    "noise": [100.0] * 25,
}


@pytest.mark.parametrize("name", CROSS_CHECK)
def test_change_points_agree_with_mongodbs_e_divisive(name):
    import numpy as np
    from signal_processing_algorithms.energy_statistics import energy_statistics

    values = noisy(CROSS_CHECK[name], noise=0.04, seed=3)
    np.random.seed(0)
    theirs = sorted(energy_statistics.e_divisive(values, pvalue=SIGNIFICANCE, permutations=PERMUTATIONS))
    ours = sorted(change_points(values))
    assert ours == theirs, f"{name}: ours {ours}, MongoDB's {theirs}"
    assert all(MIN_SEGMENT <= at <= len(values) - MIN_SEGMENT for at in ours)


# Cost and size: figures are benchmarks; these only guard the order of magnitude.
def test_fifty_runs_of_200_transactions_are_analysed_in_well_under_a_few_seconds_into_under_6_kb():
    runs = synthetic_history(50, 200)
    started = time.perf_counter()
    trend = analyse("scn-1", runs, 10, [], [], "seconds, checked on br-0")
    elapsed = time.perf_counter() - started
    size = len(json.dumps(trend.model_dump(mode="json"), separators=(",", ":")))
    assert elapsed < 5, f"{elapsed:.2f} s"  # about 0.15 s on the 2-core CI machine
    assert size < 6000, f"{size} bytes"
    assert (trend.verdict, trend.since) == ("regression", "br-33")
    assert [t.name for t in trend.transactions] == ["GET /shop/page-7"]


def test_fewer_than_five_usable_runs_is_insufficient_data():
    trend = analyse("scn-1", synthetic_history(4, 3), 10, [], [], None)
    assert (trend.verdict, trend.since) == ("insufficient data", None)
    assert trend.headline == "insufficient data: 4 usable runs, 5 needed"


# Through the MCP client, against the fake OctoPerf.
def scenario_history(octoperf: FakeOctoPerf, runs: int, step_at: int | None = None) -> list[str]:
    """`runs` FINISHED runs of scn-1 a day apart (br-h1 ...), slower by 30 % from `step_at` on."""
    ids, reports = [], []
    for i in range(1, runs + 1):
        run, slow = f"br-h{i}", 1.3 if step_at and i >= step_at else 1.0
        factor = random.Random(i).uniform(0.97, 1.03) * slow
        summary = BASELINE | {k: v * factor for k, v in BASELINE.items() if k.startswith("RESPONSE_TIME")}
        octoperf.add_run(run, summary, table(20, slower={4: slow}), created=T0 + i * DAY)
        reports.append(bench_report(f"rep-h{i}", f"Run {i}", run, created=T0 + i * DAY))
        ids.append(run)
    octoperf.answer("GET", "/analysis/bench-reports/by-project/prj-1", reports)
    return ids


async def test_a_history_with_a_step_says_regression_since_the_run_it_started(client, octoperf):
    scenario_history(octoperf, 12, step_at=7)
    result = await ok(client, "analyze_trend", scenario_id="scn-1")
    avg = next(m for m in result["metrics"] if m["metric"] == "avg_ms")
    assert (result["verdict"], result["since"]) == ("regression", "br-h7")
    assert result["since_date"] == "2025-12-02T10:00:00Z"
    assert result["run_ids"] == [f"br-h{i}" for i in range(1, 13)]
    assert [c["bench_result_id"] for c in avg["change_points"]] == ["br-h7"]
    assert avg["verdict"] == "unchanged"  # the newest run is like the rest of its segment
    assert result["transactions"][0]["name"] == "GET /shop/page-4"
    assert result["headline"].startswith("regression since br-h7 (2025-12-02): lasting shift: avg_ms")
    assert result["time_unit"] == "seconds, checked on br-h1"


async def test_twenty_runs_cost_about_three_requests_each(client, octoperf):
    scenario_history(octoperf, 20)
    result = await ok(client, "analyze_trend", scenario_id="scn-1", runs=20)
    assert result["verdict"] == "stable"
    assert len(octoperf.requests) <= 3 * 20 + 6, len(octoperf.requests)


async def test_the_runs_asked_for_are_analysed_with_a_warning_for_another_scenario(client, octoperf):
    ids = scenario_history(octoperf, 6)
    octoperf.add_run("br-x", BASELINE, table(20), scenarioId="scn-2")
    octoperf.answer(
        "GET", "/runtime/bench-results/br-r", {"id": "br-r", "state": "RUNNING", "scenarioId": "scn-1"}
    )
    result = await ok(client, "analyze_trend", scenario_id="scn-1", bench_result_ids=[*ids, "br-x", "br-r"])
    assert result["run_ids"] == ["br-x", *ids]  # oldest first: br-x started earliest
    assert result["left_out"] == ["br-r: RUNNING, not FINISHED"]
    assert result["warnings"] == ["Runs of other scenarios (scn-2): their load profiles may differ."]
    assert not octoperf.sent("GET", "/analysis/bench-reports/by-project/prj-1")


async def test_a_refused_listing_names_analyze_trend_and_the_way_around(client, octoperf):
    import httpx2

    octoperf.answer("GET", "/analysis/bench-reports/by-project/prj-1", httpx2.Response(404))
    message = await fail(client, "analyze_trend", scenario_id="scn-1")
    assert "analyze_trend cannot work with this OctoPerf version" in message


async def test_a_bad_run_id_is_refused_before_any_request(client, octoperf):
    message = await fail(client, "analyze_trend", scenario_id="scn-1", bench_result_ids=["br-1", "../x"])
    assert message.startswith("bench_result_ids '../x' is not an OctoPerf id")
    assert not octoperf.requests


async def test_the_trend_prompt_names_the_tool_and_the_scenario(client):
    prompt = await client.get_prompt("analyse_trend", {"scenario_id": "scn-1"})
    text = prompt.messages[0].content.text
    assert "scenario scn-1 with analyze_trend" in text
    assert "compare_tests" in text
