"""The growth check of `make bench`: every page's CPU per request on two scales' databases at
once, in-process and interleaved, so that the machine's speed moving between two runs is not
taken for growth.

`make bench` measures each scale with wrk in its own stretch of the run, one after the other. On
a shared machine the speed moves between those stretches by more than the 25% the check allows
(the bare list, whose data is the same at every scale, cost 40% more in one stretch than in the
next on 2026-12-03), and scaling every page by the bare list's drift still flagged different
pages in each run. Here both scales are measured in the same minutes:

- one worker process per scale, each on that scale's database with the settings `make bench`
  serves (production; Redis under a key prefix of its own when the bench has Redis);
- each worker signs in as each page's demo account through the login form (the Flask test
  client), settles the cookie with one GET and waits;
- the rounds then alternate between the scales (large, xl, large, xl, …); in each, a worker
  times `count` GETs of one page with time.process_time, and on PostgreSQL the CPU the
  database's backends spent meanwhile (from /proc) is added;
- a page's figure at a scale is the lowest of its rounds' median requests: a moment of load
  only ever adds to a round, and the same measure of identical copies of the large database
  differed by up to 22% with round means in a noisy minute (by 7% in a quiet one).

    from bench.growth import Scale, interleaved
    interleaved([Scale("large", env, showcase), Scale("xl", env, showcase)], pages)
"""

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent

COUNT = int(os.environ.get("BENCH_GROWTH_COUNT", "40"))  # GETs of a page in one round
ROUNDS = int(os.environ.get("BENCH_GROWTH_ROUNDS", "12"))
WARMUP = 10


@dataclass
class Scale:
    name: str
    env: dict  # the environment make bench serves this scale's portal with
    showcase: dict  # the generator's ids, for {camp}, {application}, …
    database: str | None = None  # a PostgreSQL database's name: its backends' CPU counts


def worker_client(app, login: str | None):
    """A test client signed in as `login` (None: nobody) with its cookie settled."""
    from bench.inprocess import signed_in_client

    if login is not None:
        return signed_in_client(app, login)
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"  # as signed_in_client's
    return client


def serve() -> None:
    """A worker: read the pages (label, path, login) from the first line of stdin, sign in and
    warm each up, then answer each "run <page number>" line with the CPU ms of each of COUNT
    GETs."""
    sys.path.insert(0, str(ROOT))
    from bench.inprocess import cpu_ms
    from portal import create_app

    setup = json.loads(sys.stdin.readline())
    app = create_app()
    clients = {}
    for _label, path, login in setup["pages"]:
        if login not in clients:
            clients[login] = worker_client(app, login)
        cpu_ms(clients[login], path, WARMUP)  # compiled templates, warm caches
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if words[:1] != ["run"]:
            break
        _label, path, login = setup["pages"][int(words[1])]
        print(json.dumps({"timings": cpu_ms(clients[login], path, setup["count"])}), flush=True)


def start(scale: Scale, pages: list[tuple[str, str, str | None]], count: int) -> subprocess.Popen:
    # No server: the test clients' own address, as bench/floor.py's.
    env = dict(scale.env, BASE_URL="https://localhost", PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        [sys.executable, str(HERE), "--serve"], cwd=ROOT, env=env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )  # fmt: skip
    shown = [(label, path.format(**scale.showcase), login) for label, path, login in pages]
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(json.dumps({"pages": shown, "count": count}) + "\n")
    process.stdin.flush()
    return process


def round_cost(timings: list[float], backend_seconds: float = 0.0) -> float:
    """One round's CPU ms per request: its median request in the worker, and the database
    backends' CPU spread over the round's requests (it comes in clock ticks: per round only)."""
    return statistics.median(timings) + 1000 * backend_seconds / len(timings)


def interleaved(
    scales: list[Scale], pages: list[tuple[str, str, str | None]], *, count: int = COUNT,
    rounds: int = ROUNDS,
) -> dict[str, dict[str, float]]:  # fmt: skip
    """{page label: {scale: CPU ms per request}}: the lowest over `rounds` interleaved rounds of
    the round's median request (plus, on PostgreSQL, the backends' CPU per request in that
    round). A moment of the machine's load only ever adds to a round, so the lowest round is
    the page's own cost; the median keeps one slow request from moving a round."""
    from bench.run import postgres_cpu_seconds

    workers = [start(scale, pages, count) for scale in scales]
    try:
        for scale, process in zip(scales, workers, strict=True):
            answer = process.stdout.readline() if process.stdout else ""
            if not answer:
                raise RuntimeError(f"the {scale.name} worker stopped before it was ready")
        per_round: dict[str, dict[str, list[float]]] = {label: {} for label, *_rest in pages}
        for number in range(rounds):
            print(f"[growth] round {number + 1} of {rounds}", flush=True)
            for index, (label, _path, _login) in enumerate(pages):
                for scale, process in zip(scales, workers, strict=True):
                    backends = postgres_cpu_seconds(scale.database) if scale.database else 0.0
                    process.stdin.write(f"run {index}\n")
                    process.stdin.flush()
                    line = process.stdout.readline()
                    if not line:
                        raise RuntimeError(f"the {scale.name} worker stopped on {label}")
                    if scale.database:
                        backends = postgres_cpu_seconds(scale.database) - backends
                    cost = round_cost(json.loads(line)["timings"], backends)
                    per_round[label].setdefault(scale.name, []).append(cost)
    finally:
        for process in workers:
            if process.stdin:
                process.stdin.close()
        deadline = time.monotonic() + 30
        for process in workers:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 1))
            except subprocess.TimeoutExpired:
                process.kill()
    return {
        label: {name: min(values) for name, values in by_scale.items()}
        for label, by_scale in per_round.items()
    }


if __name__ == "__main__" and sys.argv[1:] == ["--serve"]:
    serve()
