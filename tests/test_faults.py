"""Faults, load and hostile input: what a flaky network, a huge account or a crafted id does."""

import json
import logging

import anyio
import httpx2
import pytest
from fake_octoperf import KEY, SUMMARY, FakeOctoPerf, entity
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import connect, fail, ok

from octoperf_mcp import ID_PATTERN, MAX_IN_FLIGHT

pytestmark = pytest.mark.anyio
LAUNCH = "/runtime/scenarios/run/scn-1"
MAY_HAVE_STARTED = "The test MAY have started: check with list_tests or get_test_status"


async def test_a_rate_limit_without_retry_after_backs_off_then_explains(client, octoperf):
    octoperf.answer("GET", "/workspaces/member-of", httpx2.Response(429))
    message = await fail(client, "list_workspaces")
    assert message == "OctoPerf is rate limiting this API key (HTTP 429); wait a few s and try again."
    assert octoperf.sleeps == [0.5, 1.0]


async def test_a_connection_reset_on_a_read_is_retried(client, octoperf):
    octoperf.answer("GET", "/workspaces/member-of", httpx2.ReadError("connection reset by peer"), [])
    assert await ok(client, "list_workspaces") == {"workspaces": [], "left_out": 0}
    assert octoperf.sleeps == [0.5]


async def test_a_connection_reset_every_time_is_explained(client, octoperf):
    octoperf.answer("GET", "/workspaces/member-of", httpx2.RemoteProtocolError("peer closed connection"))
    message = await fail(client, "list_workspaces")
    assert message == "The connection to OctoPerf broke before it answered; try again."
    assert len(octoperf.requests) == 3


async def test_a_body_cut_mid_json_is_explained(client, octoperf):
    octoperf.answer("GET", "/runtime/bench-results/br-1", httpx2.Response(200, text='{"id": "br-1", "sta'))
    message = await fail(client, "get_test_status", bench_result_id="br-1")
    assert message.startswith(
        "OctoPerf's answer to GET /runtime/bench-results/{bench_result_id} was not the JSON"
    )


async def test_an_empty_body_where_an_object_is_expected_is_explained(client, octoperf):
    octoperf.answer("GET", "/runtime/bench-results/br-1", httpx2.Response(200))
    message = await fail(client, "get_test_status", bench_result_id="br-1")
    assert "was not the JSON expected (HTTP 200, no content type)" in message


async def test_a_proxys_html_502_page_is_retried_then_named_without_its_html(client, octoperf):
    page = httpx2.Response(
        502, headers={"content-type": "text/html"}, text="<html><h1>Bad Gateway</h1></html>"
    )
    octoperf.answer("GET", "/workspaces/member-of", page)
    assert (
        await fail(client, "list_workspaces")
        == "OctoPerf failed to answer (HTTP 502); try again in a minute."
    )
    assert len(octoperf.requests) == 3


async def test_metrics_given_as_nan_or_null_are_na_not_a_crash(client, octoperf):
    nan = httpx2.Response(200, content=b"[NaN, null, Infinity, 0.5]")
    octoperf.answer("POST", "/analysis/metrics/summary", nan)
    ids = ["HITS_TOTAL", "HITS_RATE", "RESPONSE_TIME_AVG", "RESPONSE_TIME_PERCENTILE_95"]
    result = await ok(client, "get_test_metrics", bench_result_id="br-1", metrics=ids)
    assert [m["value"] for m in result["metrics"]] == [None, None, None, 500.0]


async def test_table_values_given_as_nan_are_na(client, octoperf):
    octoperf.answer(
        "POST",
        "/analysis/metrics/table",
        httpx2.Response(200, content=b'[{"actionId": "act-1", "values": [{"value": NaN}, {"value": 2}]}]'),
    )
    result = await ok(client, "get_test_transactions", bench_result_id="br-1")
    assert result["transactions"][0]["hits"] is None
    assert result["transactions"][0]["error_percent"] is None


async def test_a_comparison_with_nan_summaries_says_the_run_has_no_data(client, octoperf):
    octoperf.answer("POST", "/analysis/metrics/summary", httpx2.Response(200, content=b"[NaN]"))
    message = await fail(
        client, "compare_tests", baseline_bench_result_id="br-0", candidate_bench_result_id="br-1"
    )
    assert message.startswith("br-0 is FINISHED but has no data (0 hits)")


async def test_an_unknown_state_is_passed_through_as_not_finished(client, octoperf):
    octoperf.answer("GET", "/runtime/bench-results/br-1", {"id": "br-1", "state": "WARMING_UP"})
    result = await ok(client, "wait_for_test", bench_result_id="br-1", timeout_s=1)
    assert (result["state"], result["finished"]) == ("WARMING_UP", False)
    assert result["meaning"].startswith("not a documented OctoPerf state")


async def test_ten_thousand_projects_are_capped_and_the_rest_counted(client, octoperf):
    projects = [entity(f"prj-{i}", f"Project {i}", workspaceId="ws-1", lastModified=i) for i in range(10_000)]
    octoperf.answer("GET", "/design/projects/by-workspace/ws-1/DESIGN", projects)
    result = await client.call_tool("list_projects", {"workspace_id": "ws-1"})
    content = result.structured_content
    assert len(content["projects"]) == 100
    assert content["left_out"] == 9_900
    assert content["projects"][0]["id"] == "prj-9999"  # most recently modified first
    assert len(result.content[0].text) < 20_000


@pytest.mark.parametrize(
    "failure",
    [
        httpx2.Response(502),
        httpx2.Response(504),
        httpx2.ReadTimeout("timed out"),
        httpx2.ReadError("connection reset by peer"),
        httpx2.Response(200, text="<html>proxy</html>"),
    ],
    ids=["502", "504", "timeout", "reset", "html"],
)
async def test_a_launch_whose_answer_is_lost_is_sent_once_and_may_have_started(client, octoperf, failure):
    octoperf.answer("POST", LAUNCH, failure)
    message = await fail(client, "run_scenario", scenario_id="scn-1")
    assert len(octoperf.sent("POST", LAUNCH)) == 1
    assert octoperf.sleeps == []
    assert MAY_HAVE_STARTED in message
    assert "try again" not in message


async def test_fifty_concurrent_calls_get_their_own_answers_with_at_most_8_requests_in_flight(octoperf):
    octoperf.latency = 0.005
    octoperf.summaries["br-0"] = SUMMARY | {"HITS_TOTAL": 1.0}
    answers: dict[int, float] = {}
    async with connect(octoperf) as client:

        async def call(i: int) -> None:
            result = await ok(
                client, "get_test_metrics", bench_result_id=f"br-{i % 2}", metrics=["HITS_TOTAL"]
            )
            answers[i] = result["metrics"][0]["value"]

        async with anyio.create_task_group() as group:
            for i in range(50):
                group.start_soon(call, i)
    assert answers == {i: 12000.0 if i % 2 else 1.0 for i in range(50)}
    assert octoperf.most_in_flight == MAX_IN_FLIGHT == 8


async def test_a_cancelled_call_cancels_its_request_to_octoperf(octoperf):
    octoperf.stall = anyio.Event()
    async with connect(octoperf) as client:
        async with anyio.create_task_group() as group:
            group.start_soon(client.call_tool, "list_workspaces", {})
            with anyio.fail_after(5):
                while not octoperf.in_flight:
                    await anyio.sleep(0.001)
            group.cancel_scope.cancel()
        with anyio.fail_after(5):
            while octoperf.in_flight:
                await anyio.sleep(0.001)
        octoperf.stall.set()
        assert octoperf.cancelled == 1
        assert octoperf.requests == []  # the request never got its answer: it was cancelled first
        assert (await ok(client, "list_workspaces"))["workspaces"]  # the server serves on


async def test_the_key_is_in_no_result_error_or_log_line_at_any_level(octoperf, caplog):
    """Even when a transport error's text carries the request's headers."""
    caplog.set_level(logging.DEBUG)
    leaky = httpx2.ReadError(f"broken pipe while sending Authorization: Bearer {KEY}")
    octoperf.answer("GET", "/workspaces/member-of", leaky)
    octoperf.answer("POST", LAUNCH, leaky)
    octoperf.answer("GET", "/analysis/bench-reports/rep-1", httpx2.Response(400, text=f"bad token {KEY}"))
    texts = []
    async with connect(octoperf) as client:
        for tool, arguments in [
            ("list_workspaces", {}),
            ("run_scenario", {"scenario_id": "scn-1"}),
            ("get_report", {"bench_report_id": "rep-1"}),
            ("get_test_status", {"bench_result_id": "../x"}),
            ("compare_tests", {"baseline_bench_result_id": "br-0", "candidate_bench_result_id": "br-1"}),
        ]:
            result = await client.call_tool(tool, arguments)
            texts.append(json.dumps(result.model_dump(mode="json")))
    assert any("broke before it answered" in text for text in texts)
    assert all(KEY not in text for text in texts)
    assert caplog.records
    assert KEY not in caplog.text
    assert all(KEY not in str(record.exc_info) for record in caplog.records)


TOOLS_WITH_IDS = [
    ("get_test_status", "bench_result_id", "/runtime/bench-results/{}"),
    ("list_projects", "workspace_id", "/design/projects/by-workspace/{}/DESIGN"),
    ("list_scenarios", "project_id", "/design/projects/{}"),
    ("run_scenario", "scenario_id", "/runtime/scenarios/{}"),
    ("get_report", "bench_report_id", "/analysis/bench-reports/{}"),
    ("wait_for_test", "bench_result_id", "/runtime/bench-results/{}"),
    ("stop_test", "bench_result_id", "/runtime/bench-results/{}"),
    ("compare_tests", "baseline_bench_result_id", "/runtime/bench-results/{}"),
]
ANY_TEXT = st.one_of(st.text(max_size=200), st.from_regex(ID_PATTERN, fullmatch=True))


@pytest.mark.parametrize(("tool", "parameter", "path"), TOOLS_WITH_IDS, ids=[t[0] for t in TOOLS_WITH_IDS])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=ANY_TEXT)
def test_any_string_as_an_id_gives_a_well_formed_request_or_a_refusal_without_one(
    tool, parameter, path, value
):
    fake = FakeOctoPerf()
    arguments = {parameter: value} | (
        {"candidate_bench_result_id": "br-1"} if parameter == "baseline_bench_result_id" else {}
    )

    async def call():
        async with connect(fake) as client:
            return await client.call_tool(tool, arguments)

    result = anyio.run(call)
    if ID_PATTERN.fullmatch(value):
        assert fake.requests[0].url.raw_path.decode() == path.format(value)
        assert all(r.url.host == "octoperf.test" for r in fake.requests)
    else:
        assert result.is_error
        assert fake.requests == []
