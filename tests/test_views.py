"""The MCP Apps view: served as the spec says, and drawn in a real browser (headless Chromium)
inside a small host page that performs the handshake and posts the result of a real call."""

import os
import re
import shutil
from contextlib import asynccontextmanager
from pathlib import Path

import httpx2
import pytest
from mcp import Client

from octoperf_mcp import VIEW_URI, DemoOctoPerf, Settings, build_server

pytestmark = pytest.mark.anyio
SHOTS = Path(__file__).parent / "screenshots"  # git-ignored: for a reviewer to look at
VIEWED = {"compare_tests", "analyze_trend", "assess_test", "find_capacity"}


def demo() -> Client:
    settings = Settings.from_env({}, demo=True)
    return Client(build_server(settings, httpx2.MockTransport(DemoOctoPerf(lambda: 1_795_000_000.0).handle)))


async def test_the_charted_tools_point_at_the_view_and_the_others_do_not(client):
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert {name for name, t in tools.items() if (t.meta or {}).get("ui")} == VIEWED
    assert all(tools[name].meta == {"ui": {"resourceUri": VIEW_URI}} for name in VIEWED)


async def test_the_view_is_one_self_contained_html_resource_that_fetches_nothing(client):
    (found,) = (await client.read_resource(VIEW_URI)).contents
    html = found.text
    assert found.mime_type == "text/html;profile=mcp-app"
    assert html.startswith("<!doctype html>")
    assert not re.search(
        r"""\b(src|href)\s*=|url\(|@import|fetch\(|XMLHttpRequest|WebSocket|https?://(?!www\.w3\.org)""", html
    )
    assert len(html.encode()) < 24_000  # read once per session, not per result


async def test_the_server_advertises_mcp_apps(client):
    assert "io.modelcontextprotocol/ui" in (client.server_capabilities.extensions or {})


HOST = """<!doctype html><html><body style="margin:0">
<iframe id="view" sandbox="allow-scripts" style="border:0;width:100%;height:400px"></iframe>
<script>
// A minimal MCP Apps host: answers ui/initialize, and sends the tool result only once the view
// has said ui/notifications/initialized, as the spec orders it.
window.log = [];
const frame = document.getElementById("view");
window.show = (html, result, theme, variables) => {
  window.addEventListener("message", (event) => {
    if (event.source !== frame.contentWindow) return;
    const m = event.data;
    window.log.push(m);
    const reply = (message) => frame.contentWindow.postMessage({jsonrpc: "2.0", ...message}, "*");
    const host = {name: "test-host", version: "1"};
    const context = {theme, displayMode: "inline", styles: {variables: variables || {}}};
    if (m.method === "ui/initialize") reply({id: m.id, result: {protocolVersion: m.params.protocolVersion,
      hostInfo: host, hostCapabilities: {}, hostContext: context}});
    if (m.method === "ui/notifications/initialized") {
      reply({method: "ui/notifications/tool-result", params: result});
    }
    if (m.method === "ui/notifications/size-changed") frame.style.height = m.params.height + "px";
  });
  frame.srcdoc = html;
};
</script></body></html>"""


def chromium() -> str:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip(
            "no Chromium on this machine: Debian's package chromium (apt-get install chromium) brings it"
        )
    return found


@pytest.fixture(scope="module")
def anyio_backend():
    return "asyncio"


@asynccontextmanager
async def drawn(tool: str, arguments: dict, width: int, theme: str = "light", variables: dict | None = None):
    """The tool's result (the demo account's) drawn by the view in Chromium, in a host page of this
    width; yields (the view's frame, the messages the view sent, the URLs the page asked for, the
    result posted). A PNG of it is left in tests/screenshots."""
    from playwright.async_api import async_playwright

    async with demo() as client:
        result = await client.call_tool(tool, arguments)
        html = (await client.read_resource(VIEW_URI)).contents[0].text
    assert not result.is_error
    posted = result.model_dump(mode="json", by_alias=True, exclude_none=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium(), args=["--no-sandbox", "--disable-gpu"]
        )
        page = await browser.new_page(viewport={"width": width, "height": 2400})
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        await page.set_content(HOST)
        await page.evaluate(
            "([html, result, theme, variables]) => window.show(html, result, theme, variables)",
            [html, posted, theme, variables or {}],
        )
        frame = page.frame_locator("#view")
        await frame.locator("svg").first.wait_for(timeout=15_000)
        await page.wait_for_function("window.log.some((m) => m.method === 'ui/notifications/size-changed')")
        SHOTS.mkdir(exist_ok=True)
        await page.locator("#view").screenshot(path=str(SHOTS / f"{tool}-{width}-{theme}.png"))
        yield frame, await page.evaluate("window.log"), requests, posted
        await browser.close()


@pytest.mark.parametrize("width", [360, 800])
async def test_the_comparison_shows_each_metric_in_both_runs_with_its_verdict_and_unit(width):
    arguments = {
        "baseline_bench_result_id": "br-checkout-r19",
        "candidate_bench_result_id": "br-checkout-r20",
    }
    async with drawn("compare_tests", arguments, width) as (frame, log, requests, posted):
        assert (
            await frame.locator("svg g.metric").count() == len(posted["structuredContent"]["metrics"]) == 12
        )
        assert await frame.locator("g.metric.worse").count() >= 3
        assert await frame.locator("g.metric >> nth=0 >> rect").count() == 2  # baseline and candidate
        text = await frame.locator("main").inner_text()
    assert "regression" in text and "(ms)" in text and "Checkout" in text
    assert [m.get("method") for m in log[:2]] == ["ui/initialize", "ui/notifications/initialized"]
    assert log[0]["params"]["protocolVersion"] == "2026-01-26"
    assert not [url for url in requests if url.startswith("http")]


@pytest.mark.parametrize("width", [360, 800])
async def test_the_trend_draws_a_line_per_metric_with_its_change_points_and_the_newest_run(width):
    async with drawn("analyze_trend", {"scenario_id": "scn-checkout"}, width) as (frame, _, requests, _):
        assert await frame.locator("svg.metric-trend").count() == 5
        assert await frame.locator("svg.metric-trend >> nth=0 >> circle.run").count() == 20
        assert await frame.locator("circle.newest").count() == 5
        assert await frame.locator('g.change-point[data-run="br-checkout-r11"]').count() >= 1
        text = await frame.locator("main").inner_text()
    assert "regression" in text and "since br-checkout-r20" in text and "→" in text
    assert not [url for url in requests if url.startswith("http")]


async def test_the_scorecard_shows_each_sla_limit_and_the_findings_in_the_dark_theme():
    arguments = {"bench_result_id": "br-checkout-r20", "sla_p95_ms": 1000, "sla_error_percent": 1}
    async with drawn("assess_test", arguments, 360, theme="dark") as (frame, *_):
        assert await frame.locator("g.criterion").count() == 2
        assert await frame.locator("g.criterion.worse").count() == 1  # error % above 1
        text = await frame.locator("main").inner_text()
        background = await frame.locator("body").evaluate("(b) => getComputedStyle(b).backgroundColor")
    assert "fail" in text and "CRITICAL OctoPerf alarm 'Checkout p95 below 1.5 s'" in text
    assert background == "rgb(23, 25, 29)"


LAYOUT = """() => {
  const W = document.documentElement.clientWidth, problems = [];
  const labels = [...document.querySelectorAll("svg text")]
    .map((t) => [t.textContent, t.getBoundingClientRect()]);
  for (const [text, b] of labels) {
    if (b.left < -0.5 || b.right > W + 0.5) problems.push(`past the frame: "${text}" ${b.left}-${b.right}`);
  }
  labels.forEach(([a, p], i) => labels.slice(i + 1).forEach(([b, q]) => {
    const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
    const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
    if (w > 1 && h > 1) problems.push(`"${a}" overlaps "${b}"`);
  }));
  for (const e of document.querySelectorAll("p, li, td, th, h2, span, svg")) {
    const b = e.getBoundingClientRect();
    if (b.right > W + 0.5) problems.push(`${e.tagName} past the frame: ${b.right} of ${W}`);
  }
  return problems;
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width", [360, 800])
@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        (
            "compare_tests",
            {"baseline_bench_result_id": "br-checkout-r19", "candidate_bench_result_id": "br-checkout-r20"},
        ),
        ("analyze_trend", {"scenario_id": "scn-checkout"}),
        ("assess_test", {"bench_result_id": "br-checkout-r20", "sla_p95_ms": 1000, "sla_error_percent": 1}),
        ("find_capacity", {"bench_result_id": "br-capacity-01", "sla_p95_ms": 1000}),
    ],
)
async def test_every_view_fits_its_frame_no_label_covers_another_and_it_reports_its_real_size(
    tool, arguments, width, theme
):
    async with drawn(tool, arguments, width, theme) as (frame, log, _, _):
        problems = await frame.locator("body").evaluate(f"(_) => ({LAYOUT})()")
        real = await frame.locator("body").evaluate("(b) => Math.ceil(b.getBoundingClientRect().height)")
        scrolls = await frame.locator("html").evaluate("(h) => h.scrollHeight > h.clientHeight")
    reported = [m["params"] for m in log if m.get("method") == "ui/notifications/size-changed"][-1]
    assert problems == []
    assert reported["height"] == real
    assert not scrolls, "the host's frame, sized as the view asked, scrolls inside"


async def test_the_view_uses_the_hosts_standard_style_variables():
    variables = {"--color-background-primary": "rgb(1, 2, 3)", "--font-sans": "Courier New"}
    async with drawn("analyze_trend", {"scenario_id": "scn-checkout"}, 360, "dark", variables) as (frame, *_):
        style = await frame.locator("body").evaluate(
            "(b) => [getComputedStyle(b).backgroundColor, getComputedStyle(b).fontFamily]"
        )
    assert style == ["rgb(1, 2, 3)", '"Courier New"']


async def test_the_trend_has_labelled_ticks_more_than_two_dates_and_a_scale_no_narrower_than_the_tolerance():
    async with drawn("analyze_trend", {"scenario_id": "scn-checkout"}, 800) as (frame, *_):
        hits = frame.locator('svg.metric-trend[data-metric="hits_per_s"]')
        ticks = await hits.locator("text.tick").evaluate_all("(ts) => ts.map((t) => t.textContent)")
        dates = await hits.locator("text.date").count()
        ys = [
            float(v)
            for v in await hits.locator("circle.run").evaluate_all(
                "(cs) => cs.map((c) => c.getAttribute('cy'))"
            )
        ]
    assert len(ticks) >= 3 and dates >= 3
    low, high = [float(t.replace(",", "")) for t in (ticks[0], ticks[-1])]
    assert high - low >= 0.15 * (high + low) / 2  # at least the +-10 % band, not the +-1 % noise
    assert max(ys) - min(ys) < 60  # the runs' own spread fills a part of the 92 px plot, not all of it


@pytest.mark.parametrize("width", [360, 800])
async def test_the_capacity_view_draws_throughput_p95_the_usl_curve_the_knee_and_the_capacity(width):
    arguments = {"bench_result_id": "br-capacity-01", "sla_p95_ms": 1000}
    async with drawn("find_capacity", arguments, width) as (frame, _, requests, _):
        lines = await frame.locator("svg.capacity polyline").count()
        marks = await frame.locator("svg.capacity g.mark text").evaluate_all(
            "(ts) => ts.map((t) => t.textContent)"
        )
        rows = await frame.locator("table tr").count()
    assert lines == 3  # hits/s, p95 and the USL curve
    assert marks == ["knee 141", "capacity 142"]
    assert 2 < rows <= 14
    assert not [url for url in requests if url.startswith("http")]
