"""Stress test: gunicorn with 4 workers under 200 concurrent young people applying while two
organisers decide on a small camp; one worker is killed with SIGKILL in the middle. Then the
database is checked: no 5xx, every sent application stored exactly once, no camp over capacity,
a consistent waiting list, and no half-written record. SQLite first, then PostgreSQL when
STRESS_DATABASE_URL (or TEST_DATABASE_URL) points at a server.

    make stress          # or: .venv/bin/python bench/stress.py
"""

import http.cookiejar
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "stress-password-2026"
PEOPLE = 200
CAPACITY = 20
DEADLINE = 240  # seconds for the whole load


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def env_for(database_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        PORTAL_ENV="development", DATABASE_URL=database_url, FLASK_APP="wsgi",
        MAIL_BACKEND="memory", JASHTAR_RATELIMIT_ENABLED="false",
        JASHTAR_PASSWORD_HASH_METHOD='"pbkdf2:sha256:1000"', PYTHONPATH=str(ROOT),
    )  # fmt: skip
    return env


def prepare(database_url: str) -> int:
    """Migrate and add the people, two organisers and one camp; return the camp's id."""
    env = env_for(database_url)
    flask = str(Path(sys.executable).with_name("flask"))
    subprocess.run([flask, "db", "upgrade"], check=True, env=env, cwd=ROOT, capture_output=True)
    script = f"""
from datetime import timedelta
from portal import create_app
from portal.extensions import db
from portal.accounts import services
from portal.camps.models import Camp, CampStatus
from portal.i18n import local_today
from portal.security import Role
app = create_app()
with app.test_request_context(method="POST"):
    for n in range({PEOPLE}):
        services.create_user(full_name=f"Stress Youth {{n}}", email=f"y{{n}}@stress.example.org", phone=None,
            password="{PASSWORD}", roles={{Role.YOUTH}}, date_of_birth=local_today().replace(year=2004),
            region_code="KG-O", district_code="KG-O-ARAVAN")
    for n in range(2):
        services.create_user(full_name=f"Stress Organiser {{n}}", email=f"o{{n}}@stress.example.org",
            phone=None, password="{PASSWORD}", roles={{Role.ORGANISER}})
    start = local_today() + timedelta(days=30)
    camp = Camp(title={{"ky": "Stress"}}, description={{}}, region_code="KG-O", venue={{"ky": "Stress"}},
        start_date=start, end_date=start + timedelta(days=2), applications_open=local_today(),
        applications_close=start - timedelta(days=5), confirmation_deadline=start - timedelta(days=2),
        capacity={CAPACITY}, languages=["ky"], status=CampStatus.PUBLISHED, eligible_regions=[], targets={{}})
    db.session.add(camp)
    db.session.commit()
    print(camp.id)
"""
    out = subprocess.run([sys.executable, "-c", script], check=True, env=env, cwd=ROOT,
                         capture_output=True, text=True)  # fmt: skip
    return int(out.stdout.strip().splitlines()[-1])


class Browser:
    """A cookie-keeping HTTP client that records every status it sees."""

    def __init__(self, base: str, statuses: Counter):
        self.base = base
        self.statuses = statuses
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), NoRedirect()
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        for attempt in range(5):
            try:
                response = self.opener.open(self.base + path, body, timeout=30)
                status, text, location = response.status, response.read().decode(), ""
                response.close()
            except urllib.error.HTTPError as error:
                status, text = error.code, error.read().decode(errors="replace")
                location = error.headers.get("Location", "")
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                # A worker was killed mid-request: the proxy would retry; so do we.
                self.statuses["connection reset"] += 1
                time.sleep(0.2 * (attempt + 1))
                continue
            self.statuses[status] += 1
            return status, text, location
        return 0, "", ""

    def csrf(self, path: str) -> str:
        _status, text, _location = self.request(path)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text)
        return match.group(1) if match else ""

    def sign_in(self, email: str) -> None:
        token = self.csrf("/auth/login")
        self.request("/auth/login", {"csrf_token": token, "email": email, "password": PASSWORD})


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def young_person(base, number, camp_id, statuses, sent):
    browser = Browser(base, statuses)
    browser.sign_in(f"y{number}@stress.example.org")
    token = browser.csrf(f"/camps/{camp_id}")
    status, _text, location = browser.request(f"/camps/{camp_id}/apply", {"csrf_token": token})
    if status != 302 or "/applications/" not in location:
        return
    path = urllib.parse.urlsplit(location).path
    token = browser.csrf(path)
    answers = {
        "csrf_token": token, "motivation": "I want to meet others.", "safety_problem": "Fights.",
        "spoken_languages": ["ky"], "emergency_name": "Mother", "emergency_phone": "0555 123 456",
        "action": "submit",
    }  # fmt: skip
    status, _text, _location = browser.request(path, answers)
    if status == 302:
        sent.append(number)


def organiser(base, number, camp_id, statuses, stop):
    browser = Browser(base, statuses)
    browser.sign_in(f"o{number}@stress.example.org")
    rng = random.Random(number)
    while not stop.is_set():
        _status, text, _location = browser.request(
            f"/manage/camps/{camp_id}/applications?status=submitted"
        )
        ids = re.findall(r'name="applications" value="(\d+)"', text)
        if not ids:
            time.sleep(0.3)
            continue
        application_id = rng.choice(ids)
        token = browser.csrf(f"/manage/applications/{application_id}")
        browser.request(f"/manage/applications/{application_id}/decide",
                        {"csrf_token": token, "decision": "accepted"})  # fmt: skip
        # The camp fills up quickly; the rest go to the waiting list.
        if rng.random() < 0.3:
            token = browser.csrf(f"/manage/applications/{application_id}")
            browser.request(f"/manage/applications/{application_id}/decide",
                            {"csrf_token": token, "decision": "waitlisted", "reason": "Full"})  # fmt: skip


def run(database_url: str, label: str) -> bool:
    camp_id = prepare(database_url)
    port = free_port()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(
        [gunicorn, "-w", "4", "-b", f"127.0.0.1:{port}", "--timeout", "60", "wsgi:app"],
        env=env_for(database_url), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2).read()
            break
        except OSError:
            time.sleep(0.2)
    statuses: Counter = Counter()
    sent: list[int] = []
    stop = threading.Event()
    started = time.monotonic()
    organisers = [
        threading.Thread(target=organiser, args=(base, n, camp_id, statuses, stop))
        for n in range(2)
    ]
    youths = [
        threading.Thread(target=young_person, args=(base, n, camp_id, statuses, sent))
        for n in range(PEOPLE)
    ]
    for thread in organisers + youths:
        thread.start()
    time.sleep(3)
    workers = subprocess.run(
        ["pgrep", "-P", str(server.pid)], capture_output=True, text=True
    ).stdout.split()
    killed = workers[0] if workers else None
    if killed:
        os.kill(int(killed), signal.SIGKILL)
    for thread in youths:
        thread.join(timeout=max(1, DEADLINE - (time.monotonic() - started)))
    time.sleep(2)
    stop.set()
    for thread in organisers:
        thread.join(timeout=30)
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
    return check(database_url, camp_id, statuses, sent, killed, label, time.monotonic() - started)


def check(database_url, camp_id, statuses, sent, killed, label, seconds) -> bool:
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT a.id, a.status, a.submitted_at, a.offer_expires_on, a.waitlist_position, u.email, "
            "(SELECT to_status FROM application_event e WHERE e.application_id = a.id ORDER BY e.id DESC LIMIT 1) "
            'FROM application a JOIN "user" u ON u.id = a.user_id WHERE a.camp_id = :camp'
        ), {"camp": camp_id}).all()  # fmt: skip
    engine.dispose()
    per_person = Counter(row.email for row in rows)
    sent_emails = {f"y{n}@stress.example.org" for n in sent}
    stored = {row.email for row in rows if row.status != "draft"}
    seats = sum(1 for row in rows if row.status in ("accepted", "confirmed", "attended"))
    positions = [row.waitlist_position for row in rows if row.status == "waitlisted"]
    half_written = [
        row.id for row in rows
        if row[6] != row.status
        or (row.status != "draft" and row.submitted_at is None)
        or (row.status == "accepted" and row.offer_expires_on is None)
    ]  # fmt: skip
    server_errors = sum(
        count for status, count in statuses.items() if isinstance(status, int) and status >= 500
    )
    checks = {
        "no 5xx": server_errors == 0,
        "each sent application stored once": sent_emails <= stored
        and max(per_person.values(), default=1) == 1,
        "capacity kept": seats <= CAPACITY,
        "waiting list consistent": len(positions) == len(set(positions)),
        "no half-written record": not half_written,
    }
    summary = ", ".join(
        f"{name}: {'ok' if passed else 'FAILED'}" for name, passed in checks.items()
    )
    print(
        f"[{label}] {PEOPLE} people, {sum(statuses.values())} responses {dict(statuses)}, "
        f"{len(sent)} applications sent, {seats}/{CAPACITY} places taken, "
        f"{len(positions)} waiting, worker {killed} killed, {seconds:.0f} s — {summary}"
    )
    return all(checks.values())


def main() -> int:
    results = []
    with tempfile.TemporaryDirectory() as folder:
        results.append(run(f"sqlite:///{folder}/stress.db", "SQLite"))
    url = os.environ.get("STRESS_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if url:
        admin = sa.create_engine(
            url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as connection:
            connection.execute(sa.text("DROP DATABASE IF EXISTS jashtar_stress"))
            connection.execute(sa.text("CREATE DATABASE jashtar_stress"))
        admin.dispose()
        results.append(run(url.rsplit("/", 1)[0] + "/jashtar_stress", "PostgreSQL"))
    else:
        print("[PostgreSQL] SKIPPED: set STRESS_DATABASE_URL or TEST_DATABASE_URL")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
