"""--demo: the simulated account, through the same tools and an in-memory MCP client."""

import httpx2
import pytest
from mcp import Client
from support import fail, ok

from octoperf_mcp import DEMO_NOTE, TOOLS, DemoOctoPerf, Settings, build_server

pytestmark = pytest.mark.anyio
NOW = 1_795_000_000.0  # epoch seconds, in 2026


class Clock:
    """The wall clock the demo reads, moved only by the server's sleeps or by the test."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def demo(clock: Clock, read_only: bool = False, state_file: str | None = None) -> Client:
    """A fresh demo server process, as far as the demo can tell: same clock, same state file."""
    settings = Settings.from_env({}, demo=True, read_only=read_only)
    transport = httpx2.MockTransport(DemoOctoPerf(clock, state_file).handle)
    return Client(build_server(settings, transport, sleep=clock.sleep, clock=clock))


@pytest.fixture
def clock():
    return Clock()


async def test_the_demo_account_has_a_workspace_two_projects_and_four_scenarios(clock):
    async with demo(clock) as client:
        (workspace,) = (await ok(client, "list_workspaces"))["workspaces"]
        projects = (await ok(client, "list_projects", workspace_id=workspace["id"]))["projects"]
        scenarios = [
            s["name"]
            for p in projects
            for s in (await ok(client, "list_scenarios", project_id=p["id"]))["scenarios"]
        ]
    assert workspace["name"] == "Demo shop"
    assert [p["name"] for p in projects] == ["Web shop", "Public API"]
    assert scenarios == [
        "Checkout, 200 users", "Soak, 50 users", "Checkout ramp, 0 to 600 users", "API burst, 500 users"
    ]  # fmt: skip


async def test_every_demo_result_and_the_instructions_say_it_is_demo_data(clock):
    async with demo(clock) as client:
        assert client.instructions.startswith(DEMO_NOTE)
        for tool, arguments in [
            ("list_workspaces", {}),
            ("list_tests", {"project_id": "prj-shop"}),
            ("get_test_transactions", {"bench_result_id": "br-checkout-r01"}),
        ]:
            result = await client.call_tool(tool, arguments)
            assert result.content[-1].text == DEMO_NOTE


async def test_the_history_has_twenty_finished_runs_a_day_apart_the_newest_a_regression(clock):
    async with demo(clock) as client:
        runs = (await ok(client, "list_tests", project_id="prj-shop", limit=50))["tests"]
        comparison = await ok(
            client,
            "compare_tests",
            baseline_bench_result_id="br-checkout-r19",
            candidate_bench_result_id="br-checkout-r20",
        )
        assessment = await ok(client, "assess_test", bench_result_id="br-checkout-r20")
        before = await ok(client, "assess_test", bench_result_id="br-checkout-r19")
    assert [r["bench_result_id"] for r in runs] == [
        *(f"br-checkout-r{i:02d}" for i in range(20, 0, -1)),
        "br-capacity-01",
    ]
    assert runs[0]["name"] == "Checkout, release 1.20"
    assert {r["state"] for r in runs} == {"FINISHED"}
    assert {r["duration_s"] for r in runs if r["bench_result_id"] != "br-capacity-01"} == {600}
    assert comparison["verdict"] == "regression"
    assert comparison["warnings"] == []
    assert [t["name"] for t in comparison["top_regressions"]] == ["Checkout", "Payment"]
    assert assessment["verdict"] == "fail"
    assert assessment["threshold_alarms"] == {"CRITICAL": 1, "WARNING": 1}
    assert "error_rate" in [f["rule"] for f in assessment["findings"]]
    assert before["verdict"] == "pass"


async def test_a_launched_run_walks_every_state_to_finished_in_a_minute_under_its_test_name(clock):
    seen = []
    async with demo(clock) as client:
        launch = await ok(client, "run_scenario", scenario_id="scn-checkout", test_name="Release 2.0 check")
        for at in (0, 6, 16, 26, 31, 45, 61):
            clock.now = NOW + at
            status = await ok(client, "get_test_status", bench_result_id=launch["bench_result_id"])
            seen.append((status["state"], status["progress_percent"]))
        metrics = await ok(client, "get_test_metrics", bench_result_id=launch["bench_result_id"])
        report = await ok(client, "get_report", bench_report_id=launch["bench_report_id"])
        listed = (await ok(client, "list_tests", project_id="prj-shop", limit=1))["tests"][0]
    assert seen == [
        ("PENDING", 0.0),
        ("SCALING", 0.0),
        ("PREPARING", 0.0),
        ("INITIALIZING", 0.0),
        ("RUNNING", 3.3),
        ("RUNNING", 50.0),
        ("FINISHED", 100.0),
    ]
    assert launch["test_name"] == report["name"] == listed["name"] == "Release 2.0 check"
    assert launch["bench_result_id"] == listed["bench_result_id"] == f"br-checkout-{int(NOW * 1000)}"
    hits = next(m for m in metrics["metrics"] if m["name"] == "HITS_TOTAL")
    assert 5_000 < hits["value"] < 7_000


async def test_wait_for_test_follows_a_demo_run_to_its_summary_with_progress_rising_in_each_call(clock):
    progress: list[list[float]] = []

    async def on_progress(value, total, message):
        progress[-1].append(value)

    async with demo(clock) as client:
        launch = await ok(client, "run_scenario", scenario_id="scn-burst")
        calls = []
        for _ in range(2):
            progress.append([])
            calls.append(
                await client.call_tool(
                    "wait_for_test",
                    {"bench_result_id": launch["bench_result_id"]},
                    progress_callback=on_progress,
                )
            )
    first, second = (call.structured_content for call in calls)
    assert (first["finished"], first["waited_s"], first["metrics"]) == (False, 50, [])
    assert (second["state"], second["finished"], second["waited_s"]) == ("FINISHED", True, 10)
    assert second["metrics"]
    assert progress == [[1, 2, 3, 5, 33.3, 66.7], [66.7, 100]]


async def test_a_launch_and_a_stop_are_seen_by_every_later_process_of_the_user(clock, tmp_path):
    state = str(tmp_path / "state" / "demo-runs.json")
    async with demo(clock, state_file=state) as first:
        run = (await ok(first, "run_scenario", scenario_id="scn-soak"))["bench_result_id"]
    clock.now += 45
    async with demo(clock, state_file=state) as second:
        status = await ok(second, "get_test_status", bench_result_id=run)
        await ok(second, "stop_test", bench_result_id=run)
    clock.now += 60
    async with demo(clock, state_file=state) as third:
        later = await ok(third, "get_test_status", bench_result_id=run)
        listed = (await ok(third, "list_tests", project_id="prj-shop", limit=1))["tests"][0]
    assert (status["state"], status["progress_percent"]) == ("RUNNING", 50.0)
    assert (later["state"], later["progress_percent"], later["elapsed_s"]) == ("ABORTED", None, 45)
    assert listed["bench_result_id"] == run


@pytest.mark.parametrize("content", [None, "", "{not json", "[1, 2]", '{"br-x-1": 5}'])
async def test_a_missing_or_corrupt_state_file_is_no_error(clock, tmp_path, content):
    state = tmp_path / "demo-runs.json"
    if content is not None:
        state.write_text(content)
    async with demo(clock, state_file=str(state)) as client:
        runs = (await ok(client, "list_tests", project_id="prj-shop"))["tests"]
        launched = await ok(client, "run_scenario", scenario_id="scn-checkout")
        status = await ok(client, "get_test_status", bench_result_id=launched["bench_result_id"])
    assert runs[0]["bench_result_id"] == "br-checkout-r20"
    assert status["state"] == "PENDING"


async def test_stop_test_aborts_a_running_demo_run_where_it_stands(clock):
    async with demo(clock) as client:
        run = (await ok(client, "run_scenario", scenario_id="scn-checkout"))["bench_result_id"]
        clock.now += 40
        stopped = await ok(client, "stop_test", bench_result_id=run)
        clock.now += 60
        later = await ok(client, "get_test_status", bench_result_id=run)
    assert (stopped["stop_sent"], stopped["state"]) == (True, "ABORTED")
    assert (later["state"], later["progress_percent"], later["elapsed_s"]) == ("ABORTED", None, 40)


async def test_a_run_stopped_before_it_ran_has_zero_hits_and_no_times(clock):
    async with demo(clock) as client:
        run = (await ok(client, "run_scenario", scenario_id="scn-checkout"))["bench_result_id"]
        clock.now += 12
        stopped = await ok(client, "stop_test", bench_result_id=run)
        metrics = await ok(client, "get_test_metrics", bench_result_id=run)
    values = {m["name"]: m["value"] for m in metrics["metrics"]}
    assert stopped["state"] == "ABORTED"
    assert (values["HITS_TOTAL"], values["ERRORS_TOTAL"], values["RESPONSE_TIME_AVG"]) == (0, 0, None)


async def test_each_scenario_has_its_own_transactions(clock):
    async with demo(clock) as client:
        names = {}
        for scenario in ("scn-checkout", "scn-burst"):
            run = (await ok(client, "run_scenario", scenario_id=scenario))["bench_result_id"]
            clock.now += 100
            found = await ok(client, "get_test_transactions", bench_result_id=run)
            names[scenario] = {t["name"] for t in found["transactions"]}
    assert "Checkout" in names["scn-checkout"]
    assert names["scn-burst"] == {
        "GET /api/products",
        "GET /api/products/{id}",
        "POST /api/cart/items",
        "POST /api/orders",
        "GET /api/orders/{id}",
    }


@pytest.mark.parametrize(
    ("tool", "arguments", "says"),
    [
        (
            "get_test_status",
            {"bench_result_id": "br-checkout-7"},
            "No test run with id 'br-checkout-7'",
        ),
        (
            "get_test_metrics",
            {"bench_result_id": "br-soak-12"},
            "No test run with id 'br-soak-12'",
        ),
        (
            "stop_test",
            {"bench_result_id": "br-checkout-r21"},
            "No test run with id 'br-checkout-r21'",
        ),
        ("assess_test", {"bench_result_id": "br-nope-12"}, "No test run with id 'br-nope-12'"),
        (
            "compare_tests",
            {"baseline_bench_result_id": "br-checkout-r19", "candidate_bench_result_id": "br-checkout-7"},
            "No test run with id 'br-checkout-7'",
        ),
        ("get_report", {"bench_report_id": "rep-checkout-7"}, "No bench report with id 'rep-checkout-7'"),
        ("get_report", {"bench_report_id": "br-checkout-r20"}, "No bench report with id 'br-checkout-r20'"),
        ("run_scenario", {"scenario_id": "scn-nope"}, "No scenario with id 'scn-nope'"),
        ("list_scenarios", {"project_id": "prj-nope"}, "No project with id 'prj-nope'"),
        ("list_projects", {"workspace_id": "ws-nope"}, "No workspace with id 'ws-nope'"),
    ],
)
async def test_an_unknown_demo_id_is_a_404_like_octoperf(clock, tool, arguments, says):
    async with demo(clock) as client:
        assert (await fail(client, tool, **arguments)).startswith(says)


async def test_the_demo_needs_no_key_ignores_one_and_keeps_its_runs_in_the_users_state_directory(clock):
    env = {"OCTOPERF_API_KEY": "real-key", "OCTOPERF_DEMO": "1", "XDG_STATE_HOME": "/home/u/.state"}
    settings = Settings.from_env(env)
    assert (settings.demo, settings.api_key, settings.api_url, settings.demo_state) == (
        True,
        "demo",
        "https://demo.octoperf.invalid",
        "/home/u/.state/octoperf-mcp/demo-runs.json",
    )


async def test_a_read_only_demo_cannot_launch(clock):
    async with demo(clock, read_only=True) as client:
        names = [t.name for t in (await client.list_tools()).tools]
    assert len(names) == len(TOOLS) - 2
    assert "run_scenario" not in names


async def test_the_checkout_history_shows_the_lasting_shift_the_outlier_and_the_newest_regression(clock):
    async with demo(clock) as client:
        trend = await ok(client, "analyze_trend", scenario_id="scn-checkout")
        soak = await ok(client, "analyze_trend", scenario_id="scn-soak")
    metrics = {m["metric"]: m for m in trend["metrics"]}
    shifted = {c["bench_result_id"] for m in trend["metrics"] for c in m["change_points"]}
    assert (trend["verdict"], trend["since"], trend["since_date"]) == (
        "regression",
        "br-checkout-r20",
        "2026-11-14T10:00:00Z",
    )
    assert len(trend["run_ids"]) == 20
    assert shifted == {"br-checkout-r11"}  # the lasting shift; not the outlier br-checkout-r06
    assert metrics["avg_ms"]["change_points"][0]["change_percent"] > 10
    assert metrics["p99_ms"]["verdict"] == metrics["error_percent"]["verdict"] == "worse"
    assert [(t["name"], t["bench_result_id"]) for t in trend["transactions"]] == [
        ("Search", "br-checkout-r11")
    ]
    assert "earlier lasting shift" in trend["headline"]
    assert soak["verdict"] == "insufficient data"


async def test_a_run_launched_in_the_demo_is_left_out_of_the_trend_as_not_the_same_work(clock):
    async with demo(clock) as client:
        before = await ok(client, "analyze_trend", scenario_id="scn-checkout")
        run = (await ok(client, "run_scenario", scenario_id="scn-checkout"))["bench_result_id"]
        clock.now += 120
        assert (await ok(client, "get_test_status", bench_result_id=run))["state"] == "FINISHED"
        after = await ok(client, "analyze_trend", scenario_id="scn-checkout")
    (why,) = [line for line in after["left_out"] if line.startswith(run)]
    assert "not the same work" in why
    assert after["headline"].startswith(f"newest run {run} left out: not the same work")
    assert (
        (after["verdict"], after["since"])
        == (before["verdict"], before["since"])
        == ("regression", "br-checkout-r20")
    )


async def test_list_tests_says_when_no_run_of_the_scenario_is_among_the_newest(clock):
    async with demo(clock) as client:
        found = await ok(client, "list_tests", project_id="prj-shop", scenario_id="scn-soak")
    assert found["tests"] == []
    assert found["note"] == "No runs of scn-soak among the newest 21 runs of project prj-shop."


# Every tool's real answer against its own output schema, every "required" kept.
EVERY_TOOL = [
    ("list_workspaces", {}),
    ("list_projects", {"workspace_id": "ws-demo"}),
    ("list_scenarios", {"project_id": "prj-shop"}),
    ("list_tests", {"project_id": "prj-shop", "limit": 3}),
    ("get_test_status", {"bench_result_id": "br-checkout-r20"}),
    ("wait_for_test", {"bench_result_id": "br-checkout-r20", "timeout_s": 1}),
    ("get_test_metrics", {"bench_result_id": "br-checkout-r20"}),
    ("get_test_transactions", {"bench_result_id": "br-checkout-r20"}),
    (
        "compare_tests",
        {"baseline_bench_result_id": "br-checkout-r19", "candidate_bench_result_id": "br-checkout-r20"},
    ),
    ("assess_test", {"bench_result_id": "br-checkout-r20", "sla_p95_ms": 1000}),
    ("analyze_trend", {"scenario_id": "scn-checkout"}),
    ("find_capacity", {"bench_result_id": "br-capacity-01", "sla_p95_ms": 1000}),
    ("get_report", {"bench_report_id": "rep-checkout-r20"}),
    ("run_scenario", {"scenario_id": "scn-checkout"}),
    ("stop_test", {"bench_result_id": "br-checkout-r20"}),
]


async def test_every_tools_answer_validates_against_its_own_output_schema_with_required_kept(clock, tmp_path):
    import jsonschema

    async with demo(clock, state_file=str(tmp_path / "runs.json")) as client:
        schemas = {t.name: t.output_schema for t in (await client.list_tools()).tools}
        assert {name for name, _ in EVERY_TOOL} == set(schemas)
        for name, arguments in EVERY_TOOL:
            result = await ok(client, name, **arguments)
            schema = schemas[name]
            assert schema["required"] == list(schema["properties"]), name
            jsonschema.validate(result, schema)
            with pytest.raises(jsonschema.ValidationError):
                jsonschema.validate({}, schema)  # an empty answer is not one
