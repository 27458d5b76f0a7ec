"""A fake OctoPerf REST API with the JSON shapes OctoPerf's public clients read.

`FakeOctoPerf().handler` is an httpx2.MockTransport handler. Every request is recorded; one that
matches no route is recorded in `unexpected` (the `octoperf` fixture then fails the test) and
answered 418. A request without `Authorization: Bearer KEY` is answered 401, as OctoPerf does.

`python tests/fake_octoperf.py PORT` serves the same routes over real HTTP on 127.0.0.1, to try
the server by hand: OCTOPERF_API_URL=http://127.0.0.1:PORT OCTOPERF_API_KEY=<KEY below>.
"""

import json
import sys
from collections.abc import Callable
from typing import Any

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


def bench_report(id: str, name: str, bench_result_id: str) -> dict[str, Any]:
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
    }


def summary(request: httpx2.Request) -> httpx2.Response:
    """POST /analysis/metrics/summary: one number per requested metric, in order."""
    metrics = json.loads(request.content)["metrics"]
    return httpx2.Response(200, json=[SUMMARY.get(m["id"]) for m in metrics])


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
        ("GET", "/runtime/bench-results/br-1"): {
            "id": "br-1",
            "batchId": "batch-1",
            "scenarioId": "scn-1",
            "designProjectId": "prj-1",
            "resultProjectId": "prj-1",
            "state": "FINISHED",
            "created": T0,
            "lastModified": T0 + 630_000,
        },
        ("GET", "/runtime/bench-results/progress/br-1"): {"value": 100.0},
        ("POST", "/analysis/metrics/summary"): summary,
        ("GET", "/analysis/bench-reports/rep-1"): bench_report("rep-1", "Checkout 100 users", "br-1"),
    }


Answer = Any  # JSON data (answered 200), an httpx2.Response, an exception to raise, or a callable


class FakeOctoPerf:
    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []
        self.unexpected: list[str] = []
        self.sleeps: list[float] = []
        self.routes: dict[tuple[str, str], list[Answer]] = {}
        for (method, path), answer in default_routes().items():
            self.answer(method, path, answer)

    def answer(self, method: str, path: str, *answers: Answer) -> None:
        """Script a route: each request takes the next answer; the last one repeats."""
        self.routes[(method, path)] = list(answers)

    def sent(self, method: str, path: str) -> list[httpx2.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    async def sleep(self, seconds: float) -> None:  # the server's backoff, recorded, not slept
        self.sleeps.append(seconds)

    def handler(self, request: httpx2.Request) -> httpx2.Response:
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


def serve(port: int) -> None:
    """Serve the fake over real HTTP on 127.0.0.1:PORT until interrupted."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    fake = FakeOctoPerf()

    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            url = f"http://127.0.0.1:{port}{self.path}"
            response = fake.handler(
                httpx2.Request(self.command, url, headers=dict(self.headers), content=body)
            )
            self.send_response(response.status_code)
            self.send_header("Content-Type", response.headers.get("content-type", "application/json"))
            self.send_header("Content-Length", str(len(response.content)))
            self.end_headers()
            self.wfile.write(response.content)

        do_GET = do_POST = answer

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    serve(int(sys.argv[1]) if len(sys.argv) > 1 else 8765)
