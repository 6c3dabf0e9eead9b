"""`make bench`: the portal's heaviest pages at ten times the programme's scale, against a bare
Flask + SQLAlchemy + Jinja baseline measured in the same run, and how their cost grows with data.

1. Builds each data set of BENCH_SCALES (default "small,large"; "small,large,xl" adds thirty
   times the programme) with bench/generate.py on a scratch SQLite database, and on a scratch
   PostgreSQL database (`<BENCH_DATABASE_STEM>_<random hex>`, dropped afterwards) when
   BENCH_DATABASE_URL or TEST_DATABASE_URL is set.
2. Serves the portal (production config) and the baseline (bench/baseline.py) with gunicorn and
   the settings `make serve` uses (gunicorn.conf.py's defaults), the same for both. The cache is
   Redis (BENCH_REDIS_URL, its own random key prefix) when one answers, as in production.
3. Signs in as each role and loads every page with wrk (16 connections; bench/wrk.lua sends the
   cookie and accepts gzip). The cookie is a browser's: after signing in, one GET of the page
   takes what the portal sets on the first signed-in request; a further GET must then set no
   cookie (the bench stops if it does). The baseline signs in the same way for `/signed-in`.
   Runs interleave: each round measures the three baseline pages, then every portal page, each
   for BENCH_SECONDS after a BENCH_WARMUP warm-up; BENCH_ROUNDS rounds, at the main scale
   (BENCH_SCALE, default "large"). Cached pages are also measured cold: after the warm run the
   cache is cleared and a second run starts at once, with no warm-up (every connection's first
   request finds the cache empty); then the first request after clearing and the one after it
   are timed alone (BENCH_COLD_REPEATS times a round).
   CPU per request is gunicorn's (master and workers) plus, on PostgreSQL, the database
   server's backends for the bench's database, both read from /proc.
4. Every other scale gets BENCH_SCALE_ROUNDS (default 2) shorter passes (BENCH_SCALE_SECONDS)
   for CPU per request; their median is the scaling table's figure. Each pass measures the bare
   list too (its own tables: the same at every scale), to show the machine's speed then. Growth
   is checked on the two largest scales measured together at the end (bench/growth.py: a worker
   per scale, in-process, interleaved round by round; BENCH_GROWTH_ROUNDS, BENCH_GROWTH_COUNT),
   since the machine's speed moves between the scales' own stretches by more than the limit.
5. Prints and writes to bench/results/latest.md the fair table (medians over the rounds, ratios
   to the baseline page of the same round, targets), and to bench/results/scaling.md the CPU
   per request at every scale with a check that none grows (over the bare list) by more than
   25% from the next-to-largest scale to the largest (large → xl when xl is measured); with BENCH_COMPARE=<an older latest.md> a column with the change.
   Exits 1 when a target of the fair table is missed; a growth miss only fails with
   BENCH_STRICT=1. BENCH_RESULTS names another folder for the two files (trial runs).
"""

import http.client
import json
import os
import re
import runpy
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from contextlib import ExitStack
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
SCALE_SECONDS = float(os.environ.get("BENCH_SCALE_SECONDS", "5"))
#: Passes at the other scales (their median is the scaling table's figure): one pass of 5 s
#: was at the mercy of a moment's load on a shared machine.
SCALE_ROUNDS = int(os.environ.get("BENCH_SCALE_ROUNDS", "2"))
COLD_REPEATS = int(os.environ.get("BENCH_COLD_REPEATS", "3"))
FLOOR_ROUNDS = int(os.environ.get("BENCH_FLOOR_ROUNDS", "6"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
DATABASE_STEM = os.environ.get("BENCH_DATABASE_STEM", "jashtar_bench")
P99_TARGET_MS = 100
COLD_TARGET = 3.0  # a cold run's CPU per request within 3× the warm run's
GROWTH_LIMIT = 0.25  # CPU per request grows by at most 25% between the two largest scales
PASSWORD = "demo-password-2026"
TICKS = os.sysconf("SC_CLK_TCK")
#: The portal refreshes a session's "seen" once a minute (portal/web.py): a run longer than that
#: replays a stale cookie and the portal re-signs it on every request.
SEEN_REFRESH_SECONDS = 60
BASELINES = {
    "fortunes": "Baseline: fortunes",
    "list": "Baseline: 50-row list",
    "signed-in": "Baseline: signed-in page",
}


@dataclass
class Page:
    label: str
    path: str  # may name ids from the generator's showcase: {camp}, {application}, ...
    login: str | None  # the demo account that opens it
    baseline: str  # "list" (list and detail pages), "signed-in" or "fortunes" (simple pages)
    target: float
    cpu_target: bool = False  # the CPU-per-request ratio must meet the target too
    cached: bool = False  # measured cold as well as warm
    size: int = 0
    runs: list = field(default_factory=list)
    cold_runs: list = field(default_factory=list)  # wrk runs started with the cache cleared
    first: list = field(default_factory=list)  # (cold ms, warm ms): one request alone, each


def pages() -> list[Page]:
    organiser, mentor = "organiser@demo.example.org", "mentor@demo.example.org"
    return [
        Page("Organiser: applications, filtered, page 50",
             "/manage/camps/{camp}/applications?status=submitted&page=50", organiser, "list", 0.5,
             cpu_target=True),
        Page("Organiser: application detail", "/manage/applications/{application}", organiser,
             "list", 0.5, cpu_target=True),
        Page("Organiser: cohort balance", "/manage/camps/{camp}/balance", organiser, "list", 0.5,
             cpu_target=True, cached=True),
        Page("Mentor: review queue", "/mentor/queue", mentor, "list", 0.5, cpu_target=True),
        Page("Mentor: plan with versions", "/plans/{plan}", mentor, "list", 0.5, cpu_target=True),
        Page("Organiser: ambassador directory", "/manage/ambassadors", organiser, "list", 0.5,
             cpu_target=True),
        Page("Mentor: attendance sheet", "/sessions/{session}/attendance", mentor, "list", 0.5,
             cpu_target=True),
        Page("Young person: home", "/", "youth@demo.example.org", "signed-in", 0.6),
        Page("Organiser: dashboard", "/reports", organiser, "list", 0.5, cpu_target=True,
             cached=True),
        Page("Public: at a glance", "/at-a-glance", None, "fortunes", 0.5, cached=True),
    ]  # fmt: skip


# --- pure helpers (tests/test_bench_run.py) ---------------------------------------------------


def merge_cookies(jar: dict[str, str], set_cookies: list[str]) -> dict[str, str]:
    """The cookies a browser holds after receiving `set_cookies` (Set-Cookie header values)."""
    jar = dict(jar)
    for header in set_cookies:
        pair, *attributes = header.split(";")
        name, _, value = pair.strip().partition("=")
        options = {}
        for attribute in attributes:
            key, _, setting = attribute.strip().partition("=")
            options[key.lower()] = setting
        expired = options.get("max-age") == "0" or "1970" in options.get("expires", "")
        if expired or not value:
            jar.pop(name, None)
        else:
            jar[name] = value
    return jar


def cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def is_backend_of(cmdline: str, database: str) -> bool:
    """Is this process title ("postgres: 15/main: user database host(port) state") a PostgreSQL
    backend (or autovacuum worker) serving `database`?"""
    words = cmdline.replace("\0", " ").split()
    return bool(words) and words[0] == "postgres:" and database in words[1:]


def growth(cpu_by_scale: dict[str, float], scales: list[str]) -> float | None:
    """How much CPU per request grew from the next-to-largest scale measured to the largest (0.1
    is 10%): small → large by default, large → xl (three times the data) when xl is measured, as
    issue 19 asks; None with fewer than two scales measured."""
    measured = [scale for scale in scales if cpu_by_scale.get(scale)]
    if len(measured) < 2:
        return None
    return cpu_by_scale[measured[-1]] / cpu_by_scale[measured[-2]] - 1


def growth_check(
    table: dict[str, dict[str, float]], scales: list[str], limit: float = GROWTH_LIMIT
) -> dict[str, tuple[float | None, bool]]:
    """Per page, (growth, within the limit); a page measured at one scale only passes."""
    checked = {}
    for page, by_scale in table.items():
        grown = growth(by_scale, scales)
        checked[page] = (grown, grown is None or grown <= limit)
    return checked


def parse_results(text: str) -> dict[tuple[str, str], dict[str, float]]:
    """{(section, page): {"rps": …, "cpu_ms": …}} from a results file's tables (this script's
    `### SQLite` sections, or the README's `**SQLite**` ones)."""
    found, section, columns = {}, "", []
    for line in text.splitlines():
        heading = re.match(r"^(?:###\s+(.+?)|\*\*(.+?)\*\*)\s*$", line.strip())
        if heading:
            section, columns = (heading.group(1) or heading.group(2)).strip(), []
            continue
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells and cells[0] == "page":
            columns = cells
            continue
        if not columns or set(cells[0]) <= {"-", ":"}:
            continue
        figures = {}
        for key, column in (("rps", "req/s"), ("cpu_ms", "CPU ms/req")):
            if column in columns and columns.index(column) < len(cells):
                try:
                    figures[key] = float(cells[columns.index(column)])
                except ValueError:
                    pass
        if figures:
            found[(section, cells[0])] = figures
    return found


def change(old: dict[str, float] | None, rps: float, cpu_ms: float) -> str:
    """The change from an older result: "req/s +35%, CPU −20%" (nothing without one)."""
    if not old:
        return ""
    parts = []
    if old.get("rps"):
        parts.append(f"req/s {percent(rps / old['rps'] - 1)}")
    if old.get("cpu_ms"):
        parts.append(f"CPU {percent(cpu_ms / old['cpu_ms'] - 1)}")
    return ", ".join(parts)


def percent(fraction: float) -> str:
    return f"{fraction * 100:+.0f}%".replace("-", "−")


def main_scale(scales: list[str], chosen: str | None) -> str:
    """The scale of the fair table: BENCH_SCALE if it is measured, else "large", else the last."""
    if chosen in scales:
        return chosen
    return "large" if "large" in scales else scales[-1]


# --- serving and measuring --------------------------------------------------------------------


def gunicorn_settings(env: dict) -> dict:
    """workers and threads as gunicorn.conf.py sets them in `env` (what `make serve` runs)."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {"workers": settings["workers"], "threads": settings["threads"]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(app: str, env: dict, probe: str) -> tuple[subprocess.Popen, int]:
    """gunicorn with gunicorn.conf.py and nothing else changed but the address; returns once
    every worker has booted and `probe` answers (wrk must not time the workers' start)."""
    port = free_port()
    workers = gunicorn_settings(env)["workers"]
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = subprocess.Popen(
        [gunicorn, "--config", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}", app],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    for _ in range(600):
        try:
            booted = len(children.read_text().split()) >= workers
            if booted and all(request(port, probe).status == 200 for _ in range(2 * workers)):
                return process, port
        except OSError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"{app} did not start")


def stat_cpu(pid: int) -> int:
    """utime + stime of `pid` in clock ticks (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def cpu_seconds(process: subprocess.Popen) -> float:
    """User + system CPU of gunicorn's master and its workers."""
    pids = [process.pid]
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    return sum(stat_cpu(pid) for pid in pids) / TICKS


def postgres_cpu_seconds(database: str) -> float:
    """User + system CPU of every PostgreSQL backend serving `database` now. Backends live as
    long as gunicorn's pooled connections, so a before/after difference covers the run (one
    that ends in between loses its share; one that starts counts whole)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if is_backend_of(title, database):
            total += stat_cpu(int(entry.name))
    return total / TICKS


def request(port: int, path: str, cookie: str = "") -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path, headers={"Cookie": cookie, "Accept-Encoding": "gzip"})
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def sign_in(port: int, email: str) -> dict[str, str]:
    """The cookies of `email`, signed in through the real login form."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", "/auth/login")
    response = connection.getresponse()
    page = response.read().decode()
    jar = merge_cookies({}, response.msg.get_all("Set-Cookie") or [])
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": PASSWORD})
    connection.request("POST", "/auth/login", body, {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie_header(jar),
    })  # fmt: skip
    response = connection.getresponse()
    response.read()
    if response.status != 302:
        raise RuntimeError(f"could not sign in as {email}")
    return merge_cookies(jar, response.msg.get_all("Set-Cookie") or [])


def settle(port: int, path: str, jar: dict[str, str]) -> tuple[str, int]:
    """A browser's cookie for `path`: one GET takes what the server sets on the first request
    (a CSRF token, a flash message read); then a GET with it must set nothing, or every request
    of the run would pay for a re-signed session. Returns the Cookie header and the page's size."""
    first = request(port, path, cookie_header(jar))
    jar = merge_cookies(jar, first.msg.get_all("Set-Cookie") or [])
    again = request(port, path, cookie_header(jar))
    if again.status != 200:
        raise RuntimeError(f"{path} answered {again.status}")
    resent = again.msg.get_all("Set-Cookie") or []
    if resent:
        names = ", ".join(header.split("=", 1)[0] for header in resent)
        raise RuntimeError(
            f"{path} sets cookies ({names}) on every request with a settled cookie: the server "
            "re-signs its session per request, which a browser would not see; fix that first"
        )
    return cookie_header(jar), len(again.body)


def wrk(port: int, path: str, cookie: str, cpu: Callable[[], float], seconds: float,
        warmup: float = WARMUP, *, cold: bool = False) -> dict:  # fmt: skip
    """One warm-up and one measured wrk run; requests/s, p50, p99 and CPU ms per request.

    A `cold` run (the cache just cleared) that gets no answer at all within its time is kept,
    not fatal: its requests/s are 0, its p99 is the run's length and its CPU per request the
    CPU the unfinished computation took (both lower bounds), marked `unanswered`. The
    dashboard at 660,000 people took longer than a 5 s run to compute on SQLite."""
    env = dict(os.environ, BENCH_COOKIE=cookie)
    script = str(ROOT / "bench" / "wrk.lua")
    url = f"http://127.0.0.1:{port}{path}"

    def run(duration: float) -> dict:
        output = subprocess.run(
            ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{max(1, round(duration))}s", "--timeout",
             "30s", "-s", script, url],
            env=env, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        return json.loads(output[output.index("{") :])

    if warmup:
        run(warmup)
    before = cpu()
    result = run(seconds)
    used = cpu() - before
    if cold and not result["requests"] and not result["errors"]:
        result.update(rps=0.0, p99=seconds * 1000, cpu_ms=used * 1000, unanswered=True)
        return result
    if result["errors"] or not result["requests"]:
        raise RuntimeError(f"{path}: {result['errors']} failed or non-2xx responses, "
                           f"{result['requests']} answered")  # fmt: skip
    result["cpu_ms"] = used * 1000 / max(1, result["requests"])
    return result


def cold_and_warm(port: int, path: str, cookie: str, clear: Callable[[], None]) -> list:
    """(cold ms, warm ms) per repeat: the cache cleared, one request timed, then one more."""
    timings = []
    for _ in range(COLD_REPEATS):
        clear()
        pair = []
        for _state in ("cold", "warm"):
            started = time.perf_counter()
            response = request(port, path, cookie)
            pair.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}")
        timings.append(tuple(pair))
    return timings


# --- one database at one scale ----------------------------------------------------------------


@dataclass
class Setup:
    """A database at one scale: where it is, and how its cache and CPU are reached."""

    url: str
    title: str
    scale: str
    redis_prefix: str | None
    database: str | None  # the PostgreSQL database's name (its backends' CPU counts)
    showcase: dict = field(default_factory=dict)  # the generator's ids, once it has run


def prepare(setup: Setup, env: dict) -> dict:
    env = dict(env, PORTAL_ENV="development")  # seed-demo refuses to run in production
    flask = str(Path(sys.executable).with_name("flask"))
    print(f"Building the {setup.scale} data set on {setup.title} …", flush=True)
    subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([flask, "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    showcase = Path(tempfile.mkdtemp()) / "showcase.json"
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "bench/generate.py", "--scale", setup.scale, "--showcase", str(showcase)],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    if setup.database:  # a settled database, as after a night's autovacuum
        import sqlalchemy as sa

        engine = sa.create_engine(setup.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))
        engine.dispose()
    print(f"… ready in {time.monotonic() - started:.0f} s", flush=True)
    return json.loads(showcase.read_text())


def environment(setup: Setup) -> dict:
    env = dict(os.environ, DATABASE_URL=setup.url, BENCH_BASELINE_URL=setup.url,
               FLASK_APP="wsgi", PORTAL_ENV="production",
               SECRET_KEY="bench-only-secret-" + "x" * 20, MAIL_BACKEND="memory",
               PYTHONPATH=str(ROOT), BASE_URL="http://127.0.0.1",
               RATELIMIT_ALLOW_MEMORY="1")  # fmt: skip
    if setup.redis_prefix:
        env.update(CACHE_REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=f"{setup.redis_prefix}cache:")
    return env


def bench(setup: Setup, measured: list[Page], *, full: bool) -> dict:
    """Measure `measured` on `setup`'s database: the full interleaved rounds with the baselines
    (full), or SCALE_ROUNDS short passes of the portal's pages; returns the baseline runs."""
    env = environment(setup)
    showcase = setup.showcase = prepare(setup, env)
    sys.path.insert(0, str(ROOT))
    from bench.baseline import create_tables
    from bench.servers import drop_redis_keys

    create_tables(setup.url)
    portal, portal_port = serve("wsgi:app", env, "/healthz")
    baseline, baseline_port = serve("bench.baseline:app", env, "/fortunes")
    database_cpu = (
        (lambda: postgres_cpu_seconds(setup.database)) if setup.database else (lambda: 0.0)
    )

    def portal_cpu() -> float:
        return cpu_seconds(portal) + database_cpu()

    def baseline_cpu() -> float:
        return cpu_seconds(baseline) + database_cpu()

    def clear_cache() -> None:
        drop_redis_keys(f"{setup.redis_prefix}cache:", REDIS_URL)

    bases = {name: [] for name in BASELINES}
    try:
        for page in measured:
            page.path = page.path.format(**showcase)

        def cookie(page: Page) -> str:
            """Signed in afresh (a new "seen"), settled by one GET, checked by another."""
            if page.login is None:
                header, page.size = settle(portal_port, page.path, {})
                return header
            header, page.size = settle(portal_port, page.path, sign_in(portal_port, page.login))
            return header

        def baseline_cookie() -> str:
            signed = request(baseline_port, "/login?user=1")
            jar = merge_cookies({}, signed.msg.get_all("Set-Cookie") or [])
            return settle(baseline_port, "/signed-in", jar)[0]

        rounds = ROUNDS if full else SCALE_ROUNDS
        seconds = SECONDS if full else SCALE_SECONDS
        for number in range(rounds):
            print(f"[{setup.title}, {setup.scale}] round {number + 1} of {rounds}", flush=True)
            if full:
                bases["fortunes"].append(wrk(baseline_port, "/fortunes", "", baseline_cpu, seconds))
            # At every scale: the bare list (its own tables, the same at every scale) tells how
            # fast the machine was during these passes, for the scaling table.
            bases["list"].append(wrk(baseline_port, "/list?page=50", "", baseline_cpu, seconds))
            if full:
                bases["signed-in"].append(
                    wrk(baseline_port, "/signed-in", baseline_cookie(), baseline_cpu, seconds)
                )
            for page in measured:
                header = cookie(page)
                page.runs.append(wrk(portal_port, page.path, header, portal_cpu, seconds))
                if page.cached and setup.redis_prefix:
                    clear_cache()
                    page.cold_runs.append(
                        wrk(
                            portal_port,
                            page.path,
                            header,
                            portal_cpu,
                            max(seconds, 10),
                            warmup=0,
                            cold=True,
                        )
                    )
                    page.first += cold_and_warm(portal_port, page.path, header, clear_cache)
    finally:
        portal.terminate()
        baseline.terminate()
        portal.wait()
        baseline.wait()
        if setup.redis_prefix:
            drop_redis_keys(setup.redis_prefix, REDIS_URL)
    return bases


# --- tables -----------------------------------------------------------------------------------


def median(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def table(title: str, measured: list[Page], bases: dict, previous: dict) -> tuple[list[str], bool]:
    compare = bool(previous)
    lines = [
        f"### {title}",
        "",
        "| page | req/s | p50 ms | p99 ms | CPU ms/req | × baseline req/s | × baseline CPU "
        "| target | gzip KB |" + (" change |" if compare else ""),
        "|---|---:|---:|---:|---:|---:|---:|---|---:|" + ("---|" if compare else ""),
    ]

    def row(label: str, runs: list[dict], cells: str) -> str:
        rps, cpu = median(runs, "rps"), median(runs, "cpu_ms")
        text = (
            f"| {label} | {rps:.0f} | {median(runs, 'p50'):.1f} | {median(runs, 'p99'):.1f} | "
            f"{cpu:.2f} | {cells} |"
        )
        if compare:
            text += f" {change(previous.get((title, label)), rps, cpu)} |"
        return text

    for name, label in BASELINES.items():
        if bases[name]:
            lines.append(row(label, bases[name], "1.00 | 1.00 | | "))
    ok = True
    for page in measured:
        base = bases[page.baseline]
        rps_ratio = statistics.median(
            run["rps"] / b["rps"] for run, b in zip(page.runs, base, strict=True)
        )
        cpu_ratio = statistics.median(
            b["cpu_ms"] / run["cpu_ms"] if run["cpu_ms"] else float("inf")
            for run, b in zip(page.runs, base, strict=True)
        )
        p99 = median(page.runs, "p99")
        met = rps_ratio >= page.target and p99 <= P99_TARGET_MS
        what = "req/s"
        if page.cpu_target:
            met &= cpu_ratio >= page.target
            what = "req/s and CPU"
        target = f"≥ {page.target} × {page.baseline} ({what}), p99 ≤ {P99_TARGET_MS}"
        if page.cold_runs:
            met &= cold_ratio(page) <= COLD_TARGET
            target += f", cold CPU ≤ {COLD_TARGET:.0f} × warm"
        elif page.cached:
            target += " (cold: no Redis)"
        ok &= met
        lines.append(row(
            page.label, page.runs,
            f"{rps_ratio:.2f} | {cpu_ratio:.2f} | {target} {'✓' if met else '✗'} | "
            f"{page.size / 1024:.1f}",
        ))  # fmt: skip
    cached = [page for page in measured if page.cold_runs]
    if cached:
        lines += [
            "",
            f"{title}, cached pages cold and warm: the cold run starts as the cache is cleared "
            "(no warm-up); first request: one request alone after clearing, then the next.",
            "",
            "| page | req/s warm | req/s cold | p99 ms warm | p99 ms cold | CPU ms/req warm "
            f"| CPU ms/req cold | cold ÷ warm CPU (≤ {COLD_TARGET:.0f}) | first request cold ms "
            "| first request warm ms |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for page in cached:
            ratio = cold_ratio(page)
            lines.append(
                f"| {page.label} | {median(page.runs, 'rps'):.0f} | "
                f"{median(page.cold_runs, 'rps'):.0f} | {median(page.runs, 'p99'):.1f} | "
                f"{median(page.cold_runs, 'p99'):.1f} | {median(page.runs, 'cpu_ms'):.2f} | "
                f"{median(page.cold_runs, 'cpu_ms'):.2f} | "
                f"{ratio:.2f} {'✓' if ratio <= COLD_TARGET else '✗'} | "
                f"{statistics.median(c for c, _w in page.first):.1f} | "
                f"{statistics.median(w for _c, w in page.first):.1f} |"
            )
    return lines, ok


def cold_ratio(page: Page) -> float:
    """The median over rounds of the cold run's CPU per request over the warm run's."""
    return statistics.median(
        cold["cpu_ms"] / warm["cpu_ms"] if warm["cpu_ms"] else float("inf")
        for warm, cold in zip(page.runs, page.cold_runs, strict=True)
    )


def scaling_table(title: str, cpu: dict[str, dict[str, float]], cold: dict[str, dict[str, float]],
                  scales: list[str], speed: dict[str, float],
                  paired: dict[str, dict[str, float]]) -> tuple[list[str], bool]:  # fmt: skip
    """CPU ms per request of every page at every scale (wrk, each scale in its own stretch of
    the run, with the bare list measured in the same passes), its raw growth, and the growth
    check on `paired`: the two largest scales measured together, interleaved (bench/growth.py)."""
    compared = [scale for scale in scales if any(scale in by for by in paired.values())][-2:]
    checked = growth_check(paired, compared)
    raw = {page: growth(by_scale, scales) for page, by_scale in cpu.items()}
    together = " | ".join(f"{scale}, interleaved" for scale in compared)
    lines = [
        f"### {title}: CPU ms per request by scale",
        "",
        "| page | " + " | ".join(scales) + " | growth | " + (together + " | " if together else "")
        + f"growth, interleaved | ≤ {GROWTH_LIMIT:.0%} |",
        "|---|" + "---:|" * (len(scales) + len(compared) + 2) + "---|",
        "| Baseline: 50-row list (the machine's speed in these passes) | "
        + " | ".join(f"{speed[s]:.2f}" if s in speed else "" for s in scales)
        + f" | {percent(growth(speed, scales) or 0)} | " + "| " * len(compared) + "| |",
    ]  # fmt: skip
    for page, by_scale in cpu.items():
        grown, within = checked.get(page, (None, True))
        cells = " | ".join(f"{by_scale[s]:.2f}" if s in by_scale else "" for s in scales)
        both = paired.get(page, {})
        inner = "".join(f"{both[s]:.2f} | " if s in both else " | " for s in compared)
        shown = "" if grown is None else percent(grown)
        measured = "" if raw[page] is None else percent(raw[page])
        lines.append(
            f"| {page} | {cells} | {measured} | {inner}{shown} | {'✓' if within else '✗'} |"
        )
    for page, by_scale in cold.items():  # cold pages aggregate the data: shown, not checked
        cells = " | ".join(f"{by_scale[s]:.2f}" if s in by_scale else "" for s in scales)
        lines.append(
            f"| {page}, cold run | {cells} | | " + "| " * len(compared) + "| not checked |"
        )
    return lines, all(within for _grown, within in checked.values())


# --- the whole run ----------------------------------------------------------------------------


@contextmanager
def scratch_database(kind: str, server: str | None, scale: str):
    """A fresh database for one scale: a temporary SQLite file, or a PostgreSQL database named
    `<BENCH_DATABASE_STEM>_<random hex>` on `server`, dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench-{scale}.db", None
        return
    from bench.servers import throwaway_database

    assert server is not None
    with throwaway_database(server, DATABASE_STEM) as url:
        yield url, url.rsplit("/", 1)[1]


def floor_section(title: str, env: dict) -> list[str]:
    """The young person's home split into the portal's floor and its own work (bench/floor.py,
    in-process: on PostgreSQL the server's CPU would be missing, so SQLite only)."""
    answer = subprocess.run(
        [sys.executable, "bench/floor.py", "--markdown", "--rounds", str(FLOOR_ROUNDS), "/"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    if answer.returncode:  # the rest of the run's figures are still worth writing
        last = (answer.stderr.strip().splitlines() or ["no message"])[-1]
        return ["", f"{title}, the floor: bench/floor.py failed ({last})."]
    return [
        "",
        f"{title}, the floor (bench/floor.py, in one process, {FLOOR_ROUNDS} interleaved rounds): "
        "an empty signed-in page in the portal's layout, behind its login, limiter, CSRF token, "
        "idle timeout, language, security headers and commit, against the baseline's signed-in "
        "page, and the young person's home above it.",
        "",
        *answer.stdout.splitlines(),
    ]


def measure_database(kind: str, title: str, server: str | None, scales: list[str], main: str,
                     redis: bool, previous: dict) -> tuple[list[str], list[str], bool, bool]:  # fmt: skip
    """The fair table at the main scale and the scaling table over `scales` for one database;
    each scale's database is kept until the two largest have been measured together."""
    from bench.growth import Scale
    from bench.growth import interleaved
    from bench.servers import drop_redis_keys

    cpu: dict[str, dict[str, float]] = {}
    cold: dict[str, dict[str, float]] = {}
    speed: dict[str, float] = {}  # the bare list's CPU per request at each scale's passes
    fair: list[str] = []
    floor: list[str] = []
    ok = True
    setups: list[Setup] = []
    with ExitStack() as kept:
        for scale in scales:
            measured = pages()
            url, database = kept.enter_context(scratch_database(kind, server, scale))
            setup = Setup(url, title, scale, f"bench{secrets.token_hex(4)}:" if redis else None,
                          database)  # fmt: skip
            setups.append(setup)
            bases = bench(setup, measured, full=scale == main)
            if scale == main and kind == "sqlite":
                floor = floor_section(title, environment(setup))
            if scale == main:
                fair, ok = table(title, measured, bases, previous)
                fair += floor
            speed[scale] = median(bases["list"], "cpu_ms")
            for page in measured:
                cpu.setdefault(page.label, {})[scale] = median(page.runs, "cpu_ms")
                if page.cold_runs:
                    cold.setdefault(page.label, {})[scale] = median(page.cold_runs, "cpu_ms")
        paired: dict[str, dict[str, float]] = {}
        if len(setups) > 1:
            print(
                f"[{title}] growth: {setups[-2].scale} and {setups[-1].scale} together", flush=True
            )
            together = [
                Scale(setup.scale, environment(setup), setup.showcase, setup.database)
                for setup in setups[-2:]
            ]
            try:
                paired = interleaved(
                    together, [(page.label, page.path, page.login) for page in pages()]
                )
            finally:
                for setup in setups[-2:]:
                    if setup.redis_prefix:
                        drop_redis_keys(setup.redis_prefix, REDIS_URL)
    scaling, flat = scaling_table(title, cpu, cold, scales, speed, paired)
    return fair, scaling, ok, flat


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install wrk (make bench does this when run as root)")
        return 2
    sys.path.insert(0, str(ROOT))
    from bench.generate import SCALES
    from bench.growth import COUNT as GROWTH_COUNT
    from bench.growth import ROUNDS as GROWTH_ROUNDS
    from bench.servers import redis_available

    scales = [s.strip() for s in os.environ.get("BENCH_SCALES", "small,large").split(",")]
    scales = [s for s in scales if s]
    unknown = [s for s in scales if s not in SCALES]
    if unknown:
        print(f"BENCH_SCALES: unknown scale(s) {', '.join(unknown)}; known: {', '.join(SCALES)}")
        return 2
    scales.sort(key=lambda s: SCALES[s][0])
    main = main_scale(scales, os.environ.get("BENCH_SCALE"))
    redis = redis_available(REDIS_URL)
    compare = os.environ.get("BENCH_COMPARE")
    previous = parse_results(Path(compare).read_text()) if compare else {}
    settings = gunicorn_settings({})
    people, camps, applications, ambassadors, groups, plans = SCALES[main]
    header = [
        "# Benchmark: the portal at ten times the programme's scale",
        "",
        f"`make bench` on {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}: gunicorn as "
        f"`make serve` runs it (gunicorn.conf.py: {settings['workers']} workers, "
        f"{settings['threads']} thread{'s' if settings['threads'] > 1 else ''} each), wrk "
        f"`-t2 -c{CONNECTIONS}`, {ROUNDS} interleaved rounds of {SECONDS:.0f} s after "
        f"{WARMUP:.0f} s warm-up; medians. Ratios compare with the baseline page measured in the "
        "same round (× baseline CPU is the baseline's CPU per request over the page's). Signed-in "
        "pages replay a browser's settled cookie (no session re-signed per request); every "
        "response is compressed on both sides. On PostgreSQL, CPU per request includes the "
        "database backends' (from /proc). "
        + (
            "Cached pages are also measured cold: a run that starts as the cache (Redis) is "
            "cleared, and the first request alone after clearing. "
            if redis
            else "Cold figures need Redis (BENCH_REDIS_URL): not measured. "
        )
        + f"Data ({main}): {people + 220:,} people, {camps} camps, about {applications:,} "
        f"applications, {ambassadors:,} ambassadors, {groups:,} groups, {plans:,} action plans.",
        "",
    ]
    longest = WARMUP + 2 * SECONDS + 5  # a cached page's warm and cold runs on one sign-in
    if longest >= SEEN_REFRESH_SECONDS:
        header += [
            f"Note: {longest:.0f} s on one sign-in outlives the session's once-a-minute "
            "refresh, so part of the runs pays for a re-signed session.",
            "",
        ]
    fair, scaling, ok, flat = [], [], True, True
    only = os.environ.get("BENCH_ONLY")  # "sqlite" or "postgresql": one database only
    postgres = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    for kind, title in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
        if only and only != kind:
            continue
        if kind == "postgresql" and not postgres:
            fair += ["PostgreSQL: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL).", ""]
            continue
        table_lines, scale_lines, passed, grows_flat = measure_database(
            kind, title, postgres, scales, main, redis, previous
        )
        fair += table_lines + [""]
        scaling += scale_lines + [""]
        ok &= passed
        flat &= grows_flat
    strict = os.environ.get("BENCH_STRICT") == "1"
    scaling_header = [
        "# Cost does not grow with data",
        "",
        f"CPU ms per request (gunicorn and database) of every page at each scale of "
        f"BENCH_SCALES ({', '.join(scales)}); the main scale ({main}) is the fair table's median, "
        f"the others the median of {SCALE_ROUNDS} passes of {SCALE_SECONDS:.0f} s, each with "
        f"the bare list measured beside it; each scale runs in its own stretch of the run. The "
        f"check is on the two largest scales measured together (bench/growth.py: in-process, "
        f"their workers interleaved round by round, {GROWTH_ROUNDS} rounds of {GROWTH_COUNT} "
        f"GETs a page, database backends' CPU included): no page's CPU per request grows by "
        f"more than "
        + (f"{GROWTH_LIMIT:.0%} from {scales[-2]} to {scales[-1]}" if len(scales) > 1
           else f"{GROWTH_LIMIT:.0%} (one scale measured: nothing to compare)")
        + (" (BENCH_STRICT=1: a miss fails the run)." if strict else " (a miss fails the run "
           "only with BENCH_STRICT=1)."),
        "",
    ]  # fmt: skip
    text = "\n".join(header + fair)
    scaling_text = "\n".join(scaling_header + scaling)
    print(text)
    print(scaling_text)
    # BENCH_RESULTS: another folder for trial runs, so they leave the committed results alone.
    results = Path(os.environ.get("BENCH_RESULTS", ROOT / "bench" / "results"))
    results.mkdir(parents=True, exist_ok=True)
    (results / "latest.md").write_text(text)
    (results / "scaling.md").write_text(scaling_text)
    print(f"Written to {results / 'latest.md'} and {results / 'scaling.md'}")
    return 0 if ok and (flat or not strict) else 1


if __name__ == "__main__":
    sys.exit(main())
