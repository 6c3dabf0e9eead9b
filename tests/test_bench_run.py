"""`bench/run.py`'s own arithmetic: cookies a browser keeps, PostgreSQL backends, the growth
check of the scaling table and the change from an older results file."""

import pytest

from bench.run import Page
from bench.run import change
from bench.run import cookie_header
from bench.run import growth
from bench.run import growth_check
from bench.run import is_backend_of
from bench.run import main_scale
from bench.run import merge_cookies
from bench.run import parse_results
from bench.run import scaling_table
from bench.run import table


def test_cookies_are_kept_updated_and_deleted_as_a_browser_does():
    jar = merge_cookies({}, ["session=first; HttpOnly; Path=/", "lang=ky; Max-Age=31536000"])
    assert jar == {"session": "first", "lang": "ky"}
    jar = merge_cookies(jar, [
        "session=second; Secure; HttpOnly; Path=/; SameSite=Lax",
        "last_seen=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/",
        "lang=; Max-Age=0",
    ])  # fmt: skip
    assert jar == {"session": "second"}
    assert cookie_header({"session": "a.b", "last_seen": "c"}) == "session=a.b; last_seen=c"


def test_only_the_backends_of_the_bench_database_count():
    title = "postgres: 15/main: postgres jashtar_bench_1a2b 127.0.0.1(40112) idle\0\0"
    assert is_backend_of(title, "jashtar_bench_1a2b")
    assert is_backend_of(
        "postgres: 15/main: autovacuum worker jashtar_bench_1a2b", "jashtar_bench_1a2b"
    )
    assert not is_backend_of(title, "jashtar_bench")  # another run's database, a longer name
    assert not is_backend_of("postgres: 15/main: checkpointer ", "jashtar_bench_1a2b")
    assert not is_backend_of(
        "/usr/bin/python bench/run.py jashtar_bench_1a2b", "jashtar_bench_1a2b"
    )


def test_growth_runs_from_the_next_to_largest_scale_measured_to_the_largest():
    scales = ["small", "large", "xl"]
    assert growth({"small": 1.0, "large": 2.0, "xl": 2.4}, scales) == pytest.approx(0.2)
    assert growth({"small": 2.0, "xl": 2.4}, scales) == pytest.approx(0.2)
    assert growth({"small": 2.0, "large": 2.2}, scales) == pytest.approx(0.1)
    assert growth({"large": 2.0}, scales) is None


def test_the_growth_check_fails_a_page_over_the_limit_and_passes_one_at_or_under_it():
    scales = ["small", "large"]
    checked = growth_check(
        {"flat": {"small": 4.0, "large": 5.0}, "grows": {"small": 4.0, "large": 5.2},
         "cheaper": {"small": 4.0, "large": 3.0}, "one scale": {"large": 7.0}},
        scales,
    )  # fmt: skip
    assert checked["flat"] == (pytest.approx(0.25), True)
    assert checked["grows"] == (pytest.approx(0.3), False)
    assert checked["cheaper"][1] is True
    assert checked["one scale"] == (None, True)
    assert growth_check({"grows": {"small": 4.0, "large": 5.2}}, scales, limit=0.5)["grows"][1]


def test_growth_is_checked_on_the_two_scales_measured_together_not_on_their_own_stretches():
    scales = ["small", "large", "xl"]
    # Each scale's own stretch of the run: the machine was 50% slower during the xl passes.
    cpu = {"slower machine": {"small": 7.0, "large": 8.0, "xl": 12.0},
           "grows": {"small": 7.0, "large": 8.0, "xl": 9.0}}  # fmt: skip
    speed = {"small": 2.0, "large": 2.0, "xl": 3.0}
    # large and xl measured together, interleaved: only "grows" costs more with more data.
    paired = {"slower machine": {"large": 5.0, "xl": 5.5}, "grows": {"large": 5.0, "xl": 6.5}}
    lines, flat = scaling_table("SQLite", cpu, {}, scales, speed, paired)
    rows = {line.split(" | ")[0].strip("| "): line for line in lines if line.startswith("| ")}
    assert "| large, interleaved | xl, interleaved | growth, interleaved | ≤ 25% |" in lines[2]
    assert rows["slower machine"].endswith("| 12.00 | +50% | 5.00 | 5.50 | +10% | ✓ |")
    assert rows["grows"].endswith("| 9.00 | +12% | 5.00 | 6.50 | +30% | ✗ |") and not flat
    assert (
        "2.00 | 2.00 | 3.00 | +50%"
        in rows["Baseline: 50-row list (the machine's speed in these passes)"]
    )
    assert all(line.count("|") == lines[2].count("|") for line in lines[2:])
    slower = {"slower machine": cpu["slower machine"]}
    assert scaling_table(
        "SQLite", slower, {}, scales, speed, {"slower machine": paired["slower machine"]}
    )[1]
    # One scale measured: nothing compared, nothing fails.
    assert scaling_table("SQLite", {"grows": {"large": 8.0}}, {}, ["large"], {"large": 2.0}, {})[1]


def test_an_older_results_file_is_read_by_section_and_page_and_the_change_shown():
    older = "\n".join([
        "# Benchmark", "", "**SQLite**", "",
        "| page | req/s | p50 ms | p99 ms | CPU ms/req | × baseline | target | gzip KB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        "| Mentor: review queue | 231 | 67.3 | 115.3 | 8.43 | 0.23 | ≥ 0.6 × list ✗ | 1.9 |",
        "", "### PostgreSQL", "",
        "| page | req/s | CPU ms/req | target |", "|---|---:|---:|---|",
        "| Mentor: review queue | 137 | 10.58 | ✗ |",
    ])  # fmt: skip
    found = parse_results(older)
    assert found == {
        ("SQLite", "Mentor: review queue"): {"rps": 231.0, "cpu_ms": 8.43},
        ("PostgreSQL", "Mentor: review queue"): {"rps": 137.0, "cpu_ms": 10.58},
    }
    assert change(found[("SQLite", "Mentor: review queue")], 462, 4.215) == "req/s +100%, CPU −50%"
    assert change(None, 462, 4.2) == ""


def test_the_fair_table_is_at_the_chosen_scale_else_large_else_the_largest():
    assert main_scale(["small", "large", "xl"], None) == "large"
    assert main_scale(["small", "large", "xl"], "xl") == "xl"
    assert main_scale(["small", "xl"], "large") == "xl"
    assert main_scale(["small"], None) == "small"


def run_of(rps, cpu_ms, p99=50.0):
    return {"rps": rps, "cpu_ms": cpu_ms, "p50": p99 / 2, "p99": p99}


def test_a_cached_page_misses_when_its_cold_run_costs_over_three_times_the_warm_one():
    bases = {"fortunes": [run_of(2000, 1.0)], "list": [run_of(1000, 2.0)], "signed-in": []}
    fine = Page("Fine", "/a", None, "list", 0.5, cpu_target=True, cached=True)
    fine.runs, fine.cold_runs, fine.first = [run_of(600, 3.0)], [run_of(500, 8.9)], [(40.0, 5.0)]
    stampede = Page("Stampede", "/b", None, "fortunes", 0.5, cached=True)
    stampede.runs, stampede.cold_runs = [run_of(1500, 1.0)], [run_of(100, 3.5)]
    stampede.first = [(900.0, 1.0)]
    lines, ok = table("SQLite", [fine], bases, {})
    assert ok
    assert "| Fine | 600 | 25.0 | 50.0 | 3.00 | 0.60 | 0.67 |" in "\n".join(lines)
    assert "| 2.97 ✓ | 40.0 | 5.0 |" in lines[-1]
    lines, ok = table("SQLite", [fine, stampede], bases, {})
    assert not ok
    assert "| 3.50 ✗ | 900.0 | 1.0 |" in lines[-1]


def test_a_list_page_misses_on_cpu_alone_and_the_change_column_names_the_older_figure():
    bases = {"fortunes": [], "list": [run_of(1000, 2.0)], "signed-in": []}
    page = Page("Heavy", "/c", None, "list", 0.5, cpu_target=True)
    page.runs = [run_of(600, 4.5)]  # fast enough, but more than twice the baseline's CPU
    lines, ok = table("SQLite", [page], bases, {("SQLite", "Heavy"): {"rps": 300, "cpu_ms": 9.0}})
    assert not ok
    assert lines[-1].endswith("| req/s +100%, CPU −50% |")
