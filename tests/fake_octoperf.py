"""A fake OctoPerf REST API with the JSON shapes OctoPerf's public clients read.

`FakeOctoPerf().handler` is an httpx2.MockTransport handler. Every request is recorded; one that
matches no route is recorded in `unexpected` (the `octoperf` fixture then fails the test) and
answered 418. A request without `Authorization: Bearer KEY` is answered 401, as OctoPerf does.
It also counts the requests in flight, and can hold them (`stall`) or slow them (`latency`).

`python tests/fake_octoperf.py PORT [ms]` serves the same routes over real HTTP on 127.0.0.1, to
try the server by hand (`ms`: response times in milliseconds, as OctoPerf's docs say):
OCTOPERF_API_URL=http://127.0.0.1:PORT OCTOPERF_API_KEY=<KEY below>.
"""

import json
import sys
from collections.abc import Callable
from typing import Any

import anyio
import httpx2

KEY = "0c6f3e1a-5b7d-4f2e-9a41-7d2c8e6b1f05"
BASE = "https://octoperf.test"
T0 = 1764064800000  # 2025-11-25T10:00:00Z: OctoPerf sends timestamps as epoch milliseconds

# Summary values as OctoPerf returns them: response times in SECONDS, sizes in bytes.
SUMMARY = {
    "HITS_TOTAL": 12000.0,
    "HITS_RATE": 20.0,
    "ERRORS_TOTAL": 60.0,
    "ERRORS_RATE": 0.1,
    "ERRORS_PERCENT": 0.5,
    "RESPONSE_TIME_AVG": 0.512,
    "RESPONSE_TIME_MIN": 0.021,
    "RESPONSE_TIME_MAX": 4.2,
    "RESPONSE_TIME_MEDIAN": 0.43,
    "RESPONSE_TIME_PERCENTILE_90": 0.9,
    "RESPONSE_TIME_PERCENTILE_95": 1.25,
    "RESPONSE_TIME_PERCENTILE_99": 2.75,
    "THROUGHPUT_TOTAL": 52428800.0,
    "THROUGHPUT_RATE": 87381.3,
    "SENT_BYTES_TOTAL": 1048576.0,
    "SENT_BYTES_RATE": 1747.6,
    "LATENCY_AVG": 0.2,
}
# The same scenario a day earlier (br-0): faster and with fewer errors, so br-1 is a regression.
BASELINE = SUMMARY | {
    "ERRORS_TOTAL": 24.0,
    "ERRORS_RATE": 0.04,
    "ERRORS_PERCENT": 0.2,
    "RESPONSE_TIME_AVG": 0.45,
    "RESPONSE_TIME_MEDIAN": 0.42,
    "RESPONSE_TIME_PERCENTILE_90": 0.85,
    "RESPONSE_TIME_PERCENTILE_95": 1.0,
    "RESPONSE_TIME_PERCENTILE_99": 2.0,
}
DAY = 86_400_000


def action_name(i: int) -> str:
    return f"GET /shop/page-{i}"


def table(n: int, slower: dict[int, float] | None = None) -> list[dict[str, Any]]:
    """/analysis/metrics/table rows for actions act-0..act-{n-1}, values in the order of the
    server's TABLE_METRICS (hits, errors, avg, p90, p95, p99), times in seconds. Action i gets
    slower with i; `slower` multiplies the times of chosen actions."""
    rows = []
    for i in range(n):
        avg = (0.1 + 0.01 * i) * (slower or {}).get(i, 1.0)
        values = [1000.0 - i, float(i % 7 == 3) * i, avg, avg * 1.5, avg * 2, avg * 3]
        rows.append({"actionId": f"act-{i}", "values": [{"value": v} for v in values]})
    return rows


def virtual_users(n: int) -> list[dict[str, Any]]:
    """The project's virtual users: actions act-0..act-{n-1}, the first five inside a container."""
    actions = [{"@type": "HttpAction", "id": f"act-{i}", "name": action_name(i)} for i in range(n)]
    container = {"@type": "ContainerAction", "id": "ctr-1", "name": "Checkout", "children": actions[:5]}
    return [entity("vu-1", "Shopper", projectId="prj-1", type="HTTP", children=[container, *actions[5:]])]


def bench_result(id: str, state: str, created: int = T0, seconds: int = 630, **fields: Any) -> dict[str, Any]:
    return {
        "id": id,
        "batchId": f"batch-{id}",
        "scenarioId": "scn-1",
        "designProjectId": "prj-1",
        "resultProjectId": "prj-1",
        "state": state,
        "created": created,
        "lastModified": created + seconds * 1000,
    } | fields


def entity(id: str, name: str, **fields: Any) -> dict[str, Any]:
    """An OctoPerf entity with the bookkeeping fields every real one carries."""
    return {
        "id": id,
        "userId": "user-1",
        "name": name,
        "description": "",
        "created": T0,
        "lastModified": T0,
    } | fields


def bench_report(id: str, name: str, bench_result_id: str, **fields: Any) -> dict[str, Any]:
    metric = {
        "id": "HITS_TOTAL",
        "type": "HIT",
        "filters": [],
        "benchResultId": bench_result_id,
        "config": None,
    }
    return {
        "id": id,
        "projectId": "prj-1",
        "name": name,
        "description": "",
        "created": T0,  # not confirmed for reports: list_tests only orders its look-ups by it
        "benchResultIds": [bench_result_id],
        "items": [
            {"@type": "SummaryReportItem", "id": "item-1", "name": "Statistics summary", "metrics": [metric]},
            {
                "@type": "LineChartReportItem",
                "id": "item-2",
                "name": "Hits and response times",
                "metrics": [],
            },
            {
                "@type": "StatisticTableReportItem",
                "id": "item-3",
                "name": "Per action",
                "computeType": "NORMAL",
            },
        ],
        "configs": [],
    } | fields


def launch(request: httpx2.Request) -> httpx2.Response:
    """POST /runtime/scenarios/run/{id}: the run's default bench report."""
    name = request.url.params.get("name") or "Checkout 100 users"
    return httpx2.Response(200, json=bench_report("rep-2", name, "br-2"))


SCENARIO_EXTRAS = {  # the 16.x shape: a real scenario is large; the server must read past it
    "mode": "STANDARD",
    "tags": [],
    "userProfiles": [
        {
            "name": "",
            "virtualUserId": "vu-1",
            "providerId": "aws",
            "location": "eu-west-1",
            "load": {
                "@type": "UserProfileLoadRampUp",
                "plateauVus": 100,
                "rampUpMs": 60000,
                "plateauMs": 600000,
            },
            "memory": {"vuMb": None},
            "engine": {"@type": "JmeterUserProfileEngine", "properties": {"map": {}}},
        }
    ],
}


def default_routes() -> dict[tuple[str, str], Any]:
    project = {"workspaceId": "ws-1", "type": "DESIGN", "tags": []}
    return {
        ("GET", "/workspaces/member-of"): [
            entity("ws-1", "Acme", description="Shop load tests"),
            entity("ws-2", "Sandbox", description=None),
        ],
        ("GET", "/design/projects/by-workspace/ws-1/DESIGN"): [
            entity("prj-1", "Shop", description="Checkout journeys", lastModified=T0 + 3_600_000, **project),
            entity("prj-2", "Search", **project),
        ],
        ("GET", "/design/projects/prj-1"): entity("prj-1", "Shop", **project),
        ("GET", "/runtime/scenarios/by-project/prj-1"): [
            entity("scn-1", "Checkout 100 users", projectId="prj-1", **SCENARIO_EXTRAS),
            entity("scn-2", "Soak 8h", projectId="prj-1", **SCENARIO_EXTRAS),
        ],
        ("GET", "/runtime/scenarios/scn-1"): entity("scn-1", "Checkout 100 users", projectId="prj-1"),
        ("POST", "/runtime/scenarios/run/scn-1"): launch,
        ("GET", "/runtime/bench-results/br-0"): bench_result("br-0", "FINISHED", created=T0 - DAY),
        ("GET", "/runtime/bench-results/br-1"): bench_result("br-1", "FINISHED"),
        ("GET", "/runtime/bench-results/progress/br-0"): {"value": 100.0},
        ("GET", "/runtime/bench-results/progress/br-1"): {"value": 100.0},
        ("GET", "/analysis/bench-reports/rep-1"): bench_report("rep-1", "Checkout 100 users", "br-1"),
        ("GET", "/analysis/bench-reports/by-project/prj-1"): [
            bench_report("rep-0", "Checkout, before the release", "br-0", created=T0 - DAY),
            bench_report("rep-1", "Checkout 100 users", "br-1", created=T0),
            # a comparison report over both runs: neither run's own report
            bench_report("rep-c", "Before/after", "br-0", benchResultIds=["br-0", "br-1"], created=T0 + DAY),
        ],
        ("GET", "/design/virtual-users/by-project/prj-1"): virtual_users(200),
        ("GET", "/analysis/logs/list/br-0"): ["jmeter.log.gz", "gen-1.jtl.gz", "gen-2.jtl.gz"],
        ("GET", "/analysis/logs/list/br-1"): ["jmeter.log.gz"],
        ("POST", "/analysis/threshold-alarms"): [
            {"id": "alarm-1", "severity": "PASSED"},
            {"id": "alarm-2", "severity": "PASSED"},
            {"id": "alarm-3", "severity": "WARNING"},
            {
                "id": "alarm-4",
                "name": "p95 below 2 s",
                "thresholdId": "thr-4",
                "counterId": "RESPONSE_TIME_PERCENTILE_95",
                "severity": "PASSED",
                "threshold": 2.0,
                "observed": 1.25,
            },
        ],
    }


Answer = Any  # JSON data (answered 200), an httpx2.Response, an exception to raise, or a callable


class FakeOctoPerf:
    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []
        self.unexpected: list[str] = []
        self.sleeps: list[float] = []
        self.now = 0.0  # the server's clock: it only moves when the server sleeps
        self.hold: anyio.Event | None = None  # set: the server's sleeps last until it is set
        self.stall: anyio.Event | None = None  # set: requests are answered once it is set
        self.latency = 0.0  # seconds each request takes
        self.in_flight = self.most_in_flight = self.cancelled = 0
        self.summaries = {"br-0": BASELINE, "br-1": SUMMARY, "br-2": SUMMARY}
        self.tables = {"br-0": table(20), "br-1": table(20, slower={4: 2.0, 9: 1.5})}
        self.times_in = "s"  # "ms": summary and table times in milliseconds, as OctoPerf's docs say
        self.routes: dict[tuple[str, str], list[Answer]] = {}
        for (method, path), answer in default_routes().items():
            self.answer(method, path, answer)
        self.answer("POST", "/analysis/metrics/summary", self.summary)
        self.answer("POST", "/analysis/metrics/table", self.table)
        for run in self.summaries:
            self.answer("GET", f"/analysis/metrics/global/{run}", self.global_metrics)

    def add_run(self, id: str, summary: dict[str, float], rows: list[dict[str, Any]], **fields: Any) -> None:
        """Another FINISHED run (bench result, summary, table, global metrics) of scn-1."""
        self.answer("GET", f"/runtime/bench-results/{id}", bench_result(id, "FINISHED", **fields))
        self.answer("GET", f"/analysis/metrics/global/{id}", self.global_metrics)
        self.summaries[id], self.tables[id] = summary, rows

    def answer(self, method: str, path: str, *answers: Answer) -> None:
        """Script a route: each request takes the next answer; the last one repeats."""
        self.routes[(method, path)] = list(answers)

    def sent(self, method: str, path: str) -> list[httpx2.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    async def sleep(self, seconds: float) -> None:  # the server's waits, recorded, not slept
        self.sleeps.append(seconds)
        self.now += seconds
        if self.hold:
            await self.hold.wait()

    def clock(self) -> float:
        return self.now

    def scaled(self, metric: str, value: Any) -> Any:
        """A value in the unit this fake OctoPerf gives times in."""
        timed = self.times_in == "ms" and metric.startswith("RESPONSE_TIME") and value is not None
        return value * 1000 if timed else value

    def summary(self, request: httpx2.Request) -> httpx2.Response:
        """POST /analysis/metrics/summary: one number per requested metric, in order."""
        metrics = json.loads(request.content)["metrics"]
        values = self.summaries[metrics[0]["benchResultId"]]
        return httpx2.Response(200, json=[self.scaled(m["id"], values.get(m["id"])) for m in metrics])

    def table(self, request: httpx2.Request) -> httpx2.Response:
        """POST /analysis/metrics/table: one row per action, values in the order asked."""
        metrics = [m["id"] for m in json.loads(request.content)["metrics"]]
        rows = self.tables[json.loads(request.content)["metrics"][0]["benchResultId"]]
        scaled = [
            [self.scaled(m, v["value"]) for m, v in zip(metrics, row["values"], strict=False)] for row in rows
        ]
        return httpx2.Response(
            200,
            json=[
                row | {"values": [{"value": v} for v in values]}
                for row, values in zip(rows, scaled, strict=True)
            ],
        )

    def global_metrics(self, request: httpx2.Request) -> httpx2.Response:
        """GET /analysis/metrics/global/{id}: the run's live totals, each value with its unit."""
        values = self.summaries[request.url.path.rpartition("/")[2]]
        return httpx2.Response(
            200,
            json={
                "metrics": [
                    {"name": "Hits", "value": values.get("HITS_TOTAL"), "unit": ""},
                    {"name": "Errors", "value": values.get("ERRORS_TOTAL"), "unit": ""},
                    {"name": "Avg Elapsed", "value": values.get("RESPONSE_TIME_AVG"), "unit": "s"},
                    {
                        "name": "Total Throughput",
                        "value": (values.get("THROUGHPUT_TOTAL") or 0) / 1e6,
                        "unit": "MB",
                    },
                ]
            },
        )

    async def handler(self, request: httpx2.Request) -> httpx2.Response:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.stall:
                await self.stall.wait()
            if self.latency:
                await anyio.sleep(self.latency)
            return self.respond(request)
        except anyio.get_cancelled_exc_class():
            self.cancelled += 1
            raise
        finally:
            self.in_flight -= 1

    def respond(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if request.headers.get("Authorization") != f"Bearer {KEY}":
            return httpx2.Response(
                401, json={"status": 401, "error": "Unauthorized", "message": "Bad credentials"}
            )
        answers = self.routes.get((request.method, request.url.path))
        if answers is None:
            self.unexpected.append(f"{request.method} {request.url.path}")
            return httpx2.Response(418, text="the fake has no such route")
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx2.Response):  # a fresh copy: the last answer may be served again
            return httpx2.Response(answer.status_code, headers=answer.headers, content=answer.content)
        if isinstance(answer, Callable):
            return answer(request)
        return httpx2.Response(200, json=answer)


def http_server(fake: FakeOctoPerf, port: int = 0):
    """A ThreadingHTTPServer on 127.0.0.1:PORT (0: any free port) answering as `fake` does."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as OctoPerf's own front end offers
        disable_nagle_algorithm = True  # or each answer waits 40 ms for a delayed ACK

        def log_message(self, format: str, *args: Any) -> None:  # quiet: the server logs its calls
            pass

        def answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            url = f"http://127.0.0.1{self.path}"
            response = fake.respond(
                httpx2.Request(self.command, url, headers=dict(self.headers), content=body)
            )
            self.send_response(response.status_code)
            self.send_header("Content-Type", response.headers.get("content-type", "application/json"))
            self.send_header("Content-Length", str(len(response.content)))
            self.end_headers()
            self.wfile.write(response.content)

        do_GET = do_POST = answer

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


if __name__ == "__main__":  # python tests/fake_octoperf.py [PORT] [ms]
    fake = FakeOctoPerf()
    fake.times_in = "ms" if "ms" in sys.argv[2:] else "s"
    http_server(fake, int(sys.argv[1]) if len(sys.argv) > 1 else 8765).serve_forever()
