#!/usr/bin/env -S uv run --script
# /// script
# requires-python = ">=3.11"
# dependencies = ["mcp>=2.3,<3", "httpx2>=2.16,<3"]
# ///
"""octoperf-mcp: an MCP server that lets an AI assistant drive OctoPerf load tests.

`uv run octoperf_mcp.py` serves MCP on stdio; `--demo` on a simulated account; `--help` lists the
flags and the OCTOPERF_* environment variables, which main() alone reads (see README.md).
Layout, top to bottom: configuration, OctoPerf facts, HTTP layer, models, tools, statistics,
views, demo account, server and command line.
"""

import argparse
import csv
import difflib
import functools
import gzip
import ipaddress
import itertools
import json
import logging
import math
import os
import random
import re
import signal
import socket
import sys
import time
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from statistics import fmean, median
from typing import Annotated, Any, Literal, NamedTuple, NoReturn, TypeVar, get_origin
from urllib.parse import urlsplit

import anyio
import httpx2
from mcp import Client
from mcp.server.apps import Apps
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.prompts import Prompt
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel

__version__ = "0.1.0"
T = TypeVar("T")
log = logging.getLogger("octoperf_mcp")

# ---------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------
DEFAULT_API_URL = "https://api.octoperf.com"
DEMO_URL = "https://demo.octoperf.invalid"  # --demo: the built-in simulated account
KEY_HELP = "create one in OctoPerf under Account > Profile > API key"
TIMEOUT_S = 30.0


class ConfigError(ValueError):
    """A setting the server cannot start with; its text is the one line main() prints."""


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost" or host.endswith(".localhost")


def url_problem(api_url: str, allow_http: bool) -> str:
    """Why OCTOPERF_API_URL cannot be used ("" when it can): the key must not leak through it."""
    not_a_url = "must be an http:// or https:// URL, like https://api.octoperf.com"
    try:
        url = urlsplit(api_url)
        host = url.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return not_a_url
    if url.scheme not in ("http", "https") or not host:
        return not_a_url
    if "@" in url.netloc:
        return "must not carry a user name or password: the API key goes in OCTOPERF_API_KEY"
    if url.query or url.fragment or api_url.endswith(("?", "#")):
        return "must not carry a query or fragment"
    if url.scheme == "http" and not is_loopback(host) and not allow_http:
        return (
            "uses plain http:// to another machine, which would send the API key unencrypted:"
            " use https://, or set OCTOPERF_ALLOW_HTTP=1 if the network is trusted"
        )
    return ""


@dataclass(frozen=True)
class Settings:
    """What the server needs; main() reads it from the environment, tests build it directly.
    The API URL is checked here, so no server can exist with one that would leak the key."""

    api_key: str | None = field(default=None, repr=False)  # never printed, never logged
    api_url: str = DEFAULT_API_URL
    read_only: bool = False
    allow_http: bool = False  # plain http:// to a host other than this machine
    demo: bool = False  # the simulated account: no key, no network
    demo_state: str | None = None  # the file where the demo keeps the runs a user launched

    def __post_init__(self) -> None:
        if problem := url_problem(self.api_url, self.allow_http):
            shown = self.api_url if "@" not in self.api_url else "(not shown: it holds credentials)"
            raise ConfigError(f"OCTOPERF_API_URL {shown} {problem}.")

    @classmethod
    def from_env(cls, env: Mapping[str, str], demo: bool = False, read_only: bool = False) -> "Settings":
        """From the environment; the command line's --demo and --read-only add to it."""

        def flag(name: str) -> bool:
            return env.get(name, "").strip().lower() in {"1", "true", "yes"}

        if demo or flag("OCTOPERF_DEMO"):
            read_only = read_only or flag("OCTOPERF_READ_ONLY")
            return cls(
                api_key="demo",
                api_url=DEMO_URL,
                read_only=read_only,
                demo=True,
                demo_state=demo_state_file(env),
            )
        return cls(
            api_key=env.get("OCTOPERF_API_KEY", "").strip() or None,
            api_url=(env.get("OCTOPERF_API_URL", "").strip() or DEFAULT_API_URL).rstrip("/"),
            read_only=read_only or flag("OCTOPERF_READ_ONLY"),
            allow_http=flag("OCTOPERF_ALLOW_HTTP"),
        )


# ---------------------------------------------------------------------------------------------
# OctoPerf facts. Endpoints and fields come from public clients that call the live API
# (OctoPerf's Jenkins and Maven plugins, abstracta/jmeter-java-dsl). What no client confirms is
# marked [ASSUMPTION] here, and only here: change it in this block if the live API disagrees.
#
# [ASSUMPTION, CHECKED AT RUN TIME] Summary and table response times are SECONDS: jmeter-java-dsl
#   converts every RESPONSE_TIME_* value from seconds and /analysis/metrics/global prints "Avg
#   Elapsed: 0.51s", while OctoPerf's UI docs speak of milliseconds. Each process checks it on the
#   first run it reads (read_times): /analysis/metrics/global/{id} gives that run's "Avg Elapsed"
#   with its unit, and the summary's RESPONSE_TIME_AVG is then either ~1x it in seconds or ~1000x.
#   Until a check tells, seconds are assumed; every result with times says which (time_unit).
# [ASSUMPTION] Timestamps are epoch milliseconds (third-party samples); ISO strings are read too.
# [ASSUMPTION] Error bodies are Spring-style JSON with "message" (or "error"), or plain text.
# [ASSUMPTION] A rejected API key is answered with HTTP 401.
# [ASSUMPTION] Past runs of a project are listed by REPORTS_BY_PROJECT below: no public client
#   calls it; OctoPerf's own MCP server has a list_bench_reports_by_project tool and this is the
#   path its naming suggests. list_tests alone uses it, and says so when OctoPerf refuses it;
#   `--check` tries it on the account.
# [ASSUMPTION] Virtual-user actions may nest (containers): names are read from `children` at
#   every depth; jmeter-java-dsl reads the first level only. Actions the design project no longer
#   names are looked up in the run's result project (resultProjectId), plausibly its run-time copy.
# [ASSUMPTION] Threshold alarm entries carry id and severity [SRC]; name, thresholdId, threshold
#   and observed (OctoPerf's MCP guide) are shown when present. counterId (the guide names it)
#   is taken for the metric id the threshold watches: when it is a known metric, threshold and
#   observed are read in its unit (times converted like the summary's); else shown as sent.
# [ASSUMPTION] A JTL file's allThreads column counts its own load generator's active threads
#   (JMeter's meaning): the users at a moment are the sum over the run's files. Without that
#   column, the scenario's planned load is read: UserProfileLoadRampUp {delayMs, rampUpMs,
#   plateauMs, plateauVus} [SRC], with rampDownMs and stepCount (equal steps over the ramp-up)
#   as OctoPerf's guide names them [DOC]; other shapes are not read.
# Checked, no longer assumed: progress is asked only while a run is RUNNING, as both official
#   plugins do (`--check` tries the endpoint on a running test when there is one).
# ---------------------------------------------------------------------------------------------
REPORTS_BY_PROJECT = "/analysis/bench-reports/by-project/{project_id}"
GLOBAL_METRICS = "/analysis/metrics/global/{bench_result_id}"
# A run's files: its JMeter per-sample results (JTL, *.jtl.gz, one a load generator) among them,
# listed, then downloaded with ?filename= (both official plugins). JTL times are ms (JMeter CSV).
LOGS_LIST = "/analysis/logs/list/{bench_result_id}"
LOG_FILE = "/analysis/logs/{bench_result_id}"
JTL_COLUMNS = ("timeStamp", "elapsed", "success")  # read by name from the header; allThreads too
GENERATOR_HITS_S = 1_000  # OctoPerf's guidance: beyond about this a load generator is the bottleneck

# Metric id -> the unit shown. Evidence: jmeter-java-dsl (OctoPerfTestPlanStats) reads
# RESPONSE_TIME_* as seconds (see above: "ms" here, converted as read_times decides), HITS_RATE
# and ERRORS_RATE per second, THROUGHPUT_* as received bytes and SENT_BYTES_* as sent bytes
# (_RATE: per second); ERRORS_PERCENT is 0-100 (OctoPerf's own agent guide).
METRIC_UNITS: dict[str, str] = {
    "HITS_TOTAL": "hits", "HITS_SUCCESSFUL_TOTAL": "hits", "HITS_RATE": "hits/s",
    "ERRORS_TOTAL": "errors", "ERRORS_RATE": "errors/s", "ERRORS_PERCENT": "%",
    **{
        f"RESPONSE_TIME_{stat}": "ms"
        for stat in "AVG MIN MAX MEDIAN STD PERCENTILE_80 PERCENTILE_90 PERCENTILE_95 PERCENTILE_99".split()
    },
    "THROUGHPUT_TOTAL": "bytes", "THROUGHPUT_RATE": "bytes/s",
    "SENT_BYTES_TOTAL": "bytes", "SENT_BYTES_RATE": "bytes/s",
}  # fmt: skip
# Metric id -> its name as people say it, in every headline and finding.
SAID = {
    "HITS_TOTAL": "hits", "HITS_RATE": "hits/s", "ERRORS_TOTAL": "errors", "ERRORS_RATE": "errors/s",
    "ERRORS_PERCENT": "error %", "RESPONSE_TIME_AVG": "average", "RESPONSE_TIME_MEDIAN": "median",
    "RESPONSE_TIME_MIN": "min", "RESPONSE_TIME_MAX": "max", "RESPONSE_TIME_PERCENTILE_90": "p90",
    "RESPONSE_TIME_PERCENTILE_95": "p95", "RESPONSE_TIME_PERCENTILE_99": "p99",
    "THROUGHPUT_TOTAL": "received", "THROUGHPUT_RATE": "received/s", "SENT_BYTES_TOTAL": "sent",
    "SENT_BYTES_RATE": "sent/s",
}  # fmt: skip
# Other summary metric ids OctoPerf knows (jmeter-java-dsl's enum) whose unit no client confirms:
# passed through as OctoPerf sends them, with unit "unknown". Not USERLOAD: OctoPerf's guide says
# it is a monitor sample, not a hit metric, and these are asked with type HIT.
UNCONFIRMED_UNIT_METRICS = frozenset(
    [f"{m}_{s}" for m in ("CONNECT_TIME", "LATENCY") for s in ("APDEX", "AVG", "MAX", "MIN", "STD", "VAR")]
    + [f"NETWORK_TIME_{s}" for s in ("AVG", "MAX", "MIN", "VAR")]
    + [f"SENT_BYTES_{s}" for s in ("AVG", "MAX", "MIN", "STD")]
    + [f"ASSERTIONS_{s}_TOTAL" for s in ("ERROR", "FAILURE", "SUCCESS")]
    + ["HITS_SUCCESSFUL_PERCENT", "RESPONSE_TIME_APDEX", "RESPONSE_TIME_VAR", "RESPONSE_SIZE"]
)
DEFAULT_METRICS = (
    "HITS_TOTAL", "HITS_RATE", "ERRORS_TOTAL", "ERRORS_RATE", "ERRORS_PERCENT",
    "RESPONSE_TIME_AVG", "RESPONSE_TIME_MIN", "RESPONSE_TIME_MAX", "RESPONSE_TIME_MEDIAN",
    "RESPONSE_TIME_PERCENTILE_90", "RESPONSE_TIME_PERCENTILE_95", "RESPONSE_TIME_PERCENTILE_99",
    "THROUGHPUT_TOTAL", "THROUGHPUT_RATE", "SENT_BYTES_TOTAL", "SENT_BYTES_RATE",
)  # fmt: skip

# Which way is better, for the summary metrics compare_tests compares. MIN and MAX are single
# samples, not statistics, and sent bytes follow the load: they are shown, not judged.
LOWER, HIGHER = "lower", "higher"
BETTER = {
    "HITS_TOTAL": HIGHER, "HITS_RATE": HIGHER, "THROUGHPUT_TOTAL": HIGHER, "THROUGHPUT_RATE": HIGHER,
    "ERRORS_TOTAL": LOWER, "ERRORS_RATE": LOWER, "ERRORS_PERCENT": LOWER,
    "RESPONSE_TIME_AVG": LOWER, "RESPONSE_TIME_MEDIAN": LOWER, "RESPONSE_TIME_PERCENTILE_90": LOWER,
    "RESPONSE_TIME_PERCENTILE_95": LOWER, "RESPONSE_TIME_PERCENTILE_99": LOWER,
}  # fmt: skip
# The metrics an assessment shows and a comparison's headline names first.
KEY_METRICS = (
    "HITS_TOTAL", "HITS_RATE", "ERRORS_PERCENT", "RESPONSE_TIME_AVG", "RESPONSE_TIME_MEDIAN",
    "RESPONSE_TIME_PERCENTILE_95", "RESPONSE_TIME_PERCENTILE_99", "THROUGHPUT_RATE",
)  # fmt: skip
# Per-action statistics asked of /analysis/metrics/table, in the order of the Transaction fields.
TABLE_METRICS = (
    "HITS_TOTAL", "ERRORS_TOTAL", "RESPONSE_TIME_AVG",
    "RESPONSE_TIME_PERCENTILE_90", "RESPONSE_TIME_PERCENTILE_95", "RESPONSE_TIME_PERCENTILE_99",
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
STARTING = ("CREATED", "PENDING", "SCALING", "PREPARING", "INITIALIZING")  # before RUNNING


@dataclass(frozen=True)
class TimeUnit:
    """How this process reads OctoPerf's response times: ms per OctoPerf unit, and why."""

    ms: float = 1000.0  # the assumption: seconds
    source: str = "seconds, assumed (not checked yet)"
    checked: bool = False


# ---------------------------------------------------------------------------------------------
# HTTP layer: the one door to OctoPerf. Id checks, auth, retries and error sentences live here.
# ---------------------------------------------------------------------------------------------
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,128}")
# Each id parameter: what it names, and where valid ones come from (for 404s and bad ids).
ID_KINDS = {
    "workspace_id": ("workspace", "list_workspaces"),
    "project_id": ("project", "list_projects"),
    "scenario_id": ("scenario", "list_scenarios"),
    "bench_result_id": ("test run", "run_scenario or list_tests"),
    "baseline_bench_result_id": ("reference (earlier) test run", "list_tests"),
    "candidate_bench_result_id": ("test run to judge", "list_tests or run_scenario"),
    "bench_report_id": ("bench report", "run_scenario"),
    "bench_result_ids": ("test run", "list_tests"),
}
MAX_IN_FLIGHT = 8  # requests to OctoPerf at once, whatever the tools ask
RETRY_STATUSES = {429, 502, 503, 504}
RETRIES = 2  # GETs and read-only POSTs only; a launch is never retried
BACKOFF_S = 0.5
MAX_RETRY_AFTER_S = 5.0
MAY_HAVE_RUN = (
    " The test MAY have started: check with list_tests or get_test_status (or in the OctoPerf UI)"
    " before launching again, since a launch costs credits."
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


def http_status(error: ToolError) -> str:
    """The "HTTP nnn" an error sentence names, for a one-line report."""
    return next(iter(re.findall(r"HTTP \d{3}", str(error))), "no answer")


@cache
def unreachable(sentence: str) -> ToolError:
    """The error for a request OctoPerf never answered, also logged: an editor's log shows it."""
    log.warning(sentence)
    return ToolError(sentence)


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
        clock: Callable[[], float],
    ):
        self.client, self.settings, self.sleep, self.clock = client, settings, sleep, clock
        self.slots = anyio.CapacityLimiter(MAX_IN_FLIGHT)
        self.times, self.times_lock = TimeUnit(), anyio.Lock()  # decided once, by read_times

    def ui(self, workspace_id: str | None, *path: str) -> str:
        """An OctoPerf UI page, {api_url}/ui/workspace/{id}/... (the format OctoPerf's plugins use);
        "" when the workspace is not known: a link is never made up."""
        return "/".join((self.settings.api_url, "ui/workspace", workspace_id, *path)) if workspace_id else ""

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
        on_status: Mapping[int, str] | None = None,
    ) -> T:
        """Send one request (retried only when idempotent) and parse its JSON answer into `into`.

        `path` is a template filled from `ids` ({project_id} ...); every id is checked first,
        the last one names the subject of a 404. `on_status` gives a caller's own sentence for a
        status that means something special at this path."""
        url = self.url(path, ids)
        # A launch is never retried, and never told "try again" when its answer is lost.
        again, may_have_run = ("; try again", "") if idempotent else ("", MAY_HAVE_RUN)
        attempts = 1 + (RETRIES if idempotent else 0)
        for attempt in range(attempts):
            response = None
            try:
                async with self.slots:
                    response = await self.client.request(method, url, json=body, params=params)
            except (httpx2.ConnectError, httpx2.ConnectTimeout):  # nothing was sent
                failure = self.cannot_reach()
            except httpx2.TimeoutException:
                raise unreachable(
                    f"OctoPerf did not answer within {TIMEOUT_S:g} s{again}." + may_have_run
                ) from None
            except httpx2.TransportError:
                failure = f"The connection to OctoPerf broke before it answered{again}." + may_have_run
            else:
                if response.status_code not in RETRY_STATUSES:
                    break
                failure = ""
            if attempt + 1 < attempts:
                await self.sleep(retry_delay(response, attempt))
            elif failure:
                raise unreachable(failure) from None
        assert response is not None
        if not response.is_success and response.status_code >= 500 and may_have_run:
            raise ToolError(f"OctoPerf failed to answer (HTTP {response.status_code})." + may_have_run)
        if not response.is_success:
            raise ToolError((on_status or {}).get(response.status_code) or self.status_error(response, ids))
        return self.parse(into, response, f"{method} {path}", may_have_run)

    def url(self, path: str, ids: Mapping[str, str]) -> str:
        """The path with its ids, each checked first; no request goes out without a key."""
        url = path.format(**{name: check_id(name, value) for name, value in ids.items()})
        if not self.settings.api_key:
            raise ToolError(
                f"OCTOPERF_API_KEY is not set: {KEY_HELP}, then add it to this MCP server's"
                " environment and restart it."
            )
        return url

    @asynccontextmanager
    async def download(self, path: str, ids: Mapping[str, str], filename: str) -> AsyncIterator[Any]:
        """A file's bytes as they arrive (an async iterator of chunks), errors worded as call()
        words them; not retried."""
        url = self.url(path, ids)
        try:
            async with self.slots, self.client.stream("GET", url, params={"filename": filename}) as response:
                if not response.is_success:
                    await response.aread()
                    raise ToolError(self.status_error(response, ids))
                yield response.aiter_bytes()
        except (httpx2.ConnectError, httpx2.ConnectTimeout):
            raise unreachable(self.cannot_reach()) from None
        except httpx2.TransportError:
            raise unreachable(f"The download of {filename} from OctoPerf broke off; try again.") from None

    def cannot_reach(self) -> str:
        return f"Cannot reach {self.settings.api_url}: check OCTOPERF_API_URL and the network."

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
Items = Annotated[list[T], BeforeValidator(lambda v: [] if v is None else v)]
Timestamp = Annotated[datetime | None, AfterValidator(_utc)]  # epoch ms or ISO in, UTC out
EPOCH = datetime.min.replace(tzinfo=UTC)  # sorts a missing timestamp last


def _compact(schema: dict[str, Any]) -> None:
    """The schema in fewer of the model's tokens, and true to every answer: no titles or defaults,
    and every field required, since every result carries every field (null when n/a). Nullable
    fields keep the anyOf form every client's schema dialect accepts, not a type array."""
    schema.pop("title", None)
    schema["required"] = list(schema.get("properties", {}))
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
        prop.pop("default", None)
        for part in (
            prop,
            *prop.get("anyOf", ()),
            prop.get("items", {}),
            *prop.get("items", {}).get("anyOf", ()),
        ):
            part.pop("format", None)  # "date-time": the values say it


class Out(BaseModel):
    """A tool result, or a part of one: a model with a compact JSON schema."""

    model_config = ConfigDict(json_schema_extra=_compact)


class ReportItem(Out):  # read from OctoPerf (its type as "@type") and returned as is
    type: str = ""
    name: Text = ""

    @model_validator(mode="before")
    @classmethod
    def _octoperf_type(cls, data: Any) -> Any:
        return {"type": data.get("@type", ""), **data} if isinstance(data, dict) and "@type" in data else data


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
    design_project_id: str | None = None
    result_project_id: str | None = None
    state: str | None = None
    created: Timestamp = None
    last_modified: Timestamp = None
    bench_result_ids: Items[str] = []
    items: Items[ReportItem] = []
    user_profiles: Items[dict[str, Any]] = []  # a scenario's: each with its planned "load"


class Value(BaseModel):
    value: float | None = None  # OctoPerf's ValueWrapper, e.g. progress {"value": 42.5}


class Node(BaseModel):
    """A virtual user or one of its actions: an id, a name, perhaps nested actions."""

    id: Text = ""
    name: Text = ""
    children: Items["Node"] = []


class Row(BaseModel):
    """A row of /analysis/metrics/table: an action's values, aligned with the metrics asked."""

    model_config = ConfigDict(alias_generator=to_camel)
    action_id: Text = ""
    values: Items[Value] = []


class Alarm(BaseModel):
    """A threshold alarm entry: one breach. Only id and severity are confirmed."""

    model_config = ConfigDict(alias_generator=to_camel)
    id: Text = ""
    severity: Text = ""
    name: Text = ""
    threshold_id: Text = ""
    counter_id: Text = ""
    threshold: Any = None
    observed: Any = None


class GlobalMetric(BaseModel):  # /analysis/metrics/global: each value with its own unit
    name: Text = ""
    value: float | None = None
    unit: Text = ""


class GlobalMetrics(BaseModel):
    metrics: Items[GlobalMetric] = []


Url = str  # an OctoPerf UI page; "" when not known
TimesRead = (
    str  # how OctoPerf's times were read: "seconds, checked on <run>", "..., assumed (why)", "not read"
)
NOT_READ = "not read"


class Workspace(Out):
    id: str
    name: str
    description: str
    url: Url


LeftOut = int  # not listed: a list answer carries 100 at most


class Workspaces(Out):
    workspaces: list[Workspace]
    left_out: LeftOut


class Project(Out):
    id: str
    name: str
    description: str
    last_modified: datetime | None
    url: Url


class Projects(Out):
    workspace_id: str
    projects: list[Project]
    left_out: LeftOut


class Scenario(Out):
    id: str
    name: str
    description: str
    url: Url


class Scenarios(Out):
    project_id: str
    scenarios: list[Scenario]
    left_out: LeftOut


class Launch(Out):
    bench_report_id: str
    bench_result_id: Text
    test_name: str
    report_url: Url


class TestStatus(Out):
    bench_result_id: str
    state: str
    meaning: str
    finished: bool
    progress_percent: float | None
    created: datetime | None
    last_modified: datetime | None
    elapsed_s: int | None
    scenario_id: Text


class Stopped(TestStatus):
    stop_sent: bool  # False: the test had already ended, nothing was sent


class Metric(Out):
    name: str
    value: float | None
    unit: str


class Metrics(Out):
    bench_result_id: str
    metrics: list[Metric]
    time_unit: TimesRead


class Waited(TestStatus):
    waited_s: int
    metrics: list[Metric]  # the summary, once FINISHED
    next_step: str
    time_unit: TimesRead


class TestRun(Out):
    bench_result_id: str
    bench_report_id: str
    name: str
    state: Text
    created: datetime | None
    duration_s: int | None
    scenario_id: Text
    url: Url


class Tests(Out):
    project_id: str
    runs_in_project: int
    tests: list[TestRun]
    note: Text


class Transaction(Out):
    name: str
    hits: int | None
    errors: int | None
    error_percent: float | None
    avg_ms: float | None
    p90_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


class Transactions(Out):
    bench_result_id: str
    total: int
    left_out: int
    transactions: list[Transaction]
    time_unit: TimesRead


class Run(Out):
    bench_result_id: str
    state: str
    scenario_id: Text
    created: datetime | None
    duration_s: int | None


class Change(Out):
    name: str
    unit: str
    baseline: float | None
    candidate: float | None
    change_percent: float | None
    verdict: Literal["better", "worse", "unchanged", "n/a"]


class TransactionChange(Out):
    name: str
    baseline_p95_ms: float
    candidate_p95_ms: float
    change_percent: float | None


class Comparison(Out):
    verdict: Literal["regression", "improvement", "mixed", "no significant change", "not comparable"]
    headline: str
    baseline: Run
    candidate: Run
    warnings: list[str]
    metrics: list[Change]
    transactions_matched: int  # by name, in both runs
    transactions_unmatched: int
    top_regressions: list[TransactionChange]
    regressions_left_out: int
    time_unit: TimesRead


class Criterion(Out):
    name: str
    limit: float
    observed: float | None
    margin: float | None  # limit - observed: positive is headroom
    result: Literal["PASS", "FAIL", "n/a"]


class Finding(Out):
    rule: str
    level: Literal["fail", "warning", "info"]
    metric: str
    value: float | None = None
    unit: str = ""
    transaction: Text = ""
    detail: str


class Assessment(Out):
    bench_result_id: str
    state: str
    verdict: Literal["pass", "warning", "fail", "incomplete"]
    headline: str
    metrics: list[Metric]
    sla: list[Criterion]
    threshold_alarms: dict[str, int] | None  # by severity; null: see alarms_note
    alarms_note: Text
    findings: list[Finding]
    time_unit: TimesRead


class Report(Out):
    id: str
    name: str
    description: str
    bench_result_ids: list[str]
    items: list[ReportItem]
    url: Url


class ChangePoint(Out):
    bench_result_id: str
    before: float  # medians of the runs before and after
    after: float
    change_percent: float | None
    p_value: float


class MetricTrend(Out):
    metric: str
    verdict: Literal["worse", "better", "unchanged", "n/a"] = "n/a"  # newest run vs segment_median
    values: list[float | None]  # per run of run_ids
    change_points: list[ChangePoint] = []
    segment_median: float | None = None
    latest_change_percent: float | None = None
    drift_percent: float | None = None


class TransactionShift(Out):
    name: str
    bench_result_id: str
    before_p95_ms: float
    after_p95_ms: float
    change_percent: float | None
    p_value: float


class Trend(Out):
    scenario_id: str
    verdict: Literal["regression", "improvement", "stable", "insufficient data"]
    since: str | None  # the run the verdict dates from
    since_date: datetime | None
    headline: str
    tolerance_percent: float
    run_ids: list[str]  # oldest first
    run_dates: list[datetime | None]
    metrics: list[MetricTrend]
    transactions: list[TransactionShift]  # whose p95 shifted most
    left_out: list[str]
    warnings: list[str]
    method: str
    time_unit: TimesRead


class Level(Out):
    users: float
    hits_per_s: float
    p95_ms: float
    avg_ms: float
    error_percent: float


class Fit(Out):  # the Universal Scalability Law
    lambda_per_user: float  # hits/s a user at low load
    sigma: float
    kappa: float
    peak_users: float | None
    peak_hits_per_s: float | None
    r2: float
    reliable: bool


class Capacity(Out):
    bench_result_id: str
    state: str
    verdict: Literal["saturated", "not saturated", "constant load", "insufficient data"]
    headline: str
    load: str
    levels: list[Level]
    knee_users: float | None
    capacity_users: float | None
    breaks_at_users: float | None
    usl: Fit | None
    warnings: list[str]


# ---------------------------------------------------------------------------------------------
# Tools. Each docstring is the description an LLM reads: what, when, which tool gives its ids.
# ---------------------------------------------------------------------------------------------
def id_param(name: str) -> Any:
    """An id parameter's type, described from ID_KINDS, the same words its errors use."""
    kind, source = ID_KINDS[name]
    return Annotated[str, Field(description=f"{kind[0].upper()}{kind[1:]} id ({source}).")]


WorkspaceId = id_param("workspace_id")
ProjectId = id_param("project_id")
ScenarioId = id_param("scenario_id")
BenchResultId = id_param("bench_result_id")
BaselineId = id_param("baseline_bench_result_id")
CandidateId = id_param("candidate_bench_result_id")
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


MAX_LISTED = 100  # items one list answer carries: a huge account must not flood the context


def first(found: list[Entity]) -> tuple[list[Entity], int]:
    """The items a list answer carries, and how many it leaves out."""
    return found[:MAX_LISTED], max(0, len(found) - MAX_LISTED)


async def list_workspaces(ctx: Context) -> Workspaces:
    """The API key's OctoPerf workspaces (100 at most), with UI links. Start here: then
    list_projects. Read-only, 1 request."""
    api = api_of(ctx)
    shown, left_out = first(await api.get(list[Entity], "/workspaces/member-of"))
    return Workspaces(workspaces=[brief(Workspace, w, url=api.ui(w.id)) for w in shown], left_out=left_out)


async def list_projects(workspace_id: WorkspaceId, ctx: Context) -> Projects:
    """A workspace's projects (100 at most), last modified first, with UI links; then
    list_scenarios. Read-only, 1 request."""
    api = api_of(ctx)
    path = "/design/projects/by-workspace/{workspace_id}/DESIGN"
    found = await api.get(list[Entity], path, workspace_id=workspace_id)
    found.sort(key=lambda p: p.last_modified or EPOCH, reverse=True)
    shown, left_out = first(found)
    return Projects(
        workspace_id=workspace_id,
        projects=[
            brief(Project, p, url=api.ui(p.workspace_id or workspace_id, "project", p.id, "design"))
            for p in shown
        ],
        left_out=left_out,
    )


async def list_scenarios(project_id: ProjectId, ctx: Context) -> Scenarios:
    """A project's scenarios (the load profiles run_scenario launches), with UI links. Read-
    only, 2 requests."""
    api = api_of(ctx)
    workspace_id = await workspace_of(api, project_id)
    path = "/runtime/scenarios/by-project/{project_id}"
    shown, left_out = first(await api.get(list[Entity], path, project_id=project_id))
    return Scenarios(
        project_id=project_id,
        scenarios=[
            brief(Scenario, s, url=api.ui(workspace_id, "project", project_id, "runtime/scenario", s.id))
            for s in shown
        ],
        left_out=left_out,
    )


async def run_scenario(
    scenario_id: ScenarioId,
    ctx: Context,
    test_name: Annotated[
        str | None, Field(description="This run's name; default: the scenario's.", max_length=200)
    ] = None,
) -> Launch:
    """Launch a load test of a scenario. CONSUMES OCTOPERF CREDITS and sends real load: confirm
    with the user first; never call it twice for one request. Returns the run id for
    wait_for_test, the report link. Never retried."""
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
        report_url=api.ui(
            workspace_id,
            "project",
            report.project_id or scenario.project_id or "",
            "analysis/report",
            report.id,
        ),
    )


async def gather(*calls: Awaitable[Any]) -> list[Any]:
    """Await calls concurrently (OctoPerf.slots bounds the requests); the first ToolError wins."""
    results: list[Any] = [None] * len(calls)

    async def run(i: int, call: Awaitable[Any]) -> None:
        results[i] = await call

    try:
        async with anyio.create_task_group() as group:
            for i, call in enumerate(calls):
                group.start_soon(run, i, call)
    except* ToolError as failed:
        raise failed.exceptions[0] from None
    return results


def elapsed_s(result: Entity) -> int | None:
    """Seconds from start to end (an ended test) or to now (a running one)."""
    end = result.last_modified if result.state in FINISHED_STATES else datetime.now(UTC)
    if not (result.created and end):
        return None
    return max(0, round((end - result.created).total_seconds()))


async def bench_result(api: OctoPerf, bench_result_id: str) -> Entity:
    return await api.get(Entity, "/runtime/bench-results/{bench_result_id}", bench_result_id=bench_result_id)


async def percent_done(api: OctoPerf, bench_result_id: str, state: str) -> float | None:
    """Progress as OctoPerf's plugins read it: asked only while RUNNING, where a failed or empty
    answer is null, never an error; 0 before RUNNING, 100 once FINISHED, else null."""
    if state != "RUNNING":
        return 100.0 if state == "FINISHED" else 0.0 if state in STARTING else None
    path = "/runtime/bench-results/progress/{bench_result_id}"
    try:
        value = (await api.get(Value, path, bench_result_id=bench_result_id)).value
    except ToolError:
        return None
    return round(min(max(value, 0.0), 100.0), 1) if value is not None and math.isfinite(value) else None


async def status_of(api: OctoPerf, bench_result_id: str) -> TestStatus:
    result = await bench_result(api, bench_result_id)
    state = result.state or "UNKNOWN"
    return TestStatus(
        bench_result_id=bench_result_id,
        state=state,
        meaning=STATES.get(state, "not a documented OctoPerf state; treat the test as not finished"),
        finished=state in FINISHED_STATES,
        progress_percent=await percent_done(api, bench_result_id, state),
        created=result.created,
        last_modified=result.last_modified,
        elapsed_s=elapsed_s(result),
        scenario_id=result.scenario_id,
    )


async def get_test_status(bench_result_id: BenchResultId, ctx: Context) -> TestStatus:
    """A test run's state and progress % (0 until RUNNING, 100 once FINISHED). To wait, use
    wait_for_test, not a loop. Read-only."""
    return await status_of(api_of(ctx), bench_result_id)


POLL_S = 10.0  # between status polls: OctoPerf's Jenkins and Maven plugins poll every 10 s
POLL_NEAR_END_S = 5.0  # from 90 % progress on
WAIT_S = 50  # wait_for_test's default: most clients cut a tool call at 60 s


def mcp_progress(status: TestStatus) -> float | None:
    """The MCP progress value of a status, which must increase with each notification of one
    call: the start-up stage (0-4 of 100) before RUNNING, OctoPerf's percentage while RUNNING
    (5 to 99), 100 once ended; None (no notification) for a state OctoPerf does not document."""
    if status.finished:
        return 100.0
    if status.state == "RUNNING":
        return min(max(status.progress_percent or 0.0, 5.0), 99.0)
    return float(STARTING.index(status.state)) if status.state in STARTING else None


async def wait_for_test(
    bench_result_id: BenchResultId,
    ctx: Context,
    timeout_s: Annotated[
        int,
        Field(
            ge=1,
            le=3600,
            description="Seconds to wait; 50 fits clients that cut calls at 60 s.",
        ),
    ] = WAIT_S,
) -> Waited:
    """Wait until a test run ends or timeout_s passes, with progress: the status, and the
    summary once FINISHED; finished=false: call again. Cancelling stops the wait, not the test."""
    api = api_of(ctx)
    start, shown = api.clock(), -1.0
    while True:
        status = await status_of(api, bench_result_id)
        waited = api.clock() - start
        value = mcp_progress(status)
        if value is not None and value > shown:  # a state change rides in the message
            percent = "" if status.progress_percent is None else f", {status.progress_percent:.0f} %"
            since = "" if status.elapsed_s is None else f", {status.elapsed_s} s since start"
            await ctx.report_progress(value, 100, f"{status.state}{percent}{since}")
            shown = value
        if status.finished or waited >= timeout_s:
            break
        near_end = (status.progress_percent or 0) >= 90
        await api.sleep(min(POLL_NEAR_END_S if near_end else POLL_S, timeout_s - waited))
    metrics, unit = (
        await summary_of(api, bench_result_id, DEFAULT_METRICS)
        if status.state == "FINISHED"
        else ([], NOT_READ)
    )
    if status.state == "FINISHED":
        next_step = (  # jmeter-java-dsl waits for two equal reads: OctoPerf settles them after the end
            "Done; statistics can still settle for about 30 s after the end. Per-transaction"
            " statistics: get_test_transactions; a verdict: assess_test."
        )
    elif status.finished:
        next_step = f"The test ended {status.state} ({status.meaning}): no summary was read."
    else:
        next_step = f"Not finished after {waited:.0f} s of waiting: call wait_for_test again."
    return Waited(
        **status.model_dump(), waited_s=round(waited), metrics=metrics, next_step=next_step, time_unit=unit
    )


async def stop_test(bench_result_id: BenchResultId, ctx: Context) -> Stopped:
    """Abort a running test run, only when the user asks: it ends ABORTED with its results so
    far; an ended test is left alone. 3-5 requests."""
    api = api_of(ctx)
    before = await status_of(api, bench_result_id)
    if before.finished:
        return Stopped(**before.model_dump(), stop_sent=False)
    path = "/runtime/bench-results/stop/{bench_result_id}"
    await api.call(object, "POST", path, {"bench_result_id": bench_result_id})
    return Stopped(**(await status_of(api, bench_result_id)).model_dump(), stop_sent=True)


MAX_LOOKUPS = 100  # test runs looked at by one list_tests call (OctoPerf keeps 100 per project)


async def project_runs(
    api: OctoPerf, project_id: str, keep: Callable[[Entity], bool], limit: int, tool: str = "list_tests"
) -> tuple[list[tuple[Entity, Entity]], int, bool]:
    """The newest `limit` runs of a project that `keep` accepts, newest first, each with its own
    report, looked up in batches (MAX_LOOKUPS at most); with the count of runs in the project and
    whether the look-ups stopped at the cap."""
    where = f"{api.settings.api_url}{REPORTS_BY_PROJECT.format(project_id=project_id)}"
    refused = (
        f"OctoPerf does not list reports at {where} (HTTP {{}}), a path no public client confirms:"
        f" {tool} cannot work with this OctoPerf version; find the runs in the project's Analysis"
        " page in the OctoPerf UI."
    )
    reports = await api.call(
        list[Entity],
        "GET",
        REPORTS_BY_PROJECT,
        {"project_id": project_id},
        on_status={status: refused.format(status) for status in (404, 405)},
    )
    owner: dict[str, Entity] = {}  # each run's own report: the one with the fewest runs in it
    for report in sorted(reports, key=lambda r: len(r.bench_result_ids)):
        for run_id in report.bench_result_ids:
            owner.setdefault(run_id, report)
    order = sorted(owner, key=lambda run_id: owner[run_id].created or EPOCH, reverse=True)
    found: list[tuple[Entity, Entity]] = []  # (run, its report)
    checked = 0
    while len(found) < limit and checked < min(len(order), MAX_LOOKUPS):
        batch = order[checked : min(checked + limit, MAX_LOOKUPS)]
        checked += len(batch)
        runs = await gather(*(bench_result(api, run_id) for run_id in batch))
        found += [(run, owner[run_id]) for run_id, run in zip(batch, runs, strict=True) if keep(run)]
    found.sort(key=lambda pair: pair[0].created or EPOCH, reverse=True)
    return found[:limit], len(order), len(found) < limit and checked < len(order)


async def list_tests(
    project_id: ProjectId,
    ctx: Context,
    scenario_id: Annotated[
        str | None, Field(description="Only this scenario's runs (id from list_scenarios).")
    ] = None,
    limit: Annotated[int, Field(ge=1, le=50, description="How many runs, newest first.")] = 10,
) -> Tests:
    """A project's past test runs, newest first: ids, name, state, start, duration, scenario,
    report link. Read-only, 2 requests + 1 a run."""
    api = api_of(ctx)
    if scenario_id is not None:
        check_id("scenario_id", scenario_id)
    workspace_id = await workspace_of(api, project_id)
    found, in_project, capped = await project_runs(
        api, project_id, lambda run: scenario_id is None or run.scenario_id == scenario_id, limit
    )
    tests = [
        TestRun(
            bench_result_id=run.id,
            bench_report_id=report.id,
            name=report.name,
            state=run.state,
            created=run.created,
            duration_s=elapsed_s(run),
            scenario_id=run.scenario_id,
            url=api.ui(
                workspace_id, "project", report.project_id or project_id, "analysis/report", report.id
            ),
        )
        for run, report in found
    ]
    note = f"Only the newest {MAX_LOOKUPS} runs were looked at." if capped else None
    if not tests:
        note = (
            f"No runs of {scenario_id} among the newest {min(in_project, MAX_LOOKUPS)} runs of project"
            f" {project_id}."
            if scenario_id and in_project
            else f"No runs in project {project_id} yet."
        )
    return Tests(project_id=project_id, runs_in_project=in_project, tests=tests, note=note)


# Words people and models use for a metric, in OctoPerf's own terms.
METRIC_WORDS = {"P50": "MEDIAN", "AVERAGE": "AVG", "MEAN": "AVG", "ERROR": "ERRORS", "HIT": "HITS"}


def metric_hint(metric: str, known: set[str]) -> str:
    """The metric someone meant: every word of it (P95 read as PERCENTILE 95) is in the id,
    the default set, then averages first; else the closest spelling; else the default names."""
    words = {METRIC_WORDS.get(w, re.sub(r"^P(\d+)$", r"PERCENTILE_\1", w)) for w in metric.split("_")}
    words = {part for w in words for part in w.split("_") if part}
    order = {m: i for i, m in enumerate(DEFAULT_METRICS)}
    ranked = sorted(known, key=lambda m: (order.get(m, len(order)), not m.endswith("_AVG"), m))
    fits = [m for m in ranked if words <= set(m.split("_"))]
    close = fits[:1] or difflib.get_close_matches(metric, known, n=1, cutoff=0.75)
    if close:
        return f"; did you mean {close[0]}?"
    return f". The default metrics are {', '.join(DEFAULT_METRICS)}."


def metric_ids(requested: list[str] | None) -> list[str]:
    """The metric ids to ask for: the default set, or the requested ones once each, checked."""
    known = METRIC_UNITS.keys() | UNCONFIRMED_UNIT_METRICS
    chosen = list(dict.fromkeys(m.strip().upper() for m in requested or ())) or list(DEFAULT_METRICS)
    for metric in chosen:
        if metric not in known:
            raise ToolError(
                f"OctoPerf has no summary metric {metric!r}{metric_hint(metric, known)}"
                " Omit metrics for the default set."
            )
    return chosen


def query(item_type: str, metrics: Sequence[str], bench_result_id: str, **extra: Any) -> dict[str, Any]:
    """A report item as OctoPerf's analysis endpoints take it (jmeter-java-dsl's shape)."""
    return {
        "@type": item_type,
        "id": "",
        "name": item_type,
        "metrics": [
            {"id": m, "type": "HIT", "filters": [], "benchResultId": bench_result_id, "config": None}
            for m in metrics
        ],
        **extra,
    }


def convert(metric: str, raw: float | None, ms: float) -> float | None:
    """OctoPerf's value in the unit this server shows (times: `ms` per OctoPerf unit); None: n/a."""
    factor = ms if METRIC_UNITS.get(metric) == "ms" else 1.0
    return round(raw * factor, 3) if raw is not None and math.isfinite(raw) else None


def to_metric(metric: str, raw: float | None, ms: float) -> Metric:
    return Metric(name=metric, value=convert(metric, raw, ms), unit=METRIC_UNITS.get(metric, "unknown"))


async def raw_summary(api: OctoPerf, bench_result_id: str, ids: Sequence[str]) -> dict[str, float | None]:
    values = await api.call(
        list[float | None],
        "POST",
        "/analysis/metrics/summary",
        {"bench_result_id": bench_result_id},
        body=query("SummaryReportItem", ids, bench_result_id),
    )
    return dict(zip(ids, values, strict=False))  # a missing value is reported as null, not a crash


def ms_per_unit(summary_avg: float | None, elapsed: GlobalMetric | None) -> float | None:
    """1000 when the summary's average is in seconds, 1 when in ms, None when the global
    metrics' "Avg Elapsed" (with its own unit) does not tell: the two must agree within 2x."""
    per_s = {"s": 1.0, "sec": 1.0, "ms": 0.001}.get(elapsed.unit.strip().lower()) if elapsed else None
    if not (per_s and elapsed and elapsed.value and summary_avg) or elapsed.value <= 0 or summary_avg <= 0:
        return None
    ratio = summary_avg / (elapsed.value * per_s)  # summary units per second
    return next(
        (ms for ms, expected in ((1000.0, 1.0), (1.0, 1000.0)) if expected / 2 <= ratio <= expected * 2), None
    )


async def read_times(api: OctoPerf, bench_result_id: str, summary_avg: float | None = math.nan) -> TimeUnit:
    """Decide once per process whether OctoPerf's response times are seconds or milliseconds, on
    this run: its global "Avg Elapsed" carries a unit, its summary RESPONSE_TIME_AVG does not.
    Undecided (no average, no global metrics), seconds stay assumed and a later run decides."""
    async with api.times_lock:
        if api.times.checked:
            return api.times
        if summary_avg is not None and math.isnan(summary_avg):
            summary_avg = (await raw_summary(api, bench_result_id, ["RESPONSE_TIME_AVG"])).get(
                "RESPONSE_TIME_AVG"
            )
        if not summary_avg:
            return TimeUnit(source=f"seconds, assumed ({bench_result_id} has no average to check)")
        try:
            found = await api.get(GlobalMetrics, GLOBAL_METRICS, bench_result_id=bench_result_id)
        except ToolError as error:
            return TimeUnit(
                source=f"seconds, assumed (global metrics of {bench_result_id}: {http_status(error)})"
            )
        elapsed = next((m for m in found.metrics if m.name.strip().lower() == "avg elapsed"), None)
        if (ms := ms_per_unit(summary_avg, elapsed)) is None:
            return TimeUnit(source=f"seconds, assumed ({bench_result_id}'s global metrics do not tell)")
        api.times = TimeUnit(
            ms, f"{'seconds' if ms == 1000 else 'milliseconds'}, checked on {bench_result_id}", True
        )
        return api.times


async def summary_of(api: OctoPerf, bench_result_id: str, ids: Sequence[str]) -> tuple[list[Metric], str]:
    """The summary metrics, times in ms, and how OctoPerf's times were read."""
    times = [m for m in ids if METRIC_UNITS.get(m) == "ms"]
    check = bool(times) and not api.times.checked
    extra = ["RESPONSE_TIME_AVG"] if check and "RESPONSE_TIME_AVG" not in ids else []
    got = await raw_summary(api, bench_result_id, [*ids, *extra])
    unit = await read_times(api, bench_result_id, got.get("RESPONSE_TIME_AVG")) if check else api.times
    return [to_metric(m, got.get(m), unit.ms) for m in ids], unit.source


NO_DATA = (
    "no data (0 hits): OctoPerf answers zeros for a run kept in an old data format; open its report"
    " in OctoPerf and update the report's data"
)


def has_data(values: Mapping[str, float | None]) -> bool:
    """A run with 0 hits, or nothing but zeros, has no data: never a zero to average or compare."""
    return values.get("HITS_TOTAL") != 0 and any(values.values())


def require_data(run: Entity, values: Mapping[str, float | None]) -> None:
    """A FINISHED run with no data is said so, not read as zeros."""
    if run.state == "FINISHED" and not has_data(values):
        raise ToolError(f"{run.id} is {run.state} but has {NO_DATA}, then ask again.")


async def get_test_metrics(
    bench_result_id: BenchResultId,
    ctx: Context,
    metrics: Annotated[
        list[str] | None,
        Field(
            description="OctoPerf metric ids (e.g. RESPONSE_TIME_PERCENTILE_95); default: 16.",
            max_length=40,
        ),
    ] = None,
) -> Metrics:
    """A test run's summary statistics, each with value and unit (ms, bytes, per second), final
    once it has finished. Read-only, 1-2 requests."""
    api, ids = api_of(ctx), metric_ids(metrics)
    found, unit = await summary_of(api, bench_result_id, list(dict.fromkeys([*ids, "HITS_TOTAL"])))
    if not has_data(values := {m.name: m.value for m in found}):
        require_data(await bench_result(api, bench_result_id), values)
    return Metrics(
        bench_result_id=bench_result_id, metrics=[m for m in found if m.name in ids], time_unit=unit
    )


def percent(part: float | None, whole: float | None) -> float | None:
    return None if part is None or not whole else round(part / whole * 100, 2)


async def action_names(api: OctoPerf, project_id: str | None) -> dict[str, str]:
    """Action id -> name, from the project's virtual users (the table rows carry ids only)."""
    if not project_id:
        return {}
    path = "/design/virtual-users/by-project/{project_id}"
    names: dict[str, str] = {}
    nodes = [*await api.get(list[Node], path, project_id=project_id)]
    while nodes:
        node = nodes.pop()
        nodes += node.children
        if node.id and node.name:
            names.setdefault(node.id, node.name)
    return names


async def table_rows(api: OctoPerf, bench_result_id: str) -> list[Row]:
    body = query("StatisticTableReportItem", TABLE_METRICS, bench_result_id, computeType="NORMAL", size=0)
    path = "/analysis/metrics/table"
    return await api.call(list[Row], "POST", path, {"bench_result_id": bench_result_id}, body=body)


def to_transactions(rows: list[Row], names: Mapping[str, str], ms: float) -> list[Transaction]:
    """Table rows as transactions, each by name (its action id when the name is unknown)."""
    found = []
    for row in rows:
        raw = [v.value for v in row.values] + [None] * len(TABLE_METRICS)
        hits, errors, avg, p90, p95, p99 = (
            convert(m, v, ms) for m, v in zip(TABLE_METRICS, raw, strict=False)
        )
        found.append(
            Transaction(
                name=names.get(row.action_id) or row.action_id or "(unnamed)",
                hits=None if hits is None else round(hits),
                errors=None if errors is None else round(errors),
                error_percent=percent(errors, hits),
                avg_ms=avg,
                p90_ms=p90,
                p95_ms=p95,
                p99_ms=p99,
            )
        )
    return found


async def transactions_of(api: OctoPerf, runs: Sequence[Entity]) -> tuple[list[list[Transaction]], str]:
    """Each run's per-action statistics by name, and how times were read. Names come from the
    design projects; ids they no longer name, from the run's result project (its run-time copy),
    which is asked only then."""
    designs = sorted({run.design_project_id for run in runs if run.design_project_id})
    found = await gather(*(table_rows(api, run.id) for run in runs), *(action_names(api, p) for p in designs))
    tables, names = found[: len(runs)], {k: v for known in found[len(runs) :] for k, v in known.items()}
    copies = {
        run.result_project_id
        for run, rows in zip(runs, tables, strict=True)
        if run.result_project_id not in (None, *designs) and any(r.action_id not in names for r in rows)
    }
    for more in await gather(*(action_names(api, p) for p in sorted(copies))):  # type: ignore[arg-type]
        names = more | names
    unit = await read_times(api, runs[-1].id)
    return [to_transactions(rows, names, unit.ms) for rows in tables], unit.source


def top(rows: Sequence[Any], key: Callable[[Any], float | None], n: int) -> list[Any]:
    """The n rows with the highest key, leaving out rows where it is n/a."""
    return sorted((r for r in rows if key(r) is not None), key=key, reverse=True)[:n]  # type: ignore[arg-type,return-value]


SORT_KEYS = {"p95": "p95_ms", "avg": "avg_ms", "errors": "errors", "hits": "hits"}


async def get_test_transactions(
    bench_result_id: BenchResultId,
    ctx: Context,
    sort_by: Annotated[Literal["p95", "avg", "errors", "hits"], Field(description="Highest first.")] = "p95",
    limit: Annotated[int, Field(ge=1, le=100, description="How many transactions.")] = 10,
) -> Transactions:
    """A test run's statistics per transaction: hits, errors, error %, average, p90, p95, p99
    (ms): where time goes, what fails. Read-only, 3-5 requests."""
    api = api_of(ctx)
    ([rows], unit) = await transactions_of(api, [await bench_result(api, bench_result_id)])
    field_name = SORT_KEYS[sort_by]
    chosen = top(rows, lambda t: getattr(t, field_name), limit)
    chosen += [t for t in rows if getattr(t, field_name) is None][: limit - len(chosen)]
    return Transactions(
        bench_result_id=bench_result_id,
        total=len(rows),
        left_out=len(rows) - len(chosen),
        transactions=chosen,
        time_unit=unit,
    )


COMPARABLE_RATIO = 1.5  # hit counts or durations further apart than this: a comparability warning
TOP_REGRESSIONS = 5


def num(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def said(value: float | None, unit: str) -> str:
    """A value with its unit as people read it: bytes as kB, MB or GB, large numbers grouped."""
    if value is None:
        return "n/a"
    if unit.startswith("bytes"):
        per = unit.removeprefix("bytes")  # "" or "/s"
        for factor, prefix in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
            if abs(value) >= factor:
                return f"{num(round(value / factor, 1))} {prefix}{per}"
        return f"{num(value)} B{per}"
    return f"{num(value)} {unit}".rstrip()


def from_to(name: str, before: float | None, after: float | None, unit: str) -> str:
    """ "p95 200 -> 260 ms (+30.0 %)": a move, named as people say it."""
    change = change_percent(before, after)
    start = said(before, unit) if unit.startswith("bytes") else num(before) if before is not None else "n/a"
    return f"{SAID.get(name, name)} {start} -> {said(after, unit)}" + (
        "" if change is None else f" ({change:+.1f} %)"
    )


def change_percent(baseline: float | None, candidate: float | None) -> float | None:
    """Relative change in %; None when n/a (a value missing, or a change from zero)."""
    if baseline is None or candidate is None or (baseline == 0 and candidate != 0):
        return None
    return 0.0 if baseline == 0 else round((candidate - baseline) / abs(baseline) * 100, 1)


def judge(metric: str, baseline: float | None, candidate: float | None, tolerance: float) -> str:
    """better / worse / unchanged (within the tolerance) for a metric with a BETTER direction."""
    if baseline is None or candidate is None:
        return "n/a"
    change = change_percent(baseline, candidate)
    if candidate == baseline or (change is not None and abs(change) <= tolerance):
        return "unchanged"
    return "better" if (candidate < baseline) == (BETTER[metric] == LOWER) else "worse"


def to_run(result: Entity) -> Run:
    return brief(
        Run, result, bench_result_id=result.id, state=result.state or "UNKNOWN", duration_s=elapsed_s(result)
    )


def comparability(runs: Mapping[str, Run], hits: tuple[float | None, float | None]) -> list[str]:
    """Why two runs may not be comparable; the first warnings are about runs not FINISHED."""
    base, cand = runs["baseline"], runs["candidate"]
    warnings = [
        f"Not FINISHED: the {role} is {run.state}; such a run covers part of a test at most."
        for role, run in runs.items()
        if run.state != "FINISHED"
    ]
    if base.bench_result_id == cand.bench_result_id:
        warnings.append("Both ids name the same test run.")
    if base.scenario_id and cand.scenario_id and base.scenario_id != cand.scenario_id:
        warnings.append(
            f"Different scenarios ({base.scenario_id}, {cand.scenario_id}): the load profiles may differ."
        )
    for what, (a, b), unit in (
        ("Hit counts", hits, ""),
        ("Durations", (base.duration_s, cand.duration_s), " s"),
    ):
        if a and b and a > 0 and b > 0 and max(a, b) / min(a, b) > COMPARABLE_RATIO:
            warnings.append(
                f"{what} differ more than {COMPARABLE_RATIO:g}x ({num(a)}{unit} vs {num(b)}{unit}):"
                " the runs did not do the same work."
            )
    return warnings


def regressions(
    before: list[Transaction], after: list[Transaction], tolerance: float
) -> tuple[int, int, list[TransactionChange]]:
    """Transactions matched by name (the first of a name wins): how many match, how many do not,
    and those whose p95 got worse, worst first."""
    old = {t.name: t for t in reversed(before)}
    new = {t.name: t for t in reversed(after)}
    worse = [
        TransactionChange(
            name=name,
            baseline_p95_ms=old[name].p95_ms,
            candidate_p95_ms=new[name].p95_ms,
            change_percent=change_percent(old[name].p95_ms, new[name].p95_ms),
        )
        for name in old.keys() & new.keys()
        if judge("RESPONSE_TIME_PERCENTILE_95", old[name].p95_ms, new[name].p95_ms, tolerance) == "worse"
    ]
    worse.sort(key=lambda t: (-math.inf if t.change_percent is None else -t.change_percent, t.name))
    return len(old.keys() & new.keys()), len(old.keys() ^ new.keys()), worse


def verdict_of(changes: list[Change], comparable: bool) -> str:
    verdicts = {c.verdict for c in changes}
    if not comparable or verdicts <= {"n/a"}:
        return "not comparable"
    if {"better", "worse"} <= verdicts:
        return "mixed"
    if "worse" in verdicts:
        return "regression"
    return "improvement" if "better" in verdicts else "no significant change"


def headline_of(
    verdict: str, changes: list[Change], regressed: list[TransactionChange], why: list[str], tolerance: float
) -> str:
    """The verdict and its evidence: the 3 largest changes, key metrics first, and the worst
    transaction; for runs that are not comparable, why."""
    moved = [c for c in changes if c.verdict in ("better", "worse")]
    moved = [c for c in moved if c.name in KEY_METRICS] or moved
    moved.sort(key=lambda c: -math.inf if c.change_percent is None else -abs(c.change_percent))
    parts = [from_to(c.name, c.baseline, c.candidate, c.unit) for c in moved[:3]]
    if regressed:
        worst = regressed[0]
        parts.append(
            f"most regressed transaction: {worst.name} p95 {num(worst.baseline_p95_ms)} ->"
            f" {num(worst.candidate_p95_ms)} ms"
        )
    if verdict == "not comparable":
        parts = why or ["no metric has a value in both runs"]
    return f"{verdict}: " + ("; ".join(parts) or f"every metric within {tolerance:g} %")


async def compare_tests(
    baseline_bench_result_id: BaselineId,
    candidate_bench_result_id: CandidateId,
    ctx: Context,
    tolerance_percent: Annotated[
        float, Field(ge=0, le=100, description="Changes within +- this % are unchanged.")
    ] = 10,
) -> Comparison:
    """Compare two test runs: each summary metric in both, its change and
    better/worse/unchanged, comparability warnings, the transactions whose p95 regressed most, a
    verdict and headline. Read-only, 8 requests."""
    api = api_of(ctx)
    ids = (
        check_id("baseline_bench_result_id", baseline_bench_result_id),
        check_id("candidate_bench_result_id", candidate_bench_result_id),
    )
    compared = [m for m in DEFAULT_METRICS if m in BETTER]
    base, cand = await gather(*(bench_result(api, i) for i in ids))
    (base_metrics, _), (cand_metrics, unit), ((base_rows, cand_rows), _) = await gather(
        *(summary_of(api, i, compared) for i in ids), transactions_of(api, [base, cand])
    )
    for run, metrics in ((base, base_metrics), (cand, cand_metrics)):
        require_data(run, {m.name: m.value for m in metrics})
    changes = [
        Change(
            name=b.name,
            unit=b.unit,
            baseline=b.value,
            candidate=c.value,
            change_percent=change_percent(b.value, c.value),
            verdict=judge(b.name, b.value, c.value, tolerance_percent),
        )
        for b, c in zip(base_metrics, cand_metrics, strict=True)
    ]
    runs = {"baseline": to_run(base), "candidate": to_run(cand)}
    hits = next((c.baseline, c.candidate) for c in changes if c.name == "HITS_TOTAL")
    warnings = comparability(runs, hits)
    unfinished = [f"the {role} is {run.state}" for role, run in runs.items() if run.state != "FINISHED"]
    matched, unmatched, regressed = regressions(base_rows, cand_rows, tolerance_percent)
    verdict = verdict_of(changes, comparable=not unfinished)
    return Comparison(
        verdict=verdict, headline=headline_of(verdict, changes, regressed, unfinished, tolerance_percent),
        baseline=runs["baseline"], candidate=runs["candidate"],
        warnings=warnings, metrics=changes, transactions_matched=matched, transactions_unmatched=unmatched,
        top_regressions=regressed[:TOP_REGRESSIONS],
        regressions_left_out=max(0, len(regressed) - TOP_REGRESSIONS), time_unit=unit,
    )  # fmt: skip


# Assessment rules: each finding names its rule, and these are all the rules there are.
ERROR_RATE_LIMIT = 1.0  # error_rate: more than 1 % of requests failed
LONG_TAIL_FACTOR = 5.0  # long_tail: p99 more than 5 times the median
TOP_FINDINGS = 3  # slowest (by p95) and most_errors: this many transactions each
TREND_METRICS = {  # the key metrics of a history, by the names results give them
    "avg_ms": "RESPONSE_TIME_AVG",
    "p95_ms": "RESPONSE_TIME_PERCENTILE_95",
    "p99_ms": "RESPONSE_TIME_PERCENTILE_99",
    "error_percent": "ERRORS_PERCENT",
    "hits_per_s": "HITS_RATE",
}
SLA_METRICS = {name: metric for name, metric in TREND_METRICS.items() if name != "hits_per_s"}
UNIT_OF = {"avg_ms": "ms", "p95_ms": "ms", "p99_ms": "ms", "error_percent": "%", "hits_per_s": "hits/s"}
HAS_DATA = {"RUNNING", "FINISHED", "ABORTED"}  # states in which a test has statistics


def findings_of(state: str, values: Mapping[str, float | None], rows: list[Transaction]) -> list[Finding]:
    found = []

    def add(rule: str, level: str, metric: str, detail: str, value: float | None = None, **more: Any) -> None:
        found.append(Finding(rule=rule, level=level, metric=metric, detail=detail, value=value, **more))  # type: ignore[arg-type]

    if state in ("ABORTED", "ERROR"):
        add("ended_badly", "fail", "state", f"The test ended {state} ({STATES[state]}), not as planned.")
    if (errors := values.get("ERRORS_PERCENT")) is not None and errors > ERROR_RATE_LIMIT:
        add("error_rate", "warning", "ERRORS_PERCENT", f"{num(errors)} % of requests failed (rule: above"
            f" {num(ERROR_RATE_LIMIT)} %).", errors, unit="%")  # fmt: skip
    p99, median = values.get("RESPONSE_TIME_PERCENTILE_99"), values.get("RESPONSE_TIME_MEDIAN")
    if p99 is not None and median and p99 > LONG_TAIL_FACTOR * median:
        add("long_tail", "warning", "RESPONSE_TIME_PERCENTILE_99", f"p99 {num(p99)} ms is {p99 / median:.1f}x"
            f" the median {num(median)} ms (rule: above {LONG_TAIL_FACTOR:g}x): some requests are far slower"
            " than most.", p99, unit="ms")  # fmt: skip
    for rank, t in enumerate(top(rows, lambda t: t.p95_ms, TOP_FINDINGS), 1):
        add("slowest", "info", "RESPONSE_TIME_PERCENTILE_95", f"Slowest transaction #{rank}: {t.name}, p95"
            f" {said(t.p95_ms, 'ms')}.", t.p95_ms, unit="ms", transaction=t.name)  # fmt: skip
    total = values.get("ERRORS_TOTAL") or sum(t.errors or 0 for t in rows)
    for t in top([t for t in rows if t.errors], lambda t: t.errors, TOP_FINDINGS):
        share = f" holds {percent(t.errors, total):g} % of all errors ({t.errors:,})" if total else ""
        add("most_errors", "info", "ERRORS_TOTAL", f"{t.name}{share}; {t.error_percent:g} % of its requests"
            " failed.", t.errors, unit="errors", transaction=t.name)  # fmt: skip
    return found


def alarm_findings(alarms: Sequence[Alarm], ms: float) -> list[Finding]:
    """threshold_alarm: each alarm OctoPerf did not pass, named by what OctoPerf gives. Its values
    are in its metric's unit (counterId, [ASSUMPTION]): times converted to ms like every other
    time; without a known metric, as OctoPerf sends them."""
    found = []
    for alarm in (a for a in alarms if a.severity != "PASSED"):
        unit = METRIC_UNITS.get(alarm.counter_id, "")
        observed, limit = (
            convert(alarm.counter_id, v, ms) if isinstance(v, int | float) else v
            for v in (alarm.observed, alarm.threshold)
        )
        facts = (("observed", observed), ("limit", limit))
        values = ", ".join(
            f"{what} {said(v, unit) if isinstance(v, int | float) else v}"
            for what, v in facts
            if isinstance(v, int | float) or (isinstance(v, str) and v)
        )
        ids = alarm.threshold_id or alarm.id or "no id"
        named = f"'{alarm.name}' ({ids})" if alarm.name else ids
        found.append(
            Finding(
                rule="threshold_alarm",
                level="fail" if alarm.severity == "CRITICAL" else "warning",
                metric=alarm.counter_id or "threshold alarm",
                value=observed if isinstance(observed, int | float) else None,
                unit=unit,
                detail=f"{alarm.severity or 'Unrated'} OctoPerf alarm {named}"
                + (f": {values}." if values else "."),
            )
        )
    return found


def headline_of_assessment(
    verdict: str, state: str, criteria: list[Criterion], findings: list[Finding]
) -> str:
    """Why the verdict is what it is, in one line: its causes, then the SLA limits applied."""
    limits = "; ".join(
        f"SLA {SAID[SLA_METRICS[c.name]]} {said(c.observed, UNIT_OF[c.name])}"
        f" against {said(c.limit, UNIT_OF[c.name])}: {c.result}"
        for c in criteria
    )
    causes = [f.detail.rstrip(".") for f in findings if f.level == verdict][:2]
    if verdict == "pass":
        causes = ["no rule raised a warning or a failure"]
    elif verdict == "incomplete":
        causes = [f"the test is {state}: assess it once it has ended"]
    return f"{verdict}: " + "; ".join([*causes, limits or "no SLA limits given"])


async def alarms_of(api: OctoPerf, bench_result_id: str) -> tuple[list[Alarm] | None, str | None]:
    """OctoPerf's threshold alarms by severity, with the request body of OctoPerf's Jenkins plugin.
    They only add to an assessment: when they cannot be read, the note says why."""
    body = {
        "@type": "ThresholdAlarmReportItem",
        "name": "Threshold alarms",
        "metric": {
            "@type": "HitMetric", "benchResultId": bench_result_id, "config": None, "field": "value",
            "filters": [], "id": "MONITORING", "scope": "PER_SAMPLE", "statistic": "AVERAGE",
            "type": "NUMBER_COUNTER",
        },
    }  # fmt: skip
    path = "/analysis/threshold-alarms"
    try:
        alarms = await api.call(list[Alarm], "POST", path, {"bench_result_id": bench_result_id}, body=body)
    except ToolError as error:
        return None, f"Threshold alarms unavailable: {error}"
    return alarms, None if alarms else "OctoPerf returned no threshold alarms for this test."


async def assess_test(
    bench_result_id: BenchResultId,
    ctx: Context,
    sla_avg_ms: Annotated[float | None, Field(gt=0, description="SLA: highest average, ms.")] = None,
    sla_p95_ms: Annotated[float | None, Field(gt=0, description="SLA: highest p95, ms.")] = None,
    sla_p99_ms: Annotated[float | None, Field(gt=0, description="SLA: highest p99, ms.")] = None,
    sla_error_percent: Annotated[
        float | None, Field(ge=0, le=100, description="SLA: highest error %, 0-100.")
    ] = None,
) -> Assessment:
    """Assess a test run: a verdict (pass, warning, fail; incomplete while running) and why,
    each SLA limit PASS/FAIL with margin, key metrics, findings by fixed rules (errors over 1 %,
    p99 over 5x median, slowest and failing transactions, ended badly, alarms). Read-only."""
    api = api_of(ctx)
    result = await bench_result(api, bench_result_id)
    state = result.state or "UNKNOWN"
    metrics: list[Metric] = []
    rows: list[Transaction] = []
    alarms, alarms_note, unit = None, f"Not read: the test is {state}.", NOT_READ
    if state in HAS_DATA:
        (metrics, unit), ([rows], _), (alarms, alarms_note) = await gather(
            summary_of(api, bench_result_id, DEFAULT_METRICS),
            transactions_of(api, [result]),
            alarms_of(api, bench_result_id),
        )
        require_data(result, {m.name: m.value for m in metrics})
    values = {m.name: m.value for m in metrics}
    if values.get("ERRORS_PERCENT") is None:
        values["ERRORS_PERCENT"] = percent(values.get("ERRORS_TOTAL"), values.get("HITS_TOTAL"))
    criteria = []
    limits = {
        "avg_ms": sla_avg_ms,
        "p95_ms": sla_p95_ms,
        "p99_ms": sla_p99_ms,
        "error_percent": sla_error_percent,
    }
    for name, limit in ((n, v) for n, v in limits.items() if v is not None):
        seen = values.get(SLA_METRICS[name])
        criteria.append(
            Criterion(
                name=name,
                limit=limit,
                observed=seen,
                margin=None if seen is None else round(limit - seen, 3),
                result="n/a" if seen is None else "PASS" if seen <= limit else "FAIL",
            )
        )
    findings = findings_of(state, values, rows) + alarm_findings(alarms or [], api.times.ms)
    levels = {f.level for f in findings} | {"fail" for c in criteria if c.result == "FAIL"}
    if state not in FINISHED_STATES:
        verdict = "incomplete"
    else:
        verdict = "fail" if "fail" in levels else "warning" if "warning" in levels else "pass"
    return Assessment(
        bench_result_id=bench_result_id, state=state, verdict=verdict,
        headline=headline_of_assessment(verdict, state, criteria, findings),
        metrics=[m for m in metrics if m.name in KEY_METRICS], sla=criteria,
        threshold_alarms=None if alarms is None else dict(Counter(a.severity or "UNKNOWN" for a in alarms)),
        alarms_note=alarms_note, findings=findings, time_unit=unit,
    )  # fmt: skip


MAX_TREND_RUNS = 50


async def analyze_trend(
    scenario_id: ScenarioId,
    ctx: Context,
    runs: Annotated[
        int, Field(ge=3, le=MAX_TREND_RUNS, description="How many of the scenario's newest runs.")
    ] = 20,
    bench_result_ids: Annotated[
        list[str] | None,
        Field(
            max_length=MAX_TREND_RUNS,
            description="These runs instead (ids from list_tests).",
        ),
    ] = None,
    tolerance_percent: Annotated[
        float, Field(ge=0, le=100, description="Smaller shifts (%) are not reported.")
    ] = 10,
) -> Trend:
    """Is a scenario getting slower, since when? Its newest runs' average, p95, p99, error %,
    hits/s: change points by statistics, shifts that ended, drifts, the newest run vs its
    segment, transactions that shifted, a dated verdict; runs not FINISHED, empty or of other
    work left out. Read-only, 3 requests a run."""
    api = api_of(ctx)
    ids = [check_id("bench_result_ids", run) for run in dict.fromkeys(bench_result_ids or ())]
    scenario = await api.get(Entity, "/runtime/scenarios/{scenario_id}", scenario_id=scenario_id)
    warnings = []
    if ids:
        found = await gather(*(bench_result(api, run) for run in ids))
        if others := sorted({run.scenario_id or "unknown" for run in found} - {scenario_id}):
            warnings.append(f"Runs of other scenarios ({', '.join(others)}): their load profiles may differ.")
    else:
        if not scenario.project_id:
            raise ToolError(
                f"OctoPerf does not say which project scenario {scenario_id} is in: pass bench_result_ids."
            )
        keep = lambda run: run.scenario_id == scenario_id  # noqa: E731
        pairs, _, capped = await project_runs(api, scenario.project_id, keep, runs, tool="analyze_trend")
        found = [run for run, _ in pairs]
        if capped:
            warnings.append(f"Only the newest {MAX_LOOKUPS} runs of the project were looked at.")
    found.sort(key=lambda run: run.created or EPOCH)
    finished = [run for run in found if run.state == "FINISHED"]
    history = {
        run.id: RunStats(run.id, run.created, elapsed_s(run), {}, [], run.state or "UNKNOWN") for run in found
    }
    unit = api.times.source
    if finished:
        summaries, (tables, unit) = await gather(
            gather(*(summary_of(api, run.id, [*TREND_METRICS.values(), "HITS_TOTAL"]) for run in finished)),
            transactions_of(api, finished),
        )
        for run, (metrics, _), rows in zip(finished, summaries, tables, strict=True):
            history[run.id].values, history[run.id].transactions = {m.name: m.value for m in metrics}, rows
    return analyse(scenario_id, list(history.values()), tolerance_percent, warnings, unit)


async def jtl_lines(chunks: AsyncIterator[bytes], cut: list[bool]) -> AsyncIterator[list[bytes]]:
    """A file's lines (bytes: parsing needs no decoding), batch by batch as its bytes arrive (64 kB
    at a time, so memory stays bounded whatever the chunks), gunzipped on the way when it is gzip;
    cut[0] is set when the gzip stream ends early (a generator's disk limit cuts files)."""
    unzip, rest = None, b""
    async for chunk in chunks:
        for at in range(0, len(chunk), 65_536):
            piece = chunk[at : at + 65_536]
            if unzip is None:
                unzip = zlib.decompressobj(31) if piece[:2] == b"\x1f\x8b" else False
            data = rest + (unzip.decompress(piece) if unzip else piece)
            end = data.rfind(b"\n") + 1
            rest = data[end:]
            if end:
                yield data[: end - 1].split(b"\n")
    if rest.strip():
        yield [rest]
    cut[0] = bool(unzip) and not unzip.eof


def columns(bench_result_id: str, filename: str, header: str) -> dict[str, int]:
    """Column name -> position, from a JTL file's header; one sentence when one is missing."""
    at = {name.strip(): i for i, name in enumerate(next(csv.reader([header]), []))}
    if missing := [name for name in JTL_COLUMNS if name not in at]:
        raise ToolError(
            f"{filename} of {bench_result_id} is not a JMeter CSV with a header holding"
            f" {', '.join(JTL_COLUMNS)}: {' and '.join(missing)} missing (its first line: {header[:80]!r})."
            " Save results as CSV with JMeter's default columns (the scenario's JTL setting)."
        )
    return at


def planned_users(profiles: Sequence[Mapping[str, Any]], ms: float) -> float:
    """The users the scenario's profiles plan ms after the start (see the [ASSUMPTION] above)."""
    users = 0.0
    for load in (profile.get("load") or {} for profile in profiles):
        delay, ramp, plateau, top, down, steps = (
            float(load.get(k) or 0)
            for k in ("delayMs", "rampUpMs", "plateauMs", "plateauVus", "rampDownMs", "stepCount")
        )
        t = ms - delay
        if 0 <= t < ramp:
            share = t / ramp
            users += top * (math.ceil(share * steps) / steps if steps > 1 else share)
        elif ramp <= t < ramp + plateau:
            users += top
        elif down and ramp + plateau <= t < ramp + plateau + down:
            users += top * (1 - (t - ramp - plateau) / down)
    return users


async def find_capacity(
    bench_result_id: BenchResultId,
    ctx: Context,
    sla_p95_ms: Annotated[float | None, Field(gt=0, description="Limit: highest p95, ms.")] = None,
    sla_error_percent: Annotated[
        float | None, Field(gt=0, le=100, description="Limit: highest error %, 0-100.")
    ] = None,
) -> Capacity:
    """How many users can it take, what breaks first? From a ramp-up or stairs run's JTL files:
    load levels (users, hits/s, p95, average, error %), the knee, a USL fit and peak; with
    limits, the capacity and where it breaks. Read-only."""
    api = api_of(ctx)
    run, files, summary = await gather(
        bench_result(api, bench_result_id),
        api.get(list[str], LOGS_LIST, bench_result_id=bench_result_id),
        raw_summary(api, bench_result_id, ["HITS_TOTAL"]),
    )
    jtl = sorted(name for name in files if name.endswith((".jtl", ".jtl.gz")))
    if not jtl:
        kept = ", ".join(files[:4]) + (", ..." if len(files) > 4 else "") if files else "none"
        raise ToolError(
            f"{bench_result_id} has no JTL file (its files: {kept}): the run kept no per-sample results;"
            " set the JTL setting of the scenario's user profiles to ALL, then run it again."
        )
    samples, warnings, read = Samples(), [], 0
    planned = None
    for generator, name in enumerate(jtl):
        cut = [False]
        async with api.download(LOG_FILE, {"bench_result_id": bench_result_id}, name) as chunks:
            at = None
            async for lines in jtl_lines(chunks, cut):
                if at is None:
                    at, lines = columns(bench_result_id, name, lines[0].decode("utf-8", "replace")), lines[1:]
                samples.read(lines, at, generator)
                read += 1
                await ctx.report_progress(read, None, f"{name}: {samples.rows:,} samples read")
        if cut[0]:
            warnings.append(
                f"{name} ends early (cut short, as a generator's disk limit does): read up to there."
            )
        if at and "allThreads" not in at and planned is None:
            scenario = await api.get(
                Entity, "/runtime/scenarios/{scenario_id}", scenario_id=run.scenario_id or ""
            )
            if not any(profile.get("load") for profile in scenario.user_profiles):
                raise ToolError(
                    f"{name} of {bench_result_id} has no allThreads column and scenario {run.scenario_id}"
                    " no planned load: the users at each moment are unknown. Keep JMeter's default columns."
                )
            planned = scenario.user_profiles
    return capacity_of(
        run, samples, sla_p95_ms, sla_error_percent, summary.get("HITS_TOTAL"), warnings, planned
    )


async def get_report(bench_report_id: BenchReportId, ctx: Context) -> Report:
    """A bench report (OctoPerf's analysis page of runs): name, description, run ids,
    items, UI link. Read-only, 2 requests."""
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


# Prompts: what a good answer to the most common questions contains, as slash commands.
def analyse_test(bench_result_id: BenchResultId) -> str:
    """Analyse one test run: verdict, evidence and recommendations."""
    return prose(f"""Analyse OctoPerf test run {bench_result_id}. If get_test_status says it is
    not finished, call wait_for_test first. Then call assess_test (with the sla_ limits I gave, if any)
    and get_test_transactions. Answer with: the verdict in one line; the key numbers with units
    (hits/s, error %, average and p95 response time); each finding with its evidence; at most
    three recommendations, each tied to a finding. Quote numbers from the tools; never estimate.""")


def compare_prompt(baseline_bench_result_id: BaselineId, candidate_bench_result_id: CandidateId) -> str:
    """Compare two test runs and explain what got better or worse."""
    return prose(f"""Compare OctoPerf test runs {baseline_bench_result_id} (baseline) and
    {candidate_bench_result_id} (candidate) with compare_tests. Start with its verdict and
    headline and state every comparability warning. Then list the metrics that got worse, then
    those that got better, with both values, units and the change, and the most regressed
    transactions. If the verdict is regression or mixed, call get_test_transactions on the
    candidate to show where the time goes. Quote numbers from the tools; never estimate.""")


def capacity_prompt(bench_result_id: BenchResultId) -> str:
    """How many users can it take? The capacity of a ramp-up or stairs run."""
    return prose(f"""Find the capacity of OctoPerf test run {bench_result_id} with find_capacity (with the
    sla_ limits I gave, if any). Start with its verdict and headline: the capacity within the
    limits and where they break (users, with the value that broke), the knee, and the throughput
    peak. Then the load the run applied, a few levels of its table around the knee (users, hits/s,
    p95 ms, error %), the USL fit (sigma, kappa, predicted peak, R^2) and whether it is reliable,
    and every warning. If the load was constant or never saturated, say what run would answer.
    Quote numbers from the tool; never fit a curve yourself.""")


def trend_prompt(scenario_id: ScenarioId) -> str:
    """Is this scenario getting slower, and since when? Its history, by statistics."""
    return prose(f"""Analyse the history of OctoPerf scenario {scenario_id} with analyze_trend.
    Start with its verdict and headline, and the run it dates from (id and date). Then, for each
    key metric with a change point, a shift that ended or a drift: before and after, with units
    and the change, and whether the newest run stands out from its segment. Name the transactions
    whose p95 shifted, with the run where each shifted, and state every warning and left-out run
    (first, when the newest run is one of them). If the verdict is
    regression, offer compare_tests between the last run before the change and the newest run.
    Quote numbers from the tools; never estimate a trend yourself.""")


# ---------------------------------------------------------------------------------------------
# Statistics: change points in a run history, in plain Python. E-Divisive with means (Matteson
# and James, 2014; as MongoDB's CI and Apache Otava use it): the split of a series that makes its
# two sides most unlike (energy statistic, alpha = 1) is kept when a permutation test finds it
# significant, then each side is split again. Then, for a reader: a change point is reported only
# when its means differ by tolerance_percent (error %: ERROR_POINTS); the newest run is judged
# against its segment's median; a drift is a Mann-Kendall trend left once segments are removed.
# ---------------------------------------------------------------------------------------------
SIGNIFICANCE = 0.05  # a split is kept when at most 5 % of shuffled series split as strongly
PERMUTATIONS = 99  # so the smallest p-value is 0.01
SEED = 20260126  # fixed: the same history always gives the same answer
MIN_SEGMENT = 3  # runs on each side of a change point: one odd run cannot make a segment
MIN_RUNS = 5  # fewer usable runs: "insufficient data"
NOISE_MADS = 3.0  # the newest run stands out when beyond 3 scaled MADs of its segment, and tolerance
ERROR_POINTS = 0.5  # error % moves are judged in percentage points, not in % of a small number
Z_95 = 1.96  # Mann-Kendall at 5 %, two-sided
SCREENED = 10  # transactions tested for change points: those with the largest best-split shift
TOP_SHIFTS = 5


def pair_sums(values: Sequence[float]) -> list[list[float]]:
    """within[i][j]: the sum of |a - b| over the pairs {a, b} of values[i:j], all in O(n^2)."""
    n = len(values)
    within = [[0.0] * (n + 1) for _ in range(n + 1)]
    for j in range(2, n + 1):
        newest, added, row = values[j - 1], 0.0, None
        for i in range(j - 2, -1, -1):
            row = within[i]
            added += abs(newest - values[i])
            row[j] = row[j - 1] + added
    return within


def best_split(values: Sequence[float]) -> tuple[float, int]:
    """(q, tau) of the strongest split of a series: X = values[:tau] against Y = values[tau:kappa]
    for the best kappa, MIN_SEGMENT values a side, q = m k / (m + k) * (2 E|X - Y| - E|X - X'| -
    E|Y - Y'|). The within-sample means are Matteson and James's U-statistics (sums over the
    m (m - 1) ordered pairs, as in the `ecp` package); searching kappa (where Y ends) as well as
    tau finds a change that ends: a few slow runs amid normal ones. (-inf, 0): too short to split."""
    n, w = len(values), pair_sums(values)
    best, at = -math.inf, 0
    head = w[0]
    for m in range(MIN_SEGMENT, n - MIN_SEGMENT + 1):
        x, row = 2 * head[m] / (m * (m - 1)), w[m]
        for kappa in range(m + MIN_SEGMENT, n + 1):
            k = kappa - m
            q = (
                m
                * k
                / (m + k)
                * (2 * (head[kappa] - head[m] - row[kappa]) / (m * k) - x - 2 * row[kappa] / (k * (k - 1)))
            )
            if q > best:
                best, at = q, m
    return best, at


def change_points(values: Sequence[float]) -> dict[int, float]:
    """Index -> p-value of each significant change point: the strongest split over all current
    segments, tested against PERMUTATIONS shuffles of each segment (seeded), until none is."""
    rng = random.Random(SEED)
    found: dict[int, float] = {}
    while True:
        windows = list(itertools.pairwise([0, *sorted(found), len(values)]))
        q, at = max((q, a + tau) for a, b in windows for q, tau in [best_split(values[a:b])])
        if q <= 0:
            return found
        stronger = 0
        for _ in range(PERMUTATIONS):
            stronger += max(best_split(rng.sample(values[a:b], b - a))[0] for a, b in windows) >= q
            if (stronger + 1) / (PERMUTATIONS + 1) > SIGNIFICANCE:
                return found  # already not significant: the rest of the shuffles cannot change that
        found[at] = round((stronger + 1) / (PERMUTATIONS + 1), 3)


def moved(metric: str, before: float, after: float, tolerance: float) -> bool:
    """Whether a move is large enough to report: by the tolerance in % (error %: by ERROR_POINTS
    percentage points). A move from zero always is."""
    if metric == "error_percent":
        return abs(after - before) >= ERROR_POINTS
    change = change_percent(before, after)
    return after != before if change is None else abs(change) >= tolerance


def direction(metric: str, before: float, after: float) -> str:
    lower = BETTER[TREND_METRICS.get(metric, "RESPONSE_TIME_PERCENTILE_95")] == LOWER
    return "unchanged" if after == before else "better" if (after < before) == lower else "worse"


class Shift(NamedTuple):
    at: int  # the first run after the change
    before: float  # median of the runs back to the previous change point
    after: float  # median of the runs up to the next one
    p: float


def segments_of(metric: str, values: Sequence[float], tolerance: float) -> tuple[list[int], list[Shift]]:
    """Every significant change point, and the shifts worth reporting: those whose two sides'
    medians differ by the tolerance. Medians size the shift and decide it alike, so one outlying
    run can neither hide a shift nor make one."""
    found = change_points(values)
    bounds = [0, *sorted(found), len(values)]
    every = [
        Shift(at, median(values[prev:at]), median(values[at:nxt]), found[at])
        for prev, at, nxt in zip(bounds, bounds[1:], bounds[2:], strict=False)
    ]
    return sorted(found), [s for s in every if moved(metric, s.before, s.after, tolerance)]


def episodes(metric: str, reported: Sequence[Shift], tolerance: float) -> list[tuple[Shift, Shift]]:
    """Changes that ended: a reported shift, then the next one going back to within the tolerance
    of the level before it."""
    found, i = [], 0
    while i + 1 < len(reported):
        start, end = reported[i], reported[i + 1]
        back = direction(metric, start.before, start.after) != direction(metric, end.before, end.after)
        if back and not moved(metric, start.before, end.after, tolerance):
            found.append((start, end))
            i += 1
        i += 1
    return found


def drift_of(metric: str, values: Sequence[float], segments: Sequence[int], tolerance: float) -> float | None:
    """A slow drift in % over the runs: a Mann-Kendall trend (5 %), sized by a Theil-Sen line, or,
    when the steps of the significant segments (every one, reported or not) fit the runs better
    than that line, by those steps when they all go one way and each is under the tolerance
    (larger ones are shifts). So a ramp is a drift even when E-Divisive cuts it into small steps,
    and one step under the tolerance is not."""
    n = len(values)
    s = sum((b > a) - (b < a) for i, a in enumerate(values) for b in values[i + 1 :])
    z = (s - (s > 0) + (s < 0)) / math.sqrt(n * (n - 1) * (2 * n + 5) / 18)
    slope = median([(values[j] - values[i]) / (j - i) for i in range(n) for j in range(i + 1, n)])
    intercept = median([v - slope * i for i, v in enumerate(values)])
    windows = list(itertools.pairwise([0, *segments, n]))
    levels = [median(values[a:b]) for a, b in windows]
    steps = sum(abs(v - level) for level, (a, b) in zip(levels, windows, strict=True) for v in values[a:b])
    size = slope * (n - 1)
    if segments and steps < sum(abs(v - intercept - slope * i) for i, v in enumerate(values)):
        moves = list(itertools.pairwise(levels))
        one_way = all(x < y for x, y in moves) or all(x > y for x, y in moves)
        small = not any(moved(metric, x, y, tolerance) for x, y in moves)  # else they are shifts
        size = levels[-1] - levels[0] if one_way and small else 0.0
    base = median(values)
    if abs(z) < Z_95 or not base or not size or not moved(metric, base, base + size, tolerance):
        return None
    return round(size / abs(base) * 100, 1)


def latest_against_segment(
    metric: str, values: Sequence[float], start: int, tolerance: float
) -> tuple[float, str, str]:
    """The segment's median (its runs before the newest), the newest run's verdict against it, and
    why it is unchanged when it is. It stands out only when it moved by the tolerance, beyond
    NOISE_MADS scaled MADs of the segment, and outside the segment's own range (a second mode
    the segment has already shown is not news)."""
    segment = values[start:-1] or values[:-1]
    centre, latest = median(segment), values[-1]
    spread = 1.4826 * median([abs(v - centre) for v in segment])
    if not moved(metric, centre, latest, tolerance):
        return centre, "unchanged", "under the tolerance"
    if spread > 0 and abs(latest - centre) <= NOISE_MADS * spread:
        return centre, "unchanged", f"within {NOISE_MADS:g} MADs of its segment"
    if min(segment) <= latest <= max(segment):
        return centre, "unchanged", f"within its segment's range ({num(min(segment))}-{num(max(segment))})"
    return centre, direction(metric, centre, latest), ""


@dataclass
class RunStats:
    """What the analysis needs of one run: its id, start, duration, summary values, transactions."""

    id: str
    created: datetime | None
    duration_s: int | None
    values: dict[str, float | None]
    transactions: list[Transaction]
    state: str = "FINISHED"


def left_out_of(history: Sequence[RunStats]) -> dict[str, str]:
    """Run id -> why it is left out of the statistics: not FINISHED, no data, or not the same work
    (hit count or duration beyond COMPARABLE_RATIO of the history's median, compare_tests' rule)."""
    why = {run.id: f"{run.state}, not FINISHED" for run in history if run.state != "FINISHED"}
    why |= {run.id: NO_DATA for run in history if run.id not in why and not has_data(run.values)}
    kept = [run for run in history if run.id not in why]
    for what, of in (("hits", lambda r: r.values.get("HITS_TOTAL")), ("s of load", lambda r: r.duration_s)):
        if known := [v for r in kept if (v := of(r))]:
            centre = median(known)
            why |= {
                r.id: f"not the same work: {num(v)} {what} against the history's median {num(centre)}"
                f" (more than {COMPARABLE_RATIO:g}x apart)"
                for r in kept
                if r.id not in why and (v := of(r)) and max(v, centre) / min(v, centre) > COMPARABLE_RATIO
            }
    return why


def rounded(metric: str, value: float | None) -> float | None:
    return None if value is None else round(value, 2 if metric == "error_percent" else 1)


@dataclass
class Reading:
    """One metric's history as the verdict reads it (positions are in the runs analysed)."""

    metric: str
    newest: str  # the newest run against its segment: worse, better, unchanged, n/a
    why: str  # why unchanged
    centre: float | None  # the median of the newest run's segment
    latest: float | None
    previous: float | None
    lasting: list[Shift]  # reported shifts that did not end, and are not the steps of a drift
    ended: list[tuple[Shift, Shift]]
    drift: float | None


def analyse(
    scenario_id: str, history: list[RunStats], tolerance: float, warnings: list[str], time_unit: str | None
) -> Trend:
    """The trend of a history (oldest first): the runs left out, each metric, the transactions,
    then the verdict."""
    why = left_out_of(history)
    runs = [run for run in history if run.id not in why]
    ids, dates = [run.id for run in runs], [run.created for run in runs]
    trends, readings = [], []
    for metric, metric_id in TREND_METRICS.items():
        series = [run.values.get(metric_id) for run in runs]
        trend = MetricTrend(metric=metric, values=[rounded(metric, v) for v in series])
        trends.append(trend)
        index = [i for i, v in enumerate(series) if v is not None]
        values = [v for v in series if v is not None]
        if len(values) < MIN_RUNS:
            continue
        every, found = segments_of(metric, values, tolerance)
        trend.drift_percent = drift_of(metric, values, every, tolerance)
        reported = [s._replace(at=index[s.at]) for s in found]
        trend.change_points = [
            ChangePoint(bench_result_id=ids[s.at], before=round(s.before, 2), after=round(s.after, 2),
                        change_percent=change_percent(s.before, s.after), p_value=s.p)
            for s in reported
        ]  # fmt: skip
        ended = episodes(metric, reported, tolerance)
        lasting = [s for s in reported if all(s not in e for e in ended) and trend.drift_percent is None]
        reading = Reading(metric, "n/a", "", None, None, None, lasting, ended, trend.drift_percent)
        if index[-1] == len(runs) - 1:
            start = found[-1].at if found else 0
            reading.centre, reading.newest, reading.why = latest_against_segment(
                metric, values, start, tolerance
            )
            reading.latest, reading.previous = values[-1], values[-2]
            trend.verdict = reading.newest  # type: ignore[assignment]
            trend.segment_median = rounded(metric, reading.centre)
            trend.latest_change_percent = change_percent(reading.centre, reading.latest)
        readings.append(reading)
    moved_most = transaction_shifts(runs, tolerance)
    verdict, since, evidence = verdict_of_history(ids, readings, moved_most, tolerance)
    if len(runs) < MIN_RUNS:
        verdict, since, evidence = "insufficient data", None, [f"{len(runs)} usable runs, {MIN_RUNS} needed"]
    at = ids.index(since) if since in ids else None
    when = dates[at] if at is not None else None
    dated = "" if since is None else f" since {since}" + (f" ({when:%Y-%m-%d})" if when else "")
    headline = f"{verdict}{dated}: " + "; ".join(evidence)
    newest = max(history, key=lambda run: run.created or EPOCH, default=None)
    if newest and newest.id in why:
        headline = f"newest run {newest.id} left out: {why[newest.id]}. Over the others, {headline}"
    return Trend(
        scenario_id=scenario_id, verdict=verdict, since=since, since_date=when, headline=headline,  # type: ignore[arg-type]
        tolerance_percent=tolerance, run_ids=ids, run_dates=dates, metrics=trends, transactions=moved_most,
        left_out=[f"{run_id}: {reason}" for run_id, reason in why.items()], warnings=warnings,
        method=f"E-Divisive means (U-statistics, tau and kappa searched), permutation test p<={SIGNIFICANCE}"
        f" ({PERMUTATIONS} shuffles, seed {SEED}), segments of {MIN_SEGMENT}+ runs, shifts sized by medians;"
        f" newest run vs its segment: beyond the tolerance, {NOISE_MADS:g} MADs and its range",
        time_unit=time_unit or NOT_READ,
    )  # fmt: skip


def transaction_shifts(history: list[RunStats], tolerance: float) -> list[TransactionShift]:
    """The transactions whose p95 shifted most: each is screened by its strongest split, the
    SCREENED largest moves are tested for change points, the TOP_SHIFTS largest reported."""
    series: dict[str, list[tuple[int, float]]] = {}
    for i, run in enumerate(history):
        for t in {t.name: t for t in reversed(run.transactions)}.values():  # the first of a name
            if t.p95_ms is not None:
                series.setdefault(t.name, []).append((i, t.p95_ms))
    screened = []
    for name, points in series.items():
        values = [v for _, v in points]
        if tau := best_split(values)[1]:
            before, after = median(values[:tau]), median(values[tau:])
            if moved("p95_ms", before, after, tolerance):
                screened.append((abs(change_percent(before, after) or 0), name))
    found = []
    for _, name in sorted(screened, reverse=True)[:SCREENED]:
        points = series[name]
        if reported := segments_of("p95_ms", [v for _, v in points], tolerance)[1]:
            s = max(reported, key=lambda r: abs(change_percent(r.before, r.after) or 0))
            shift = TransactionShift(
                name=name, bench_result_id=history[points[s.at][0]].id, before_p95_ms=round(s.before, 1),
                after_p95_ms=round(s.after, 1), change_percent=change_percent(s.before, s.after), p_value=s.p,
            )  # fmt: skip
            found.append(shift)
    found.sort(key=lambda t: -abs(t.change_percent or 0))
    return found[:TOP_SHIFTS]


def verdict_of_history(
    ids: list[str], readings: list[Reading], transactions: list[TransactionShift], tolerance: float
) -> tuple[str, str | None, list[str]]:
    """The verdict, the run it dates from, and the evidence. It answers "is the scenario now worse
    or better than it used to be?", by the first rule that applies: the newest run stands out
    worse from its segment; a lasting shift still holds worse (the most recent); the newest run
    stands out better; a lasting shift better; a drift (worse first); else stable. A newest run
    that goes back part of the way from a lasting shift leaves that shift holding; a shift that
    ended (a later one came back to the level before it) is not lasting."""

    def values(metric: str, before: float | None, after: float | None) -> str:
        return from_to(TREND_METRICS[metric], before, after, UNIT_OF[metric])

    def holds(r: Reading) -> bool:  # the newest run goes back part of the way from its last lasting shift
        last = r.lasting[-1] if r.lasting else None
        way = last and direction(r.metric, last.before, last.after)
        return bool(last and r.newest not in (way, "unchanged", "n/a") and r.latest is not None
                    and direction(r.metric, last.before, r.latest) == way
                    and moved(r.metric, last.before, r.latest, tolerance))  # fmt: skip

    partly = [r for r in readings if holds(r)]
    stands_out = {
        way: [r for r in readings if r.newest == way and r not in partly] for way in ("worse", "better")
    }
    out = stands_out["worse"] + stands_out["better"]
    last = sorted(((r.lasting[-1], r) for r in readings if r.lasting), key=lambda sr: sr[0].at)
    lasting = [(s, r) for s, r in last if r not in out]  # the shifts the newest run leaves standing
    shifted = {
        way: [(s, r) for s, r in lasting if direction(r.metric, s.before, s.after) == way]
        for way in ("worse", "better")
    }
    evidence: list[str] = []
    verdict, since = "stable", ids[0] if ids else None
    for way, name in (("worse", "regression"), ("better", "improvement")):
        if stands_out[way]:
            top = sorted(stands_out[way], key=lambda r: -abs(change_percent(r.centre, r.latest) or 0))[:3]
            verdict, since = name, ids[-1]
            evidence = ["newest run against its segment's median: "
                        + ", ".join(values(r.metric, r.centre, r.latest) for r in top)]  # fmt: skip
            break
        if shifted[way]:
            at = shifted[way][-1][0].at
            verdict, since = name, ids[at]
            moves = [values(r.metric, s.before, s.after) for s, r in shifted[way] if s.at == at]
            evidence = [f"lasting shift at {ids[at]}: " + ", ".join(moves)]
            break
    else:
        worst_first = lambda r: direction(r.metric, 0, r.drift) != "worse"  # noqa: E731
        if drifts := sorted((r for r in readings if r.drift is not None), key=worst_first):
            worse = direction(drifts[0].metric, 0, drifts[0].drift) == "worse"
            verdict, since = ("regression" if worse else "improvement"), ids[0]
            evidence = [
                f"{SAID[TREND_METRICS[r.metric]]} drifting {r.drift:+.1f} % over {len(ids)} runs"
                for r in drifts[:3]
            ]
        else:
            evidence = [f"no lasting shift beyond {tolerance:g} %, newest run within its segment's noise"]
    for r in partly:
        s = r.lasting[-1]
        evidence.append(
            f"newest run recovers part of it: {values(r.metric, r.centre, r.latest)} against its segment,"
            f" still {change_percent(s.before, r.latest):+.1f} % from the {num(s.before)}"
            f" {UNIT_OF[r.metric]} before {ids[s.at]}"
        )
    for r in readings:
        for start, end in r.ended[-1:]:
            evidence.append(
                f"{SAID[TREND_METRICS[r.metric]]} {change_percent(start.before, start.after):+.1f} % from"
                f" {ids[start.at]} to {ids[end.at - 1]}, recovered at {ids[end.at]}"
            )
    if earlier := [(s, r) for s, r in last if ids[s.at] != since]:
        s, r = earlier[-1]
        evidence.append(f"earlier lasting shift at {ids[s.at]}: {values(r.metric, s.before, s.after)}")
    if not out:
        said = lambda r: judge(TREND_METRICS[r.metric], r.previous, r.latest, tolerance)  # noqa: E731
        unlike = [r for r in readings if r.newest == "unchanged" and said(r) not in ("unchanged", "n/a")]
        for r in unlike[:1]:
            evidence.append(
                f"newest run against the previous: {values(r.metric, r.previous, r.latest)}, as compare_tests"
                f" would say, but {r.why}"
            )
    if transactions:
        t = transactions[0]
        evidence.append(
            f"most shifted transaction: {t.name} p95 {num(t.before_p95_ms)} -> {num(t.after_p95_ms)} ms"
            f" at {t.bench_result_id}"
        )
    return verdict, since, evidence


# ---------------------------------------------------------------------------------------------
# Capacity: a run's per-sample results (JMeter JTL) summed per 5 s as they are read, grouped into
# load levels; the knee by operational analysis (where the low-load line lambda N reaches the
# highest throughput measured: N = X_max / lambda); Gunther's Universal Scalability Law,
# X(N) = lambda N / (1 + sigma (N - 1) + kappa N (N - 1)), fitted by least squares as
# N / X = a + b (N - 1) + c N (N - 1), so lambda = 1 / a, sigma = b / a, kappa = c / a.
# ---------------------------------------------------------------------------------------------
BUCKET_MS = 5_000  # samples are summed per 5 s of the run, with each generator's threads
MAX_LEVELS = 30
LEVEL_HITS = 50  # a load level with fewer samples says too little
KNEE_EFFICIENCY = 0.8  # saturated: the top level's throughput under 80 % of lambda N
FIT_R2 = 0.9  # a USL fit that explains less of the throughput is unreliable


class Samples:
    """JTL rows aggregated as they are read, in memory that does not grow with the rows: per
    generator and 5 s bucket, [hits, errors, sum of elapsed ms, histogram of elapsed ms (32 bins
    a power of two, 3 % wide), most threads (allThreads)]."""

    def __init__(self) -> None:
        self.buckets: dict[int, dict[int, list[Any]]] = {}
        self.rows = self.skipped = 0

    def read(self, lines: Sequence[bytes], at: Mapping[str, int], generator: int) -> None:
        its, iel, iok = at["timeStamp"], at["elapsed"], at["success"]
        ith = at.get("allThreads", its)  # without it, threads are not read (the planned load is)
        buckets = self.buckets.setdefault(generator, {})
        wide, last, bucket, hist, skipped = max(at.values()) + 1, None, [], {}, 0
        quoted = any(b'"' in line for line in lines)  # rare: a quoted field, which may hold commas
        rows = csv.reader(line.decode("utf-8", "replace") for line in lines) if quoted else lines
        for row in rows:  # the hot loop: about 2 microseconds a row
            if not quoted:
                row = row.split(b",", wide)
            try:
                stamp, elapsed, threads = int(row[its]), int(row[iel]), int(row[ith])
            except (ValueError, IndexError):
                skipped += 1
                continue
            if (key := stamp // BUCKET_MS) != last:
                if (bucket := buckets.get(key)) is None:  # type: ignore[assignment]
                    bucket = buckets[key] = [0, 0, 0, {}, 0]
                last, hist = key, bucket[3]
            bucket[0] += 1
            bucket[2] += elapsed
            if row[iok] != b"true" and row[iok] != "true":
                bucket[1] += 1
            if threads > bucket[4]:
                bucket[4] = threads
            if elapsed >= 64:
                size = elapsed.bit_length()
                elapsed = size << 8 | (elapsed >> (size - 6)) & 31
            hist[elapsed] = hist.get(elapsed, 0) + 1
        self.rows, self.skipped = self.rows + len(lines) - skipped, self.skipped + skipped


def bin_range(key: int) -> tuple[float, float]:
    """The elapsed ms a histogram bin holds, from and to (under 64 ms a bin is one ms)."""
    if key < 64:
        return key, key + 1
    low = float((32 | key & 31) << ((key >> 8) - 6))
    return low, low * (1 + 1 / (32 | key & 31))


def percentile_of(hist: Mapping[int, int], share: float) -> float | None:
    """The share-quantile of a histogram, interpolated within its bin."""
    rank, seen = share * sum(hist.values()), 0
    for key in sorted(hist, key=bin_range):
        if seen + hist[key] >= rank and hist[key]:
            low, high = bin_range(key)
            return low + (high - low) * (rank - seen) / hist[key]
        seen += hist[key]
    return None


def least_squares(rows: Sequence[Sequence[float]], ys: Sequence[float]) -> list[float] | None:
    """The coefficients minimising the squared error of ys against rows (normal equations)."""
    k = len(rows[0])
    pairs = list(zip(rows, ys, strict=True))
    a = [
        [sum(r[i] * r[j] for r in rows) for j in range(k)] + [sum(r[i] * y for r, y in pairs)]
        for i in range(k)
    ]
    for col in range(k):  # Gauss-Jordan with partial pivoting
        pivot = max(range(col, k), key=lambda r: abs(a[r][col]))
        if abs(a[pivot][col]) < 1e-12:
            return None
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(k):
            if r != col:
                f = a[r][col] / a[col][col]
                a[r] = [x - f * y for x, y in zip(a[r], a[col], strict=True)]
    return [a[i][k] / a[i][i] for i in range(k)]


def usl_fit(points: Sequence[tuple[float, float]]) -> Fit | None:
    """The Universal Scalability Law through (users, hits/s) points, sigma and kappa kept >= 0,
    with R^2 on the throughput; unreliable below FIT_R2, on under 5 points, or with its peak
    beyond twice the highest load measured."""
    points = [(n, x) for n, x in points if n >= 1 and x > 0]
    if len(points) < 4:
        return None
    ys = [n / x for n, x in points]
    for columns in ((0, 1, 2), (0, 2), (0, 1), (0,)):  # drop a term whose coefficient is negative
        found = least_squares([[(1, n - 1, n * (n - 1))[c] for c in columns] for n, _ in points], ys)
        coef = dict(zip(columns, found or [], strict=False))
        if found and coef[0] > 0 and all(v >= 0 for v in coef.values()):
            break
    else:
        return None
    lam, sigma, kappa = 1 / coef[0], coef.get(1, 0.0) / coef[0], coef.get(2, 0.0) / coef[0]
    model = lambda n: lam * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))  # noqa: E731
    mean = fmean(x for _, x in points)
    total = sum((x - mean) ** 2 for _, x in points) or 1.0
    r2 = 1 - sum((x - model(n)) ** 2 for n, x in points) / total
    peak = math.sqrt((1 - sigma) / kappa) if kappa > 0 and sigma < 1 else None
    reliable = r2 >= FIT_R2 and len(points) >= 5 and (peak is None or peak <= 2 * max(n for n, _ in points))
    return Fit(
        lambda_per_user=round(lam, 4), sigma=round(sigma, 5), kappa=round(kappa, 7),
        peak_users=None if peak is None else round(peak),
        peak_hits_per_s=None if peak is None else round(model(peak), 1),
        r2=round(r2, 3), reliable=reliable,
    )  # fmt: skip


def load_levels(
    samples: Samples, planned: Sequence[Mapping[str, Any]] | None
) -> tuple[list[Level], list[float]]:
    """The load levels, lowest first, and the users of each 5 s bucket: the buckets up to the end
    of the highest load (not the ramp-down), the partial first and last left out, users summed
    over the generators (a generator without samples in a bucket keeps its last threads, or the
    planned load), grouped by their user count (or 25 equal bins when it takes more values)."""
    keys = sorted({key for found in samples.buckets.values() for key in found})[1:-1]
    start, threads = (keys[0] * BUCKET_MS if keys else 0), dict.fromkeys(samples.buckets, 0)
    series = []
    for key in keys:
        parts = [found[key] for found in samples.buckets.values() if key in found]
        threads |= {g: found[key][4] for g, found in samples.buckets.items() if key in found}
        users = planned_users(planned, (key * BUCKET_MS - start)) if planned else sum(threads.values())
        series.append((users, parts))
    top = max((users for users, _ in series), default=0)
    series = series[: max((i for i, (u, _) in enumerate(series) if u >= 0.98 * top), default=-1) + 1]
    users = [u for u, _ in series]
    width = 1.0 if len({round(u) for u in users}) <= MAX_LEVELS else max(1.0, top / 25)
    groups: dict[int, list[Any]] = {}
    for u, parts in series:
        group = groups.setdefault(round(u / width), [[], 0, 0, 0, Counter()])
        group[0].append(u)
        for hits, errors, elapsed, hist, _ in parts:
            group[1], group[2], group[3] = group[1] + hits, group[2] + errors, group[3] + elapsed
            group[4].update(hist)
    levels = [
        Level(users=round(fmean(us)), hits_per_s=round(hits / (len(us) * BUCKET_MS / 1000), 2),
              p95_ms=round(percentile_of(hist, 0.95) or 0, 1), avg_ms=round(total / hits, 1),
              error_percent=round(100 * errors / hits, 2))
        for _, (us, hits, errors, total, hist) in sorted(groups.items())
        if hits >= LEVEL_HITS and fmean(us) > 0
    ]  # fmt: skip
    return levels, users


def capacity_of(
    run: Entity,
    samples: Samples,
    p95_limit: float | None,
    error_limit: float | None,
    hits_total: float | None,
    warnings: list[str],
    planned: Sequence[Mapping[str, Any]] | None,
) -> Capacity:
    """The capacity reading of a run's samples: the load, the levels, the knee, the fit, the
    capacity within the limits, a verdict and its headline, and the warnings that change it."""
    levels, users = load_levels(samples, planned)
    generators = len(samples.buckets)
    minutes = len(users) * BUCKET_MS / 60_000
    source = "the scenario's planned load" if planned else f"the samples' allThreads, {generators} generators"
    top = max(users, default=0)
    if users and sum(u >= 0.9 * top for u in users) >= 0.8 * len(users):
        shape = f"constant load of {num(round(top))} users"
    elif len({round(u) for u in users}) <= MAX_LEVELS:
        shape = f"stairs: {len(levels)} steps from {num(round(min(users)))} to {num(round(top))} users"
    else:
        shape = f"ramp-up from {num(round(min(users)))} to {num(round(top))} users"
    load = f"{shape} over {minutes:.0f} min (from {source})"
    if run.state != "FINISHED":
        warnings.insert(0, f"The run is {run.state or 'UNKNOWN'}: read from what it recorded so far.")
    if hits_total and samples.rows < 0.95 * hits_total:
        warnings.append(
            f"The JTL files hold {samples.rows:,} samples, the summary counts {num(hits_total)}:"
            " samples are missing (files cut short?); the curve is read from those there."
        )
    if samples.skipped:
        warnings.append(f"{samples.skipped:,} rows could not be read and were left out.")
    fit = usl_fit([(level.users, level.hits_per_s) for level in levels])
    if fit and not fit.reliable:
        warnings.append(f"The USL fit is unreliable (R^2 {fit.r2:g}, {len(levels)} levels): read the levels.")
    base = dict(bench_result_id=run.id, state=run.state or "UNKNOWN", load=load, levels=levels, usl=fit,
                knee_users=None, capacity_users=None, breaks_at_users=None, warnings=warnings)  # fmt: skip
    if shape.startswith("constant"):
        headline = f"{shape}: no capacity curve; run a ramp-up or stairs profile"
        return Capacity(verdict="constant load", headline=headline, **base)
    if len(levels) < 3:
        headline = f"insufficient data: {len(levels)} load levels with {LEVEL_HITS}+ samples, 3 needed"
        return Capacity(verdict="insufficient data", headline=headline, **base)
    low = levels[: max(3, len(levels) // 5)]
    lam = (
        fit.lambda_per_user if fit and fit.reliable else max(level.hits_per_s / level.users for level in low)
    )
    peak = max(levels, key=lambda level: level.hits_per_s)
    highest = levels[-1]
    saturated = highest.hits_per_s < KNEE_EFFICIENCY * lam * highest.users
    knee = round(peak.hits_per_s / lam) if saturated else None
    if (rate := peak.hits_per_s / generators if generators else 0) > GENERATOR_HITS_S:
        warnings.append(
            f"{num(round(rate))} hits/s per load generator at {num(peak.users)} users, beyond the about"
            f" {GENERATOR_HITS_S:,} OctoPerf advises: the generators may be the bottleneck, not the system."
        )
    first = levels[0]
    if highest.error_percent > max(1.0, 2 * first.error_percent):
        warnings.append(
            f"Errors grow with load: {first.error_percent:g} % at {num(first.users)} users,"
            f" {highest.error_percent:g} % at {num(highest.users)}."
        )
    parts = []
    limits = [f"p95 {num(p95_limit)} ms"] if p95_limit else []
    limits += [f"error {num(error_limit)} %"] if error_limit else []
    if limits:

        def broken(level: Level) -> list[str]:
            slow = bool(p95_limit and (level.p95_ms or 0) > p95_limit)
            failing = bool(error_limit and level.error_percent > error_limit)
            return [f"p95 {num(level.p95_ms or 0)} ms"] * slow + [
                f"error {level.error_percent:g} %"
            ] * failing

        at = next((i for i, level in enumerate(levels) if broken(level)), None)
        within = " and ".join(limits)
        if at is None:
            base["capacity_users"] = highest.users
            parts.append(
                f"within {within} up to the highest load, {num(highest.users)} users: capacity at least that"
            )
        elif at == 0:
            base["breaks_at_users"] = first.users
            parts.append(
                f"no load level within {within}: at {num(first.users)} users, {', '.join(broken(first))}"
            )
        else:
            base["capacity_users"], base["breaks_at_users"] = levels[at - 1].users, levels[at].users
            parts.append(
                f"capacity about {num(levels[at - 1].users)} users within {within}"
                f" (breaks at {num(levels[at].users)}: {', '.join(broken(levels[at]))})"
            )
    if saturated:
        grows = (highest.p95_ms or 0) > 1.5 * (peak.p95_ms or 0) or highest.avg_ms > 1.5 * (first.avg_ms or 0)
        parts.append(
            f"throughput peaks near {num(round(peak.hits_per_s))} hits/s around {num(peak.users)} users"
            f" (knee near {num(knee)} users)"
            + ("; beyond it response time grows with users: saturation" if grows else "")
        )
    else:
        parts.append(
            f"not saturated: throughput still grew in proportion up to {num(highest.users)} users,"
            f" so capacity is at least {num(highest.users)}"
        )
    base["knee_users"] = knee
    return Capacity(verdict="saturated" if saturated else "not saturated", headline="; ".join(parts), **base)


# ---------------------------------------------------------------------------------------------
# Views (MCP Apps): one HTML document, served as ui://octoperf/results.html, that hosts which
# render MCP Apps (VS Code, Claude, ChatGPT, Cursor, Goose) show beside the results of
# compare_tests, analyze_trend and assess_test. It draws inline SVG from the result's
# structuredContent, follows the host's light or dark theme, and fetches nothing. Other clients
# never read it: their results are the same.
# ---------------------------------------------------------------------------------------------
VIEW_URI = "ui://octoperf/results.html"
VIEW_HTML = r"""<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>OctoPerf results</title>
<style>
:root{color-scheme:light dark;--fg:var(--color-text-primary,#1b1f24);
--bg:var(--color-background-primary,#fff);--muted:var(--color-text-secondary,#5f6670);--grid:var(--color-border-primary,#d5d9de);--base:#9aa1ab;
--worse:#c62828;--better:#2e7d32;--unchanged:#6b7280;--accent:#1565c0;--warn:#b26a00}
@media (prefers-color-scheme:dark){:root:not([data-theme=light]){--fg:var(--color-text-primary,#e6e8eb);
--bg:var(--color-background-primary,#17191d);--muted:var(--color-text-secondary,#a4aab2);
--grid:var(--color-border-primary,#3a3f46);--base:#6b7280;--worse:#ef5350;--better:#66bb6a;--unchanged:#9aa0a8;
--accent:#64b5f6;--warn:#ffb74d}}
:root[data-theme=dark]{--fg:var(--color-text-primary,#e6e8eb);--bg:var(--color-background-primary,#17191d);
--muted:var(--color-text-secondary,#a4aab2);--grid:var(--color-border-primary,#3a3f46);--base:#6b7280;
--worse:#ef5350;--better:#66bb6a;--unchanged:#9aa0a8;--accent:#64b5f6;--warn:#ffb74d}
body{margin:0;padding:12px;font:13px/1.4 var(--font-sans,system-ui,-apple-system,"Segoe UI",sans-serif);
color:var(--fg);background:var(--bg)}
h2{font-size:13px;margin:14px 0 4px}p,li{margin:4px 0;overflow-wrap:anywhere}.muted{color:var(--muted)}
ul{margin:4px 0;padding-left:18px}
.verdict{display:inline-block;padding:2px 8px;border-radius:10px;color:#fff;font-weight:600;
background:var(--unchanged)}
.verdict.regression,.verdict.fail,.verdict.worse{background:var(--worse)}
.verdict.improvement,.verdict.pass,.verdict.better{background:var(--better)}
.verdict.warning,.verdict.mixed,.verdict.saturated{background:var(--warn);color:#1b1f24}
.verdict.not-saturated{background:var(--better)}
svg{display:block;overflow:hidden}svg text{fill:var(--fg);font-size:11px}
svg .small{fill:var(--muted);font-size:10px}
.base{fill:var(--base)}.worse .cand{fill:var(--worse)}.better .cand{fill:var(--better)}
.unchanged .cand,.na .cand{fill:var(--unchanged)}
.worse .change{fill:var(--worse)}.better .change{fill:var(--better)}
.line{fill:none;stroke:var(--accent);stroke-width:1.5}.run{fill:var(--accent)}.p95{stroke:var(--worse)}
.run.newest{fill:var(--bg);stroke:var(--accent);stroke-width:2.5}
.axis{stroke:var(--muted)}.grid{stroke:var(--grid)}.band{fill:var(--grid);opacity:.35}
.change-point line{stroke:var(--worse);stroke-dasharray:4 3;stroke-width:1.5}
.change-point.better line{stroke:var(--better)}
.change-point .mean{stroke:var(--fg);stroke-opacity:.6;stroke-dasharray:4 3;stroke-width:1.5;fill:none}
table{border-collapse:collapse;width:100%}
td,th{padding:2px 4px;text-align:right;border-bottom:1px solid var(--grid)}
td:first-child,th:first-child{text-align:left;word-break:break-word}
li.fail{color:var(--worse)}li.warning{color:var(--warn)}
</style></head>
<body><main id="view"><p class="muted">Waiting for the result from the host...</p></main>
<script>
"use strict";
// MCP Apps view (io.modelcontextprotocol/ui, spec 2026-01-26): JSON-RPC 2.0 over postMessage with
// the host. The view asks ui/initialize, applies the host's theme and style variables from the
// answer, then says ui/notifications/initialized; the host then sends ui/notifications/tool-result
// (a CallToolResult), drawn here from its structuredContent alone: nothing is fetched.
const PROTOCOL = "2026-01-26", waiting = {};
let nextId = 1, shown = null;
const post = (message) => window.parent.postMessage({jsonrpc: "2.0", ...message}, "*");
function ask(method, params) {
  const id = nextId++;
  post({id, method, params});
  return new Promise((resolve) => { waiting[id] = resolve; });
}
window.addEventListener("message", (event) => {
  const m = event.data;
  if (event.source !== window.parent || !m || m.jsonrpc !== "2.0") return;
  if (m.method === undefined) {  // an answer to one of our requests
    if (waiting[m.id]) { waiting[m.id](m.result || {}); delete waiting[m.id]; }
    return;
  }
  if (m.method === "ui/notifications/tool-result") { shown = m.params; draw(); }
  else if (m.method === "ui/notifications/host-context-changed") { theme(m.params); draw(); }
  else if (m.id !== undefined) post(m.method === "ui/resource-teardown" ? {id: m.id, result: {}}
    : {id: m.id, error: {code: -32601, message: "Method not found"}});
});
function theme(context) {  // the host's theme, and its standard style variables (--color-*, --font-*)
  if (!context) return;
  if (context.theme) document.documentElement.dataset.theme = context.theme;
  const vars = (context.styles || {}).variables || {};
  for (const name in vars) if (vars[name]) document.documentElement.style.setProperty(name, vars[name]);
}
const hello = {protocolVersion: PROTOCOL, appInfo: {name: "octoperf-mcp", version: "VERSION"},
  appCapabilities: {}};
ask("ui/initialize", hello).then((result) => {
  theme(result.hostContext);
  post({method: "ui/notifications/initialized", params: {}});
});
let drawnWidth = 0;  // redraw when the width changes, not when the drawing changes the height
new ResizeObserver(() => { if (document.body.clientWidth !== drawnWidth) draw(); }).observe(document.body);

// Drawing helpers: elements are built, never parsed from text, so no value can become markup.
function el(tag, attrs, ...children) {
  const node = tag.startsWith("svg:") ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
    : document.createElement(tag);
  for (const key in attrs || {}) if (attrs[key] !== undefined) node.setAttribute(key, attrs[key]);
  for (const c of children) if (c !== null && c !== undefined) node.append(c);  // text is appended as text
  return node;
}
const group = (v) => v.toLocaleString("en", {maximumFractionDigits: Math.abs(v) >= 100 ? 0 : 2});
// A value for people: bytes as kB, MB, GB; large numbers grouped, or in millions past 10 M.
function fmt(v, unit) {
  if (v === null || v === undefined) return "n/a";
  if (unit && unit.startsWith("bytes")) {
    const per = unit.slice(5), [f, p] = [[1e9, "GB"], [1e6, "MB"], [1e3, "kB"], [1, "B"]]
      .find(([f]) => Math.abs(v) >= f) || [1, "B"];
    return `${group(Math.round(v / f * 10) / 10)} ${p}${per}`;
  }
  return Math.abs(v) >= 1e7 ? `${group(Math.round(v / 1e5) / 10)} M` : group(v);
}
const pct = (v) => v === null || v === undefined ? "" : (v > 0 ? "+" : "") + v.toFixed(1) + " %";
const day = (s) => s ? s.slice(0, 10) : "";
const NAMES = NAMES_SAID, UNITS = UNITS_SAID;  // the server's own names and units
const name = (n) => NAMES[n] || n;
const head = (d) => [el("p", {}, el("span", {class: "verdict " + d.verdict.replace(/\W/g, "-")}, d.verdict)),
  ...(d.headline ? [el("p", {class: "headline"}, d.headline)] : [])];
// "p95 (ms)"; no unit where the name or the values already say it ("error %", "received" in MB).
const titled = (label, unit) => unit && !label.includes(unit) && !unit.startsWith("bytes")
  ? `${label} (${unit})` : label;
const item = (t, cls) => el("li", {class: cls ? cls(t) : ""}, typeof t === "string" ? t : t.detail);
const row = (tag, cells) => el("tr", {}, ...cells.map((c) => el(tag, {}, c)));
const list = (title, items, cls) => items && items.length
  ? [el("h2", {}, title), el("ul", {}, ...items.map((t) => item(t, cls)))] : [];

function draw() {
  const view = document.getElementById("view"), d = shown && shown.structuredContent;
  if (!shown) return;
  drawnWidth = document.body.clientWidth;
  const width = Math.max(280, view.clientWidth);
  const text = ((shown.content || [])[0] || {}).text || "No structured result.";
  view.replaceChildren(...(!d ? [el("p", {}, text)]
    : d.run_ids ? trend(d, width) : d.sla ? scorecard(d, width) : d.levels ? capacity(d, width)
    : comparison(d, width)));
  for (const svg of view.querySelectorAll("svg")) untangle(svg, width);
  const body = document.body.getBoundingClientRect();  // margins of the last element included
  post({method: "ui/notifications/size-changed", params: {width: Math.ceil(body.width),
    height: Math.ceil(body.height)}});
}

// Once laid out: a label that would overlap the one before it moves to the second label row, or
// is left out (its value stays in the text result); a title wider than the chart gets smaller.
function untangle(svg, W) {
  const rows = [[], []];
  for (const label of svg.querySelectorAll("text.cp-label")) {
    const box = label.getBBox();
    const free = (row) => rows[row].every((b) => box.x > b.x + b.width + 4 || box.x + box.width + 4 < b.x);
    const row = free(0) ? 0 : free(1) ? 1 : -1;
    if (row < 0) { label.remove(); continue; }
    label.setAttribute("y", label.getAttribute("y") - 0 + row * 11);
    rows[row].push(box);
  }
  for (const title of svg.querySelectorAll("text.title")) {
    for (let size = 11; title.getBBox().width > W && size > 8; size--) title.style.fontSize = `${size - 1}px`;
  }
}

// compare_tests: each metric's baseline (grey) and candidate (coloured by verdict) bars, scaled per metric.
function comparison(d, W) {
  const rowH = 46, barW = W - 78;
  const chart = el("svg:svg", {width: W, height: d.metrics.length * rowH, role: "img",
    "aria-label": "Each metric in both runs"});
  d.metrics.forEach((m, i) => {
    const top = Math.max(Math.abs(m.baseline || 0), Math.abs(m.candidate || 0)) || 1;
    const bar = (v) => Math.max(1, barW * Math.abs(v || 0) / top);
    const where = {class: "metric " + m.verdict.replace("/", ""), "data-metric": m.name,
      transform: `translate(0,${i * rowH})`};
    chart.append(el("svg:g", where,
      el("svg:text", {x: 0, y: 11, class: "title"}, titled(name(m.name), m.unit)),
      el("svg:text", {x: W, y: 11, "text-anchor": "end", class: "change"},
        `${pct(m.change_percent)} ${m.verdict}`),
      el("svg:rect", {x: 0, y: 16, width: bar(m.baseline), height: 9, class: "base"}),
      el("svg:rect", {x: 0, y: 29, width: bar(m.candidate), height: 9, class: "cand"}),
      el("svg:text", {x: barW + 6, y: 24, class: "small value"}, fmt(m.baseline, m.unit)),
      el("svg:text", {x: barW + 6, y: 37, class: "value"}, fmt(m.candidate, m.unit))));
  });
  const rows = (d.top_regressions || []).map((t) =>
    row("td", [t.name, fmt(t.baseline_p95_ms), fmt(t.candidate_p95_ms), pct(t.change_percent)]));
  const runs = `grey: baseline ${d.baseline.bench_result_id}, `
    + `coloured: candidate ${d.candidate.bench_result_id}`;
  return [...head(d), el("p", {class: "muted"}, runs), ...list("Warnings", d.warnings), chart,
    ...(rows.length ? [el("h2", {}, "Most regressed transactions (p95, ms)"),
      el("table", {}, row("th", ["transaction", "before", "after", "change"]), ...rows)] : [])];
}

// Up to `count` round values from lo to hi, for an axis.
function ticks(lo, hi, count) {
  const raw = (hi - lo) / count, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw);
  const found = [];
  for (let k = Math.ceil(lo / step); k * step <= hi + step * 1e-9; k++) found.push(k * step || 0);
  return found;
}

// analyze_trend: a line per metric across the runs, the newest run ringed, change points dashed
// with their medians before and after, their labels in a band above the line; the scale spans at
// least the tolerance band around the median, so noise is not blown up.
function trend(d, W) {
  const H = 158, L = 52, R = 10, T = 44, B = 22, n = d.run_ids.length;
  const charts = d.metrics.map((m) => {
    const known = m.values.filter((v) => v !== null);
    if (!known.length) return el("p", {class: "muted"}, `${name(m.metric)}: no values`);
    const mid = [...known].sort((a, b) => a - b)[Math.floor(known.length / 2)];
    const band = m.metric === "error_percent" ? 0.5 : Math.abs(mid) * d.tolerance_percent / 100;
    let lo = Math.min(...known, mid - band), hi = Math.max(...known, mid + band);
    for (const c of m.change_points) {
      lo = Math.min(lo, c.before, c.after);
      hi = Math.max(hi, c.before, c.after);
    }
    const span = hi - lo || Math.abs(hi) || 1; lo -= span * 0.06; hi += span * 0.06;
    if (known.every((v) => v >= 0)) lo = Math.max(0, lo);  // no negative times, rates or shares
    const x = (i) => L + (n > 1 ? i * (W - L - R) / (n - 1) : (W - L - R) / 2);
    const y = (v) => T + (hi - v) * (H - T - B) / (hi - lo);
    const points = m.values.map((v, i) => v === null ? null : [x(i), y(v), i, v]).filter(Boolean);
    const status = `newest ${m.verdict}`
      + (m.latest_change_percent === null ? "" : ` ${pct(m.latest_change_percent)}`)
      + (m.drift_percent === null ? "" : `, drift ${pct(m.drift_percent)}`);
    const svg = el("svg:svg", {width: W, height: H, class: "metric-trend", "data-metric": m.metric,
      role: "img", "aria-label": `${name(m.metric)} across ${n} runs`},
      el("svg:text", {x: 0, y: 12, class: "title"},
        `${titled(name(m.metric), UNITS[m.metric])} · ${status}`));
    for (const v of ticks(lo, hi, 3)) {
      svg.append(el("svg:line", {x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid"}),
        el("svg:text", {x: L - 4, y: y(v) + 3, "text-anchor": "end", class: "small tick"}, fmt(v)));
    }
    const dates = W >= 600 ? 5 : 3;
    for (let k = 0; k < Math.min(dates, n); k++) {
      const i = Math.round(k * (n - 1) / Math.max(1, dates - 1)), anchor = k === 0 ? "start"
        : k === dates - 1 ? "end" : "middle";
      svg.append(el("svg:text", {x: x(i), y: H - 6, "text-anchor": anchor, class: "small date"},
        day(d.run_dates[i])));
    }
    svg.append(el("svg:line", {x1: L, x2: W - R, y1: H - B, y2: H - B, class: "axis"}),
      el("svg:polyline", {class: "line", points: points.map((p) => `${p[0]},${p[1]}`).join(" ")}));
    const cuts = [0, ...m.change_points.map((c) => d.run_ids.indexOf(c.bench_result_id)), n - 1];
    m.change_points.forEach((c, k) => {
      const at = cuts[k + 1], good = c.after < c.before === (m.metric !== "hits_per_s");
      const marker = {class: "change-point " + (good ? "better" : "worse"), "data-run": c.bench_result_id};
      const right = x(at) > W / 2;
      svg.append(el("svg:g", marker,
        el("svg:line", {x1: x(at), x2: x(at), y1: T - 4, y2: H - B}),
        el("svg:line", {x1: x(cuts[k]), x2: x(at), y1: y(c.before), y2: y(c.before), class: "mean"}),
        el("svg:line", {x1: x(at), x2: x(cuts[k + 2]), y1: y(c.after), y2: y(c.after), class: "mean"}),
        el("svg:text", {x: right ? x(at) - 3 : x(at) + 3, y: 26, class: "small cp-label",
          "text-anchor": right ? "end" : "start"},
          `${fmt(c.before)} → ${fmt(c.after)} (${pct(c.change_percent)})`)));
    });
    for (const [px, py, i, v] of points) {
      const newest = i === n - 1, tip = `${d.run_ids[i]} ${day(d.run_dates[i])}: ${fmt(v)}`;
      svg.append(el("svg:circle", {cx: px, cy: py, r: newest ? 4.5 : 2.5,
        class: newest ? "run newest" : "run",
        "data-run": d.run_ids[i]}, el("svg:title", {}, tip)));
    }
    return svg;
  });
  const shifts = (d.transactions || []).map((t) => `${t.name}: p95 ${fmt(t.before_p95_ms)} → `
    + `${fmt(t.after_p95_ms)} ms (${pct(t.change_percent)}) at ${t.bench_result_id}`);
  const about = `${n} runs of ${d.scenario_id}`
    + (d.since ? `, since ${d.since} (${day(d.since_date)})` : "")
    + `; each scale spans at least ±${d.tolerance_percent} % around the median`;
  return [...head(d), el("p", {class: "muted"}, about), ...list("Warnings", d.warnings), ...charts,
    ...list("Transactions whose p95 shifted", shifts), ...list("Left out", d.left_out)];
}

// find_capacity: hits/s (left scale) and p95 (right scale) against users, the USL curve dashed,
// the knee and the capacity within the limits marked.
function capacity(d, W) {
  const H = 220, L = 44, R = 44, T = 30, B = 24, lv = d.levels, f = d.usl;
  if (!lv.length) return [...head(d), el("p", {class: "muted"}, d.load)];
  const nMax = Math.max(...lv.map((l) => l.users)) * 1.05;
  const xMax = Math.max(...lv.map((l) => l.hits_per_s)) * 1.15;
  const pMax = Math.max(1, ...lv.map((l) => l.p95_ms || 0)) * 1.1;
  const x = (n) => L + n * (W - L - R) / nMax, y = (v, top) => T + (top - v) * (H - T - B) / top;
  const line = (pts, cls) => el("svg:polyline", {class: cls,
    points: pts.map(([a, b]) => `${a},${b}`).join(" ")});
  const svg = el("svg:svg", {width: W, height: H, class: "capacity", role: "img", "aria-label": "Capacity"},
    el("svg:text", {x: 0, y: 12, class: "title"}, "hits/s (blue, left) · p95 ms (red, right) · users"),
    el("svg:line", {x1: L, x2: W - R, y1: H - B, y2: H - B, class: "axis"}));
  for (const v of ticks(0, xMax, 3)) {
    svg.append(el("svg:line", {x1: L, x2: W - R, y1: y(v, xMax), y2: y(v, xMax), class: "grid"}),
      el("svg:text", {x: L - 4, y: y(v, xMax) + 3, "text-anchor": "end", class: "small tick"}, fmt(v)));
  }
  for (const v of ticks(0, pMax, 3)) svg.append(el("svg:text", {x: W - R + 4, y: y(v, pMax) + 3,
    class: "small tick"}, fmt(v)));
  for (const n of ticks(0, nMax, W >= 600 ? 6 : 3)) svg.append(el("svg:text", {x: x(n), y: H - 8,
    "text-anchor": "middle", class: "small date"}, fmt(n)));
  if (f) {
    const usl = (n) => f.lambda_per_user * n / (1 + f.sigma * (n - 1) + f.kappa * n * (n - 1));
    const pts = Array.from({length: 41}, (_, i) => i * nMax / 40)
      .map((n) => [x(n), y(Math.min(usl(n), xMax), xMax)]);
    svg.append(el("svg:g", {class: "change-point better"}, line(pts, "mean usl")));
  }
  svg.append(line(lv.map((l) => [x(l.users), y(l.hits_per_s, xMax)]), "line"),
    line(lv.filter((l) => l.p95_ms !== null).map((l) => [x(l.users), y(l.p95_ms, pMax)]), "line p95"));
  [["knee", d.knee_users], ["capacity", d.capacity_users]].forEach(([label, n], k) => {
    if (n === null) return;
    const right = x(n) > W / 2;
    svg.append(el("svg:g", {class: `change-point ${k ? "better" : "worse"} mark`},
      el("svg:line", {x1: x(n), x2: x(n), y1: T - 6, y2: H - B}),
      el("svg:text", {x: right ? x(n) - 3 : x(n) + 3, y: 26, "text-anchor": right ? "end" : "start",
        class: "small cp-label"}, `${label} ${fmt(n)}`)));
  });
  const step = Math.max(1, Math.ceil(lv.length / 12));
  return [...head(d), el("p", {class: "muted"}, d.load), ...list("Warnings", d.warnings), svg,
    el("table", {}, row("th", ["users", "hits/s", "p95 ms", "error %"]),
      ...lv.filter((_, i) => i % step === 0 || i === lv.length - 1).map((l) =>
        row("td", [fmt(l.users), fmt(l.hits_per_s), fmt(l.p95_ms), fmt(l.error_percent)])))];
}

// assess_test: each SLA limit as observed against limit, then the findings by level.
function scorecard(d, W) {
  const rowH = 36, barW = W - 8;
  const chart = el("svg:svg", {width: W, height: d.sla.length * rowH, role: "img", "aria-label": "SLA"});
  d.sla.forEach((c, i) => {
    const unit = UNITS[c.name];
    const top = Math.max(c.limit, c.observed || 0) * 1.05 || 1, at = barW * c.limit / top;
    const cls = c.result === "FAIL" ? "worse" : c.result === "PASS" ? "better" : "unchanged";
    chart.append(el("svg:g", {class: "criterion " + cls, transform: `translate(0,${i * rowH})`},
      el("svg:text", {x: 0, y: 11, class: "title"},
        `${name(c.name)}: ${fmt(c.observed)} ${unit} (limit ${fmt(c.limit)} ${unit})`),
      el("svg:text", {x: W, y: 11, "text-anchor": "end", class: "change"},
        c.margin === null ? c.result
          : `${c.result}, ${fmt(Math.abs(c.margin))} ${unit} ${c.margin < 0 ? "over" : "to spare"}`),
      el("svg:rect", {x: 0, y: 17, width: Math.max(1, barW * (c.observed || 0) / top), height: 10,
        class: "cand"}),
      el("svg:line", {x1: at, x2: at, y1: 14, y2: 30, class: "axis", "stroke-width": 2})));
  });
  return [...head(d), el("p", {class: "muted"}, `${d.bench_result_id} (${d.state})`),
    ...(d.sla.length ? [el("h2", {}, "SLA"), chart] : []), ...list("Findings", d.findings, (f) => f.level)];
}
</script></body></html>
"""


# ---------------------------------------------------------------------------------------------
# Demo account (--demo): a simulated OctoPerf behind an httpx2.MockTransport. It speaks the REST
# shapes above, so every tool runs its real code, offline and without a key. Its history is
# generated from fixed seeds; the runs a user launches (and stops) are kept in a small state
# file, so that every later process of the same user sees them walk on; an unknown id is a 404.
# ---------------------------------------------------------------------------------------------
DEMO_NOTE = "DEMO DATA: a simulated OctoPerf account (--demo), not real results."
DEMO_T0 = 1_793_008_800_000  # 2026-10-26T10:00:00Z, the first run of the checkout history
DAY_MS = 86_400_000
# A launched run's states and their seconds; a run of the history was 600 s of load.
DEMO_WALK = (("PENDING", 5), ("SCALING", 10), ("PREPARING", 10), ("INITIALIZING", 5), ("RUNNING", 30))
DEMO_LOAD_S = 600
# The checkout scenario's history: a run a day (release 1.01 to 1.20), with noise; from run 11
# on, Search is lastingly slower; run 6 alone is slow everywhere (a noisy neighbour); the newest
# run makes Checkout and Payment slower and failing.
DEMO_HISTORY = tuple(f"br-checkout-r{i:02d}" for i in range(1, 21))
DEMO_SHIFT = (11, "Search", 1.6)  # (from run, transaction, factor)
DEMO_OUTLIER = (6, 1.5)  # (run, factor on every time)
DEMO_REGRESSION = {"Checkout": 1.9, "Payment": 1.6}  # the newest run
SHOP_ACTIONS = (  # (name, share of the hits, average response time in s)
    ("Home page", 0.22, 0.12), ("Search", 0.18, 0.35), ("Product page", 0.2, 0.18),
    ("Login", 0.08, 0.25), ("Add to cart", 0.12, 0.21), ("Checkout", 0.08, 0.48),
    ("Payment", 0.06, 0.62), ("Order confirmation", 0.06, 0.15),
)  # fmt: skip
API_ACTIONS = (
    ("GET /api/products", 0.4, 0.045), ("GET /api/products/{id}", 0.25, 0.03),
    ("POST /api/cart/items", 0.15, 0.08), ("POST /api/orders", 0.1, 0.16),
    ("GET /api/orders/{id}", 0.1, 0.05),
)  # fmt: skip
# project id -> (name, its virtual user, its actions); scenario id -> (name, project, hits/s, text)
DEMO_PROJECTS = {
    "prj-shop": ("Web shop", "Shopper", SHOP_ACTIONS),
    "prj-api": ("Public API", "API client", API_ACTIONS),
}
DEMO_SCENARIOS = {
    "scn-checkout": (
        "Checkout, 200 users",
        "prj-shop",
        200,
        "Ramp up to 200 shoppers over 2 min, hold 8 min",
    ),
    "scn-soak": ("Soak, 50 users", "prj-shop", 50, "Hold 50 shoppers for 4 h"),
    "scn-burst": ("API burst, 500 users", "prj-api", 800, "500 API clients at once"),
    "scn-capacity": ("Checkout ramp, 0 to 600 users", "prj-shop", 0, "Ramp up to 600 shoppers over 20 min"),
}
MAX_DEMO_LAUNCHES = 50  # the state file keeps the newest ones
# A capacity run of the checkout flow, a week before the history: 0 to 600 users over 20 min on
# two generators, whose JTL files the demo makes from a Universal Scalability Law with a known
# knee (lambda 1 hit/s a user, sigma 0.001, kappa 0.00001: peak near 316 users and 137 hits/s),
# 0.8 s of think time (so response time = users / hits/s - 0.8 s, Little's law), and errors from
# 450 users on.
DEMO_RAMP = "br-capacity-01"
DEMO_USL = (1.0, 0.001, 1e-5, 0.8)  # lambda, sigma, kappa, think time (s)
DEMO_RAMP_LOAD = (600, 1200, 2)  # users at the top, seconds, load generators
JTL_HEADER = (
    "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,bytes,sentBytes,"
    "grpThreads,allThreads,URL,Latency,Encoding,Hostname,IdleTime,Connect"
)


def demo_state_file(env: Mapping[str, str]) -> str:
    """Where the demo keeps the runs a user launched: the user's state directory."""
    home = env.get("XDG_STATE_HOME") or env.get("LOCALAPPDATA") or os.path.expanduser("~/.local/state")
    return os.path.join(home, "octoperf-mcp", "demo-runs.json")


class DemoOctoPerf:
    """The demo account's REST API: `handle` is an httpx2.MockTransport handler."""

    def __init__(self, clock: Callable[[], float] = time.time, state_file: str | None = None):
        self.clock = clock  # epoch seconds
        self.state_file = state_file  # None: launched runs live as long as this object
        self.memory: dict[str, dict[str, Any]] = {}
        self.table = [(re.compile(pattern), answer) for pattern, answer in self.routes()]

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        route = f"{request.method} {request.url.path}"
        for pattern, answer in self.table:
            if found := pattern.fullmatch(route):
                body = json.loads(request.content or b"null")
                data = answer(*found.groups(), body, **dict(request.url.params))
                if isinstance(data, bytes):
                    return httpx2.Response(
                        200, content=data, headers={"Content-Type": "application/octet-stream"}
                    )
                if data is not None:
                    return httpx2.Response(200, json=data)
        return httpx2.Response(404, json={"status": 404, "message": f"The demo account has no {route}"})

    def routes(self) -> list[tuple[str, Callable[..., Any]]]:
        one = "([A-Za-z0-9_-]+)"
        return [
            ("GET /workspaces/member-of", lambda _: [self.entity("ws-demo", "Demo shop", DEMO_T0)]),
            (f"GET /design/projects/by-workspace/{one}/DESIGN", lambda ws, _: self.projects(ws)),
            (f"GET /design/projects/{one}", lambda pid, _: next(iter(self.projects("ws-demo", pid)), None)),
            (f"GET /runtime/scenarios/by-project/{one}", lambda pid, _: self.scenarios(pid) or None),
            (f"GET /runtime/scenarios/{one}", lambda sid, _: next(iter(self.scenarios(None, sid)), None)),
            (f"POST /runtime/scenarios/run/{one}", self.launch),
            (
                f"GET /runtime/bench-results/progress/{one}",
                lambda rid, _: self.run(rid) and self.progress(rid),
            ),
            (f"POST /runtime/bench-results/stop/{one}", lambda rid, _: self.stop(rid)),
            (f"GET /runtime/bench-results/{one}", lambda rid, _: self.run(rid)),
            (f"GET /analysis/bench-reports/by-project/{one}", lambda pid, _: self.reports(pid)),
            (
                f"GET /analysis/bench-reports/{one}",
                lambda rep, _: self.report(rep.replace("rep-", "br-", 1), rep),
            ),
            (f"GET /design/virtual-users/by-project/{one}", lambda pid, _: self.virtual_users(pid)),
            (
                f"GET /analysis/metrics/global/{one}",
                lambda rid, _: self.run(rid) and self.global_metrics(rid),
            ),
            ("POST /analysis/metrics/(summary|table)", self.statistics),
            (f"GET /analysis/logs/list/{one}", lambda rid, _: self.run(rid) and self.files(rid)),
            (
                f"GET /analysis/logs/{one}",
                lambda rid, _, filename="": self.run(rid) and self.jtl(rid, filename),
            ),
            ("POST /analysis/threshold-alarms", lambda body: self.alarms(body["metric"]["benchResultId"])),
        ]

    @staticmethod
    def entity(id: str, name: str, created: int, **fields: Any) -> dict[str, Any]:
        return {
            "id": id,
            "name": name,
            "description": "",
            "created": created,
            "lastModified": created,
        } | fields

    def projects(self, workspace_id: str, only: str | None = None) -> list[dict[str, Any]] | None:
        if workspace_id != "ws-demo":
            return None
        return [
            self.entity(pid, name, DEMO_T0 - 30 * DAY_MS, lastModified=DEMO_T0 + (2 - i) * DAY_MS,
                        workspaceId="ws-demo", type="DESIGN")
            for i, (pid, (name, _, _)) in enumerate(DEMO_PROJECTS.items())
            if only in (None, pid)
        ]  # fmt: skip

    def scenarios(self, project_id: str | None, only: str | None = None) -> list[dict[str, Any]]:
        return [
            self.entity(sid, name, DEMO_T0 - 20 * DAY_MS, projectId=pid, description=text, mode="STANDARD")
            for sid, (name, pid, _, text) in DEMO_SCENARIOS.items()
            if project_id in (None, pid) and only in (None, sid)
        ]

    # The runs a user launched: {run id: {"scenario", "start" (epoch ms), "name", "stopped" (s)}}.
    def launched(self) -> dict[str, dict[str, Any]]:
        if not self.state_file:
            return self.memory
        try:
            with open(self.state_file, encoding="utf-8") as file:
                runs = json.load(file)
            return {
                k: v for k, v in runs.items() if isinstance(v, dict) and v.get("scenario") in DEMO_SCENARIOS
            }
        except (OSError, ValueError, AttributeError):  # absent or corrupt: no launched runs
            return {}

    def remember(self, runs: dict[str, dict[str, Any]]) -> None:
        newest = dict(sorted(runs.items(), key=lambda run: run[1]["start"])[-MAX_DEMO_LAUNCHES:])
        if not self.state_file:
            self.memory = newest
            return
        try:
            os.makedirs(os.path.dirname(self.state_file), exist_ok=True)
            with open(f"{self.state_file}.{os.getpid()}", "w", encoding="utf-8") as file:
                json.dump(newest, file)
            os.replace(f"{self.state_file}.{os.getpid()}", self.state_file)
        except OSError as error:  # the demo goes on; the run is forgotten by the next process
            log.warning("The demo could not save its launched runs in %s: %s", self.state_file, error)

    def launch(self, scenario_id: str, _: Any, name: str = "") -> dict[str, Any] | None:
        if scenario_id not in DEMO_SCENARIOS:
            return None
        start = int(self.clock() * 1000)
        run_id = f"br-{scenario_id.removeprefix('scn-')}-{start}"
        runs = self.launched()
        runs[run_id] = {"scenario": scenario_id, "start": start, "name": name, "stopped": None}
        self.remember(runs)
        return self.report(run_id)

    def known(self, run_id: str) -> dict[str, Any] | None:
        """A run's scenario, start (epoch ms), name and stop; None for an unknown id."""
        if run_id == DEMO_RAMP:
            return {"scenario": "scn-capacity", "start": DEMO_T0 - 7 * DAY_MS, "name": "Checkout capacity",
                    "stopped": None}  # fmt: skip
        if run_id in DEMO_HISTORY:
            number = DEMO_HISTORY.index(run_id)
            name = f"Checkout, release 1.{number + 1:02d}"
            return {
                "scenario": "scn-checkout",
                "start": DEMO_T0 + number * DAY_MS,
                "name": name,
                "stopped": None,
            }
        return self.launched().get(run_id)

    def walk(self, run_id: str) -> tuple[str, float, float]:
        """(state, progress %, seconds of load so far) of a known run, from the clock."""
        run = self.known(run_id)
        if run_id in DEMO_HISTORY:
            return "FINISHED", 100.0, DEMO_LOAD_S
        if run_id == DEMO_RAMP:
            return "FINISHED", 100.0, DEMO_RAMP_LOAD[1]
        elapsed = run["stopped"] if run["stopped"] is not None else self.clock() - run["start"] / 1000
        for state, seconds in DEMO_WALK:
            if elapsed < seconds:
                load = elapsed if state == "RUNNING" else 0.0
                return ("ABORTED" if run["stopped"] is not None else state), 100 * load / seconds, load
            elapsed -= seconds
        return "FINISHED", 100.0, DEMO_WALK[-1][1]

    def run(self, run_id: str) -> dict[str, Any] | None:
        if not (run := self.known(run_id)):
            return None
        state = self.walk(run_id)[0]
        lasted = (
            self.walk(run_id)[2]
            if run_id in (*DEMO_HISTORY, DEMO_RAMP)
            else run["stopped"] or sum(s for _, s in DEMO_WALK)
        )
        end = run["start"] + round(1000 * lasted) if state in FINISHED_STATES else int(self.clock() * 1000)
        project = DEMO_SCENARIOS[run["scenario"]][1]
        return {
            "id": run_id, "batchId": f"batch-{run_id}", "scenarioId": run["scenario"],
            "designProjectId": project, "resultProjectId": project, "state": state, "created": run["start"],
            "lastModified": end,
        }  # fmt: skip

    def progress(self, run_id: str) -> dict[str, float]:
        return {"value": round(self.walk(run_id)[1], 1)}

    def stop(self, run_id: str) -> dict[str, Any] | None:
        if not (run := self.known(run_id)):
            return None
        if self.walk(run_id)[0] not in FINISHED_STATES:
            runs = self.launched()
            runs[run_id] = run | {"stopped": self.clock() - run["start"] / 1000}
            self.remember(runs)
        return self.run(run_id)

    def report(self, run_id: str, asked: str | None = None) -> dict[str, Any] | None:
        if not (run := self.known(run_id)) or asked == run_id:  # a bench RESULT id is no report id
            return None
        scenario, project = DEMO_SCENARIOS[run["scenario"]][0:2]
        return {
            "id": run_id.replace("br-", "rep-", 1), "name": run["name"] or scenario, "description": "",
            "projectId": project, "created": run["start"], "benchResultIds": [run_id],
            "items": [{"@type": "SummaryReportItem", "name": "Statistics"}],
        }  # fmt: skip

    def reports(self, project_id: str) -> list[dict[str, Any]] | None:
        if project_id not in DEMO_PROJECTS:
            return None
        runs = [self.report(run_id) for run_id in [DEMO_RAMP, *DEMO_HISTORY, *self.launched()]]
        return [r for r in runs if r and r["projectId"] == project_id]

    def virtual_users(self, project_id: str) -> list[dict[str, Any]] | None:
        if project_id not in DEMO_PROJECTS:
            return None
        _, user, actions = DEMO_PROJECTS[project_id]
        children = [
            {"@type": "HttpAction", "id": f"act-{project_id[4:]}-{i}", "name": n}
            for i, (n, _, _) in enumerate(actions)
        ]
        return [self.entity(f"vu-{project_id[4:]}", user, DEMO_T0, projectId=project_id, children=children)]

    def rows(self, run_id: str) -> dict[str, dict[str, float | None]]:
        """Each action's statistics (times in seconds, as OctoPerf gives them), from a seed."""
        seed = random.Random(run_id)
        scenario = DEMO_SCENARIOS[self.known(run_id)["scenario"]]  # type: ignore[index]
        number = DEMO_HISTORY.index(run_id) + 1 if run_id in DEMO_HISTORY else 0
        hits = sum(map(sum, self.ramp())) if run_id == DEMO_RAMP else scenario[2] * self.walk(run_id)[2]
        found = {}
        for i, (name, share, avg) in enumerate(DEMO_PROJECTS[scenario[1]][2]):
            failing = run_id == DEMO_HISTORY[-1] and name in DEMO_REGRESSION
            slow = DEMO_REGRESSION[name] if failing else 1.0
            slow *= DEMO_SHIFT[2] if number >= DEMO_SHIFT[0] and name == DEMO_SHIFT[1] else 1.0
            slow *= DEMO_OUTLIER[1] if number == DEMO_OUTLIER[0] else 1.0
            avg *= slow * seed.uniform(0.95, 1.05)
            count = round(hits * share * seed.uniform(0.98, 1.02))
            errors = round(count * (0.08 if failing else seed.uniform(0, 0.004)))
            times = {
                "RESPONSE_TIME_AVG": 1, "RESPONSE_TIME_MEDIAN": 0.8, "RESPONSE_TIME_PERCENTILE_90": 1.6,
                "RESPONSE_TIME_PERCENTILE_95": 2, "RESPONSE_TIME_PERCENTILE_99": 6 if failing else 3.2,
                "RESPONSE_TIME_MIN": 0.2, "RESPONSE_TIME_MAX": 9,
            }  # fmt: skip
            found[f"act-{scenario[1][4:]}-{i}"] = {"HITS_TOTAL": count, "ERRORS_TOTAL": errors} | {
                metric: avg * factor if count else None for metric, factor in times.items()
            }
        return found

    def summary(self, run_id: str) -> dict[str, float | None]:
        rows = self.rows(run_id).values()
        hits = sum(r["HITS_TOTAL"] for r in rows)  # type: ignore[misc]
        errors = sum(r["ERRORS_TOTAL"] for r in rows)  # type: ignore[misc]
        seconds = max(self.walk(run_id)[2], 1.0)
        times = [m for m in next(iter(rows)) if m.startswith("RESPONSE_TIME")]
        return {
            m: sum(r[m] * r["HITS_TOTAL"] for r in rows) / hits if hits else None for m in times  # type: ignore[operator]
        } | {
            "HITS_TOTAL": hits, "HITS_RATE": hits / seconds, "ERRORS_TOTAL": errors,
            "ERRORS_RATE": errors / seconds, "ERRORS_PERCENT": 100 * errors / hits if hits else None,
            "THROUGHPUT_TOTAL": hits * 24_000.0, "THROUGHPUT_RATE": hits * 24_000.0 / seconds,
            "SENT_BYTES_TOTAL": hits * 700.0, "SENT_BYTES_RATE": hits * 700.0 / seconds,
        }  # fmt: skip

    def statistics(self, kind: str, body: dict[str, Any]) -> list[Any] | None:
        metrics = [m["id"] for m in body["metrics"]]
        run_id = body["metrics"][0]["benchResultId"]
        if not self.known(run_id):
            return None
        if kind == "table":
            return [
                {"actionId": a, "values": [{"value": row.get(m)} for m in metrics]}
                for a, row in self.rows(run_id).items()
            ]
        summary = self.summary(run_id)
        return [summary.get(m) for m in metrics]

    def global_metrics(self, run_id: str) -> dict[str, list[dict[str, Any]]]:
        """The live metrics of /analysis/metrics/global: each value carries its unit."""
        summary = self.summary(run_id)
        return {
            "metrics": [
                {"name": "Hits", "value": summary["HITS_TOTAL"], "unit": ""},
                {"name": "Errors", "value": summary["ERRORS_TOTAL"], "unit": ""},
                {"name": "Avg Elapsed", "value": summary["RESPONSE_TIME_AVG"], "unit": "s"},
                {"name": "Total Throughput", "value": (summary["THROUGHPUT_TOTAL"] or 0) / 1e6, "unit": "MB"},
            ]
        }

    def files(self, run_id: str) -> list[str]:
        jtl = [f"gen-{g + 1}.jtl.gz" for g in range(DEMO_RAMP_LOAD[2])] if run_id == DEMO_RAMP else []
        return ["jmeter.log.gz", *jtl]  # the history's runs kept no JTL (their JTL setting is off)

    @staticmethod
    @cache
    def ramp() -> list[list[int]]:
        """Hits a second and generator of the capacity run: the model's, carried to whole hits."""
        lam, sigma, kappa, _ = DEMO_USL
        top, seconds, generators = DEMO_RAMP_LOAD
        counts, carry = [], 0.0
        for second in range(seconds):
            n = top * (second + 1) / seconds
            carry += lam * n / (1 + sigma * (n - 1) + kappa * n * (n - 1)) / generators
            counts.append([int(carry)] * generators)
            carry -= int(carry)
        return counts

    @cache  # noqa: B019 (one demo object a process)
    def jtl(self, run_id: str, filename: str) -> bytes | None:
        """A generator's JTL file, gzipped: its samples from the model, with lognormal noise."""
        names = self.files(run_id)
        if filename not in names or not filename.endswith(".jtl.gz"):
            return None
        g = names.index(filename) - 1
        lam, sigma, kappa, think = DEMO_USL
        top, seconds, generators = DEMO_RAMP_LOAD
        rng, start = random.Random(f"{run_id}-{g}"), self.known(run_id)["start"]  # type: ignore[index]
        lines = [JTL_HEADER]
        for second, hits in enumerate(h[g] for h in self.ramp()):
            n = top * (second + 1) / seconds
            wait = n * (1 + sigma * (n - 1) + kappa * n * (n - 1)) / (lam * n) - think  # s, Little's law
            threads, failing = round(n / generators), 0.001 + 0.04 * max(0.0, n - 450) / 150
            for k in range(hits):
                name, _, _ = SHOP_ACTIONS[k % len(SHOP_ACTIONS)]
                elapsed = max(1, round(1000 * wait * rng.lognormvariate(-0.08, 0.4)))
                ok = rng.random() >= failing
                lines.append(
                    f"{start + 1000 * second + 1000 * k // hits},{elapsed},{name},{200 if ok else 503},"
                    f"{'OK' if ok else 'Service Unavailable'},Shopper {g + 1}-{k % threads + 1},text,"
                    f"{'true' if ok else 'false'},24000,700,{threads},{threads},https://shop.example/,"
                    f"{elapsed // 2},UTF-8,gen-{g + 1},0,3"
                )
        return gzip.compress(("\n".join(lines) + "\n").encode(), 6, mtime=0)

    def alarms(self, run_id: str) -> list[dict[str, Any]] | None:
        if not self.known(run_id):
            return None
        if not run_id.startswith("br-checkout"):
            return []
        severity = ("CRITICAL", "WARNING") if run_id == DEMO_HISTORY[-1] else ("PASSED", "PASSED")
        p95 = self.rows(run_id)["act-shop-5"]["RESPONSE_TIME_PERCENTILE_95"]
        return [
            {"id": "alarm-p95", "name": "Checkout p95 below 1.5 s", "thresholdId": "thr-checkout-p95",
             "counterId": "RESPONSE_TIME_PERCENTILE_95", "severity": severity[0], "threshold": 1.5,
             "observed": p95},
            {"id": "alarm-errors", "name": "errors below 1 %", "thresholdId": "thr-errors",
             "counterId": "ERRORS_PERCENT", "severity": severity[1], "threshold": 1.0,
             "observed": self.summary(run_id)["ERRORS_PERCENT"]},
        ]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Server and entrypoint
# ---------------------------------------------------------------------------------------------
INSTRUCTIONS = """\
OctoPerf is a JMeter-based load-testing service. Its objects form a chain: workspace > project >
scenario (a launchable load profile) > test run (a "bench result": state and progress), which a
"bench report" summarises. To run a test: list_workspaces > list_projects > list_scenarios >
run_scenario (costs credits: confirm with the user first) > wait_for_test. Past runs: list_tests.
Results: get_test_metrics, get_test_transactions, assess_test (verdict and findings),
compare_tests (two runs), analyze_trend (a scenario's history: slower since when?). These tools
compute the statistics and verdicts: quote them rather than computing your own. Times are in ms,
sizes in bytes, rates per second. Results carry OctoPerf UI links: give them to the user."""
READ_ONLY_NOTE = " This server is read-only: it cannot launch or stop tests."


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
STOP = ToolAnnotations(
    title="Stop a test",
    read_only_hint=False,
    destructive_hint=True,
    idempotent_hint=True,
    open_world_hint=False,
)
# (tool, annotations, starts or stops a test), in the order of the workflow.
TOOLS = (
    (list_workspaces, read("List workspaces"), False),
    (list_projects, read("List projects"), False),
    (list_scenarios, read("List scenarios"), False),
    (list_tests, read("Past test runs"), False),
    (run_scenario, LAUNCH, True),
    (get_test_status, read("Test status"), False),
    (wait_for_test, read("Wait for a test"), False),
    (stop_test, STOP, True),
    (get_test_metrics, read("Test metrics"), False),
    (get_test_transactions, read("Transactions"), False),
    (compare_tests, read("Compare runs"), False),
    (assess_test, read("Assess a run"), False),
    (analyze_trend, read("Scenario history"), False),
    (find_capacity, read("Capacity"), False),
    (get_report, read("Bench report"), False),
)
VIEWED = {compare_tests, analyze_trend, assess_test, find_capacity}  # the tools whose results the view draws
PROMPTS = {
    "analyse_test": analyse_test,
    "compare_tests": compare_prompt,
    "analyse_trend": trend_prompt,
    "find_capacity": capacity_prompt,
}


def compact_text(
    tool: Callable[..., Awaitable[Out]], note: str | None
) -> Callable[..., Awaitable[CallToolResult]]:
    """The tool, with the text copy of its result as compact JSON (the SDK indents that copy, and
    it is the copy most clients hand the model), followed by `note` when there is one."""

    @functools.wraps(tool)  # the SDK reads the signature, and so the schemas, through __wrapped__
    async def call(*args: Any, **kwargs: Any) -> CallToolResult:
        data = (await tool(*args, **kwargs)).model_dump(mode="json")
        texts = [json.dumps(data, ensure_ascii=False, separators=(",", ":")), *([note] if note else [])]
        return CallToolResult(
            content=[TextContent(type="text", text=t) for t in texts], structured_content=data
        )

    return call


def portable(schema: dict[str, Any]) -> dict[str, Any]:
    """An input schema every function-calling dialect takes (Gemini's, OpenAI's, ...): flat
    properties of one plain type each, no titles, an optional `X | None` parameter as plain X
    that is simply not required."""
    properties = {}
    for name, prop in schema.get("properties", {}).items():
        prop = {key: value for key, value in prop.items() if key != "title"}
        if options := prop.pop("anyOf", None):
            (plain,) = [option for option in options if option != {"type": "null"}]
            prop = plain | {key: value for key, value in prop.items() if value is not None}
        properties[name] = prop
    required = {"required": schema["required"]} if schema.get("required") else {}
    return {"type": "object", "properties": properties, **required}


BOUNDS = {"ge": "at least", "gt": "above", "le": "at most", "lt": "below"}
KINDS = {
    "int": "a whole number",
    "float": "a number",
    "string": "text",
    "list": "a list",
    "bool": "true or false",
}


def argument_problem(error: Mapping[str, Any]) -> str:
    """One sentence for one failed argument check: the parameter, what was wrong, what is allowed."""
    name = ".".join(str(part) for part in error["loc"]) or "the arguments"
    kind, limits, shown = error["type"], error.get("ctx") or {}, repr(error.get("input"))[:40]
    if kind == "missing":
        source = ID_KINDS.get(name, ("", ""))[1]
        return f"{name} is required" + (f": take it from {source}." if source else ".")
    if kind == "literal_error":
        allowed = ", ".join(re.findall(r"'([^']*)'", limits["expected"]))
        return f"{name} {shown} is not one of {allowed}."
    if bound := next(((BOUNDS[key], value) for key, value in limits.items() if key in BOUNDS), None):
        return f"{name} {shown} is out of range: it must be {bound[0]} {bound[1]:g}."
    if kind in ("string_too_long", "too_long"):
        unit = "characters" if "string" in kind else "items"
        return f"{name} is too long: at most {limits['max_length']} {unit}."
    expected = next((said for prefix, said in KINDS.items() if kind.startswith(prefix)), None)
    if expected:
        return f"{name} {shown} is not {expected}."
    return f"{name} {shown} is not accepted: {error['msg']}."


class Server(MCPServer):
    """MCPServer with portable input schemas and argument errors in plain sentences."""

    async def list_tools(self) -> list[Any]:
        tools = await super().list_tools()
        return [tool.model_copy(update={"input_schema": portable(tool.input_schema)}) for tool in tools]

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        said = f"Error executing tool {name}: "  # the SDK's prefix of every tool error
        tool = next((tool for tool in await super().list_tools() if tool.name == name), None)
        takes = tool.input_schema.get("properties", {}) if tool else {}
        if tool and (unknown := [arg for arg in arguments if arg not in takes]):
            raise ToolError(
                f"{said}{', '.join(unknown)} is not a parameter of {name};"
                f" it takes {', '.join(takes) or 'none'}."
            )
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as error:
            if not isinstance(invalid := error.__cause__, ValidationError):
                raise
            raise ToolError(
                said + " ".join(dict.fromkeys(map(argument_problem, invalid.errors())))
            ) from invalid


@asynccontextmanager
async def connect(
    settings: Settings,
    transport: httpx2.AsyncBaseTransport | None = None,
    sleep: Callable[[float], Awaitable[Any]] = anyio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> AsyncIterator[OctoPerf]:
    """OctoPerf for these settings (the demo account's when settings.demo), for as long as needed."""
    if settings.demo and transport is None:
        transport = httpx2.MockTransport(DemoOctoPerf(state_file=settings.demo_state).handle)
    headers = {"User-Agent": f"octoperf-mcp/{__version__}", "Accept": "application/json"}
    if settings.api_key:
        headers["Authorization"] = f"Bearer {settings.api_key}"
    async with httpx2.AsyncClient(
        base_url=settings.api_url, headers=headers, timeout=TIMEOUT_S, transport=transport
    ) as client:
        yield OctoPerf(client, settings, sleep, clock)


def build_server(
    settings: Settings,
    transport: httpx2.AsyncBaseTransport | None = None,
    sleep: Callable[[float], Awaitable[Any]] = anyio.sleep,
    clock: Callable[[], float] = time.monotonic,
    log_level: Literal["INFO", "WARNING"] = "WARNING",
) -> MCPServer:
    """The MCP server for these settings; tests pass an httpx2.MockTransport and a fake clock.
    The log level is the HTTP server's too (its start line and each request are INFO)."""

    def lifespan(_server: MCPServer) -> Any:
        return connect(settings, transport, sleep, clock)

    apps = Apps()  # advertises MCP Apps and serves the view
    apps.add_html_resource(
        VIEW_URI,
        VIEW_HTML.replace("VERSION", __version__)
        .replace("NAMES_SAID", json.dumps(SAID | {k: SAID[m] for k, m in TREND_METRICS.items()}))
        .replace("UNITS_SAID", json.dumps(UNIT_OF)),
        name="octoperf-results",
        title="OctoPerf results",
        description="Charts of compare_tests, analyze_trend and assess_test results.",
    )

    server = Server(
        "octoperf",
        version=__version__,
        instructions=(DEMO_NOTE + " " if settings.demo else "")
        + prose(INSTRUCTIONS)
        + (READ_ONLY_NOTE if settings.read_only else ""),
        lifespan=lifespan,
        extensions=[apps],
        log_level=log_level,
    )
    for tool, annotations, acts in TOOLS:
        if not (acts and settings.read_only):
            server.add_tool(
                compact_text(tool, DEMO_NOTE if settings.demo else None),
                description=prose(tool.__doc__),
                annotations=annotations,
                meta={"ui": {"resourceUri": VIEW_URI}} if tool in VIEWED else None,
            )
    for name, prompt in PROMPTS.items():
        server.add_prompt(Prompt.from_function(prompt, name=name, description=prose(prompt.__doc__)))
    return server


ENVIRONMENT = """\
environment:
  OCTOPERF_API_KEY     your API key (OctoPerf > Account > Profile > API key); not needed with --demo
  OCTOPERF_API_URL     OctoPerf's URL (default https://api.octoperf.com; an on-premise one)
  OCTOPERF_READ_ONLY   1: like --read-only
  OCTOPERF_ALLOW_HTTP  1: accept a plain http:// OCTOPERF_API_URL on another machine
  OCTOPERF_DEMO        1: like --demo
  OCTOPERF_VERBOSE     1: like --verbose
"""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not the usage block
        self.exit(2, f"octoperf-mcp: {message} (see --help)\n")


def port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number from 1 to 65535")
    return int(text)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = Parser(
        prog="octoperf_mcp.py",
        description="An MCP server that lets an AI assistant drive OctoPerf load tests.",
        epilog=ENVIRONMENT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--demo", action="store_true", help="serve a simulated OctoPerf account: no key, no network")
    add("--read-only", action="store_true", help="leave out the tools that launch or stop tests")
    add("--transport", choices=("stdio", "streamable-http"), default="stdio", help="default: stdio")
    add("--host", help="streamable-http: address to listen on (default 127.0.0.1)")
    add("--port", type=port, help="streamable-http: port (default 8000), path /mcp")
    add("--allow-remote", action="store_true", help="streamable-http: allow a --host other than this machine")
    add("--check", action="store_true", help="call list_workspaces once, say whether it works, and exit")
    add("--verbose", action="store_true", help="log every request (INFO) on stderr; default: warnings only")
    add("--demo-reset", action="store_true", help="forget the runs launched in the demo, and exit")
    add("--version", action="version", version=f"octoperf-mcp {__version__}")
    args = parser.parse_args(argv)
    if args.transport == "stdio" and (args.host or args.port):
        parser.error("--host and --port are for --transport streamable-http: add it, or leave them out")
    args.host, args.port = args.host or "127.0.0.1", args.port or 8000
    return args


async def assumptions(api: OctoPerf, workspace_id: str) -> list[str]:
    """--check: one line for each [ASSUMPTION] this account can test, OK, FAILED (OctoPerf's
    status) or SKIPPED (why), on its most recently modified project: at most 9 requests."""
    path = "/design/projects/by-workspace/{workspace_id}/DESIGN"
    projects = await api.get(list[Entity], path, workspace_id=workspace_id)
    listing, unit, progress = "listing past runs", "response-time unit", "progress endpoint"
    logs = "JTL listing"
    if not projects:
        return [
            f"SKIPPED {what}: workspace {workspace_id} has no project"
            for what in (listing, unit, progress, logs)
        ]
    project = max(projects, key=lambda p: p.last_modified or EPOCH)
    try:
        reports = await api.get(list[Entity], REPORTS_BY_PROJECT, project_id=project.id)
    except ToolError as error:
        where = REPORTS_BY_PROJECT.format(project_id=project.id)
        return [
            f"FAILED  {listing}: GET {where} answered {http_status(error)}; list_tests cannot work",
            f"SKIPPED {unit}: no run found without the listing",
            f"SKIPPED {progress}: no run found without the listing",
            f"SKIPPED {logs}: no run found without the listing",
        ]
    lines = [f"OK      {listing}: {len(reports)} reports in project {project.name!r} ({project.id})"]
    newest = sorted(reports, key=lambda r: r.created or EPOCH, reverse=True)
    ids = list(dict.fromkeys(run for report in newest for run in report.bench_result_ids))[:3]
    runs = await gather(*(bench_result(api, run) for run in ids))
    finished = next((run for run in runs if run.state == "FINISHED"), None)
    running = next((run for run in runs if run.state == "RUNNING"), None)
    if finished:
        times = await read_times(api, finished.id)
        verdict = "OK     " if times.checked else "FAILED " if "HTTP" in times.source else "SKIPPED"
        lines.append(f"{verdict} {unit}: {times.source}")
    else:
        lines.append(f"SKIPPED {unit}: no FINISHED run among the {len(runs)} newest of {project.name!r}")
    if running:
        path = "/runtime/bench-results/progress/{bench_result_id}"
        try:
            value = (await api.get(Value, path, bench_result_id=running.id)).value
            lines.append(f"OK      {progress}: {running.id} is at {value} %")
        except ToolError as error:
            lines.append(f"FAILED  {progress}: {running.id} answered {http_status(error)}")
    else:
        lines.append(f"SKIPPED {progress}: no RUNNING test among the {len(runs)} newest of {project.name!r}")
    if runs:
        try:
            files = await api.get(list[str], LOGS_LIST, bench_result_id=runs[0].id)
            jtl = sum(name.endswith((".jtl", ".jtl.gz")) for name in files)
            lines.append(f"OK      {logs}: {runs[0].id} has {len(files)} file(s), {jtl} of them JTL")
        except ToolError as error:
            lines.append(f"FAILED  {logs}: {runs[0].id} answered {http_status(error)}")
    else:
        lines.append(f"SKIPPED {logs}: no run among the reports of {project.name!r}")
    return lines


async def check(settings: Settings, transport: httpx2.AsyncBaseTransport | None = None) -> tuple[int, str]:
    """--check: one list_workspaces call through the real server, as an editor would make it;
    then, when the key works, a line for each assumption this account can test."""
    if not settings.api_key:
        return 1, (
            f"FAILED: OCTOPERF_API_KEY is not set: {KEY_HELP}, then run"
            " OCTOPERF_API_KEY=your-key uv run octoperf_mcp.py --check (or try --demo, which needs none)."
        )
    async with Client(build_server(settings, transport)) as client:
        result = await client.call_tool("list_workspaces", {})
    if result.is_error:
        return 1, "FAILED: " + result.content[0].text.removeprefix("Error executing tool list_workspaces: ")
    found = result.structured_content or {}
    count = len(found.get("workspaces", [])) + found.get("left_out", 0)
    lines = [f"OK: {count} workspace{'' if count == 1 else 's'} reachable at {settings.api_url}"]
    if found.get("workspaces"):
        try:
            async with connect(settings, transport) as api:
                lines += await assumptions(api, found["workspaces"][0]["id"])
        except ToolError as error:
            lines.append(f"FAILED  the checks of the assumptions stopped: {error}")
    return 0, "\n".join(lines)


WAITING = (
    "octoperf-mcp: serving MCP on stdio and waiting for an MCP client; an editor starts this"
    " for you (see README.md). To try it by hand: --check, or the MCP Inspector. Ctrl-C stops it."
)


def port_in_use(host: str, number: int) -> bool:
    """Whether another program listens there (binding tells, then lets go at once)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, number))
        except OSError:
            return True
    return False


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    verbose = args.verbose or os.environ.get("OCTOPERF_VERBOSE", "").strip().lower() in {"1", "true", "yes"}
    level = logging.INFO if verbose and not args.check else logging.WARNING  # an editor's log stays quiet
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    if args.demo_reset:
        state = demo_state_file(os.environ)
        with suppress(FileNotFoundError):
            os.remove(state)
        print(f"octoperf-mcp: the demo has forgotten the runs launched in it ({state}).", file=sys.stderr)
        sys.exit(0)
    http = args.transport != "stdio"
    try:
        settings = Settings.from_env(os.environ, demo=args.demo, read_only=args.read_only)
        if http and not is_loopback(args.host) and not (args.allow_remote or settings.demo):
            raise ConfigError(
                f"--host {args.host} would let other machines use your OctoPerf key: add --allow-remote"
                " (and put a TLS proxy with authentication in front), or listen on 127.0.0.1."
            )
        if http and port_in_use(args.host, args.port):
            raise ConfigError(f"port {args.port} on {args.host} is in use: pick another with --port.")
    except ConfigError as error:
        print(f"octoperf-mcp: {error}", file=sys.stderr)
        sys.exit(2)
    if args.check:
        status, line = anyio.run(check, settings)
        print(line)
        sys.exit(status)
    if not settings.api_key:
        log.warning("OCTOPERF_API_KEY is not set: tools are listed, but every call will say so.")
    server = build_server(settings, log_level=logging.getLevelName(level))
    try:
        if not http:
            if sys.stdin.isatty():
                print(WAITING, file=sys.stderr)
            # Ctrl-C: exit at once; the SDK's thread blocked reading stdin would hold a normal exit.
            signal.signal(signal.SIGINT, lambda *_: os._exit(130))
            server.run()
        else:
            where = f"[{args.host}]" if ":" in args.host else args.host
            print(f"octoperf-mcp: serving MCP at http://{where}:{args.port}/mcp", file=sys.stderr)
            # Stateful: a client's notifications/cancelled reaches the call it cancels (in
            # stateless mode each POST is a new session that does not know the call).
            server.run("streamable-http", host=args.host, port=args.port)
    except KeyboardInterrupt:  # Ctrl-C: a quiet stop
        sys.exit(130)


if __name__ == "__main__":
    main()
