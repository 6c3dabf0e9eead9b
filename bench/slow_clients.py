"""Slow clients: 40 connections that dribble their headers, send their bodies a few bytes at a
time or never read the answer, against gunicorn with the shipped gunicorn.conf.py (3 workers x
2 threads), once behind Debian's nginx with the shipped site (deploy/nginx.conf) and once
without it. Meanwhile one ordinary visitor loads the sign-in page again and again; the script
prints how long that visitor waited (p50/p99) and how many of its requests failed.

Behind nginx the slow clients cost gunicorn nothing: nginx holds each request until it is
whole and each answer until the client has read it. Without nginx, six slow connections hold
all six of gunicorn's threads, and the ordinary visitor waits until they give up.

    make slowclients     # or: .venv/bin/python bench/slow_clients.py
"""

import os
import re
import shutil
import socket
import statistics
import subprocess  # nosec B404 - starts Debian's nginx with a fixed argument list
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.servers import HOST  # noqa: E402
from bench.servers import ROOT  # noqa: E402
from bench.servers import Gunicorn  # noqa: E402
from bench.servers import drop_redis_keys  # noqa: E402
from bench.servers import free_port  # noqa: E402
from bench.servers import production_env  # noqa: E402
from bench.servers import redis_available  # noqa: E402

SITE = ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
SLOW = 40
#: An ordinary visitor gives up after this long (a phone's browser waits longer; we need not).
VISITOR_TIMEOUT = 5.0


def nginx_site(app_port: int, port: int) -> str:
    """The shipped site on local ports, without TLS (buffering and timeouts are the same)."""
    site = SITE.read_text()
    site = site.replace("127.0.0.1:8000", f"127.0.0.1:{app_port}")
    site = re.sub(r"^\s*(ssl_\w+|http2) .*$", "", site, flags=re.M)
    site = site.replace("jashtar.example.org", HOST)
    site = site.replace("listen 443 ssl", f"listen 127.0.0.1:{port}")
    site = site.replace("listen 80", f"listen 127.0.0.1:{free_port()}")
    return site


@contextmanager
def nginx(folder: Path, app_port: int):
    """Debian's nginx with its own prefix, temp folders and port; yields the port."""
    port = free_port()
    user = "user root;" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(
        f"""{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {folder}/body;
  proxy_temp_path {folder}/proxy;
  fastcgi_temp_path {folder}/fastcgi;
  uwsgi_temp_path {folder}/uwsgi;
  scgi_temp_path {folder}/scgi;
  {nginx_site(app_port, port)}
}}
"""
    )
    process = subprocess.Popen(  # nosec B603
        [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(process.stderr.read().decode()) from None
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(10)


# -- the slow clients --------------------------------------------------------------------------


def connect(port: int, opened: list, receive_buffer: int | None = None) -> socket.socket:
    """A client socket, listed in `opened` so the run can close it whatever it is waiting for."""
    sock = socket.socket()
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(60)
    opened.append(sock)
    sock.connect(("127.0.0.1", port))
    return sock


def dribbled_headers(port: int, stop: threading.Event, opened: list) -> None:
    """A request line, then one header byte a second (slowloris)."""
    with connect(port, opened) as sock:
        sock.sendall(f"GET /auth/login HTTP/1.1\r\nHost: {HOST}\r\n".encode())
        for byte in b"X-Slow: " + b"a" * 200:
            if stop.wait(1):
                return
            sock.sendall(bytes([byte]))


def slow_body(port: int, stop: threading.Event, opened: list) -> None:
    """A form post announcing 100 KB, sent ten bytes a second."""
    with connect(port, opened) as sock:
        sock.sendall(
            f"POST /auth/login HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 100000\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n\r\n".encode()
        )
        while not stop.wait(1):
            sock.sendall(b"email=aaaa")


def slow_reader(port: int, stop: threading.Event, opened: list) -> None:
    """Asks for pages on one connection with a tiny receive window and never reads them."""
    with connect(port, opened, receive_buffer=1024) as sock:
        request = f"GET /auth/login HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()
        while not stop.wait(0.5):
            sock.sendall(request * 4)


KINDS = (dribbled_headers, slow_body, slow_reader)


def quietly(client, port: int, stop: threading.Event, opened: list) -> None:
    try:
        client(port, stop, opened)
    except OSError:
        pass  # the server (or nginx) gave up on this client: that is the point


@dataclass
class Visits:
    seconds: list[float]
    failed: int

    @property
    def p50(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("inf")

    @property
    def p99(self) -> float:
        if not self.seconds or self.failed:
            return float("inf")
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]

    def __str__(self) -> str:
        total = len(self.seconds) + self.failed
        shown = [f"{v * 1000:.0f} ms" if v != float("inf") else "-" for v in (self.p50, self.p99)]
        return (
            f"{total} requests, {self.failed} failed or waited over {VISITOR_TIMEOUT:.0f} s, "
            f"p50 {shown[0]}, p99 {shown[1]}"
        )


def visitor(port: int, seconds: float) -> Visits:
    """One ordinary person loading the sign-in page over and over for `seconds`."""
    times, failed = [], 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.monotonic()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=VISITOR_TIMEOUT) as sock:
                sock.sendall(
                    f"GET /auth/login HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n"
                    .encode()
                )  # fmt: skip
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk
            if not answer.startswith(b"HTTP/1.1 200"):
                raise OSError(answer[:40])
            times.append(time.monotonic() - started)
        except OSError:
            failed += 1
        time.sleep(0.05)
    return Visits(times, failed)


def under_slow_clients(port: int, seconds: float, slow: int = SLOW) -> Visits:
    """Open `slow` slow connections to `port`, then measure an ordinary visitor there."""
    stop, opened = threading.Event(), []
    threads = [
        threading.Thread(
            target=quietly, args=(KINDS[n % len(KINDS)], port, stop, opened), daemon=True
        )
        for n in range(slow)
    ]
    for thread in threads:
        thread.start()
    time.sleep(1)  # every slow client is connected and has started dribbling
    try:
        return visitor(port, seconds)
    finally:
        stop.set()
        for sock in opened:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in threads:
            thread.join(timeout=5)


@contextmanager
def gunicorn_app(folder: Path):
    """The portal as `make serve` runs it (production, gunicorn.conf.py), on its own port."""
    prefix = f"jashtar_slow_{os.urandom(4).hex()}:"
    extra = (
        {}
        if redis_available()
        else {
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_ALLOW_MEMORY": "1",
            "CACHE_REDIS_URL": "",
        }
    )
    env = production_env(f"sqlite:///{folder / 'portal.db'}", folder / "uploads", prefix, **extra)
    server = Gunicorn(env, folder / "gunicorn.log")
    server.start()
    try:
        yield server
    finally:
        server.stop(quick=True)
        if not extra:
            drop_redis_keys(prefix)


def main() -> int:
    if NGINX is None:
        print("make slowclients needs nginx: apt-get install nginx")
        return 2
    seconds = float(os.environ.get("SLOW_SECONDS", "8"))
    with tempfile.TemporaryDirectory(prefix="jashtar-slow-") as name:
        folder = Path(name)
        with gunicorn_app(folder) as app:
            workers = int(app.env.get("WEB_CONCURRENCY", "2"))
            print(f"gunicorn (gunicorn.conf.py: {workers} workers x 2 threads), "
                  f"{SLOW} slow clients (headers, bodies, reads), one ordinary visitor "
                  f"for {seconds:.0f} s each time:")  # fmt: skip
            with nginx(folder, app.port) as port:
                quiet = visitor(port, 2)
                print(f"  behind nginx, no slow clients:  {quiet}")
                proxied = under_slow_clients(port, seconds)
                print(f"  behind nginx, {SLOW} slow clients: {proxied}")
            bare = under_slow_clients(app.port, seconds)
            print(f"  gunicorn alone, {SLOW} slow clients: {bare}")
    ok = proxied.failed == 0 and proxied.p99 < 2.0
    print("nginx keeps other users unaffected: " + ("yes" if ok else "NO"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
