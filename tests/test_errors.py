"""What a person reads when something goes wrong: one sentence that says what to do."""

import httpx2
import pytest
from fake_octoperf import BASE, KEY
from support import connect, fail, ok

from octoperf_mcp import TOOLS, Settings

pytestmark = pytest.mark.anyio
LAUNCH = "/runtime/scenarios/run/scn-1"


async def test_a_rejected_key_says_to_check_octoperf_api_key(octoperf):
    async with connect(octoperf, Settings(api_key="revoked", api_url=BASE)) as client:
        message = await fail(client, "list_workspaces")
    assert message.startswith("OctoPerf rejected the API key (HTTP 401): check OCTOPERF_API_KEY")
    assert "Account > Profile > API key" in message


async def test_without_a_key_the_tools_are_listed_and_every_call_names_the_variable(octoperf):
    async with connect(octoperf, Settings(api_key=None, api_url=BASE)) as client:
        assert len((await client.list_tools()).tools) == len(TOOLS)
        message = await fail(client, "get_test_status", bench_result_id="br-1")
    assert message.startswith("OCTOPERF_API_KEY is not set: create one in OctoPerf under Account > Profile")
    assert not octoperf.requests


async def test_a_403_quotes_octoperfs_reason(client, octoperf):
    octoperf.answer(
        "GET",
        "/design/projects/by-workspace/ws-1/DESIGN",
        httpx2.Response(403, json={"message": "Viewer role"}),
    )
    message = await fail(client, "list_projects", workspace_id="ws-1")
    assert message == (
        "OctoPerf refused this for your account (HTTP 403): check your workspace role, subscription or plan."
        " OctoPerf says: Viewer role"
    )


@pytest.mark.parametrize(
    ("tool", "arguments", "path", "expected"),
    [
        ("list_scenarios", {"project_id": "prj-9"}, "/design/projects/prj-9", "No project with id 'prj-9'"),
        ("run_scenario", {"scenario_id": "scn-9"}, "/runtime/scenarios/scn-9", "No scenario with id 'scn-9'"),
        (
            "get_test_status",
            {"bench_result_id": "br-9"},
            "/runtime/bench-results/br-9",
            "No test run with id 'br-9'",
        ),
        (
            "get_report",
            {"bench_report_id": "rep-9"},
            "/analysis/bench-reports/rep-9",
            "No bench report with id 'rep-9'",
        ),
    ],
)
async def test_a_404_names_the_missing_thing_and_where_valid_ids_come_from(
    client, octoperf, tool, arguments, path, expected
):
    octoperf.answer("GET", path, httpx2.Response(404, json={"status": 404, "error": "Not Found"}))
    message = await fail(client, tool, **arguments)
    assert message.startswith(expected + " in OctoPerf (HTTP 404); valid ids come from ")


async def test_a_404_on_a_path_without_ids_points_at_the_api_url(client, octoperf):
    octoperf.answer("GET", "/workspaces/member-of", httpx2.Response(404))
    message = await fail(client, "list_workspaces")
    assert message == f"No such OctoPerf API (HTTP 404): check that OCTOPERF_API_URL ({BASE}) is right."


async def test_a_refused_launch_quotes_octoperf_and_is_not_retried(client, octoperf):
    octoperf.answer(
        "POST", LAUNCH, httpx2.Response(400, json={"message": "No subscription matches this scenario"})
    )
    message = await fail(client, "run_scenario", scenario_id="scn-1")
    assert (
        message
        == "OctoPerf refused the request (HTTP 400). OctoPerf says: No subscription matches this scenario"
    )
    assert len(octoperf.sent("POST", LAUNCH)) == 1


async def test_plain_text_errors_are_quoted_and_html_pages_are_not(client, octoperf):
    octoperf.answer("GET", "/workspaces/member-of", httpx2.Response(409, text="Workspace locked"))
    assert (await fail(client, "list_workspaces")).endswith("OctoPerf says: Workspace locked")
    page = httpx2.Response(
        409, headers={"content-type": "text/html"}, text="<html><body>Conflict</body></html>"
    )
    octoperf.answer("GET", "/workspaces/member-of", page)
    assert await fail(client, "list_workspaces") == "OctoPerf refused the request (HTTP 409). Conflict"


async def test_gets_are_retried_twice_on_gateway_errors_with_a_short_backoff(client, octoperf):
    octoperf.answer("GET", "/workspaces/member-of", httpx2.Response(502), httpx2.Response(504), [])
    assert await ok(client, "list_workspaces") == {"workspaces": [], "left_out": 0}
    assert len(octoperf.requests) == 3
    assert octoperf.sleeps == [0.5, 1.0]


async def test_a_persistent_503_gives_up_after_three_attempts(client, octoperf):
    octoperf.answer("GET", "/workspaces/member-of", httpx2.Response(503))
    message = await fail(client, "list_workspaces")
    assert message == "OctoPerf failed to answer (HTTP 503); try again in a minute."
    assert len(octoperf.requests) == 3


async def test_an_internal_error_is_not_retried(client, octoperf):
    octoperf.answer("GET", "/workspaces/member-of", httpx2.Response(500))
    assert (await fail(client, "list_workspaces")).startswith("OctoPerf failed to answer (HTTP 500)")
    assert len(octoperf.requests) == 1


async def test_rate_limits_are_retried_after_the_wait_octoperf_asks_then_explained(client, octoperf):
    octoperf.answer("GET", "/workspaces/member-of", httpx2.Response(429, headers={"Retry-After": "2"}))
    message = await fail(client, "list_workspaces")
    assert message == "OctoPerf is rate limiting this API key (HTTP 429); wait 2 s and try again."
    assert octoperf.sleeps == [2.0, 2.0]


async def test_a_long_retry_after_is_capped_so_a_call_never_hangs(client, octoperf):
    octoperf.answer("GET", "/workspaces/member-of", httpx2.Response(429, headers={"Retry-After": "3600"}), [])
    await ok(client, "list_workspaces")
    assert octoperf.sleeps == [5.0]


async def test_the_launch_is_sent_once_even_when_octoperf_answers_503(client, octoperf):
    octoperf.answer("POST", LAUNCH, httpx2.Response(503))
    message = await fail(client, "run_scenario", scenario_id="scn-1")
    assert len(octoperf.sent("POST", LAUNCH)) == 1
    assert octoperf.sleeps == []
    assert message == (
        "OctoPerf failed to answer (HTTP 503). The test MAY have started: check with list_tests or"
        " get_test_status (or in the OctoPerf UI) before launching again, since a launch costs credits."
    )


async def test_a_launch_whose_connection_breaks_is_not_retried_and_may_have_started(client, octoperf):
    octoperf.answer("POST", LAUNCH, httpx2.ReadError("connection reset"))
    message = await fail(client, "run_scenario", scenario_id="scn-1")
    assert len(octoperf.sent("POST", LAUNCH)) == 1
    assert message.startswith(
        "The connection to OctoPerf broke before it answered. The test MAY have started"
    )
    assert "try again" not in message


async def test_a_launch_whose_answer_is_unreadable_may_have_started(client, octoperf):
    octoperf.answer("POST", LAUNCH, httpx2.Response(200, text='{"id": "rep-2", "benchRes'))
    message = await fail(client, "run_scenario", scenario_id="scn-1")
    assert "was not the JSON expected (HTTP 200" in message
    assert "The test MAY have started: check with list_tests or get_test_status" in message


async def test_a_launch_that_cannot_connect_did_not_start_and_says_so_plainly(client, octoperf):
    octoperf.answer("POST", LAUNCH, httpx2.ConnectError("connection refused"))
    message = await fail(client, "run_scenario", scenario_id="scn-1")
    assert message == f"Cannot reach {BASE}: check OCTOPERF_API_URL and the network."
    assert len(octoperf.sent("POST", LAUNCH)) == 1


async def test_an_unreachable_octoperf_is_retried_then_named(client, octoperf):
    octoperf.answer(
        "GET", "/workspaces/member-of", httpx2.ConnectError("[Errno -2] Name or service not known")
    )
    message = await fail(client, "list_workspaces")
    assert message == f"Cannot reach {BASE}: check OCTOPERF_API_URL and the network."
    assert len(octoperf.requests) == 3


async def test_a_timeout_says_how_long_it_waited_and_is_not_retried(client, octoperf):
    octoperf.answer("GET", "/workspaces/member-of", httpx2.ReadTimeout("timed out"))
    assert await fail(client, "list_workspaces") == "OctoPerf did not answer within 30 s; try again."
    assert len(octoperf.requests) == 1


async def test_a_web_page_instead_of_json_points_at_the_api_url(client, octoperf):
    page = httpx2.Response(200, headers={"content-type": "text/html"}, text="<html>Sign in</html>")
    octoperf.answer("GET", "/workspaces/member-of", page)
    message = await fail(client, "list_workspaces")
    assert message == (
        "OctoPerf's answer to GET /workspaces/member-of was not the JSON expected (HTTP 200, text/html):"
        f" check that OCTOPERF_API_URL ({BASE}) is the OctoPerf API."
    )


async def test_json_of_an_unexpected_shape_is_explained_not_crashed_on(client, octoperf):
    octoperf.answer("GET", "/runtime/bench-results/br-1", [{"id": "br-1"}])
    message = await fail(client, "get_test_status", bench_result_id="br-1")
    assert message.startswith(
        "OctoPerf's answer to GET /runtime/bench-results/{bench_result_id} was not the JSON"
    )


async def test_null_or_empty_where_a_list_is_expected_reads_as_an_empty_list(client, octoperf):
    octoperf.answer("GET", "/workspaces/member-of", None, httpx2.Response(200))
    assert await ok(client, "list_workspaces") == {"workspaces": [], "left_out": 0}
    assert await ok(client, "list_workspaces") == {"workspaces": [], "left_out": 0}


BAD_IDS = [
    "",
    "../br-1",
    "br-1/stop",
    "%2e%2e",
    ".",
    "..",
    "br 1",
    "br-1?x=1",
    "br-1#x",
    "br\n1",
    "é",
    "x" * 129,
]


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize(
    ("tool", "parameter"),
    [
        ("list_projects", "workspace_id"),
        ("list_scenarios", "project_id"),
        ("run_scenario", "scenario_id"),
        ("get_test_status", "bench_result_id"),
        ("get_test_metrics", "bench_result_id"),
        ("get_report", "bench_report_id"),
    ],
)
async def test_anything_but_an_octoperf_id_is_refused_before_any_request(
    client, octoperf, tool, parameter, bad
):
    message = await fail(client, tool, **{parameter: bad})
    assert message.startswith(f"{parameter} {bad!r:.40} is not an OctoPerf id")
    assert not octoperf.requests


async def test_an_id_of_128_characters_is_accepted(client, octoperf):
    octoperf.answer("GET", "/analysis/bench-reports/" + "r" * 128, httpx2.Response(404))
    assert (await fail(client, "get_report", bench_report_id="r" * 128)).startswith("No bench report")


async def test_the_api_key_never_reaches_the_model_even_when_octoperf_echoes_it(client, octoperf):
    echo = httpx2.Response(400, json={"message": f"Invalid token Bearer {KEY} for this workspace"})
    octoperf.answer("GET", "/design/projects/by-workspace/ws-1/DESIGN", echo)
    message = await fail(client, "list_projects", workspace_id="ws-1")
    assert KEY not in message
    assert "Invalid token Bearer *** for this workspace" in message
