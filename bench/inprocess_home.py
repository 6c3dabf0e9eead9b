"""A page (the young person's home `/` unless `--path`), A/B in-process: CPU per request and
queries, two checkouts.

    PYTHONPATH=. .venv/bin/python bench/inprocess_home.py --database /tmp/demo.db \\
        --login youth@demo.example.org --against /work/wt-winhome-base -n 100 --rounds 6
    PYTHONPATH=. .venv/bin/python bench/inprocess_home.py --database /tmp/large.db \\
        --login organiser@demo.example.org --showcase /tmp/large.json \\
        --path "/manage/camps/{camp}/balance" --against /work/wt-base

Starts one worker process per checkout (this one, then each `--against`), all on the same
database file with production settings. Each worker signs in through the login form with the
Flask test client, makes one GET so its session cookie is the one a browser would replay, and
waits. The rounds then alternate between the workers (A, B, A, B, …), each timing `-n` GETs of
`/` with time.process_time, so both sides see the same machine load; the figure is the median
CPU milliseconds per request over every round, with the SQL statements one GET issues.

`--profile` prints, instead, the worker's cProfile of `-n` GETs (the functions with the most
cumulative time) for this checkout only.

Generated people (bench/generate.py) have no password: to sign in as one, give the copy of the
database the demo password first, e.g. `sqlite3 copy.db "UPDATE user SET password_hash =
(SELECT password_hash FROM user WHERE email = 'youth@demo.example.org') WHERE id = 207063"`.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve()
# A worker imports the portal of its own checkout (BENCH_CHECKOUT), not this script's.
sys.path.insert(0, os.environ.get("BENCH_CHECKOUT", str(HERE.parent.parent)))

from bench.inprocess import cpu_ms  # noqa: E402
from bench.inprocess import environment  # noqa: E402
from bench.inprocess import signed_in_client  # noqa: E402


def _environment(database: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(database).resolve()}"
    environment()


def timed_gets(client, count: int, path: str = "/") -> list[float]:
    return cpu_ms(client, path, count)


def serve(args) -> None:
    """A worker: sign in, then answer each "run" line on stdin with one JSON line."""
    _environment(args.database)
    from portal import create_app

    app = create_app()
    client = signed_in_client(app, args.login)
    timed_gets(client, args.warmup, args.path)
    if args.profile:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(timed_gets, client, args.n, args.path)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
        return
    import sqlalchemy as sa

    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    counted = []

    def count(*_args):
        counted.append(1)

    sa.event.listen(engine, "before_cursor_execute", count)
    client.get(args.path)
    sa.event.remove(engine, "before_cursor_execute", count)
    statements = len(counted)
    size = len(client.get(args.path).data)
    import portal

    print(json.dumps({"ready": True, "portal": portal.__file__}), flush=True)
    for line in sys.stdin:
        if line.strip() != "run":
            break
        timings = timed_gets(client, args.n, args.path)
        print(json.dumps({"timings": timings, "statements": statements, "bytes": size}),
              flush=True)  # fmt: skip


def worker(checkout: Path, args) -> subprocess.Popen:
    command = [sys.executable, str(HERE), "--serve", "--database", args.database,
               "--login", args.login, "-n", str(args.n), "--warmup", str(args.warmup),
               "--path", args.path]  # fmt: skip
    if args.profile:
        command.append("--profile")
    env = dict(os.environ, PYTHONPATH=str(checkout), BENCH_CHECKOUT=str(checkout))
    pipe = None if args.profile else subprocess.PIPE  # a profile is printed as it is
    return subprocess.Popen(command, cwd=checkout, env=env, text=True, stdin=pipe, stdout=pipe)


def drive(args) -> None:
    checkouts = [HERE.parent.parent, *(Path(path).resolve() for path in args.against)]
    if args.profile:
        worker(checkouts[0], args).wait()
        return
    workers = [worker(checkout, args) for checkout in checkouts]
    for checkout, process in zip(checkouts, workers, strict=True):
        ready = json.loads(process.stdout.readline())
        if not ready["portal"].startswith(str(checkout) + os.sep):  # each its own code
            sys.exit(f"the worker for {checkout} imported {ready['portal']}")
    timings: list[list[float]] = [[] for _ in workers]
    answers: list[dict] = [{} for _ in workers]
    for _ in range(args.rounds):
        for number, process in enumerate(workers):
            process.stdin.write("run\n")
            process.stdin.flush()
            answers[number] = json.loads(process.stdout.readline())
            timings[number].extend(answers[number]["timings"])
    for process in workers:
        process.stdin.close()
        process.wait()
    print(f"{args.login} on {args.database}: {args.rounds} rounds of {args.n} GETs of {args.path}")
    for checkout, timed, answer in zip(checkouts, timings, answers, strict=True):
        print(f"  {str(checkout):32} {statistics.median(timed):6.2f} ms CPU median "
              f"(p90 {statistics.quantiles(timed, n=10)[-1]:.2f}), "
              f"{answer['statements']} queries, {answer['bytes']} bytes")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a SQLite file (a copy: it is used)")
    parser.add_argument("--login", default="youth@demo.example.org")
    parser.add_argument("--path", default="/", help="the page; may name the showcase's ids")
    parser.add_argument("--showcase", help="the generator's ids, for {camp}, {application}, …")
    parser.add_argument("--against", action="append", default=[], help="another checkout")
    parser.add_argument("-n", type=int, default=100, help="timed GETs per round")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.showcase:
        args.path = args.path.format(**json.loads(Path(args.showcase).read_text()))
    serve(args) if args.serve else drive(args)


if __name__ == "__main__":
    main()
