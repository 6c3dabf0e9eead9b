"""`bench/run.py`'s own arithmetic: cookies a browser keeps, PostgreSQL backends, the growth
check of the scaling table and the change from an older results file."""

import pytest

from bench.run import change
from bench.run import cookie_header
from bench.run import growth
from bench.run import growth_check
from bench.run import is_backend_of
from bench.run import main_scale
from bench.run import merge_cookies
from bench.run import parse_results


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


def test_growth_runs_from_the_smallest_scale_measured_to_the_largest():
    scales = ["small", "large", "xl"]
    assert growth({"small": 2.0, "large": 9.0, "xl": 2.4}, scales) == pytest.approx(0.2)
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
