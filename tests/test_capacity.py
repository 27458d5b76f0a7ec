"""find_capacity: a run's JTL files read as they stream, its load levels, the knee, the USL fit,
and the capacity within limits: known answers, the demo's capacity run, and every file a run may
have (none, plain, gzip, cut short, a column missing)."""

import gzip
import json

import httpx2
import pytest
from fake_octoperf import bench_result
from support import JTL_HEADER, fail, jtl_files, ok, usl

from octoperf_mcp import Entity, Samples, capacity_of, usl_fit

pytestmark = pytest.mark.anyio
AT = {name: i for i, name in enumerate(JTL_HEADER.split(","))}
RAMP = lambda second: 600 * (second + 1) / 1200  # noqa: E731  0 to 600 users over 20 min


def read(files: list[str], limits: tuple = (None, None), hits: float | None = None, state: str = "FINISHED"):
    """capacity_of on these files' rows, as find_capacity reads them."""
    samples = Samples()
    for g, text in enumerate(files):
        samples.read([line.encode() for line in text.splitlines()[1:]], AT, g)
    return capacity_of(Entity(id="br-1", state=state), samples, *limits, hits or samples.rows, [], None)


# Known answers.
def test_the_usl_fit_recovers_sigma_and_kappa_of_an_exact_curve():
    fit = usl_fit([(n, usl()(n)) for n in range(10, 310, 20)])
    assert (fit.lambda_per_user, fit.sigma, fit.kappa, fit.r2, fit.reliable) == (2.0, 0.05, 0.0002, 1.0, True)
    assert fit.peak_users == 69  # sqrt(0.95 / 0.0002) = 68.9


def test_a_synthetic_usl_ramp_is_recovered_within_10_percent_from_its_samples():
    capacity = read(jtl_files(RAMP, 1200, usl()))
    fit = capacity.usl
    assert capacity.verdict == "saturated"
    assert abs(fit.sigma / 0.05 - 1) < 0.1 and abs(fit.kappa / 0.0002 - 1) < 0.1, fit
    assert fit.reliable and fit.r2 > 0.99
    assert 62 <= fit.peak_users <= 76
    assert len(capacity.levels) <= 30 and capacity.levels[0].users < capacity.levels[-1].users


def test_a_linear_run_is_not_saturated_and_capacity_is_at_least_its_highest_load():
    capacity = read(jtl_files(RAMP, 1200, lambda n: 0.5 * n))
    assert capacity.verdict == "not saturated"
    top = capacity.levels[-1].users
    assert 590 <= top <= 600
    assert capacity.headline == (
        f"not saturated: throughput still grew in proportion up to {top:g} users,"
        f" so capacity is at least {top:g}"
    )
    assert capacity.knee_users is None


def test_a_constant_load_says_there_is_no_curve_and_what_to_run():
    capacity = read(jtl_files(lambda s: 40, 600, usl()))
    assert capacity.verdict == "constant load"
    assert (
        capacity.headline == "constant load of 40 users: no capacity curve; run a ramp-up or stairs profile"
    )
    assert capacity.load.startswith("constant load of 40 users over 10 min")


def test_a_stairs_profile_gives_one_level_per_step():
    steps = lambda second: 50 * (1 + second // 120)  # noqa: E731  50, 100, ... 300 users, 2 min each
    capacity = read(jtl_files(steps, 720, usl()))
    assert [level.users for level in capacity.levels] == [50, 100, 150, 200, 250, 300]
    assert capacity.load.startswith("stairs: 6 steps from 50 to 300 users")


def test_the_capacity_within_limits_is_the_highest_level_before_one_breaks_them():
    steps = lambda second: 20 * (1 + second // 60)  # noqa: E731  20, 40, ... 200 users
    capacity = read(jtl_files(steps, 600, usl(), errors=lambda n: 0.05 if n >= 160 else 0.0), (None, 2.0))
    assert (capacity.capacity_users, capacity.breaks_at_users) == (140, 160)
    assert capacity.headline.startswith(
        "capacity about 140 users within error 2 % (breaks at 160: error 3.95 %);"
    )


def test_when_the_lowest_level_already_breaks_the_limit_the_headline_says_so():
    capacity = read(jtl_files(RAMP, 1200, usl()), (10.0, None))
    assert capacity.capacity_users is None
    assert capacity.headline.startswith("no load level within p95 10 ms: at ")


def test_missing_samples_an_unfinished_run_and_growing_errors_are_warned():
    files = jtl_files(RAMP, 1200, usl(), errors=lambda n: n / 6000)
    capacity = read(files, hits=2 * sum(f.count("\n") - 1 for f in files), state="RUNNING")
    assert capacity.warnings[0] == "The run is RUNNING: read from what it recorded so far."
    assert any(w.startswith("The JTL files hold") and "samples are missing" in w for w in capacity.warnings)
    assert any(w.startswith("Errors grow with load:") for w in capacity.warnings)


def test_more_than_1000_hits_per_s_on_a_generator_is_warned():
    capacity = read(
        jtl_files(lambda second: second / 2, 120, lambda n: 30 * n, generators=1)
    )  # to 1,800 hits/s
    assert any(
        "per load generator" in w and "the generators may be the bottleneck" in w for w in capacity.warnings
    )


# Through the MCP client, against the fake OctoPerf.
def serve(octoperf, files: dict[str, bytes], run: str = "br-1") -> None:
    octoperf.answer("GET", f"/analysis/logs/list/{run}", ["jmeter.log.gz", *files])
    octoperf.answer(
        "GET",
        f"/analysis/logs/{run}",
        lambda request: httpx2.Response(200, content=files[request.url.params["filename"]]),
    )


async def test_a_run_with_no_jtl_file_is_one_sentence_naming_the_setting(client, octoperf):
    message = await fail(client, "find_capacity", bench_result_id="br-1")
    assert message == (
        "br-1 has no JTL file (its files: jmeter.log.gz): the run kept no per-sample results; set the JTL"
        " setting of the scenario's user profiles to ALL, then run it again."
    )


async def test_a_jtl_file_without_an_elapsed_column_says_which_column_is_missing(client, octoperf):
    serve(octoperf, {"gen-1.jtl": b"timeStamp,label,success\n1790000000000,Home,true\n"})
    message = await fail(client, "find_capacity", bench_result_id="br-1")
    assert message.startswith(
        "gen-1.jtl of br-1 is not a JMeter CSV with a header holding timeStamp, elapsed, success:"
        " elapsed missing"
    )


async def test_gzip_and_plain_files_are_read_alike_and_a_cut_short_one_is_warned(client, octoperf):
    one, two = jtl_files(RAMP, 1200, usl())
    packed = gzip.compress(two.encode())
    serve(octoperf, {"gen-1.jtl": one.encode(), "gen-2.jtl.gz": packed[: len(packed) * 9 // 10]})
    octoperf.summaries["br-1"] = {"HITS_TOTAL": float(one.count("\n") + two.count("\n") - 2)}
    seen = []

    async def progress(value, total, message):
        seen.append(value)

    result = await client.call_tool("find_capacity", {"bench_result_id": "br-1"}, progress_callback=progress)
    capacity = result.structured_content
    assert capacity["verdict"] == "saturated"
    assert (
        "gen-2.jtl.gz ends early (cut short, as a generator's disk limit does): read up to there."
        in capacity["warnings"]
    )
    assert seen and seen == sorted(set(seen))  # progress rises while the files are read
    assert len(json.dumps(capacity)) < 5000


async def test_without_allthreads_the_users_come_from_the_scenarios_planned_load(client, octoperf):
    header = JTL_HEADER.replace(",grpThreads,allThreads", "")
    (text,) = jtl_files(lambda s: 100 * (s + 1) / 600, 600, usl(), generators=1, header=header)
    serve(octoperf, {"gen-1.jtl": text.encode()})
    octoperf.answer("GET", "/runtime/bench-results/br-1", bench_result("br-1", "FINISHED"))
    octoperf.answer("GET", "/runtime/scenarios/scn-1", {"id": "scn-1", "name": "Ramp", "userProfiles": [
        {"load": {"@type": "UserProfileLoadRampUp", "delayMs": 0, "rampUpMs": 600_000, "plateauMs": 0,
                  "plateauVus": 100}}]})  # fmt: skip
    capacity = await ok(client, "find_capacity", bench_result_id="br-1")
    assert (
        capacity["load"].startswith("ramp-up from ")
        and "(from the scenario's planned load)" in capacity["load"]
    )
    assert 95 <= capacity["levels"][-1]["users"] <= 100


async def test_bad_limits_are_one_sentence_each(client, octoperf):
    message = await fail(client, "find_capacity", bench_result_id="br-1", sla_p95_ms=0)
    assert message == "sla_p95_ms 0 is out of range: it must be above 0."
    assert not octoperf.requests


async def test_the_demos_capacity_run_has_the_known_answer_of_its_model():
    """The demo's model: lambda 1 hit/s a user, sigma 0.001, kappa 0.00001 (peak near 316 users,
    137 hits/s; the knee, X_max / lambda, near 137 users); p95 = 1.78 x the mean wait, so p95
    1,000 ms is reached near 146 users."""
    from test_demo import Clock, demo

    async with demo(Clock()) as client:
        capacity = await ok(
            client, "find_capacity", bench_result_id="br-capacity-01", sla_p95_ms=1000, sla_error_percent=1
        )
    assert (capacity["verdict"], capacity["capacity_users"], capacity["breaks_at_users"]) == (
        "saturated",
        142,
        166,
    )
    assert capacity["headline"] == (
        "capacity about 142 users within p95 1,000 ms and error 1 % (breaks at 166: p95 1,130.5 ms);"
        " throughput peaks near 137 hits/s around 311 users (knee near 141 users); beyond it response time"
        " grows with users: saturation"
    )
    fit = capacity["usl"]
    assert abs(fit["peak_users"] / 316 - 1) < 0.1 and abs(fit["kappa"] / 1e-5 - 1) < 0.1 and fit["reliable"]
    assert abs(capacity["knee_users"] / 137 - 1) < 0.1
    assert (
        capacity["load"]
        == "ramp-up from 4 to 598 users over 20 min (from the samples' allThreads, 2 generators)"
    )
    assert capacity["warnings"] == ["Errors grow with load: 0 % at 7 users, 3.68 % at 593."]
