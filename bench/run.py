"""`make bench`: the portal's heaviest pages at ten times the programme's scale, against a bare
Flask + SQLAlchemy + Jinja baseline measured in the same run.

1. Builds the large data set (bench/generate.py) on a scratch SQLite database, and on a scratch
   PostgreSQL database when BENCH_DATABASE_URL or TEST_DATABASE_URL is set.
2. Serves the portal (production config) and the baseline (bench/baseline.py) with gunicorn,
   `-w 2 -k sync`, the same flags and settings file for both.
3. Signs in as each role and loads every page with wrk (16 connections; the session cookie comes
   from bench/wrk.lua). Runs interleave: each round measures the two baseline pages, then every
   portal page, each for BENCH_SECONDS after a BENCH_WARMUP warm-up; BENCH_ROUNDS rounds.
4. Prints, per page, the medians over the rounds of requests/s, p50 and p99 latency, server CPU
   ms per request, and the ratio to the baseline page of the same round, with the target; writes
   the table to bench/results/latest.md. Exits 1 when a target is missed.
"""

import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
P99_TARGET_MS = 100
PASSWORD = "demo-password-2026"
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Page:
    label: str
    path: str  # may name ids from the generator's showcase: {camp}, {application}, ...
    login: str | None  # the demo account that opens it
    baseline: str  # "list" (list and detail pages) or "fortunes" (simple pages)
    target: float
    size: int = 0
    runs: list = field(default_factory=list)


def pages() -> list[Page]:
    organiser, mentor = "organiser@demo.example.org", "mentor@demo.example.org"
    return [
        Page("Organiser: applications, filtered, page 50",
             "/manage/camps/{camp}/applications?status=submitted&page=50", organiser, "list", 0.6),
        Page("Organiser: application detail", "/manage/applications/{application}", organiser,
             "list", 0.6),
        Page("Organiser: cohort balance", "/manage/camps/{camp}/balance", organiser, "list", 0.6),
        Page("Mentor: review queue", "/mentor/queue", mentor, "list", 0.6),
        Page("Mentor: plan with versions", "/plans/{plan}", mentor, "list", 0.6),
        Page("Organiser: ambassador directory", "/manage/ambassadors", organiser, "list", 0.6),
        Page("Mentor: attendance sheet", "/sessions/{session}/attendance", mentor, "list", 0.6),
        Page("Young person: home", "/", "youth@demo.example.org", "fortunes", 0.5),
        Page("Organiser: dashboard", "/reports", organiser, "list", 0.6),
        Page("Public: at a glance", "/at-a-glance", None, "fortunes", 0.5),
    ]  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(app: str, env: dict) -> tuple[subprocess.Popen, int]:
    port = free_port()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = subprocess.Popen(
        [gunicorn, "--config", "gunicorn.conf.py", "-w", "2", "-k", "sync", "--threads", "1",
         "-b", f"127.0.0.1:{port}", app],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{app} did not start")


def cpu_seconds(process: subprocess.Popen) -> float:
    """User + system CPU of gunicorn's master and its workers."""
    pids = [process.pid]
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def sign_in(port: int, email: str) -> str:
    """The session cookie of `email`, signed in through the real login form."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", "/auth/login")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": PASSWORD})
    connection.request("POST", "/auth/login", body, {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
    })  # fmt: skip
    response = connection.getresponse()
    response.read()
    if response.status != 302:
        raise RuntimeError(f"could not sign in as {email}")
    return response.getheader("Set-Cookie").split(";")[0]


def check(port: int, path: str, cookie: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", path, headers={"Cookie": cookie, "Accept-Encoding": "gzip"})
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"{path} answered {response.status}")
    return len(body)


def wrk(port: int, path: str, cookie: str, process: subprocess.Popen) -> dict:
    """One warm-up and one measured wrk run; requests/s, p50, p99 and CPU ms per request."""
    env = dict(os.environ, BENCH_COOKIE=cookie)
    script = str(ROOT / "bench" / "wrk.lua")
    url = f"http://127.0.0.1:{port}{path}"

    def run(seconds: float) -> dict:
        output = subprocess.run(
            ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", script,
             url],
            env=env, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        return json.loads(output[output.index("{") :])

    run(WARMUP)
    before = cpu_seconds(process)
    result = run(SECONDS)
    cpu = cpu_seconds(process) - before
    if result["errors"]:
        raise RuntimeError(f"{path}: {result['errors']} failed or non-2xx responses")
    result["cpu_ms"] = cpu * 1000 / max(1, result["requests"])
    return result


def prepare(url: str, env: dict) -> dict:
    env = dict(env, PORTAL_ENV="development")  # seed-demo refuses to run in production
    flask = str(Path(sys.executable).with_name("flask"))
    print(f"Building the data set on {url.split(':')[0]} …", flush=True)
    subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([flask, "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    showcase = Path(tempfile.mkdtemp()) / "showcase.json"
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "bench/generate.py", "--scale", os.environ.get("BENCH_SCALE", "large"),
         "--showcase", str(showcase)],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    if url.startswith("postgresql"):  # a settled database, as after a night's autovacuum
        import sqlalchemy as sa

        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))
        engine.dispose()
    print(f"… ready in {time.monotonic() - started:.0f} s", flush=True)
    return json.loads(showcase.read_text())


def bench(url: str, title: str) -> tuple[list[str], bool]:
    env = dict(os.environ, DATABASE_URL=url, BENCH_BASELINE_URL=url, FLASK_APP="wsgi",
               PORTAL_ENV="production", SECRET_KEY="bench-only-secret-" + "x" * 20,
               MAIL_BACKEND="memory", PYTHONPATH=str(ROOT), THREADS="1",
               BASE_URL="http://127.0.0.1", RATELIMIT_ALLOW_MEMORY="1")  # fmt: skip
    showcase = prepare(url, env)
    sys.path.insert(0, str(ROOT))
    from bench.baseline import create_tables

    create_tables(url)
    portal, portal_port = serve("wsgi:app", env)
    baseline, baseline_port = serve("bench.baseline:app", env)
    measured = pages()
    bases = {"fortunes": [], "list": []}
    try:
        cookies = {None: ""}
        for page in measured:
            if page.login not in cookies:
                cookies[page.login] = sign_in(portal_port, page.login)
            page.path = page.path.format(**showcase)
            page.size = check(portal_port, page.path, cookies[page.login])
        for number in range(ROUNDS):
            print(f"[{title}] round {number + 1} of {ROUNDS}", flush=True)
            bases["fortunes"].append(wrk(baseline_port, "/fortunes", "", baseline))
            bases["list"].append(wrk(baseline_port, "/list?page=50", "", baseline))
            for page in measured:
                page.runs.append(wrk(portal_port, page.path, cookies[page.login], portal))
    finally:
        portal.terminate()
        baseline.terminate()
        portal.wait()
        baseline.wait()
    return table(title, measured, bases)


def median(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def table(title: str, measured: list[Page], bases: dict) -> tuple[list[str], bool]:
    lines = [
        f"### {title}",
        "",
        "| page | req/s | p50 ms | p99 ms | CPU ms/req | × baseline | target | gzip KB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, label in (("fortunes", "Baseline: fortunes"), ("list", "Baseline: 50-row list")):
        runs = bases[name]
        lines.append(
            f"| {label} | {median(runs, 'rps'):.0f} | {median(runs, 'p50'):.1f} | "
            f"{median(runs, 'p99'):.1f} | {median(runs, 'cpu_ms'):.2f} | 1.00 | | |"
        )
    ok = True
    for page in measured:
        ratios = [
            run["rps"] / base["rps"]
            for run, base in zip(page.runs, bases[page.baseline], strict=True)
        ]
        ratio, p99 = statistics.median(ratios), median(page.runs, "p99")
        met = ratio >= page.target and p99 <= P99_TARGET_MS
        ok &= met
        lines.append(
            f"| {page.label} | {median(page.runs, 'rps'):.0f} | {median(page.runs, 'p50'):.1f} | "
            f"{p99:.1f} | {median(page.runs, 'cpu_ms'):.2f} | {ratio:.2f} | "
            f"≥ {page.target} × {page.baseline}, p99 ≤ {P99_TARGET_MS} {'✓' if met else '✗'} | "
            f"{page.size / 1024:.1f} |"
        )
    return lines, ok


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install wrk (make bench does this when run as root)")
        return 2
    header = [
        "# Benchmark: the portal at ten times the programme's scale",
        "",
        f"`make bench` on {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}: gunicorn `-w 2 -k "
        f"sync`, wrk `-t2 -c{CONNECTIONS}`, {ROUNDS} interleaved rounds of {SECONDS:.0f} s after "
        f"{WARMUP:.0f} s warm-up; medians. Ratios compare with the baseline page measured in the "
        "same round. Data: 220,220 people, 150 camps, 300,120 applications, 10,000 ambassadors, "
        "3,000 groups, 20,000 action plans.",
        "",
    ]
    lines, ok = [], True
    only = os.environ.get("BENCH_ONLY")  # "sqlite" or "postgresql": one database only
    if only != "postgresql":
        with tempfile.TemporaryDirectory() as folder:
            result, passed = bench(f"sqlite:///{folder}/bench.db", "SQLite")
            lines += result + [""]
            ok &= passed
    postgres = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if only == "sqlite":
        pass
    elif postgres:
        result, passed = bench(scratch_postgres(postgres), "PostgreSQL")
        lines += result + [""]
        ok &= passed
    else:
        lines += ["PostgreSQL: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL).", ""]
    text = "\n".join(header + lines)
    print(text)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "latest.md").write_text(text)
    print(f"Written to {results / 'latest.md'}")
    return 0 if ok else 1


def scratch_postgres(url: str) -> str:
    """A fresh `jashtar_bench` database on the server of `url`."""
    import sqlalchemy as sa

    url = re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text("DROP DATABASE IF EXISTS jashtar_bench WITH (FORCE)"))
        connection.execute(sa.text("CREATE DATABASE jashtar_bench"))
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/jashtar_bench"


if __name__ == "__main__":
    sys.exit(main())
