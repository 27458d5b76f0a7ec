#!/usr/bin/env -S uv run --script
# /// script
# requires-python = ">=3.11"
# dependencies = ["mcp>=2.3,<3", "httpx2>=2.16,<3"]
# ///
"""octoperf-mcp: an MCP server that lets an AI assistant drive OctoPerf load tests.

`uv run octoperf_mcp.py` serves MCP on stdio. Configuration is read from the environment in
main() only: OCTOPERF_API_KEY, OCTOPERF_API_URL, OCTOPERF_READ_ONLY (see README.md).
Layout, top to bottom: configuration, OctoPerf facts, HTTP layer, models, tools, entrypoint.
"""

import difflib
import logging
import math
import os
import re
import sys
from collections.abc import Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any, TypeVar, get_origin

import anyio
import httpx2
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter
from pydantic.alias_generators import to_camel

__version__ = "0.1.0"
T = TypeVar("T")
log = logging.getLogger("octoperf_mcp")

# ---------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------
DEFAULT_API_URL = "https://api.octoperf.com"
KEY_HELP = "create one in OctoPerf under Account > Profile > API key"
TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Settings:
    """What the server needs; main() reads it from the environment, tests build it directly."""

    api_key: str | None = field(default=None, repr=False)  # never printed, never logged
    api_url: str = DEFAULT_API_URL
    read_only: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Settings":
        return cls(
            api_key=env.get("OCTOPERF_API_KEY", "").strip() or None,
            api_url=(env.get("OCTOPERF_API_URL", "").strip() or DEFAULT_API_URL).rstrip("/"),
            read_only=env.get("OCTOPERF_READ_ONLY", "").strip().lower() in {"1", "true", "yes"},
        )


# ---------------------------------------------------------------------------------------------
# OctoPerf facts. Endpoints and fields come from public clients that call the live API
# (OctoPerf's Jenkins and Maven plugins, abstracta/jmeter-java-dsl). What no client confirms is
# marked [ASSUMPTION] here, and only here: change it in this block if the live API disagrees.
#
# [ASSUMPTION] Summary and table values for response times are SECONDS: jmeter-java-dsl converts
#   every RESPONSE_TIME_* value from seconds and /analysis/metrics/global prints "Avg Elapsed:
#   0.51s", while OctoPerf's UI docs speak of milliseconds. Applied through METRIC_UNITS.
# [ASSUMPTION] Timestamps are epoch milliseconds (third-party samples); ISO strings are read too.
# [ASSUMPTION] Error bodies are Spring-style JSON with "message" (or "error"), or plain text.
# [ASSUMPTION] A rejected API key is answered with HTTP 401.
# ---------------------------------------------------------------------------------------------

# Metric id -> (unit shown, factor applied to OctoPerf's value). Evidence: jmeter-java-dsl
# (OctoPerfTestPlanStats) reads RESPONSE_TIME_* as seconds (see above), HITS_RATE and ERRORS_RATE
# per second, THROUGHPUT_* as received bytes and SENT_BYTES_* as sent bytes (_RATE: per second);
# ERRORS_PERCENT is 0-100 (OctoPerf's own agent guide).
MS_FROM_S = ("ms", 1000.0)
METRIC_UNITS: dict[str, tuple[str, float]] = {
    "HITS_TOTAL": ("hits", 1.0),
    "HITS_SUCCESSFUL_TOTAL": ("hits", 1.0),
    "HITS_RATE": ("hits/s", 1.0),
    "ERRORS_TOTAL": ("errors", 1.0),
    "ERRORS_RATE": ("errors/s", 1.0),
    "ERRORS_PERCENT": ("%", 1.0),
    **{
        f"RESPONSE_TIME_{stat}": MS_FROM_S
        for stat in "AVG MIN MAX MEDIAN STD PERCENTILE_80 PERCENTILE_90 PERCENTILE_95 PERCENTILE_99".split()
    },
    "THROUGHPUT_TOTAL": ("bytes", 1.0),
    "THROUGHPUT_RATE": ("bytes/s", 1.0),
    "SENT_BYTES_TOTAL": ("bytes", 1.0),
    "SENT_BYTES_RATE": ("bytes/s", 1.0),
}
# Other summary metric ids OctoPerf knows (jmeter-java-dsl's enum) whose unit no client confirms:
# passed through as OctoPerf sends them, with unit "unknown".
UNCONFIRMED_UNIT_METRICS = frozenset(
    [f"{m}_{s}" for m in ("CONNECT_TIME", "LATENCY") for s in ("APDEX", "AVG", "MAX", "MIN", "STD", "VAR")]
    + [f"NETWORK_TIME_{s}" for s in ("AVG", "MAX", "MIN", "VAR")]
    + [f"SENT_BYTES_{s}" for s in ("AVG", "MAX", "MIN", "STD")]
    + [f"ASSERTIONS_{s}_TOTAL" for s in ("ERROR", "FAILURE", "SUCCESS")]
    + ["HITS_SUCCESSFUL_PERCENT", "RESPONSE_TIME_APDEX", "RESPONSE_TIME_VAR", "RESPONSE_SIZE", "USERLOAD"]
)
DEFAULT_METRICS = (
    "HITS_TOTAL", "HITS_RATE", "ERRORS_TOTAL", "ERRORS_RATE", "ERRORS_PERCENT",
    "RESPONSE_TIME_AVG", "RESPONSE_TIME_MIN", "RESPONSE_TIME_MAX", "RESPONSE_TIME_MEDIAN",
    "RESPONSE_TIME_PERCENTILE_90", "RESPONSE_TIME_PERCENTILE_95", "RESPONSE_TIME_PERCENTILE_99",
    "THROUGHPUT_TOTAL", "THROUGHPUT_RATE", "SENT_BYTES_TOTAL", "SENT_BYTES_RATE",
)  # fmt: skip

# Test (bench result) states in lifecycle order, with OctoPerf's documented meaning.
STATES = {
    "CREATED": "created, not started yet",
    "PENDING": "waiting for batch processing",
    "SCALING": "provisioning load generators",
    "PREPARING": "pulling Docker images and starting containers",
    "INITIALIZING": "containers receiving resources and plugins",
    "RUNNING": "load test running",
    "FINISHED": "ended as planned",
    "ABORTED": "stopped by a user or externally",
    "ERROR": "load generators could not be provisioned",
}
FINISHED_STATES = {"FINISHED", "ABORTED", "ERROR"}


# ---------------------------------------------------------------------------------------------
# HTTP layer: the one door to OctoPerf. Id checks, auth, retries and error sentences live here.
# ---------------------------------------------------------------------------------------------
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,128}")
# Each id parameter: what it names, and where valid ones come from (for 404s and bad ids).
ID_KINDS = {
    "workspace_id": ("workspace", "list_workspaces"),
    "project_id": ("project", "list_projects"),
    "scenario_id": ("scenario", "list_scenarios"),
    "bench_result_id": ("test run (bench result)", "run_scenario, or get_report's bench_result_ids"),
    "bench_report_id": ("bench report", "run_scenario"),
}
RETRY_STATUSES = {429, 502, 503, 504}
RETRIES = 2  # GETs and read-only POSTs only; a launch is never retried
BACKOFF_S = 0.5
MAX_RETRY_AFTER_S = 5.0
MAY_HAVE_RUN = (
    " The request may have reached OctoPerf: check in the OctoPerf UI before repeating it"
    " (a launch costs credits)."
)


def check_id(name: str, value: Any) -> str:
    """Refuse anything that is not an OctoPerf id before it can reach a URL."""
    if isinstance(value, str) and ID_PATTERN.fullmatch(value):
        return value
    source = ID_KINDS.get(name, ("", "the tool that listed it"))[1]
    shown = repr(value)[:40]
    raise ToolError(
        f"{name} {shown} is not an OctoPerf id (letters, digits, '-' and '_', at most 128);"
        f" valid ids come from {source}."
    )


def retry_delay(response: httpx2.Response | None, attempt: int) -> float:
    """Retry-After when OctoPerf gives it in seconds (capped), else a short exponential backoff."""
    after = response.headers.get("Retry-After") if response is not None else None
    try:
        return min(float(after), MAX_RETRY_AFTER_S)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return BACKOFF_S * 2**attempt


@cache
def adapter(into: Any) -> TypeAdapter:
    """One validator per result type, built on first use rather than on every request."""
    return TypeAdapter(into)


class OctoPerf:
    """OctoPerf's REST API as this server uses it: every call is checked, retried and mapped."""

    def __init__(
        self,
        client: httpx2.AsyncClient,
        settings: Settings,
        sleep: Callable[[float], Awaitable[Any]],
    ):
        self.client, self.settings, self.sleep = client, settings, sleep

    def ui(self, workspace_id: str | None, *path: str) -> str | None:
        """An OctoPerf UI page, {api_url}/ui/workspace/{id}/... (the format OctoPerf's plugins use)."""
        return (
            "/".join((self.settings.api_url, "ui/workspace", workspace_id, *path)) if workspace_id else None
        )

    async def get(self, into: type[T], path: str, **ids: str) -> T:
        return await self.call(into, "GET", path, ids)

    async def call(
        self,
        into: type[T],
        method: str,
        path: str,
        ids: Mapping[str, str],
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        idempotent: bool = True,
    ) -> T:
        """Send one request (retried only when idempotent) and parse its JSON answer into `into`.

        `path` is a template filled from `ids` ({project_id} ...); every id is checked first,
        the last one names the subject of a 404."""
        url = path.format(**{name: check_id(name, value) for name, value in ids.items()})
        if not self.settings.api_key:
            raise ToolError(
                f"OCTOPERF_API_KEY is not set: {KEY_HELP}, then add it to this MCP server's"
                " environment and restart it."
            )
        may_have_run = "" if idempotent else MAY_HAVE_RUN
        attempts = 1 + (RETRIES if idempotent else 0)
        for attempt in range(attempts):
            response = None
            try:
                response = await self.client.request(method, url, json=body, params=params)
            except (httpx2.ConnectError, httpx2.ConnectTimeout):  # nothing was sent
                failure = f"Cannot reach {self.settings.api_url}: check OCTOPERF_API_URL and the network."
            except httpx2.TimeoutException:
                raise ToolError(
                    f"OctoPerf did not answer within {TIMEOUT_S:g} s; try again later." + may_have_run
                ) from None
            except httpx2.TransportError:
                failure = "The connection to OctoPerf broke before it answered; try again." + may_have_run
            else:
                if response.status_code not in RETRY_STATUSES:
                    break
                failure = ""
            if attempt + 1 < attempts:
                await self.sleep(retry_delay(response, attempt))
            elif failure:
                raise ToolError(failure) from None
        assert response is not None
        if not response.is_success:
            raise ToolError(
                self.status_error(response, ids) + (may_have_run if response.status_code >= 500 else "")
            )
        return self.parse(into, response, f"{method} {path}", may_have_run)

    def status_error(self, response: httpx2.Response, ids: Mapping[str, str]) -> str:
        """One sentence a person can act on, for each non-2xx status."""
        status, said = response.status_code, self.message(response)
        quoted = f" OctoPerf says: {said}" if said else ""
        if status == 401:
            return f"OctoPerf rejected the API key (HTTP 401): check OCTOPERF_API_KEY ({KEY_HELP})."
        if status == 403:
            return (
                "OctoPerf refused this for your account (HTTP 403): check your workspace role,"
                f" subscription or plan.{quoted}"
            )
        if status == 404 and ids:
            name, value = list(ids.items())[-1]
            kind, source = ID_KINDS.get(name, (name, "the matching list tool"))
            return f"No {kind} with id '{value}' in OctoPerf (HTTP 404); valid ids come from {source}."
        if status == 404:
            url = self.settings.api_url
            return f"No such OctoPerf API (HTTP 404): check that OCTOPERF_API_URL ({url}) is right."
        if status == 429:
            wait = response.headers.get("Retry-After", "a few")
            return f"OctoPerf is rate limiting this API key (HTTP 429); wait {wait} s and try again."
        if status >= 500:
            return f"OctoPerf failed to answer (HTTP {status}); try again in a minute."
        return f"OctoPerf refused the request (HTTP {status}).{quoted or ' ' + response.reason_phrase}"

    def message(self, response: httpx2.Response) -> str:
        """OctoPerf's own error text, if any: JSON "message"/"error" or short plain text, no HTML."""
        try:
            data = response.json()
            text = (data.get("message") or data.get("error") or "") if isinstance(data, dict) else ""
        except ValueError:
            text = "" if "html" in response.headers.get("content-type", "") else response.text
        text = " ".join(str(text).split())[:300]
        return text.replace(self.settings.api_key, "***") if self.settings.api_key else text

    def parse(self, into: type[T], response: httpx2.Response, what: str, may_have_run: str) -> T:
        try:
            data = response.json() if response.content.strip() else None
            if data is None and get_origin(into) is list:
                data = []
            return adapter(into).validate_python(data)
        except ValueError:  # JSONDecodeError and pydantic's ValidationError alike
            kind = response.headers.get("content-type") or "no content type"
            raise ToolError(
                f"OctoPerf's answer to {what} was not the JSON expected (HTTP"
                f" {response.status_code}, {kind}): check that OCTOPERF_API_URL"
                f" ({self.settings.api_url}) is the OctoPerf API." + may_have_run
            ) from None


# ---------------------------------------------------------------------------------------------
# Models. OctoPerf's JSON is read leniently (camelCase, unknown fields ignored); tool results are
# compact models, which give every tool structured output and an output schema.
# ---------------------------------------------------------------------------------------------
def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return value.replace(microsecond=0)


Text = Annotated[str, BeforeValidator(lambda v: "" if v is None else v)]
Timestamp = Annotated[datetime | None, AfterValidator(_utc)]  # epoch ms or ISO in, UTC out


def _untitled(schema: dict[str, Any]) -> None:
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)


class Out(BaseModel):
    """A tool result. Its schema carries no titles: they repeat the field names in every tools/list."""

    model_config = ConfigDict(json_schema_extra=_untitled)


class ReportItem(Out):  # read from OctoPerf and returned as is
    type: str = Field("", validation_alias="@type", description="OctoPerf's item type.")
    name: Text = ""


class Entity(BaseModel):
    """Any OctoPerf entity (workspace, project, scenario, bench result or report), reduced to the
    fields this server reads."""

    model_config = ConfigDict(alias_generator=to_camel, extra="ignore")
    id: str
    name: Text = ""
    description: Text = ""
    workspace_id: str | None = None
    project_id: str | None = None
    scenario_id: str | None = None
    state: str | None = None
    created: Timestamp = None
    last_modified: Timestamp = None
    bench_result_ids: list[str] = []
    items: list[ReportItem] = []


class Value(BaseModel):
    value: float | None = None  # OctoPerf's ValueWrapper, e.g. progress {"value": 42.5}


Url = Annotated[str | None, Field(description="OctoPerf UI page.")]


class Workspace(Out):
    id: str
    name: str
    description: str
    url: Url


class Workspaces(Out):
    workspaces: list[Workspace]


class Project(Out):
    id: str
    name: str
    description: str
    last_modified: datetime | None
    url: Url


class Projects(Out):
    workspace_id: str
    projects: list[Project]


class Scenario(Out):
    id: str
    name: str
    description: str
    url: Url


class Scenarios(Out):
    project_id: str
    scenarios: list[Scenario]


class Launch(Out):
    bench_report_id: str
    bench_result_id: str | None = Field(description="Poll this with get_test_status.")
    test_name: str
    report_url: Url


class TestStatus(Out):
    bench_result_id: str
    state: str = Field(description="OctoPerf's state, passed through even when undocumented.")
    meaning: str
    finished: bool = Field(description="True once FINISHED, ABORTED or ERROR.")
    progress_percent: float | None
    created: datetime | None
    last_modified: datetime | None
    elapsed_s: int | None
    scenario_id: str | None


class Metric(Out):
    name: str
    value: float | None = Field(description="null: OctoPerf gave no value.")
    unit: str


class Metrics(Out):
    bench_result_id: str
    metrics: list[Metric]


class Report(Out):
    id: str
    name: str
    description: str
    bench_result_ids: list[str]
    items: list[ReportItem]
    url: Url


# ---------------------------------------------------------------------------------------------
# Tools. Each docstring is the description an LLM reads: what, when, which tool gives its ids.
# ---------------------------------------------------------------------------------------------
def id_param(name: str) -> Any:
    """An id parameter's type, described from ID_KINDS, the same words its errors use."""
    kind, source = ID_KINDS[name]
    return Annotated[str, Field(description=f"{kind[0].upper()}{kind[1:]} id, from {source}.")]


WorkspaceId = id_param("workspace_id")
ProjectId = id_param("project_id")
ScenarioId = id_param("scenario_id")
BenchResultId = id_param("bench_result_id")
BenchReportId = id_param("bench_report_id")


def api_of(ctx: Context) -> OctoPerf:
    return ctx.request_context.lifespan_context


def brief(model: type[T], entity: Entity, **extra: Any) -> T:
    """A tool result filled from the entity's fields of the same names, plus `extra`."""
    return model(**entity.model_dump(include=set(model.model_fields) - set(extra)), **extra)


async def workspace_of(api: OctoPerf, project_id: str | None) -> str | None:
    """The workspace of a project, which UI links need; also a clean 404 for a bad project id."""
    if not project_id:
        return None
    project = await api.get(Entity, "/design/projects/{project_id}", project_id=project_id)
    return project.workspace_id


async def list_workspaces(ctx: Context) -> Workspaces:
    """List the OctoPerf workspaces the API key's user belongs to, with UI links. Start here:
    a workspace id leads to list_projects. Read-only, one API request."""
    api = api_of(ctx)
    found = await api.get(list[Entity], "/workspaces/member-of")
    return Workspaces(workspaces=[brief(Workspace, w, url=api.ui(w.id)) for w in found])


async def list_projects(workspace_id: WorkspaceId, ctx: Context) -> Projects:
    """List a workspace's design projects (id, name, description, last modified, UI link).
    A project id leads to list_scenarios. Read-only, one API request."""
    api = api_of(ctx)
    path = "/design/projects/by-workspace/{workspace_id}/DESIGN"
    found = await api.get(list[Entity], path, workspace_id=workspace_id)
    return Projects(
        workspace_id=workspace_id,
        projects=[
            brief(Project, p, url=api.ui(p.workspace_id or workspace_id, "project", p.id, "design"))
            for p in found
        ],
    )


async def list_scenarios(project_id: ProjectId, ctx: Context) -> Scenarios:
    """List a project's scenarios: the load profiles that run_scenario can launch, with UI links.
    Read-only, two API requests."""
    api = api_of(ctx)
    workspace_id = await workspace_of(api, project_id)
    found = await api.get(list[Entity], "/runtime/scenarios/by-project/{project_id}", project_id=project_id)
    return Scenarios(
        project_id=project_id,
        scenarios=[
            brief(Scenario, s, url=api.ui(workspace_id, "project", project_id, "runtime/scenario", s.id))
            for s in found
        ],
    )


async def run_scenario(
    scenario_id: ScenarioId,
    ctx: Context,
    test_name: Annotated[
        str | None, Field(description="Name of this test run; default: the scenario's name.", max_length=200)
    ] = None,
) -> Launch:
    """Launch a load test of a scenario. CONSUMES OCTOPERF CREDITS and sends real load to the
    tested systems: confirm with the user first, and never call it twice for one request.
    Returns the bench result id to follow with get_test_status, and the report's UI link.
    Three API requests: two lookups, then the launch, which is never retried."""
    api = api_of(ctx)
    # Both lookups come first: a bad id fails here, and nothing can fail after the launch.
    scenario = await api.get(Entity, "/runtime/scenarios/{scenario_id}", scenario_id=scenario_id)
    workspace_id = await workspace_of(api, scenario.project_id)
    report = await api.call(
        Entity,
        "POST",
        "/runtime/scenarios/run/{scenario_id}",
        {"scenario_id": scenario_id},
        params={"name": test_name} if test_name else None,
        idempotent=False,
    )
    return Launch(
        bench_report_id=report.id,
        bench_result_id=next(iter(report.bench_result_ids), None),
        test_name=report.name or test_name or scenario.name,
        report_url=api.ui(workspace_id, "project", scenario.project_id or "", "analysis/report", report.id),
    )


async def get_test_status(bench_result_id: BenchResultId, ctx: Context) -> TestStatus:
    """Current state and progress of a test run. The state, not the progress, tells whether it
    is over: a test aborted at 50 % stays at 50 %. Read-only, two API requests."""
    api = api_of(ctx)
    result = await api.get(
        Entity, "/runtime/bench-results/{bench_result_id}", bench_result_id=bench_result_id
    )
    progress = await api.get(
        Value, "/runtime/bench-results/progress/{bench_result_id}", bench_result_id=bench_result_id
    )
    state = result.state or "UNKNOWN"
    finished = state in FINISHED_STATES
    end = result.last_modified if finished else datetime.now(UTC)
    elapsed = (end - result.created).total_seconds() if result.created and end else None
    percent = progress.value if progress.value is not None and math.isfinite(progress.value) else None
    return TestStatus(
        bench_result_id=bench_result_id,
        state=state,
        meaning=STATES.get(state, "not a documented OctoPerf state; treat the test as not finished"),
        finished=finished,
        progress_percent=None if percent is None else round(min(max(percent, 0.0), 100.0), 1),
        created=result.created,
        last_modified=result.last_modified,
        elapsed_s=None if elapsed is None else max(0, round(elapsed)),
        scenario_id=result.scenario_id,
    )


def metric_ids(requested: list[str] | None) -> list[str]:
    """The metric ids to ask for: the default set, or the requested ones once each, checked."""
    known = METRIC_UNITS.keys() | UNCONFIRMED_UNIT_METRICS
    chosen = list(dict.fromkeys(m.strip().upper() for m in requested or ())) or list(DEFAULT_METRICS)
    for metric in chosen:
        if metric not in known:
            close = difflib.get_close_matches(metric, known, n=1)
            hint = f"; did you mean {close[0]}?" if close else "."
            raise ToolError(
                f"OctoPerf has no summary metric {metric!r}{hint} Omit metrics for the default set."
            )
    return chosen


async def get_test_metrics(
    bench_result_id: BenchResultId,
    ctx: Context,
    metrics: Annotated[
        list[str] | None,
        Field(
            description="OctoPerf metric ids, e.g. RESPONSE_TIME_PERCENTILE_95, LATENCY_AVG;"
            " omit for the default 16 (hits, errors, response times, throughput).",
            max_length=40,
        ),
    ] = None,
) -> Metrics:
    """Summary statistics of a test run (HTTP requests only): each metric with its value and
    unit. Times in ms, sizes in bytes, rates per second. Values are final once get_test_status
    says finished. Read-only, one API request."""
    api = api_of(ctx)
    ids = metric_ids(metrics)
    body = {
        "@type": "SummaryReportItem",
        "id": "",
        "name": "Statistics summary",
        "metrics": [
            {"id": m, "type": "HIT", "filters": [], "benchResultId": bench_result_id, "config": None}
            for m in ids
        ],
    }
    values = await api.call(
        list[float | None],
        "POST",
        "/analysis/metrics/summary",
        {"bench_result_id": bench_result_id},
        body=body,
    )
    got = dict(zip(ids, values, strict=False))  # a missing value is reported as null, not a crash
    return Metrics(bench_result_id=bench_result_id, metrics=[to_metric(m, got.get(m)) for m in ids])


def to_metric(metric: str, raw: float | None) -> Metric:
    unit, factor = METRIC_UNITS.get(metric, ("unknown", 1.0))
    value = round(raw * factor, 3) if raw is not None and math.isfinite(raw) else None
    return Metric(name=metric, value=value, unit=unit)


async def get_report(bench_report_id: BenchReportId, ctx: Context) -> Report:
    """A bench report (OctoPerf's analysis page of one or more test runs): name, description,
    its bench result ids, its items (name and type) and UI link. Read-only, two API requests."""
    api = api_of(ctx)
    report = await api.get(
        Entity, "/analysis/bench-reports/{bench_report_id}", bench_report_id=bench_report_id
    )
    workspace_id = await workspace_of(api, report.project_id)
    return Report(
        id=report.id,
        name=report.name,
        description=report.description,
        bench_result_ids=report.bench_result_ids,
        items=report.items,
        url=api.ui(workspace_id, "project", report.project_id or "", "analysis/report", report.id),
    )


# ---------------------------------------------------------------------------------------------
# Server and entrypoint
# ---------------------------------------------------------------------------------------------
INSTRUCTIONS = """\
OctoPerf is a JMeter-based load-testing service. Its objects form a chain: workspace > project >
scenario (a launchable load profile) > test run (a "bench result": state and progress), which a
"bench report" summarises. Call order: list_workspaces > list_projects > list_scenarios >
run_scenario (costs credits: confirm with the user first) > get_test_status until finished >
get_test_metrics and get_report. Times are in ms, sizes in bytes, rates per second. Results carry
OctoPerf UI links: give them to the user."""
READ_ONLY_NOTE = " This server is read-only: it cannot launch tests."


def prose(text: str | None) -> str:
    """Source-wrapped text as the model should read it: one line, single spaces."""
    return " ".join((text or "").split())


def read(title: str) -> ToolAnnotations:
    return ToolAnnotations(title=title, read_only_hint=True, open_world_hint=False)


LAUNCH = ToolAnnotations(
    title="Launch a load test (costs credits)",
    read_only_hint=False,
    destructive_hint=True,
    idempotent_hint=False,
    open_world_hint=True,
)
# (tool, annotations, starts or stops a test), in the order of the workflow.
TOOLS = (
    (list_workspaces, read("List workspaces"), False),
    (list_projects, read("List projects"), False),
    (list_scenarios, read("List scenarios"), False),
    (run_scenario, LAUNCH, True),
    (get_test_status, read("Test status"), False),
    (get_test_metrics, read("Test metrics"), False),
    (get_report, read("Bench report"), False),
)


def build_server(
    settings: Settings,
    transport: httpx2.AsyncBaseTransport | None = None,
    sleep: Callable[[float], Awaitable[Any]] = anyio.sleep,
) -> MCPServer:
    """The MCP server for these settings; tests pass an httpx2.MockTransport and a fake sleep."""

    @asynccontextmanager
    async def lifespan(_server: MCPServer):
        headers = {"User-Agent": f"octoperf-mcp/{__version__}", "Accept": "application/json"}
        if settings.api_key:
            headers["Authorization"] = f"Bearer {settings.api_key}"
        async with httpx2.AsyncClient(
            base_url=settings.api_url, headers=headers, timeout=TIMEOUT_S, transport=transport
        ) as client:
            yield OctoPerf(client, settings, sleep)

    server = MCPServer(
        "octoperf",
        version=__version__,
        instructions=prose(INSTRUCTIONS) + (READ_ONLY_NOTE if settings.read_only else ""),
        lifespan=lifespan,
    )
    for tool, annotations, acts in TOOLS:
        if not (acts and settings.read_only):
            server.add_tool(tool, description=prose(tool.__doc__), annotations=annotations)
    return server


def main() -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env(os.environ)
    if not settings.api_key:
        log.warning("OCTOPERF_API_KEY is not set: tools are listed, but every call will say so.")
    build_server(settings).run()


if __name__ == "__main__":
    main()
