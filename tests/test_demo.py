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


def demo(clock: Clock, read_only: bool = False) -> Client:
    """A fresh demo server process, as far as the demo can tell: new state, same clock."""
    settings = Settings.from_env({}, demo=True, read_only=read_only)
    transport = httpx2.MockTransport(DemoOctoPerf(clock).handle)
    return Client(build_server(settings, transport, sleep=clock.sleep, clock=clock))


@pytest.fixture
def clock():
    return Clock()


async def test_the_demo_account_has_a_workspace_two_projects_and_three_scenarios(clock):
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
    assert scenarios == ["Checkout, 200 users", "Soak, 50 users", "API burst, 500 users"]


async def test_every_demo_result_and_the_instructions_say_it_is_demo_data(clock):
    async with demo(clock) as client:
        assert client.instructions.startswith(DEMO_NOTE)
        for tool, arguments in [
            ("list_workspaces", {}),
            ("list_tests", {"project_id": "prj-shop"}),
            ("get_test_transactions", {"bench_result_id": "br-checkout-1"}),
        ]:
            result = await client.call_tool(tool, arguments)
            assert result.content[-1].text == DEMO_NOTE


async def test_the_history_has_six_finished_runs_the_last_one_a_regression(clock):
    async with demo(clock) as client:
        runs = (await ok(client, "list_tests", project_id="prj-shop"))["tests"]
        comparison = await ok(
            client,
            "compare_tests",
            baseline_bench_result_id="br-checkout-5",
            candidate_bench_result_id="br-checkout-6",
        )
        assessment = await ok(client, "assess_test", bench_result_id="br-checkout-6")
        before = await ok(client, "assess_test", bench_result_id="br-checkout-5")
    assert [r["bench_result_id"] for r in runs] == [f"br-checkout-{i}" for i in range(6, 0, -1)]
    assert {r["state"] for r in runs} == {"FINISHED"}
    assert comparison["verdict"] == "regression"
    assert comparison["warnings"] == []
    assert [t["name"] for t in comparison["top_regressions"]] == ["Checkout", "Payment"]
    assert assessment["verdict"] == "fail"
    assert assessment["threshold_alarms"] == {"CRITICAL": 1, "WARNING": 1}
    assert "error_rate" in [f["rule"] for f in assessment["findings"]]
    assert before["verdict"] == "pass"


async def test_a_launched_run_walks_every_state_to_finished_in_a_minute(clock):
    seen = []
    async with demo(clock) as client:
        launch = await ok(client, "run_scenario", scenario_id="scn-checkout")
        for at in (0, 6, 16, 26, 31, 45, 61):
            clock.now = NOW + at
            status = await ok(client, "get_test_status", bench_result_id=launch["bench_result_id"])
            seen.append((status["state"], status["progress_percent"]))
        metrics = await ok(client, "get_test_metrics", bench_result_id=launch["bench_result_id"])
    assert seen == [
        ("PENDING", 0.0),
        ("SCALING", 0.0),
        ("PREPARING", 0.0),
        ("INITIALIZING", 0.0),
        ("RUNNING", 3.3),
        ("RUNNING", 50.0),
        ("FINISHED", 100.0),
    ]
    assert launch["test_name"] == "Checkout, 200 users"
    assert launch["bench_result_id"] == f"br-checkout-{int(NOW * 1000)}"
    hits = next(m for m in metrics["metrics"] if m["name"] == "HITS_TOTAL")
    assert 5_000 < hits["value"] < 7_000


async def test_wait_for_test_follows_a_demo_run_to_its_summary(clock):
    progress = []

    async def on_progress(value, total, message):
        progress.append(value)

    async with demo(clock) as client:
        launch = await ok(client, "run_scenario", scenario_id="scn-burst")
        result = await client.call_tool(
            "wait_for_test", {"bench_result_id": launch["bench_result_id"]}, progress_callback=on_progress
        )
    content = result.structured_content
    assert (content["state"], content["finished"], content["waited_s"]) == ("FINISHED", True, 60)
    assert content["metrics"]
    assert progress == sorted(progress)
    assert progress[-1] == 100


async def test_a_demo_run_walks_on_across_a_server_restart(clock):
    async with demo(clock) as first:
        run = (await ok(first, "run_scenario", scenario_id="scn-soak"))["bench_result_id"]
    clock.now += 45
    async with demo(clock) as second:
        status = await ok(second, "get_test_status", bench_result_id=run)
    assert (status["state"], status["progress_percent"]) == ("RUNNING", 50.0)


async def test_stop_test_aborts_a_running_demo_run_where_it_stands(clock):
    async with demo(clock) as client:
        run = (await ok(client, "run_scenario", scenario_id="scn-checkout"))["bench_result_id"]
        clock.now += 40
        stopped = await ok(client, "stop_test", bench_result_id=run)
        clock.now += 60
        later = await ok(client, "get_test_status", bench_result_id=run)
    assert (stopped["stop_sent"], stopped["state"]) == (True, "ABORTED")
    assert (later["state"], later["progress_percent"], later["elapsed_s"]) == ("ABORTED", 33.3, 40)


@pytest.mark.parametrize(
    ("tool", "arguments", "says"),
    [
        (
            "get_test_status",
            {"bench_result_id": "br-nope-12"},
            "No test run (bench result) with id 'br-nope-12'",
        ),
        ("run_scenario", {"scenario_id": "scn-nope"}, "No scenario with id 'scn-nope'"),
        ("list_scenarios", {"project_id": "prj-nope"}, "No project with id 'prj-nope'"),
        ("list_projects", {"workspace_id": "ws-nope"}, "No workspace with id 'ws-nope'"),
        ("get_report", {"bench_report_id": "rep-nope-1"}, "No bench report with id 'rep-nope-1'"),
    ],
)
async def test_an_unknown_demo_id_gets_the_usual_404_sentence(clock, tool, arguments, says):
    async with demo(clock) as client:
        assert (await fail(client, tool, **arguments)).startswith(says)


async def test_the_demo_needs_no_key_and_ignores_one(clock):
    settings = Settings.from_env({"OCTOPERF_API_KEY": "real-key", "OCTOPERF_DEMO": "1"})
    assert (settings.demo, settings.api_key, settings.api_url) == (
        True,
        "demo",
        "https://demo.octoperf.invalid",
    )


async def test_a_read_only_demo_cannot_launch(clock):
    async with demo(clock, read_only=True) as client:
        names = [t.name for t in (await client.list_tools()).tools]
    assert len(names) == len(TOOLS) - 2
    assert "run_scenario" not in names
