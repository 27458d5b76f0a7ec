"""Each tool's happy path, and the requests it really sends to OctoPerf."""

import json
from datetime import UTC, datetime, timedelta

import httpx2
import pytest
from fake_octoperf import BASE, KEY, SUMMARY, T0, bench_result
from support import fail, ok

pytestmark = pytest.mark.anyio
UI = f"{BASE}/ui/workspace"


async def test_list_workspaces_gives_ids_names_descriptions_and_ui_links(client):
    assert await ok(client, "list_workspaces") == {
        "workspaces": [
            {"id": "ws-1", "name": "Acme", "description": "Shop load tests", "url": f"{UI}/ws-1"},
            {"id": "ws-2", "name": "Sandbox", "description": "", "url": f"{UI}/ws-2"},
        ],
        "left_out": 0,
    }


async def test_every_request_carries_the_bearer_key_and_names_the_project(client, octoperf):
    await ok(client, "list_workspaces")
    (request,) = octoperf.requests
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.headers["User-Agent"].startswith("octoperf-mcp/")


async def test_list_projects_gives_design_projects_with_utc_dates_and_design_links(client, octoperf):
    result = await ok(client, "list_projects", workspace_id="ws-1")
    assert result["workspace_id"] == "ws-1"
    assert result["projects"][0] == {
        "id": "prj-1",
        "name": "Shop",
        "description": "Checkout journeys",
        "last_modified": "2025-11-25T11:00:00Z",
        "url": f"{UI}/ws-1/project/prj-1/design",
    }
    assert [p["id"] for p in result["projects"]] == ["prj-1", "prj-2"]
    assert octoperf.sent("GET", "/design/projects/by-workspace/ws-1/DESIGN")


async def test_list_scenarios_links_each_scenario_in_its_workspace_and_drops_the_load_profile(client):
    result = await ok(client, "list_scenarios", project_id="prj-1")
    assert result == {
        "project_id": "prj-1",
        "scenarios": [
            {
                "id": "scn-1",
                "name": "Checkout 100 users",
                "description": "",
                "url": f"{UI}/ws-1/project/prj-1/runtime/scenario/scn-1",
            },
            {
                "id": "scn-2",
                "name": "Soak 8h",
                "description": "",
                "url": f"{UI}/ws-1/project/prj-1/runtime/scenario/scn-2",
            },
        ],
        "left_out": 0,
    }


async def test_without_a_workspace_id_octoperf_links_are_left_out_not_made_up(client, octoperf):
    octoperf.answer("GET", "/design/projects/prj-1", {"id": "prj-1", "name": "Shop"})
    result = await ok(client, "list_scenarios", project_id="prj-1")
    assert [s["url"] for s in result["scenarios"]] == ["", ""]


async def test_run_scenario_launches_once_and_returns_what_to_poll_and_the_report_link(client, octoperf):
    result = await ok(client, "run_scenario", scenario_id="scn-1")
    assert result == {
        "bench_report_id": "rep-2",
        "bench_result_id": "br-2",
        "test_name": "Checkout 100 users",
        "report_url": f"{UI}/ws-1/project/prj-1/analysis/report/rep-2",
    }
    (launch,) = octoperf.sent("POST", "/runtime/scenarios/run/scn-1")
    assert launch.url.params.get("name") is None
    assert octoperf.requests[-1] is launch, "nothing may be asked of OctoPerf after the launch"


async def test_run_scenario_names_the_test_run_when_asked(client, octoperf):
    result = await ok(client, "run_scenario", scenario_id="scn-1", test_name="Release 4.2 baseline")
    assert result["test_name"] == "Release 4.2 baseline"
    (launch,) = octoperf.sent("POST", "/runtime/scenarios/run/scn-1")
    assert launch.url.params["name"] == "Release 4.2 baseline"


async def test_run_scenario_refuses_an_unknown_scenario_without_launching(client, octoperf):
    octoperf.answer("GET", "/runtime/scenarios/nope", httpx2.Response(404))
    message = await fail(client, "run_scenario", scenario_id="nope")
    assert message.startswith("No scenario with id 'nope'")
    assert not octoperf.sent("POST", "/runtime/scenarios/run/nope")


async def test_a_finished_test_reports_100_percent_without_asking_for_progress(client, octoperf):
    assert await ok(client, "get_test_status", bench_result_id="br-1") == {
        "bench_result_id": "br-1",
        "state": "FINISHED",
        "meaning": "ended as planned",
        "finished": True,
        "progress_percent": 100.0,
        "created": "2025-11-25T10:00:00Z",
        "last_modified": "2025-11-25T10:10:30Z",
        "elapsed_s": 630,
        "scenario_id": "scn-1",
    }
    assert [r.url.path for r in octoperf.requests] == ["/runtime/bench-results/br-1"]  # one request


async def test_a_running_test_is_not_finished_and_its_elapsed_time_runs_to_now(client, octoperf):
    started = datetime.now(UTC) - timedelta(minutes=2)
    octoperf.answer(
        "GET",
        "/runtime/bench-results/br-1",
        {"id": "br-1", "state": "RUNNING", "created": int(started.timestamp() * 1000), "lastModified": T0},
    )
    octoperf.answer("GET", "/runtime/bench-results/progress/br-1", {"value": 42.456})
    status = await ok(client, "get_test_status", bench_result_id="br-1")
    assert (status["state"], status["finished"], status["progress_percent"]) == ("RUNNING", False, 42.5)
    assert 110 <= status["elapsed_s"] <= 180


@pytest.mark.parametrize("state", ["ABORTED", "ERROR"])
async def test_aborted_and_failed_tests_count_as_finished_with_progress_unknown(client, octoperf, state):
    octoperf.answer("GET", "/runtime/bench-results/br-1", {"id": "br-1", "state": state})
    octoperf.answer("GET", "/runtime/bench-results/progress/br-1", httpx2.Response(500))
    status = await ok(client, "get_test_status", bench_result_id="br-1")
    assert (status["finished"], status["progress_percent"], status["elapsed_s"]) == (True, None, None)
    assert not octoperf.sent("GET", "/runtime/bench-results/progress/br-1")


@pytest.mark.parametrize("state", ["CREATED", "PENDING", "SCALING", "PREPARING", "INITIALIZING"])
async def test_a_test_not_yet_running_reports_0_percent_without_asking(client, octoperf, state):
    octoperf.answer("GET", "/runtime/bench-results/br-1", {"id": "br-1", "state": state})
    status = await ok(client, "get_test_status", bench_result_id="br-1")
    assert (status["finished"], status["progress_percent"]) == (False, 0.0)
    assert len(octoperf.requests) == 1


@pytest.mark.parametrize(
    "progress",
    [httpx2.Response(500), httpx2.Response(200), httpx2.Response(200, json={}), httpx2.Response(404)],
    ids=["500", "empty", "no value", "404"],
)
async def test_a_progress_answer_that_fails_leaves_progress_null_and_never_fails_status_wait_or_stop(
    client, octoperf, progress
):
    octoperf.answer("GET", "/runtime/bench-results/br-2", bench_result("br-2", "RUNNING"))
    octoperf.answer("GET", "/runtime/bench-results/progress/br-2", progress)
    octoperf.answer("POST", "/runtime/bench-results/stop/br-2", httpx2.Response(204))
    status = await ok(client, "get_test_status", bench_result_id="br-2")
    waited = await ok(client, "wait_for_test", bench_result_id="br-2", timeout_s=10)
    stopped = await ok(client, "stop_test", bench_result_id="br-2")
    assert status["progress_percent"] is waited["progress_percent"] is stopped["progress_percent"] is None
    assert (waited["finished"], stopped["stop_sent"]) == (False, True)


async def test_an_undocumented_state_is_passed_through_as_not_finished(client, octoperf):
    octoperf.answer("GET", "/runtime/bench-results/br-1", {"id": "br-1", "state": "WARMING_UP", "extra": {}})
    octoperf.answer("GET", "/runtime/bench-results/progress/br-1", {})
    status = await ok(client, "get_test_status", bench_result_id="br-1")
    assert (status["state"], status["finished"], status["progress_percent"]) == ("WARMING_UP", False, None)
    assert "not a documented" in status["meaning"]


async def test_get_test_metrics_asks_for_hit_metrics_of_that_test_run(client, octoperf):
    await ok(client, "get_test_metrics", bench_result_id="br-1")
    request = octoperf.sent("POST", "/analysis/metrics/summary")[0]
    body = json.loads(request.content)
    assert body["@type"] == "SummaryReportItem"
    assert {(m["type"], m["benchResultId"]) for m in body["metrics"]} == {("HIT", "br-1")}
    assert [m["id"] for m in body["metrics"]] == [
        "HITS_TOTAL",
        "HITS_RATE",
        "ERRORS_TOTAL",
        "ERRORS_RATE",
        "ERRORS_PERCENT",
        "RESPONSE_TIME_AVG",
        "RESPONSE_TIME_MIN",
        "RESPONSE_TIME_MAX",
        "RESPONSE_TIME_MEDIAN",
        "RESPONSE_TIME_PERCENTILE_90",
        "RESPONSE_TIME_PERCENTILE_95",
        "RESPONSE_TIME_PERCENTILE_99",
        "THROUGHPUT_TOTAL",
        "THROUGHPUT_RATE",
        "SENT_BYTES_TOTAL",
        "SENT_BYTES_RATE",
    ]


async def test_response_times_come_in_ms_and_other_metrics_keep_their_units(client):
    result = await ok(client, "get_test_metrics", bench_result_id="br-1")
    got = {m["name"]: (m["value"], m["unit"]) for m in result["metrics"]}
    assert got["RESPONSE_TIME_AVG"] == (512.0, "ms")
    assert got["RESPONSE_TIME_PERCENTILE_95"] == (1250.0, "ms")
    assert got["RESPONSE_TIME_MIN"] == (21.0, "ms")
    assert got["HITS_TOTAL"] == (SUMMARY["HITS_TOTAL"], "hits")
    assert got["HITS_RATE"] == (20.0, "hits/s")
    assert got["ERRORS_PERCENT"] == (0.5, "%")
    assert got["THROUGHPUT_TOTAL"] == (52428800.0, "bytes")
    assert got["SENT_BYTES_RATE"] == (1747.6, "bytes/s")


async def test_chosen_metrics_are_asked_once_each_and_an_unconfirmed_unit_says_so(client, octoperf):
    result = await ok(
        client,
        "get_test_metrics",
        bench_result_id="br-1",
        metrics=["response_time_percentile_99", "LATENCY_AVG"] * 2,
    )
    assert result["metrics"] == [
        {"name": "RESPONSE_TIME_PERCENTILE_99", "value": 2750.0, "unit": "ms"},
        {"name": "LATENCY_AVG", "value": 0.2, "unit": "unknown"},
    ]
    (request,) = octoperf.sent("POST", "/analysis/metrics/summary")
    # each once, and the average once the first time: the time unit is checked against it
    assert [m["id"] for m in json.loads(request.content)["metrics"]] == [
        "RESPONSE_TIME_PERCENTILE_99",
        "LATENCY_AVG",
        "HITS_TOTAL",  # a FINISHED run with 0 hits has no data
        "RESPONSE_TIME_AVG",
    ]


async def test_a_metric_octoperf_leaves_out_or_sends_as_null_is_reported_as_null(client, octoperf):
    octoperf.answer("POST", "/analysis/metrics/summary", [12.0, None])
    result = await ok(
        client,
        "get_test_metrics",
        bench_result_id="br-1",
        metrics=["HITS_TOTAL", "ERRORS_TOTAL", "HITS_RATE"],
    )
    assert [m["value"] for m in result["metrics"]] == [12.0, None, None]


async def test_an_unknown_metric_id_is_refused_with_a_suggestion_and_no_request(client, octoperf):
    message = await fail(
        client, "get_test_metrics", bench_result_id="br-1", metrics=["RESPONSE_TIME_PERCENTILE_98"]
    )
    assert "no summary metric 'RESPONSE_TIME_PERCENTILE_98'" in message
    assert "did you mean RESPONSE_TIME_PERCENTILE_9" in message
    assert not octoperf.requests


async def test_get_report_gives_its_test_runs_items_and_ui_link(client):
    assert await ok(client, "get_report", bench_report_id="rep-1") == {
        "id": "rep-1",
        "name": "Checkout 100 users",
        "description": "",
        "bench_result_ids": ["br-1"],
        "items": [
            {"type": "SummaryReportItem", "name": "Statistics summary"},
            {"type": "LineChartReportItem", "name": "Hits and response times"},
            {"type": "StatisticTableReportItem", "name": "Per action"},
        ],
        "url": f"{UI}/ws-1/project/prj-1/analysis/report/rep-1",
    }
