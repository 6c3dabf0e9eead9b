"""The portal's floor: what an empty signed-in page costs before a page does any work of its own.

    DATABASE_URL=sqlite:////tmp/bench.db PYTHONPATH=. .venv/bin/python bench/floor.py \\
        --login youth@demo.example.org -n 200 --rounds 6 / /account/calendar

One process holds the baseline (bench/baseline.py, on a scratch SQLite file of its own) and the
portal (production settings, on DATABASE_URL). The portal gets one extra page that exists only
here, `/bench/empty`: base.html with an empty content block, behind the same login and
transaction wrapper as every page. So it costs what every signed-in page must: the signed
session, the user row with roles and unread count, the rate limiter, CSRF token, the idle
timeout, language, security headers, the notifications that lead to the page, the commit and
the layout's header and footer. Rounds alternate between the pages (each timing `-n` GETs with
time.process_time, responses compressed on both sides since both ask for gzip), so all see the
same machine load; each figure is the median over every round.

The table compares each page's CPU per request with the baseline's signed-in page, as
`make bench` does, and splits it into the floor and what the page does above it.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parent.parent))

from bench.inprocess import environment  # noqa: E402
from bench.inprocess import signed_in_client  # noqa: E402

EMPTY = "/bench/empty"
EMPTY_TEMPLATE = '{% extends "base.html" %}{% block title %}{% endblock %}'
GZIP = {"Accept-Encoding": "gzip"}


def add_empty_page(app) -> None:
    """`/bench/empty`: the layout and nothing else, for a signed-in person (before any
    request: Flask refuses routes added later)."""
    from flask import render_template
    from flask_login import login_required

    from portal.transactions import transactional

    template = app.jinja_env.from_string(EMPTY_TEMPLATE)

    def empty():
        return render_template(template)

    app.add_url_rule(EMPTY, "bench_empty", transactional(login_required(empty)))


def baseline_client(folder: str):
    """The baseline app signed in on its own scratch database, its cookie settled."""
    url = f"sqlite:///{folder}/baseline.db"
    os.environ["BENCH_BASELINE_URL"] = url
    from bench import baseline

    baseline.create_tables(url)
    client = baseline.app.test_client()
    client.get("/login?user=1")
    client.get("/signed-in")
    return client


def timed(client, path: str, count: int) -> list[float]:
    timings = []
    for _ in range(count):
        started = time.process_time()
        answer = client.get(path, headers=GZIP)
        timings.append(1000 * (time.process_time() - started))
        if answer.status_code != 200:
            sys.exit(f"{path} answered {answer.status_code}")
    return timings


def rows(
    figures: dict[str, float], baseline: str, floor: str
) -> list[tuple[str, float, float, str]]:
    """(page, CPU ms, × baseline CPU, ms above the floor) for each page, baseline first."""
    base, bottom = figures[baseline], figures[floor]
    result = []
    for page, cpu in figures.items():
        above = "" if page in (baseline, floor) else f"{cpu - bottom:+.2f}"
        result.append((page, cpu, base / cpu, above))
    return result


def table(figures: dict[str, float], baseline: str, floor: str) -> list[str]:
    lines = ["| page | CPU ms/req | × baseline CPU | ms above the floor |", "|---|---:|---:|---:|"]
    for page, cpu, ratio, above in rows(figures, baseline, floor):
        lines.append(f"| {page} | {cpu:.2f} | {ratio:.2f} | {above} |")
    return lines


BASELINE = "Baseline: signed-in page"
FLOOR = "Portal: empty signed-in page (the floor)"


def measure(login: str, paths: list[str], count: int, rounds: int) -> dict[str, float]:
    # No server here: the test clients' own address (make bench's is its gunicorn's).
    os.environ["BASE_URL"] = "https://localhost"
    environment()
    from portal import create_app

    with tempfile.TemporaryDirectory() as folder:
        base = baseline_client(folder)
        app = create_app()
        add_empty_page(app)
        portal = signed_in_client(app, login)
        pages = [(BASELINE, base, "/signed-in"), (FLOOR, portal, EMPTY)]
        pages += [(f"Portal: {path}", portal, path) for path in paths]
        for _label, client, path in pages:  # warm-up: templates compiled, caches filled
            timed(client, path, 10)
        timings: dict[str, list[float]] = {label: [] for label, _client, _path in pages}
        for _ in range(rounds):
            for label, client, path in pages:
                timings[label].extend(timed(client, path, count))
    return {label: statistics.median(values) for label, values in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=["/"], help="portal pages to split")
    parser.add_argument("--login", default="youth@demo.example.org")
    parser.add_argument("-n", type=int, default=200, help="timed GETs per page and round")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--markdown", action="store_true", help="the table alone (make bench)")
    args = parser.parse_args()
    figures = measure(args.login, args.paths, args.n, args.rounds)
    if not args.markdown:
        print(f"{args.login}: {args.rounds} rounds of {args.n} GETs a page, in one process")
    print("\n".join(table(figures, BASELINE, FLOOR)))


if __name__ == "__main__":
    main()
