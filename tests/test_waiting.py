"""Following a test run: wait_for_test, stop_test, list_tests."""

import itertools
import json

import anyio
import httpx2
import pytest
from fake_octoperf import BASE, DAY, T0, bench_result
from support import fail, ok

pytestmark = pytest.mark.anyio
RESULT, PROGRESS = "/runtime/bench-results/br-2", "/runtime/bench-results/progress/br-2"


def script(octoperf, *steps: tuple[str, float]) -> None:
    """br-2 goes through these (state, progress) steps, one per poll; the last one repeats."""
    octoperf.answer("GET", RESULT, *(bench_result("br-2", state) for state, _ in steps))
    running = [{"value": progress} for state, progress in steps if state == "RUNNING"]  # only asked then
    octoperf.answer("GET", PROGRESS, *(running or [{"value": 0.0}]))


async def test_wait_for_test_notifies_progress_in_order_up_to_100_and_returns_the_summary(client, octoperf):
    script(octoperf, ("PENDING", 0.0), ("RUNNING", 40.0), ("RUNNING", 92.5), ("FINISHED", 100.0))
    notes = []

    async def on_progress(progress, total, message):
        notes.append((progress, total, message))

    result = await client.call_tool(
        "wait_for_test", {"bench_result_id": "br-2"}, progress_callback=on_progress
    )

    assert [(p, t) for p, t, _ in notes] == [(1, 100), (40, 100), (92.5, 100), (100, 100)]
    assert [m.split(",")[0] for _, _, m in notes] == ["PENDING", "RUNNING", "RUNNING", "FINISHED"]
    assert notes[-1][2] == "FINISHED, 100 %, 630 s since start"
    content = result.structured_content
    assert content["finished"] is True
    assert content["state"] == "FINISHED"
    assert content["waited_s"] == 25
    assert {"name": "RESPONSE_TIME_PERCENTILE_95", "value": 1250.0, "unit": "ms"} in content["metrics"]
    assert "assess_test" in content["next_step"]
    assert octoperf.sleeps == [10, 10, 5]  # faster near the end


async def test_progress_notifications_never_go_back_even_when_octoperf_does(client, octoperf):
    script(octoperf, ("RUNNING", 40.0), ("RUNNING", 35.0), ("RUNNING", 60.0), ("FINISHED", 100.0))
    shown = []

    async def on_progress(progress, total, message):
        shown.append(progress)

    await client.call_tool("wait_for_test", {"bench_result_id": "br-2"}, progress_callback=on_progress)
    assert shown == sorted(shown)
    assert shown[-2:] == [60, 100]


async def test_progress_strictly_increases_through_the_start_up_stages_with_the_state_in_the_message(
    client, octoperf
):
    script(
        octoperf,
        *[
            (state, 0.0)
            for state in ("PENDING", "PENDING", "SCALING", "SCHEDULED", "PREPARING", "INITIALIZING")
        ],
        ("RUNNING", 2.0),
        ("RUNNING", 2.0),
        ("RUNNING", 30.0),
        ("RUNNING", 100.0),
        ("FINISHED", 100.0),
    )
    notes = []

    async def on_progress(progress, total, message):
        notes.append((progress, message.split(",")[0]))

    await client.call_tool(
        "wait_for_test", {"bench_result_id": "br-2", "timeout_s": 600}, progress_callback=on_progress
    )
    values = [value for value, _ in notes]
    assert all(a < b for a, b in itertools.pairwise(values)), values
    assert notes == [
        (1, "PENDING"),
        (2, "SCALING"),
        (3, "PREPARING"),
        (4, "INITIALIZING"),
        (5, "RUNNING"),
        (30, "RUNNING"),
        (99, "RUNNING"),
        (100, "FINISHED"),
    ]


async def test_by_default_wait_for_test_returns_within_50_s_for_clients_that_cut_calls_at_60_s(
    client, octoperf
):
    script(octoperf, ("RUNNING", 40.0))
    result = await ok(client, "wait_for_test", bench_result_id="br-2")
    assert (result["finished"], result["waited_s"], result["metrics"]) == (False, 50, [])
    assert sum(octoperf.sleeps) == 50
    assert len(json.dumps(result)) < 600


async def test_wait_for_test_times_out_with_finished_false_so_the_model_calls_again(client, octoperf):
    script(octoperf, ("RUNNING", 40.0))
    result = await ok(client, "wait_for_test", bench_result_id="br-2", timeout_s=25)
    assert result["finished"] is False
    assert result["state"] == "RUNNING"
    assert result["waited_s"] == 25
    assert result["metrics"] == []
    assert result["next_step"] == "Not finished after 25 s of waiting: call wait_for_test again."
    assert octoperf.sleeps == [10, 10, 5]  # the last wait ends at the timeout, not after it
    assert not octoperf.sent("POST", "/analysis/metrics/summary")


async def test_a_test_that_ended_aborted_is_returned_without_metrics_and_says_how_it_ended(client, octoperf):
    script(octoperf, ("RUNNING", 30.0), ("ABORTED", 50.0))
    result = await ok(client, "wait_for_test", bench_result_id="br-2")
    assert result["finished"] is True
    assert result["progress_percent"] is None  # OctoPerf is not asked once a test has ended
    assert result["metrics"] == []
    assert (
        result["next_step"]
        == "The test ended ABORTED (stopped by a user or externally): no summary was read."
    )


async def test_wait_for_test_refuses_a_timeout_beyond_an_hour_before_any_request(client, octoperf):
    message = await fail(client, "wait_for_test", bench_result_id="br-2", timeout_s=7200)
    assert "timeout_s" in message
    assert not octoperf.requests


async def test_cancelling_wait_for_test_stops_the_polling_and_never_stops_the_test(client, octoperf):
    script(octoperf, ("RUNNING", 10.0))
    octoperf.hold = anyio.Event()  # the server's first wait between polls lasts until released
    polled = anyio.Event()

    async def on_progress(progress, total, message):
        polled.set()

    async with anyio.create_task_group() as group:

        async def wait():
            await client.call_tool(
                "wait_for_test", {"bench_result_id": "br-2"}, progress_callback=on_progress
            )

        group.start_soon(wait)
        await polled.wait()
        group.cancel_scope.cancel()

    await anyio.sleep(0.1)  # time for the server to act on the cancellation
    octoperf.hold.set()  # a wait_for_test still running would now poll again
    await anyio.sleep(0.1)
    assert len(octoperf.sent("GET", RESULT)) == 1
    assert not [r for r in octoperf.requests if "stop" in r.url.path]
    assert (await ok(client, "get_test_status", bench_result_id="br-1"))["state"] == "FINISHED"


async def test_stop_test_sends_one_stop_and_returns_the_state_that_follows(client, octoperf):
    octoperf.answer("GET", RESULT, bench_result("br-2", "RUNNING"), bench_result("br-2", "ABORTED"))
    octoperf.answer("GET", PROGRESS, {"value": 35.0})
    octoperf.answer("POST", "/runtime/bench-results/stop/br-2", httpx2.Response(204))
    result = await ok(client, "stop_test", bench_result_id="br-2")
    assert result["stop_sent"] is True
    assert result["state"] == "ABORTED"
    assert len(octoperf.sent("POST", "/runtime/bench-results/stop/br-2")) == 1


async def test_stop_test_reads_a_bench_result_answer_too(client, octoperf):
    octoperf.answer("GET", RESULT, bench_result("br-2", "RUNNING"))
    octoperf.answer("GET", PROGRESS, {"value": 35.0})
    octoperf.answer("POST", "/runtime/bench-results/stop/br-2", bench_result("br-2", "RUNNING"))
    result = await ok(client, "stop_test", bench_result_id="br-2")
    assert (result["stop_sent"], result["state"], result["finished"]) == (True, "RUNNING", False)


async def test_stop_test_leaves_a_test_that_already_ended_alone(client, octoperf):
    result = await ok(client, "stop_test", bench_result_id="br-1")
    assert result["stop_sent"] is False
    assert result["state"] == "FINISHED"
    assert not octoperf.sent("POST", "/runtime/bench-results/stop/br-1")


async def test_list_tests_gives_past_runs_newest_first_each_with_its_own_report(client, octoperf):
    result = await ok(client, "list_tests", project_id="prj-1")
    assert result["project_id"] == "prj-1"
    assert result["runs_in_project"] == 2
    assert result["note"] == ""
    assert result["tests"] == [
        {
            "bench_result_id": "br-1",
            "bench_report_id": "rep-1",  # not the comparison report that also holds br-1
            "name": "Checkout 100 users",
            "state": "FINISHED",
            "created": "2025-11-25T10:00:00Z",
            "duration_s": 630,
            "scenario_id": "scn-1",
            "url": f"{BASE}/ui/workspace/ws-1/project/prj-1/analysis/report/rep-1",
        },
        {
            "bench_result_id": "br-0",
            "bench_report_id": "rep-0",
            "name": "Checkout, before the release",
            "state": "FINISHED",
            "created": "2025-11-24T10:00:00Z",
            "duration_s": 630,
            "scenario_id": "scn-1",
            "url": f"{BASE}/ui/workspace/ws-1/project/prj-1/analysis/report/rep-0",
        },
    ]


async def test_list_tests_keeps_only_the_scenario_asked_for_and_the_limit(client, octoperf):
    octoperf.answer(
        "GET", "/runtime/bench-results/br-0", bench_result("br-0", "FINISHED", scenarioId="scn-2")
    )
    only = await ok(client, "list_tests", project_id="prj-1", scenario_id="scn-2")
    assert [t["bench_result_id"] for t in only["tests"]] == ["br-0"]
    newest = await ok(client, "list_tests", project_id="prj-1", limit=1)
    assert [t["bench_result_id"] for t in newest["tests"]] == ["br-1"]


async def test_list_tests_looks_up_only_as_many_runs_as_it_returns_when_not_filtering(client, octoperf):
    reports = [
        {"id": f"rep-{i}", "name": f"Run {i}", "benchResultIds": [f"br-{i}"], "created": T0 + i * DAY}
        for i in range(3, 60)
    ]
    octoperf.answer("GET", "/analysis/bench-reports/by-project/prj-1", reports)
    for i in range(3, 60):
        octoperf.answer("GET", f"/runtime/bench-results/br-{i}", bench_result(f"br-{i}", "FINISHED"))
    result = await ok(client, "list_tests", project_id="prj-1", limit=3)
    assert [t["bench_report_id"] for t in result["tests"]] == ["rep-59", "rep-58", "rep-57"]
    assert result["runs_in_project"] == 57
    assert len([r for r in octoperf.requests if r.url.path.startswith("/runtime/bench-results/")]) == 3


@pytest.mark.parametrize("status", [404, 405])
async def test_when_octoperf_refuses_the_unconfirmed_listing_path_list_tests_says_so(
    client, octoperf, status
):
    octoperf.answer("GET", "/analysis/bench-reports/by-project/prj-1", httpx2.Response(status))
    message = await fail(client, "list_tests", project_id="prj-1")
    assert message == (
        f"OctoPerf does not list reports at {BASE}/analysis/bench-reports/by-project/prj-1 (HTTP"
        f" {status}), a path no public client confirms: list_tests cannot work with this OctoPerf"
        " version; find the runs in the project's Analysis page in the OctoPerf UI."
    )


async def test_list_tests_with_an_unknown_project_names_the_project_not_the_path(client, octoperf):
    octoperf.answer("GET", "/design/projects/prj-9", httpx2.Response(404))
    message = await fail(client, "list_tests", project_id="prj-9")
    assert message.startswith("No project with id 'prj-9' in OctoPerf (HTTP 404)")
    assert not octoperf.sent("GET", "/analysis/bench-reports/by-project/prj-9")


async def test_list_tests_checks_the_scenario_id_before_any_request(client, octoperf):
    message = await fail(client, "list_tests", project_id="prj-1", scenario_id="../x")
    assert message.startswith("scenario_id '../x' is not an OctoPerf id")
    assert not octoperf.requests
