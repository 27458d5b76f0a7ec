"""Reading results: per-transaction statistics, comparison verdicts, assessment, prompts."""

import json

import httpx2
import pytest
from fake_octoperf import BASELINE, SUMMARY, action_name, bench_result, table
from support import fail, ok

pytestmark = pytest.mark.anyio


async def test_transactions_come_by_name_slowest_p95_first_in_ms(client, octoperf):
    result = await ok(client, "get_test_transactions", bench_result_id="br-1", limit=3)
    assert (result["total"], result["left_out"]) == (20, 17)
    assert result["transactions"][0] == {
        "name": action_name(19),
        "hits": 981,
        "errors": 0,
        "error_percent": 0.0,
        "avg_ms": 290.0,
        "p90_ms": 435.0,
        "p95_ms": 580.0,
        "p99_ms": 870.0,
    }
    # act-9 and act-4 (which sits in a container of the virtual user) are slower in br-1
    assert [t["name"] for t in result["transactions"]] == [action_name(19), action_name(9), action_name(4)]
    (query,) = octoperf.sent("POST", "/analysis/metrics/table")
    body = json.loads(query.content)
    assert (body["@type"], body["computeType"], body["size"]) == ("StatisticTableReportItem", "NORMAL", 0)
    assert [m["id"] for m in body["metrics"]][:2] == ["HITS_TOTAL", "ERRORS_TOTAL"]
    assert octoperf.sent("GET", "/design/virtual-users/by-project/prj-1")


async def test_transactions_sorted_by_errors_and_with_missing_values_last_as_null(client, octoperf):
    rows = table(4)
    rows.append({"actionId": "act-unknown", "values": [{"value": 0.0}, {"value": None}]})
    octoperf.tables["br-1"] = rows
    result = await ok(client, "get_test_transactions", bench_result_id="br-1", sort_by="errors")
    assert [t["name"] for t in result["transactions"]] == [
        action_name(3),
        action_name(0),
        action_name(1),
        action_name(2),
        "act-unknown",  # an action the virtual users do not name keeps its id
    ]
    assert result["transactions"][-1] == {
        "name": "act-unknown",
        "hits": 0,
        "errors": None,
        "error_percent": None,
        "avg_ms": None,
        "p90_ms": None,
        "p95_ms": None,
        "p99_ms": None,
    }


async def test_comparing_a_slower_run_gives_a_regression_with_evidence(client, octoperf):
    result = await ok(
        client, "compare_tests", baseline_bench_result_id="br-0", candidate_bench_result_id="br-1"
    )
    assert result["verdict"] == "regression"
    assert result["headline"] == (
        "regression: error % 0.2 -> 0.5 % (+150.0 %); p99 2,000 -> 2,750 ms (+37.5 %);"
        " p95 1,000 -> 1,250 ms (+25.0 %);"
        " most regressed transaction: GET /shop/page-4 p95 280 -> 560 ms"
    )
    metrics = {m["name"]: m for m in result["metrics"]}
    assert metrics["RESPONSE_TIME_PERCENTILE_95"] == {
        "name": "RESPONSE_TIME_PERCENTILE_95",
        "unit": "ms",
        "baseline": 1000.0,
        "candidate": 1250.0,
        "change_percent": 25.0,
        "verdict": "worse",
    }
    assert metrics["RESPONSE_TIME_MEDIAN"]["verdict"] == "unchanged"  # +2.4 %, inside the 10 %
    assert metrics["HITS_RATE"]["verdict"] == "unchanged"
    assert result["warnings"] == []
    assert (result["transactions_matched"], result["transactions_unmatched"]) == (20, 0)
    assert result["top_regressions"] == [
        {
            "name": action_name(4),
            "baseline_p95_ms": 280.0,
            "candidate_p95_ms": 560.0,
            "change_percent": 100.0,
        },
        {"name": action_name(9), "baseline_p95_ms": 380.0, "candidate_p95_ms": 570.0, "change_percent": 50.0},
    ]
    assert result["baseline"]["bench_result_id"] == "br-0"
    assert result["candidate"]["duration_s"] == 630


@pytest.mark.parametrize(
    ("metric", "baseline", "candidate", "verdict"),
    [
        ("RESPONSE_TIME_AVG", 0.5, 0.4, "better"),  # lower response times are better
        ("RESPONSE_TIME_PERCENTILE_99", 2.0, 3.0, "worse"),
        ("ERRORS_PERCENT", 1.0, 0.5, "better"),  # fewer errors are better
        ("ERRORS_TOTAL", 0.0, 5.0, "worse"),  # from zero: no percentage, still worse
        ("HITS_RATE", 20.0, 30.0, "better"),  # more throughput is better
        ("THROUGHPUT_RATE", 1000.0, 500.0, "worse"),
        ("RESPONSE_TIME_AVG", 0.5, 0.54, "unchanged"),  # +8 %, within the tolerance
        ("RESPONSE_TIME_AVG", 0.5, None, "n/a"),  # OctoPerf gave no value
    ],
)
async def test_each_metric_is_judged_in_its_own_direction(
    client, octoperf, metric, baseline, candidate, verdict
):
    octoperf.summaries = {"br-0": SUMMARY | {metric: baseline}, "br-1": SUMMARY | {metric: candidate}}
    octoperf.tables["br-0"] = octoperf.tables["br-1"]
    result = await ok(
        client, "compare_tests", baseline_bench_result_id="br-0", candidate_bench_result_id="br-1"
    )
    (change,) = [m for m in result["metrics"] if m["name"] == metric]
    assert change["verdict"] == verdict
    others = {m["verdict"] for m in result["metrics"] if m["name"] != metric}
    assert others == {"unchanged"}
    expected = {"better": "improvement", "worse": "regression"}.get(verdict, "no significant change")
    assert result["verdict"] == expected


async def test_faster_but_failing_more_is_mixed(client, octoperf):
    octoperf.summaries["br-1"] = BASELINE | {"RESPONSE_TIME_PERCENTILE_95": 0.5, "ERRORS_PERCENT": 5.0}
    result = await ok(
        client, "compare_tests", baseline_bench_result_id="br-0", candidate_bench_result_id="br-1"
    )
    assert result["verdict"] == "mixed"
    assert result["headline"].startswith("mixed: error % 0.2 -> 5 % (+2400.0 %); p95")


async def test_a_wider_tolerance_turns_small_changes_into_no_significant_change(client, octoperf):
    octoperf.summaries["br-1"] = BASELINE | {"RESPONSE_TIME_PERCENTILE_95": 1.15}
    octoperf.tables["br-1"] = octoperf.tables["br-0"]
    result = await ok(
        client,
        "compare_tests",
        baseline_bench_result_id="br-0",
        candidate_bench_result_id="br-1",
        tolerance_percent=20,
    )
    assert result["verdict"] == "no significant change"
    assert result["headline"] == "no significant change: every metric within 20 %"


async def test_runs_that_did_different_work_come_with_warnings(client, octoperf):
    octoperf.answer(
        "GET",
        "/runtime/bench-results/br-1",
        bench_result("br-1", "FINISHED", seconds=3600, scenarioId="scn-2"),
    )
    octoperf.summaries["br-1"] = SUMMARY | {"HITS_TOTAL": 60000.0}
    result = await ok(
        client, "compare_tests", baseline_bench_result_id="br-0", candidate_bench_result_id="br-1"
    )
    assert result["warnings"] == [
        "Different scenarios (scn-1, scn-2): the load profiles may differ.",
        "Hit counts differ more than 1.5x (12,000 vs 60,000): the runs did not do the same work.",
        "Durations differ more than 1.5x (630 s vs 3,600 s): the runs did not do the same work.",
    ]
    assert result["verdict"] != "not comparable"


async def test_a_run_that_is_not_finished_is_not_comparable(client, octoperf):
    octoperf.answer("GET", "/runtime/bench-results/br-1", bench_result("br-1", "RUNNING"))
    result = await ok(
        client, "compare_tests", baseline_bench_result_id="br-0", candidate_bench_result_id="br-1"
    )
    assert result["verdict"] == "not comparable"
    assert result["headline"] == "not comparable: the candidate is RUNNING"
    assert (
        "Not FINISHED: the candidate is RUNNING; such a run covers part of a test at most."
        in result["warnings"]
    )


async def test_comparing_runs_with_200_transactions_stays_under_2000_tokens(client, octoperf):
    octoperf.tables = {
        "br-0": table(200),
        "br-1": table(200, slower={i: 1.2 + i / 100 for i in range(0, 200, 3)}),
    }
    result = await client.call_tool(
        "compare_tests", {"baseline_bench_result_id": "br-0", "candidate_bench_result_id": "br-1"}
    )
    content = result.structured_content
    assert content["transactions_matched"] == 200
    assert len(content["top_regressions"]) == 5
    assert content["regressions_left_out"] == 62
    assert content["top_regressions"][0]["name"] == action_name(198)
    size = len(json.dumps(content, separators=(",", ":")))
    assert size < 8000, f"{size} bytes, about {size // 4} tokens"


async def test_compare_tests_checks_both_ids_before_any_request(client, octoperf):
    message = await fail(
        client, "compare_tests", baseline_bench_result_id="br-0", candidate_bench_result_id="br 1"
    )
    assert "is not an OctoPerf id" in message
    assert not octoperf.requests


async def test_assessment_checks_each_sla_limit_with_its_margin(client, octoperf):
    sla = {"sla_p95_ms": 1000, "sla_avg_ms": 600, "sla_error_percent": 1}
    result = await ok(client, "assess_test", bench_result_id="br-1", **sla)
    assert result["sla"] == [
        {"name": "avg_ms", "limit": 600.0, "observed": 512.0, "margin": 88.0, "result": "PASS"},
        {"name": "p95_ms", "limit": 1000.0, "observed": 1250.0, "margin": -250.0, "result": "FAIL"},
        {"name": "error_percent", "limit": 1.0, "observed": 0.5, "margin": 0.5, "result": "PASS"},
    ]
    assert result["verdict"] == "fail"
    assert result["headline"] == (
        "fail: SLA average 512 ms against 600 ms: PASS; SLA p95 1,250 ms against 1,000 ms: FAIL;"
        " SLA error % 0.5 % against 1 %: PASS"
    )


async def test_a_pass_says_why_and_which_sla_limits_it_applied_or_that_none_were_given(client, octoperf):
    octoperf.answer("POST", "/analysis/threshold-alarms", [])
    octoperf.summaries["br-1"] = SUMMARY | {"RESPONSE_TIME_PERCENTILE_99": 2.0}
    within = await ok(client, "assess_test", bench_result_id="br-1", sla_p95_ms=2000)
    unlimited = await ok(client, "assess_test", bench_result_id="br-1")
    assert (
        within["headline"]
        == "pass: no rule raised a warning or a failure; SLA p95 1,250 ms against 2,000 ms: PASS"
    )
    assert unlimited["headline"] == "pass: no rule raised a warning or a failure; no SLA limits given"
    assert unlimited["sla"] == []


async def test_a_running_test_is_incomplete_and_says_when_to_assess_it(client, octoperf):
    octoperf.answer("GET", "/runtime/bench-results/br-1", bench_result("br-1", "RUNNING"))
    octoperf.answer("POST", "/analysis/threshold-alarms", [])
    result = await ok(client, "assess_test", bench_result_id="br-1")
    assert result["headline"].startswith("incomplete: the test is RUNNING: assess it once it has ended")


async def test_a_clean_run_within_its_sla_passes_and_shows_its_key_numbers(client, octoperf):
    octoperf.answer("POST", "/analysis/threshold-alarms", [{"id": "alarm-1", "severity": "PASSED"}])
    octoperf.summaries["br-1"] = SUMMARY | {"RESPONSE_TIME_PERCENTILE_99": 2.0}  # 4.7x the median
    result = await ok(client, "assess_test", bench_result_id="br-1", sla_p95_ms=2000)
    assert result["verdict"] == "pass"
    assert result["threshold_alarms"] == {"PASSED": 1}
    assert {"name": "RESPONSE_TIME_PERCENTILE_95", "value": 1250.0, "unit": "ms"} in result["metrics"]
    assert [f["rule"] for f in result["findings"]] == ["slowest"] * 3 + ["most_errors"] * 3
    assert all(f["level"] == "info" for f in result["findings"])


async def test_findings_name_rule_metric_value_and_transaction(client, octoperf):
    octoperf.summaries["br-1"] = SUMMARY | {"ERRORS_PERCENT": 2.5, "RESPONSE_TIME_PERCENTILE_99": 3.0}
    result = await ok(client, "assess_test", bench_result_id="br-1")
    findings = result["findings"]
    assert findings[0] == {
        "rule": "error_rate",
        "level": "warning",
        "metric": "ERRORS_PERCENT",
        "value": 2.5,
        "unit": "%",
        "transaction": "",
        "detail": "2.5 % of requests failed (rule: above 1 %).",
    }
    assert findings[1]["rule"] == "long_tail"
    assert findings[1]["detail"].startswith("p99 3,000 ms is 7.0x the median 430 ms (rule: above 5x)")
    assert [(f["rule"], f["transaction"], f["value"]) for f in findings[2:5]] == [
        ("slowest", action_name(19), 580.0),
        ("slowest", action_name(9), 570.0),
        ("slowest", action_name(4), 560.0),
    ]
    assert [(f["rule"], f["transaction"], f["value"]) for f in findings[5:8]] == [
        ("most_errors", action_name(17), 17.0),
        ("most_errors", action_name(10), 10.0),
        ("most_errors", action_name(3), 3.0),
    ]
    assert findings[8] == {
        "rule": "threshold_alarm",
        "level": "warning",
        "metric": "threshold alarm",
        "value": None,
        "unit": "",
        "transaction": "",
        "detail": "WARNING OctoPerf alarm alarm-3.",
    }
    assert findings[2]["detail"] == f"Slowest transaction #1: {action_name(19)}, p95 580 ms."
    assert (
        findings[5]["detail"]
        == f"{action_name(17)} holds 28.33 % of all errors (17); 1.73 % of its requests failed."
    )
    assert result["verdict"] == "warning"
    assert result["threshold_alarms"] == {"PASSED": 3, "WARNING": 1}


async def test_a_critical_threshold_alarm_fails_the_test(client, octoperf):
    octoperf.answer("POST", "/analysis/threshold-alarms", [{"id": "a", "severity": "CRITICAL"}])
    assert (await ok(client, "assess_test", bench_result_id="br-1"))["verdict"] == "fail"
    (query,) = octoperf.sent("POST", "/analysis/threshold-alarms")
    assert json.loads(query.content)["metric"]["benchResultId"] == "br-1"


async def test_when_alarms_cannot_be_read_the_assessment_still_comes_and_says_why(client, octoperf):
    octoperf.answer("POST", "/analysis/threshold-alarms", httpx2.Response(400, json={"message": "Bad item"}))
    result = await ok(client, "assess_test", bench_result_id="br-1")
    assert result["threshold_alarms"] is None
    assert (
        result["alarms_note"]
        == "Threshold alarms unavailable: OctoPerf refused the request (HTTP 400). OctoPerf says: Bad item"
    )
    assert result["findings"]


async def test_an_aborted_test_fails_its_assessment(client, octoperf):
    octoperf.answer("GET", "/runtime/bench-results/br-1", bench_result("br-1", "ABORTED"))
    result = await ok(client, "assess_test", bench_result_id="br-1")
    assert result["verdict"] == "fail"
    assert result["findings"][0] == {
        "rule": "ended_badly",
        "level": "fail",
        "metric": "state",
        "value": None,
        "unit": "",
        "transaction": "",
        "detail": "The test ended ABORTED (stopped by a user or externally), not as planned.",
    }


async def test_a_test_in_error_has_no_statistics_to_read(client, octoperf):
    octoperf.answer("GET", "/runtime/bench-results/br-1", bench_result("br-1", "ERROR"))
    result = await ok(client, "assess_test", bench_result_id="br-1")
    assert result["verdict"] == "fail"
    assert [f["rule"] for f in result["findings"]] == ["ended_badly"]
    assert result["metrics"] == []
    assert [r.url.path for r in octoperf.requests] == ["/runtime/bench-results/br-1"]


async def test_a_running_test_is_assessed_as_incomplete(client, octoperf):
    octoperf.answer("GET", "/runtime/bench-results/br-1", bench_result("br-1", "RUNNING"))
    result = await ok(client, "assess_test", bench_result_id="br-1", sla_p95_ms=100)
    assert result["verdict"] == "incomplete"
    assert result["sla"][0]["result"] == "FAIL"


async def test_a_missing_statistic_is_na_not_a_crash(client, octoperf):
    octoperf.answer("POST", "/analysis/threshold-alarms", [])
    octoperf.summaries["br-1"] = {"HITS_TOTAL": 1000.0}
    octoperf.tables["br-1"] = []
    result = await ok(client, "assess_test", bench_result_id="br-1", sla_p95_ms=800, sla_error_percent=1)
    assert [c["result"] for c in result["sla"]] == ["n/a", "n/a"]
    assert result["findings"] == []


NO_DATA = (
    "br-1 is FINISHED but has no data (0 hits): OctoPerf answers zeros for a run kept in an old data"
    " format; open its report in OctoPerf and update the report's data, then ask again."
)


@pytest.mark.parametrize(
    "summary", [{}, {"HITS_TOTAL": 0.0}, dict.fromkeys(["HITS_TOTAL", "ERRORS_TOTAL"], 0.0)]
)
@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("assess_test", {"bench_result_id": "br-1"}),
        ("get_test_metrics", {"bench_result_id": "br-1"}),
        ("compare_tests", {"baseline_bench_result_id": "br-0", "candidate_bench_result_id": "br-1"}),
    ],
)
async def test_a_finished_run_with_no_data_is_said_so_in_one_sentence_not_read_as_zeros(
    client, octoperf, tool, arguments, summary
):
    octoperf.answer("POST", "/analysis/threshold-alarms", [])
    octoperf.summaries["br-1"] = summary
    assert await fail(client, tool, **arguments) == NO_DATA


async def test_an_unknown_argument_like_the_old_sla_object_is_refused_naming_the_parameters(client, octoperf):
    message = await fail(client, "assess_test", bench_result_id="br-1", sla={"p95_ms": 800})
    assert message == (
        "sla is not a parameter of assess_test; it takes bench_result_id, sla_avg_ms, sla_p95_ms,"
        " sla_p99_ms, sla_error_percent."
    )
    assert not octoperf.requests


async def test_assessing_a_run_with_200_transactions_stays_small(client, octoperf):
    octoperf.tables["br-1"] = table(200)
    result = await client.call_tool("assess_test", {"bench_result_id": "br-1", "sla_p95_ms": 800})
    size = len(json.dumps(result.structured_content, separators=(",", ":")))
    assert size < 4000, f"{size} bytes"


async def test_the_prompts_name_the_tools_and_the_ids(client):
    prompts = {p.name: p for p in (await client.list_prompts()).prompts}
    assert set(prompts) == {"analyse_test", "compare_tests", "analyse_trend", "find_capacity"}
    assert [a.name for a in prompts["compare_tests"].arguments] == [
        "baseline_bench_result_id",
        "candidate_bench_result_id",
    ]
    analyse = await client.get_prompt("analyse_test", {"bench_result_id": "br-1"})
    text = analyse.messages[0].content.text
    assert "test run br-1" in text
    assert all(tool in text for tool in ("wait_for_test", "assess_test", "get_test_transactions"))
    compare = await client.get_prompt(
        "compare_tests", {"baseline_bench_result_id": "br-0", "candidate_bench_result_id": "br-1"}
    )
    assert "br-0 (baseline) and br-1 (candidate) with compare_tests" in compare.messages[0].content.text
    capacity = (
        (await client.get_prompt("find_capacity", {"bench_result_id": "br-7"})).messages[0].content.text
    )
    assert "test run br-7 with find_capacity" in capacity and "never fit a curve yourself" in capacity
