"""Right against the real OctoPerf: the time unit checked at run time, names from the run-time
copy, report links, alarms that explain verdicts, and what mutating the script showed untested."""

import json

import httpx2
import pytest
from fake_octoperf import (
    BASE,
    KEY,
    SUMMARY,
    T0,
    FakeOctoPerf,
    bench_report,
    bench_result,
    table,
    virtual_users,
)
from support import connect, fail, ok

from octoperf_mcp import TIMEOUT_S, DemoOctoPerf, Settings

pytestmark = pytest.mark.anyio
GLOBAL = "/analysis/metrics/global/br-1"


@pytest.mark.parametrize("times_in", ["s", "ms"])
async def test_times_come_out_the_same_whether_octoperf_gives_seconds_or_milliseconds(octoperf, times_in):
    octoperf.times_in = times_in
    async with connect(octoperf) as client:
        metrics = await ok(client, "get_test_metrics", bench_result_id="br-1")
        transactions = await ok(client, "get_test_transactions", bench_result_id="br-1", limit=1)
        comparison = await ok(
            client, "compare_tests", baseline_bench_result_id="br-0", candidate_bench_result_id="br-1"
        )
    unit = {"s": "seconds", "ms": "milliseconds"}[times_in]
    got = {m["name"]: m["value"] for m in metrics["metrics"]}
    assert (got["RESPONSE_TIME_AVG"], got["RESPONSE_TIME_PERCENTILE_95"]) == (512.0, 1250.0)
    assert transactions["transactions"][0]["p95_ms"] == 580.0
    assert comparison["verdict"] == "regression"
    assert metrics["time_unit"] == transactions["time_unit"] == f"{unit}, checked on br-1"
    assert len(octoperf.sent("GET", GLOBAL)) == 1, "checked once a process, then known"


async def test_the_first_table_read_checks_the_unit_on_that_run(client, octoperf):
    octoperf.times_in = "ms"
    result = await ok(client, "get_test_transactions", bench_result_id="br-1", limit=1)
    assert (result["transactions"][0]["p95_ms"], result["time_unit"]) == (
        580.0,
        "milliseconds, checked on br-1",
    )
    (summary,) = octoperf.sent("POST", "/analysis/metrics/summary")
    assert [m["id"] for m in json.loads(summary.content)["metrics"]] == ["RESPONSE_TIME_AVG"]


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (httpx2.Response(404), "global metrics of br-1: HTTP 404"),
        ({"metrics": []}, "br-1's global metrics do not tell"),
        (
            {"metrics": [{"name": "Avg Elapsed", "value": 0.512, "unit": "min"}]},
            "br-1's global metrics do not tell",
        ),
        (
            {"metrics": [{"name": "Avg Elapsed", "value": 9.0, "unit": "s"}]},
            "br-1's global metrics do not tell",
        ),
    ],
    ids=["refused", "no average", "unknown unit", "far apart"],
)
async def test_when_the_global_metrics_do_not_tell_seconds_stay_assumed_and_a_later_run_decides(
    client, octoperf, answer, why
):
    octoperf.answer("GET", GLOBAL, answer)
    first = await ok(client, "get_test_metrics", bench_result_id="br-1")
    later = await ok(client, "get_test_metrics", bench_result_id="br-0")
    assert first["time_unit"] == f"seconds, assumed ({why})"
    assert next(m["value"] for m in first["metrics"] if m["name"] == "RESPONSE_TIME_AVG") == 512.0
    assert later["time_unit"] == "seconds, checked on br-0"


async def test_a_run_without_an_average_is_not_checked_against(client, octoperf):
    octoperf.answer("GET", "/runtime/bench-results/br-1", bench_result("br-1", "RUNNING"))
    octoperf.summaries["br-1"] = {"HITS_TOTAL": 0.0}
    result = await ok(client, "get_test_metrics", bench_result_id="br-1")
    assert result["time_unit"] == "seconds, assumed (br-1 has no average to check)"
    assert not octoperf.sent("GET", GLOBAL)


async def test_metrics_without_times_need_no_unit_check(client, octoperf):
    result = await ok(client, "get_test_metrics", bench_result_id="br-1", metrics=["HITS_TOTAL"])
    assert result["time_unit"] == "seconds, assumed (not checked yet)"
    assert not octoperf.sent("GET", GLOBAL)


async def test_userload_is_not_asked_as_a_hit_metric(client, octoperf):
    message = await fail(client, "get_test_metrics", bench_result_id="br-1", metrics=["USERLOAD"])
    assert message.startswith("OctoPerf has no summary metric 'USERLOAD'")
    assert not octoperf.requests


async def test_actions_the_design_no_longer_names_are_named_from_the_runs_result_project(client, octoperf):
    octoperf.answer(
        "GET", "/runtime/bench-results/br-1", bench_result("br-1", "FINISHED", resultProjectId="prj-r1")
    )
    octoperf.answer("GET", "/design/virtual-users/by-project/prj-1", virtual_users(10))
    octoperf.answer("GET", "/design/virtual-users/by-project/prj-r1", virtual_users(20))
    result = await ok(client, "get_test_transactions", bench_result_id="br-1", limit=100)
    assert {t["name"] for t in result["transactions"]} == {f"GET /shop/page-{i}" for i in range(20)}


async def test_the_runs_result_project_is_not_asked_when_every_action_is_named(client, octoperf):
    octoperf.answer(
        "GET", "/runtime/bench-results/br-1", bench_result("br-1", "FINISHED", resultProjectId="prj-r1")
    )
    await ok(client, "get_test_transactions", bench_result_id="br-1")
    assert not octoperf.sent("GET", "/design/virtual-users/by-project/prj-r1")


async def test_report_links_use_the_reports_own_project(client, octoperf):
    octoperf.answer(
        "POST", "/runtime/scenarios/run/scn-1", bench_report("rep-2", "Run", "br-2", projectId="prj-r2")
    )
    octoperf.answer(
        "GET",
        "/analysis/bench-reports/by-project/prj-1",
        [bench_report("rep-1", "Run", "br-1", projectId="prj-r1", created=T0)],
    )
    launched = await ok(client, "run_scenario", scenario_id="scn-1")
    listed = await ok(client, "list_tests", project_id="prj-1")
    assert launched["report_url"] == f"{BASE}/ui/workspace/ws-1/project/prj-r2/analysis/report/rep-2"
    assert listed["tests"][0]["url"] == f"{BASE}/ui/workspace/ws-1/project/prj-r1/analysis/report/rep-1"


async def test_each_alarm_not_passed_is_a_finding_named_by_what_octoperf_gives(client, octoperf):
    octoperf.answer(
        "POST",
        "/analysis/threshold-alarms",
        [
            {"id": "a-1", "severity": "CRITICAL", "name": "Checkout p95", "thresholdId": "t-9",
             "counterId": "RESPONSE_TIME_PERCENTILE_95", "threshold": 1.5, "observed": 2.25},
            {"id": "a-4", "severity": "WARNING", "counterId": "SOMETHING_NEW", "threshold": 3, "observed": 4},
            {"id": "a-2", "severity": "WARNING", "threshold": {"nested": "object"}},
            {"id": "a-3", "severity": "PASSED"},
        ],
    )  # fmt: skip
    result = await ok(client, "assess_test", bench_result_id="br-1")
    alarms = [f for f in result["findings"] if f["rule"] == "threshold_alarm"]
    assert [(f["level"], f["detail"], f["value"], f["unit"]) for f in alarms] == [
        (
            "fail",
            "CRITICAL OctoPerf alarm 'Checkout p95' (t-9): observed 2,250 ms, limit 1,500 ms.",
            2250,
            "ms",
        ),
        ("warning", "WARNING OctoPerf alarm a-4: observed 4, limit 3.", 4, ""),  # an unknown metric: as sent
        ("warning", "WARNING OctoPerf alarm a-2.", None, ""),
    ]
    assert result["headline"] == (
        "fail: CRITICAL OctoPerf alarm 'Checkout p95' (t-9): observed 2,250 ms, limit 1,500 ms;"
        " no SLA limits given"
    )
    assert result["verdict"] == "fail"
    assert result["threshold_alarms"] == {"CRITICAL": 1, "WARNING": 2, "PASSED": 1}


@pytest.mark.parametrize(
    ("state", "summary", "alarms", "sla"),
    [
        ("FINISHED", SUMMARY, [{"id": "a", "severity": "CRITICAL"}], {}),
        ("FINISHED", SUMMARY, [{"id": "a", "severity": "WARNING"}], {}),
        ("FINISHED", SUMMARY, [{"id": "a", "severity": "SOMETHING_NEW"}], {}),
        ("FINISHED", SUMMARY, [], {"sla_p95_ms": 100}),
        ("FINISHED", SUMMARY | {"ERRORS_PERCENT": 5.0}, [], {}),
        ("ABORTED", SUMMARY, [], {}),
    ],
)
async def test_every_verdict_but_pass_is_explained_by_a_finding_or_a_failed_limit(
    client, octoperf, state, summary, alarms, sla
):
    octoperf.answer("GET", "/runtime/bench-results/br-1", bench_result("br-1", state))
    octoperf.summaries["br-1"] = summary
    octoperf.answer("POST", "/analysis/threshold-alarms", alarms)
    result = await ok(client, "assess_test", bench_result_id="br-1", **sla)
    causes = [f for f in result["findings"] if f["level"] == result["verdict"]]
    causes += [c for c in result["sla"] if c["result"] == "FAIL" and result["verdict"] == "fail"]
    assert result["verdict"] != "pass"
    assert causes, result


# What mutating the script showed no test would notice.
async def test_a_launch_answered_http_500_says_the_test_may_have_started(client, octoperf):
    octoperf.answer("POST", "/runtime/scenarios/run/scn-1", httpx2.Response(500))
    message = await fail(client, "run_scenario", scenario_id="scn-1")
    assert "The test MAY have started" in message
    assert len(octoperf.sent("POST", "/runtime/scenarios/run/scn-1")) == 1


async def test_the_http_client_gives_octoperf_30_s(client, octoperf):
    await ok(client, "list_workspaces")
    assert TIMEOUT_S == 30
    assert octoperf.requests[0].extensions["timeout"] == {"connect": 30, "read": 30, "write": 30, "pool": 30}


@pytest.mark.parametrize("value", ["TRUE", "Yes", "1", " true "])
def test_read_only_accepts_the_usual_spellings_of_yes(value):
    assert Settings.from_env({"OCTOPERF_READ_ONLY": value}).read_only is True


async def test_an_sla_limit_equal_to_the_observed_value_passes(client):
    result = await ok(client, "assess_test", bench_result_id="br-1", sla_p95_ms=1250)
    assert result["sla"] == [
        {"name": "p95_ms", "limit": 1250.0, "observed": 1250.0, "margin": 0.0, "result": "PASS"}
    ]


async def test_a_transaction_with_no_hits_and_no_errors_has_no_error_percentage(client, octoperf):
    octoperf.tables["br-1"] = [
        {"actionId": "act-0", "values": [{"value": v} for v in (0, 0, None, None, None, None)]}
    ]
    (row,) = (await ok(client, "get_test_transactions", bench_result_id="br-1"))["transactions"]
    assert (row["hits"], row["errors"], row["error_percent"], row["p95_ms"]) == (0, 0, None, None)


async def test_an_explicit_null_timestamp_is_null_not_a_crash(client, octoperf):
    octoperf.answer(
        "GET", "/runtime/bench-results/br-1", {"id": "br-1", "state": "FINISHED", "created": None}
    )
    status = await ok(client, "get_test_status", bench_result_id="br-1")
    assert (status["created"], status["elapsed_s"]) == (None, None)


async def test_sorting_by_avg_or_hits_orders_differently_from_p95(client, octoperf):
    rows = [  # (hits, errors, avg, p90, p95, p99) in seconds
        ("act-0", (10, 0, 0.5, 0.6, 0.9, 1.0)),
        ("act-1", (30, 0, 0.7, 0.7, 0.7, 0.8)),
        ("act-2", (20, 0, 0.1, 0.5, 0.8, 0.9)),
    ]
    octoperf.tables["br-1"] = [{"actionId": a, "values": [{"value": v} for v in vs]} for a, vs in rows]
    order = {}
    for key in ("p95", "avg", "hits"):
        found = await ok(client, "get_test_transactions", bench_result_id="br-1", sort_by=key)
        order[key] = [t["name"][-1] for t in found["transactions"]]
    assert order == {"p95": ["0", "2", "1"], "avg": ["1", "0", "2"], "hits": ["1", "2", "0"]}


async def test_transactions_found_in_one_run_only_are_counted_as_unmatched(client, octoperf):
    octoperf.tables["br-1"] = table(23)
    result = await ok(
        client, "compare_tests", baseline_bench_result_id="br-0", candidate_bench_result_id="br-1"
    )
    assert (result["transactions_matched"], result["transactions_unmatched"]) == (20, 3)


async def test_without_an_error_percentage_the_assessment_derives_it_from_the_totals(client, octoperf):
    octoperf.summaries["br-1"] = {k: v for k, v in SUMMARY.items() if k != "ERRORS_PERCENT"} | {
        "ERRORS_TOTAL": 300.0
    }
    result = await ok(client, "assess_test", bench_result_id="br-1", sla_error_percent=2)
    assert result["sla"][0]["observed"] == 2.5  # 300 errors of 12,000 hits
    assert result["sla"][0]["result"] == "FAIL"


async def test_list_tests_with_a_filter_looks_at_100_runs_at_most_and_says_so(client, octoperf):
    reports = [
        {"id": f"rep-{i}", "name": f"Run {i}", "benchResultIds": [f"br-{i}"], "created": T0 + i * 1000}
        for i in range(3, 153)
    ]
    octoperf.answer("GET", "/analysis/bench-reports/by-project/prj-1", reports)
    for i in range(3, 153):
        octoperf.answer("GET", f"/runtime/bench-results/br-{i}", bench_result(f"br-{i}", "FINISHED"))
    result = await ok(client, "list_tests", project_id="prj-1", scenario_id="scn-9")
    assert result["tests"] == []
    assert result["note"] == "No runs of scn-9 among the newest 100 runs of project prj-1."  # of 150
    assert len([r for r in octoperf.requests if r.url.path.startswith("/runtime/bench-results/")]) == 100


# The fake OctoPerf (tests) and the demo account (script) serve the same shapes.
def keys(data) -> set[str]:
    """Every key path in a JSON value, with list items folded together."""
    if isinstance(data, dict):
        return {k for k in data} | {f"{k}.{sub}" for k, v in data.items() for sub in keys(v)}
    if isinstance(data, list):
        return {sub for item in data for sub in keys(item)}
    return set()


SHARED = [
    ("GET", "/workspaces/member-of", "/workspaces/member-of", None),
    (
        "GET",
        "/design/projects/by-workspace/ws-1/DESIGN",
        "/design/projects/by-workspace/ws-demo/DESIGN",
        None,
    ),
    ("GET", "/design/projects/prj-1", "/design/projects/prj-shop", None),
    ("GET", "/runtime/scenarios/by-project/prj-1", "/runtime/scenarios/by-project/prj-shop", None),
    ("GET", "/runtime/bench-results/br-1", "/runtime/bench-results/br-checkout-r20", None),
    ("GET", "/analysis/bench-reports/rep-1", "/analysis/bench-reports/rep-checkout-r20", None),
    ("GET", "/analysis/bench-reports/by-project/prj-1", "/analysis/bench-reports/by-project/prj-shop", None),
    ("GET", "/design/virtual-users/by-project/prj-1", "/design/virtual-users/by-project/prj-shop", None),
    ("GET", GLOBAL, "/analysis/metrics/global/br-checkout-r20", None),
    ("POST", "/analysis/metrics/table", "/analysis/metrics/table", "StatisticTableReportItem"),
    ("POST", "/analysis/threshold-alarms", "/analysis/threshold-alarms", "ThresholdAlarmReportItem"),
]
# What the fake sends that the demo leaves out: the load profile, report items' metrics, nested
# containers, bookkeeping. The demo may leave fields out; it may never send one the fake does not.
ONLY_IN_THE_FAKE = {
    "userId",
    "tags",
    "type",
    "batchId",
    "configs",
    "items.id",
    "items.computeType",
    "items.metrics",
}


def essential(found: set[str]) -> set[str]:
    return {k for k in found if not k.startswith(("userProfiles", "children.children", "items.metrics."))}


@pytest.mark.parametrize(("method", "fake_path", "demo_path", "item"), SHARED, ids=[s[1] for s in SHARED])
def test_the_demo_answers_with_the_shapes_the_fake_octoperf_answers_with(method, fake_path, demo_path, item):
    def body(run: str) -> bytes | None:
        if item is None:
            return None
        metric = {"id": "HITS_TOTAL", "type": "HIT", "filters": [], "benchResultId": run, "config": None}
        return json.dumps({"@type": item, "metrics": [metric], "metric": metric}).encode()

    fake = FakeOctoPerf()
    alarm = {"id": "a", "severity": "CRITICAL", "thresholdId": "t", "name": "p95 below 1 s",
             "counterId": "RESPONSE_TIME_PERCENTILE_95", "threshold": 1.0, "observed": 2.0}  # fmt: skip
    fake.answer("POST", "/analysis/threshold-alarms", [alarm])
    headers = {"Authorization": f"Bearer {KEY}"}
    fake_answer = fake.respond(
        httpx2.Request(method, BASE + fake_path, headers=headers, content=body("br-1"))
    )
    demo_answer = DemoOctoPerf().handle(
        httpx2.Request(method, "https://demo.octoperf.invalid" + demo_path, content=body("br-checkout-r20"))
    )
    assert (fake_answer.status_code, demo_answer.status_code) == (200, 200)
    fake_keys, demo_keys = essential(keys(fake_answer.json())), keys(demo_answer.json())
    assert demo_keys <= keys(fake_answer.json()), "the demo sends fields the fake OctoPerf does not"
    assert fake_keys - demo_keys <= ONLY_IN_THE_FAKE
