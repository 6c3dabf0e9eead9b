"""Start and stop what the stress and slow-client runs need: gunicorn instances with the shipped
gunicorn.conf.py in production mode, a throwaway PostgreSQL database, a Redis key prefix.

Everything made here carries a random suffix and is removed by the same code that made it, so
a run never touches a database, a key or a file it did not create.
"""

import os
import secrets
import signal
import socket
import subprocess  # nosec B404 - starts gunicorn and flask with fixed argument lists
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
#: The Host every request carries: BASE_URL's host, the only one production answers to.
HOST = "stress.jashtar.test"
REDIS_URL = os.environ.get("STRESS_REDIS_URL", "redis://127.0.0.1:6379/0")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_available(url: str = REDIS_URL) -> bool:
    parts = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def drop_redis_keys(prefix: str, url: str = REDIS_URL) -> int:
    """Delete the keys this run made (all hold `prefix`, which has a random part; the rate
    limiter puts its own "LIMITS:LIMITER/" before it); return how many."""
    import redis

    client = redis.Redis.from_url(url)
    names = list(client.scan_iter(match=f"*{prefix}*", count=500))
    if names:
        client.delete(*names)
    client.close()
    return len(names)


def production_env(database_url: str, uploads: Path, prefix: str, **extra: str) -> dict:
    """The environment of `make serve` (PORTAL_ENV=production) with this run's own database,
    upload folder and Redis keys; rate limits and caches are shared through Redis."""
    env = dict(os.environ)
    env.pop("FLASK_DEBUG", None)
    env.update(
        PORTAL_ENV="production",
        FLASK_APP="wsgi",
        PYTHONPATH=str(ROOT),
        SECRET_KEY=secrets.token_urlsafe(48),
        BASE_URL=f"https://{HOST}",
        DATABASE_URL=database_url,
        UPLOADS_DIR=str(uploads),
        RATELIMIT_STORAGE_URI=REDIS_URL,
        JASHTAR_RATELIMIT_KEY_PREFIX=f'"{prefix}rl"',
        CACHE_REDIS_URL=REDIS_URL,
        CACHE_KEY_PREFIX=f"{prefix}cache:",
        # The run plays the proxy: each simulated person comes from an address of their own.
        PROXY_COUNT="1",
        MAIL_BACKEND="memory",
    )
    env.update(extra)
    return env


def migrate(env: dict) -> None:
    subprocess.run(  # nosec B603
        [str(BIN / "flask"), "db", "upgrade"], check=True, env=env, cwd=ROOT, capture_output=True
    )


class Gunicorn:
    """One app instance: `gunicorn --config gunicorn.conf.py wsgi:app` on its own port."""

    def __init__(self, env: dict, log: Path, *, workers: int | None = None, port: int = 0):
        self.port = port or free_port()
        self.env = dict(env, BIND=f"127.0.0.1:{self.port}")
        if workers is not None:
            self.env["WEB_CONCURRENCY"] = str(workers)
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self, wait: float = 60) -> "Gunicorn":
        self.launch()
        return self.wait_ready(wait)

    def launch(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(  # nosec B603
                [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "wsgi:app",
                 # Each instance its own control socket (the default path is one per user).
                 "--control-socket", str(self.log.with_suffix(".ctl"))],
                env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def wait_ready(self, wait: float = 60) -> "Gunicorn":
        assert self.process is not None
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped; see {self.log}")
            if len(self.workers()) >= int(self.env.get("WEB_CONCURRENCY", "2")) and self.answers():
                return self
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer in {wait} s; see {self.log}")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
                sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
                return sock.recv(12).startswith(b"HTTP/1.1")
        except OSError:
            return False

    def workers(self) -> list[int]:
        """The worker processes' ids (children of the master)."""
        if self.process is None:
            return []
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def stop(self, quick: bool = False) -> None:
        """Graceful (SIGTERM: requests in flight finish) or quick (SIGINT)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT if quick else signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def psycopg_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@contextmanager
def throwaway_database(server_url: str, stem: str = "jashtar_stress"):
    """A new PostgreSQL database named `<stem>_<random hex>` on the server of `server_url`;
    yields its URL and drops it afterwards (only it: the name was made here)."""
    name = f"{stem}_{secrets.token_hex(4)}"
    admin = sa.create_engine(psycopg_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield (
            sa.engine.make_url(psycopg_url(server_url))
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as connection:
            connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"
                ),
                {"name": name},
            )
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


# -- a throwaway demo, served as `make serve` serves it (make screens, make lighthouse) --------


@contextmanager
def seeded_demo(folder: Path):
    """Migrate and seed a fresh SQLite demo database in `folder`; yield its URL inside a
    request context on it (to look up the pages to visit), then let go of its connections."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.demo import seed
    from portal.extensions import db

    url = f"sqlite:///{folder / 'portal.db'}"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)  # quick hashes; data only
    with app.app_context():
        upgrade()
    with app.test_request_context(method="POST"):
        seed()
        db.session.commit()
        try:
            yield url
        finally:
            db.engine.dispose()


def serve_demo(folder: Path, database_url: str, port: int) -> subprocess.Popen:
    """gunicorn with the production configuration and 2 workers, as `make serve` runs it, on
    the demo database (mail kept in memory); returns once /healthz answers."""
    env = dict(
        os.environ,
        PORTAL_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        DATABASE_URL=database_url,
        UPLOADS_DIR=str(folder / "uploads"),
        MAIL_BACKEND="memory",
        BASE_URL=f"http://127.0.0.1:{port}",
        RATELIMIT_ALLOW_MEMORY="1",  # two workers, no Redis: limits per worker are fine here
    )
    env.pop("FLASK_DEBUG", None)
    server = subprocess.Popen(  # nosec B603
        [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--access-logfile", "/dev/null", "--log-level", "warning",
         "--control-socket", str(folder / "gunicorn.ctl"), "wsgi:app"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    for _ in range(150):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # nosec B310
                return server
        except OSError:
            pass
        if server.poll() is not None:
            break
        time.sleep(0.2)
    server.terminate()
    raise SystemExit("The portal did not start; see gunicorn's messages above.")


def stop_demo(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)  # gunicorn's graceful stop is slow on a busy machine
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
