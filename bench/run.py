"""`make bench`: generate a large programme, serve it with gunicorn, and measure the heaviest
pages against the bare "fortunes" baseline. Prints requests/s, p50 and p99 latency and the
ratio to the baseline for each page."""

import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
PAGES = ["/reports", "/manage/ambassadors", "/manage/plans", "/manage/camps", "/at-a-glance",
         "/camps", "/admin/users?q=bench"]  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(app: str, env: dict) -> tuple[subprocess.Popen, int]:
    port = free_port()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = subprocess.Popen(
        [gunicorn, "-w", "4", "-b", f"127.0.0.1:{port}", app], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{app} did not start")


def session_cookie(port: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", "/auth/login")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {"csrf_token": token, "email": "admin@demo.example.org", "password": "demo-password-2026"}
    )
    connection.request("POST", "/auth/login", body, {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
    })  # fmt: skip
    response = connection.getresponse()
    response.read()
    return response.getheader("Set-Cookie").split(";")[0]


def measure(port: int, path: str, cookie: str = "") -> tuple[float, float, float, int]:
    """Hammer one page for SECONDS with CONCURRENCY keep-alive clients."""
    latencies: list[float] = []
    errors = [0]
    stop = time.monotonic() + SECONDS
    lock = threading.Lock()

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    rate = len(latencies) / SECONDS
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    return rate, p50, p99, errors[0]


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        env = dict(os.environ, DATABASE_URL=url, FLASK_APP="wsgi", PORTAL_ENV="development",
                   JASHTAR_RATELIMIT_ENABLED="false", MAIL_BACKEND="memory", PYTHONPATH=str(ROOT),
                   BENCH_BASELINE_URL=url)  # fmt: skip
        flask = str(Path(sys.executable).with_name("flask"))
        subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        subprocess.run([sys.executable, "bench/generate.py"], cwd=ROOT, env=env, check=True)
        subprocess.run([flask, "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
        sys.path.insert(0, str(ROOT))
        from bench.fortunes import create_table

        create_table(url)
        portal, portal_port = serve("wsgi:app", env)
        baseline, baseline_port = serve("bench.fortunes:app", env)
        try:
            base_rate, base_p50, base_p99, _ = measure(baseline_port, "/fortunes")
            print(f"{'page':28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs baseline':>12}")
            print(
                f"{'/fortunes (baseline)':28} {base_rate:8.1f} {base_p50:8.1f} {base_p99:8.1f} {'1.00':>12}"
            )
            cookie = session_cookie(portal_port)
            for page in PAGES:
                rate, p50, p99, errors = measure(portal_port, page, cookie)
                note = f"  ({errors} errors)" if errors else ""
                print(f"{page:28} {rate:8.1f} {p50:8.1f} {p99:8.1f} {rate / base_rate:12.2f}{note}")
        finally:
            portal.terminate()
            baseline.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
