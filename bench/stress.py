"""Stress run: the production setup (PORTAL_ENV=production, gunicorn.conf.py, Redis) as two app
instances sharing one database and one upload folder, under young people applying, organisers
deciding past the camp's capacity, places declined and given to the waiting list, plans sent,
attendance recorded, consent scans uploaded and people erased, while workers are killed with
SIGKILL in the middle of those writes (STRESS_KILL_HOOKS, portal/stress_hooks.py).

No POST is ever sent twice. Afterwards the raw rows are checked: capacity, a gapless waiting
list, exactly one history row and one e-mail per state change, nothing kept of a write killed
before its commit, no upload file without its row or row without its file, and no 5xx
(a killed request shows as a connection error, counted apart).

SQLite first, then PostgreSQL when STRESS_DATABASE_URL (or TEST_DATABASE_URL) names a server: a
database `jashtar_stress_<hex>` is created there and dropped afterwards (only that one).

    make stress          # or: .venv/bin/python bench/stress.py
"""

import json
import os
import random
import re
import secrets
import subprocess  # nosec B404
import sys
import tempfile
import threading
import time
from collections import Counter
from collections import defaultdict
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.browser import IN_FLIGHT  # noqa: E402
from bench.browser import Browser  # noqa: E402
from bench.browser import Forms  # noqa: E402
from bench.browser import Log  # noqa: E402
from bench.servers import HOST  # noqa: E402
from bench.servers import ROOT  # noqa: E402
from bench.servers import Gunicorn  # noqa: E402
from bench.servers import drop_redis_keys  # noqa: E402
from bench.servers import production_env  # noqa: E402
from bench.servers import psycopg_url  # noqa: E402
from bench.servers import redis_available  # noqa: E402
from bench.servers import throwaway_database  # noqa: E402

ADULTS = 40  # apply through the pages
MINORS = 8  # sent applications waiting for a guardian's consent scan
ERASED = 6  # minors with a stored scan who asked to be erased
PLANS = 16
SESSIONS = 8
ENROLLED = 12
CAPACITY = 10
WORKERS = 3  # per instance (gunicorn.conf.py's default), 2 threads each
#: Which writes are killed, where, and how often: (kind, kill point, count).
KILLS = [
    ("decline (promotion)", "before-commit", 1),
    ("decline (promotion)", "after-commit", 1),
    ("reject accepted (promotion)", "before-commit", 1),
    ("plan submission", "before-commit", 1),
    ("plan submission", "after-commit", 1),
    ("attendance", "before-commit", 1),
    ("attendance", "after-commit", 1),
    ("erasure", "before-commit", 1),
    ("erasure", "after-commit", 1),
    ("consent scan", "after-storage-write", 1),
    ("consent scan", "before-commit", 1),
]
#: A tiny real PDF (the upload check reads the signature).
SCAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# -- the data every run starts from (run in a subprocess with the run's environment) ----------


def prepare() -> None:
    """Create the people, the camp, the plans, the sessions and the erasure requests; print
    their ids as JSON. Only what the pages cannot do quickly is made here."""
    from datetime import timedelta

    from flask_migrate import upgrade

    from portal import create_app
    from portal.accounts.models import ErasureRequest
    from portal.camps import services as camps
    from portal.camps.models import ApplicationStatus
    from portal.camps.models import ConsentMethod
    from portal.extensions import db
    from portal.extensions import utcnow
    from portal.security import Role
    from portal.storage import storage
    from tests import factories as f
    from tests.helpers import years_ago

    app = create_app()
    ids: dict = {}
    with app.app_context():
        upgrade()  # here rather than `flask db upgrade`: one interpreter start less
    with app.test_request_context(base_url=f"https://{HOST}"):
        admin = f.UserFactory(email="admin@stress.example.org", roles={Role.ADMIN}, locale="en")
        organisers = [
            f.UserFactory(email=f"o{n}@stress.example.org", roles={Role.ORGANISER}, locale="en")
            for n in range(2)
        ]
        mentor = f.UserFactory(email="mentor@stress.example.org", roles={Role.MENTOR}, locale="en")
        for n in range(ADULTS):
            f.UserFactory(
                email=f"y{n}@stress.example.org", date_of_birth=years_ago(20), locale="en"
            )
        camp = f.CampFactory(capacity=CAPACITY, min_age=14, max_age=25)
        minors = []
        for n in range(MINORS + ERASED):
            person = f.UserFactory(email=f"m{n}@stress.example.org", date_of_birth=years_ago(16))
            application = f.ApplicationFactory(camp=camp, applicant=person, status=ApplicationStatus.DRAFT,
                                               submitted_at=None)  # fmt: skip
            camps.submit(application)
            minors.append(application)
        db.session.commit()
        ids["consent_applications"] = [a.id for a in minors[:MINORS]]
        ids["erasures"] = []
        for application in minors[MINORS:]:
            name = secrets.token_hex(16) + ".pdf"
            storage().put(name, SCAN)
            f.GuardianConsentFactory(application=application, method=ConsentMethod.PAPER_FORM,
                                     file_name=name, file_type="application/pdf")  # fmt: skip
            erasure = ErasureRequest(user_id=application.user_id)
            db.session.add(erasure)
            db.session.commit()
            ids["erasures"].append(erasure.id)
        ids["plans"] = []
        for n in range(PLANS):
            group = f.YouthGroupFactory(
                lead=f.UserFactory(email=f"lead{n}@stress.example.org", locale="en"),
                mentors=[mentor],
            )
            ids["plans"].append(f.ActionPlanFactory(group=group).id)
        programme = f.ProgrammeFactory()
        ids["sessions"] = [
            f.TrainingSessionFactory(
                programme=programme, starts_at=utcnow() - timedelta(days=7 - n % 5)
            ).id
            for n in range(SESSIONS)
        ]
        for n in range(ENROLLED):
            f.EnrolmentFactory(
                programme=programme, person=f.UserFactory(email=f"t{n}@stress.example.org")
            )
        ids["camp"] = camp.id
        ids["admin"], ids["mentor"] = admin.id, mentor.id
        ids["organisers"] = [o.id for o in organisers]
    print(json.dumps(ids))


class KillPlan:
    """Hands out the kill headers of KILLS, one request at a time, per kind."""

    def __init__(self):
        self.lock = threading.Lock()
        self.left = defaultdict(list)
        for kind, point, count in KILLS:
            self.left[kind].extend([point] * count)
        for points in self.left.values():
            random.shuffle(points)

    def take(self, kind: str, chance: float = 1.0) -> str | None:
        with self.lock:
            if self.left[kind] and random.random() < chance:
                return self.left[kind].pop()
        return None


# -- what the people do ------------------------------------------------------------------------


def applicant(browser: Browser, number: int, camp_id: int, mine: dict):
    time.sleep(random.uniform(0, 8))  # people arrive over a few seconds, not all at once
    browser.sign_in(f"y{number}@stress.example.org")
    browser.request(f"/camps/{camp_id}")
    status, _text, location = browser.post(f"/camps/{camp_id}/apply", kind="apply")
    if status != 302 or "/applications/" not in location:
        return
    mine[number] = int(location.rsplit("/", 1)[1])
    browser.request(location)
    answers = {
        "motivation": "I want to meet others.", "safety_problem": "Fights after school.",
        "spoken_languages": ["ky"], "emergency_name": "Mother",
        "emergency_phone": "0555 123 456", "action": "submit",
    }  # fmt: skip
    browser.post(location, answers, kind="send application")
    browser.request(location, kind="page")


#: The minors' applications: they wait for a guardian's consent (consent_recorder), not a decision.
MINOR_APPLICATIONS: set[int] = set()


def organiser_deciding(browser: Browser, camp_id: int, applicants_done: threading.Event):
    """Accept while there is room, then put on the waiting list, until nobody is waiting."""
    while True:
        _status, text, _location = browser.request(
            f"/manage/camps/{camp_id}/applications?status=submitted&lang=en", kind="page"
        )
        ids = re.findall(r'name="applications" value="(\d+)"', text)
        ids = [i for i in ids if int(i) not in MINOR_APPLICATIONS]
        if not ids:
            if applicants_done.is_set():
                return
            time.sleep(0.2)
            continue
        if random.random() < 0.2:  # the cohort balance, cached in Redis, versioned in the database
            browser.request(f"/manage/camps/{camp_id}/balance", kind="page")
        application = random.choice(ids)
        path = f"/manage/applications/{application}/decide"
        status, _text, _location = browser.post(path, {"decision": "accepted"}, kind="decide")
        if status == 400:  # full (or decided meanwhile by the other organiser)
            browser.post(
                path, {"decision": "waitlisted", "reason": "The camp is full."}, kind="decide"
            )


def young_person_choosing(browser: Browser, application_id: int, kills: KillPlan, rounds: int):
    """Look at one's application; an offered place is declined (the list moves up) or taken."""
    path = f"/applications/{application_id}"
    for _ in range(rounds):
        _status, text, _location = browser.request(path, kind="page")
        if f"{path}/decline" in text:
            if random.random() < 0.6:
                kill = kills.take("decline (promotion)")
                browser.post(f"{path}/decline", kind="decline (promotion)", kill=kill)
                return
            browser.post(f"{path}/confirm", kind="confirm")
            return
        time.sleep(random.uniform(0.2, 0.6))


def organiser_rejecting(browser: Browser, camp_id: int, kills: KillPlan):
    """Take back two places the organiser offered (each goes to the waiting list)."""
    for _ in range(2):
        _status, text, _location = browser.request(
            f"/manage/camps/{camp_id}/applications?status=accepted&lang=en", kind="page"
        )
        ids = re.findall(r'name="applications" value="(\d+)"', text)
        if not ids:
            return
        kill = kills.take("reject accepted (promotion)")
        browser.post(
            f"/manage/applications/{random.choice(ids)}/decide",
            {"decision": "rejected", "reason": "Changed our plans."},
            kind="reject accepted (promotion)", kill=kill,
        )  # fmt: skip
        time.sleep(0.3)


def plan_lead(browser: Browser, number: int, plan_id: int, kills: KillPlan, outcome: dict):
    time.sleep(random.uniform(0, 4))
    browser.sign_in(f"lead{number}@stress.example.org")
    _status, text, _location = browser.request(f"/plans/{plan_id}?lang=en", kind="page")
    form = Forms(text).form(f"/plans/{plan_id}")
    if form is None:
        outcome[plan_id] = "no form"
        return
    fields = [(k, v) for k, v in form["fields"] if k != "action"] + [("action", "send")]
    kill = kills.take("plan submission")
    status, _text, _location = browser.request(
        f"/plans/{plan_id}", fields, kind="plan submission", kill=kill
    )
    outcome[plan_id] = (kill, status, browser.last_token)


def trainer(browser: Browser, email: str, session_ids: list[int], kills: KillPlan, outcome):
    browser.sign_in(email)
    for session_id in session_ids:
        _status, text, _location = browser.request(f"/sessions/{session_id}/attendance")
        marks = {name: random.choice(["present", "late", "absent"])
                 for name in set(re.findall(r'name="(mark-\d+)"', text))}  # fmt: skip
        if not marks:
            continue  # the sheet never came (its worker was killed): nothing to send
        kill = kills.take("attendance")
        status, _text, _location = browser.post(
            f"/sessions/{session_id}/attendance", marks, kind="attendance", kill=kill
        )
        outcome[session_id] = (kill, status, browser.last_token)


def consent_recorder(browser: Browser, application_ids: list[int], kills: KillPlan, outcome):
    browser.sign_in("admin@stress.example.org")
    for application_id in application_ids:
        browser.request(f"/manage/applications/{application_id}", kind="page")
        kill = kills.take("consent scan")
        status, _text, _location = browser.request(
            f"/manage/applications/{application_id}/consent",
            {"csrf_token": browser.csrf, "method": "paper_form", "note": ""},
            files={"scan": ("consent.pdf", SCAN)}, kind="consent scan", kill=kill,
        )  # fmt: skip
        outcome[application_id] = (kill, status, browser.last_token)


def admin_erasing(browser: Browser, request_ids: list[int], kills: KillPlan, outcome: dict):
    for request_id in request_ids:
        browser.request("/admin/erasure", kind="page")
        kill = kills.take("erasure")
        status, _text, _location = browser.post(
            f"/admin/erasure/{request_id}", kind="erasure", kill=kill
        )
        outcome[request_id] = (kill, status, browser.last_token)


# -- one run -----------------------------------------------------------------------------------


def run(database_url: str, label: str) -> bool:
    started = time.monotonic()
    prefix = f"jashtar_stress_{secrets.token_hex(4)}:"
    with tempfile.TemporaryDirectory(prefix="jashtar-stress-") as folder:
        uploads = Path(folder) / "uploads"
        kill_log = Path(folder) / "kills.log"
        env = production_env(database_url, uploads, prefix, STRESS_KILL_HOOKS="1",
                             STRESS_KILL_LOG=str(kill_log))  # fmt: skip
        servers = [
            Gunicorn(env, Path(folder) / f"gunicorn-{n}.log", workers=WORKERS) for n in range(2)
        ]
        try:
            for server in servers:
                server.launch()  # the workers boot while the data is made (they need no tables)
            prepared = subprocess.run(  # nosec B603
                [sys.executable, __file__, "prepare"], env=env, cwd=ROOT, check=True,
                capture_output=True, text=True,
            )  # fmt: skip
            ids = json.loads(prepared.stdout.strip().splitlines()[-1])
            MINOR_APPLICATIONS.clear()
            MINOR_APPLICATIONS.update(ids["consent_applications"])
            for server in servers:
                server.wait_ready()
            ready = time.monotonic()
            log, outcomes = Log(), defaultdict(dict)
            load_seconds = scenario([s.port for s in servers], ids, log, outcomes)
        finally:
            for server in servers:
                server.stop()
            redis_keys = {
                "limits": drop_redis_keys(f"{prefix}rl"),
                "cache": drop_redis_keys(f"{prefix}cache:"),
            }
        LANDED.clear()
        if kill_log.exists():
            LANDED.update(line.split()[1] for line in kill_log.read_text().splitlines())
        result = check(database_url, uploads, ids, log, outcomes)
        result["server logs"] = server_log_problems(servers)
        result["rate limits and caches in Redis"] = (
            redis_keys["limits"] > 0 and redis_keys["cache"] > 0,
            f"{redis_keys['limits']} rate-limit keys, {redis_keys['cache']} cache keys",
        )
    report(label, log, result, kills_landed(log), load_seconds, ready - started,
           time.monotonic() - started)  # fmt: skip
    return all(passed for passed, _detail in result.values())


def scenario(ports: list[int], ids: dict, log: Log, outcomes: dict) -> float:
    started = time.monotonic()
    kills = KillPlan()
    camp_id = ids["camp"]
    organisers = [Browser(ports, log, 60000 + n) for n in range(2)]
    for n, browser in enumerate(organisers):
        browser.sign_in(f"o{n}@stress.example.org")
    admin = Browser(ports, log, 60010)
    admin.sign_in("admin@stress.example.org")
    applicants_done = threading.Event()
    mine: dict[int, int] = {}
    people = [Browser(ports, log, n) for n in range(ADULTS)]
    first = [threading.Thread(target=applicant, args=(people[n], n, camp_id, mine))
             for n in range(ADULTS)]  # fmt: skip
    deciders = [threading.Thread(target=organiser_deciding, args=(b, camp_id, applicants_done))
                for b in organisers]  # fmt: skip
    # Plans, attendance, scans and erasures are written while the camp fills.
    sessions = ids["sessions"]
    others = [
        threading.Thread(target=plan_lead, args=(Browser(ports, log, 1000 + n), n, plan, kills,
                                                 outcomes["plan submission"]))
        for n, plan in enumerate(ids["plans"])
    ] + [
        threading.Thread(target=trainer, args=(
            Browser(ports, log, 60020 + n), f"o{n}@stress.example.org",
            sessions[n * SESSIONS // 2 : (n + 1) * SESSIONS // 2], kills, outcomes["attendance"]
        )) for n in range(2)
    ] + [
        threading.Thread(target=consent_recorder, args=(Browser(ports, log, 60030),
                                                        ids["consent_applications"], kills,
                                                        outcomes["consent scan"])),
    ]  # fmt: skip
    for thread in first + deciders + others:
        thread.start()
    for thread in first:
        thread.join()
    applicants_done.set()
    for thread in deciders + others:
        thread.join()
    # Erasures and the waiting list at work: places declined and taken back go to the next.
    choosing = [
        threading.Thread(target=young_person_choosing, args=(people[n], application, kills, 6))
        for n, application in mine.items()
    ]
    second = choosing + [
        threading.Thread(target=organiser_rejecting, args=(organisers[0], camp_id, kills)),
        threading.Thread(target=admin_erasing, args=(admin, ids["erasures"], kills,
                                                     outcomes["erasure"])),
    ]  # fmt: skip
    for thread in second:
        thread.start()
    for thread in second:
        thread.join()
    return time.monotonic() - started


# -- the invariants, from raw rows -------------------------------------------------------------


SEATS = ("accepted", "confirmed", "attended")
TOLD = ("submitted", "accepted", "waitlisted", "rejected")  # the steps that send an e-mail


def check(database_url, uploads: Path, ids: dict, log: Log, outcomes: dict) -> dict:
    engine = sa.create_engine(psycopg_url(database_url))
    with engine.connect() as c:
        q = lambda sql, **p: c.execute(sa.text(sql), p).all()  # noqa: E731
        applications = q(
            "SELECT a.id, a.user_id, a.status, a.waitlist_position, a.offer_expires_on, "
            "a.submitted_at, u.email FROM application a JOIN \"user\" u ON u.id = a.user_id "
            "WHERE a.camp_id = :camp", camp=ids["camp"]
        )  # fmt: skip
        events = q("SELECT application_id, from_status, to_status FROM application_event "
                   "ORDER BY id")  # fmt: skip
        emails = q("SELECT user_id, body FROM outbound_email")
        versions = q("SELECT plan_id, number FROM plan_version")
        plans = q("SELECT id, status FROM action_plan")
        mentor_mails = q("SELECT body FROM outbound_email WHERE user_id = :m", m=ids["mentor"])
        marks = q("SELECT session_id, enrolment_id, status FROM attendance")
        changes = q("SELECT session_id, enrolment_id, from_status, to_status "
                    "FROM attendance_change ORDER BY id")  # fmt: skip
        consents = q("SELECT application_id, file_name FROM guardian_consent")
        erasures = q("SELECT id, user_id, done_at FROM erasure_request")
        audits = Counter(
            r[0]
            for r in q(
                "SELECT action FROM audit_event WHERE action IN ('plan.submitted', 'user.erased')"
            )  # fmt: skip
        )
    engine.dispose()
    result = {}

    seats = [a for a in applications if a.status in SEATS]
    result["capacity kept"] = (len(seats) <= CAPACITY, f"{len(seats)}/{CAPACITY} places taken")
    waiting = sorted(a.waitlist_position or 0 for a in applications if a.status == "waitlisted")
    stray = [a.id for a in applications if a.status != "waitlisted" and a.waitlist_position]
    result["waiting list 1..n, gapless"] = (
        waiting == list(range(1, len(waiting) + 1)) and not stray and len(waiting) > 0,
        f"{len(waiting)} waiting" + (f", positions {waiting}" if waiting != list(range(1, len(waiting) + 1)) else "")
        + (f", {len(stray)} stray positions" if stray else ""),
    )  # fmt: skip
    promoted = sum(1 for e in events if e.from_status == "waitlisted" and e.to_status == "accepted")
    result["places given to the waiting list"] = (promoted > 0, f"{promoted} promotions")

    erased_users = {e.user_id for e in erasures if e.done_at}
    by_application = defaultdict(list)
    for event in events:
        by_application[event.application_id].append(event)
    broken, mail_wrong, details = [], [], []
    mails = Counter()
    for email in emails:
        for found in set(re.findall(r"/applications/(\d+)\b", email.body)):
            mails[int(found)] += 1
    for a in applications:
        chain = by_application[a.id]
        # Started on the pages (None -> draft), or made as a draft by prepare().
        state = chain[0].from_status if chain and chain[0].from_status in (None, "draft") else None
        for event in chain:
            if event.from_status != state or event.to_status == state:
                broken.append(a.id)
                break
            state = event.to_status
        if state != a.status:
            broken.append(a.id)
        if a.id in broken:
            details.append((a.id, a.status, [(e.from_status, e.to_status) for e in chain]))
        if a.user_id not in erased_users:
            told = sum(1 for e in chain if e.to_status in TOLD)
            if mails[a.id] != told:
                mail_wrong.append((a.id, told, mails[a.id]))
        if (a.status != "draft" and a.submitted_at is None) or (
            a.status == "accepted" and a.offer_expires_on is None
        ):
            broken.append(a.id)
    result["one history row per change (applications)"] = (
        not broken, f"{len(events)} rows" + (f", broken: {details[:4]}" if broken else "")
    )  # fmt: skip
    result["one e-mail per change (applications)"] = (
        not mail_wrong,
        f"{sum(mails.values())} e-mails" + (f", wrong (id, expected, found): {mail_wrong[:5]}"
                                            if mail_wrong else ""),
    )  # fmt: skip

    # Plans: versions 1..n, as many e-mails to the mentor and audit rows; a killed send left none.
    numbers = defaultdict(list)
    for v in versions:
        numbers[v.plan_id].append(v.number)
    plan_status = {p.id: p.status for p in plans}
    plan_mails = Counter()
    for mail in mentor_mails:
        for found in set(re.findall(r"/plans/(\d+)\b", mail.body)):
            plan_mails[int(found)] += 1
    wrong = []
    for plan_id in ids["plans"]:
        got = sorted(numbers[plan_id])
        kill = outcomes["plan submission"].get(plan_id)
        done = took_effect(kill)
        if (
            (done is not None and got != ([1] if done else []))
            or len(got) > 1
            or plan_mails[plan_id] != len(got)
            or (plan_status[plan_id] != ("submitted" if got else "draft"))
        ):
            wrong.append((plan_id, kill, got, plan_mails[plan_id], plan_status[plan_id]))
    sent = sum(len(n) for n in numbers.values())
    if audits["plan.submitted"] != sent:
        wrong.append(("audit", audits["plan.submitted"], sent))
    result["plans: one version, e-mail, audit per send"] = (
        not wrong,
        f"{sent} versions" + (f", wrong: {wrong[:4]}" if wrong else ""),
    )

    # Attendance: every change once, the chain ending in the mark; a killed sheet kept nothing.
    wrong = []
    mark_of = {(m.session_id, m.enrolment_id): m.status for m in marks}
    last = {}
    for ch in changes:
        key = (ch.session_id, ch.enrolment_id)
        if ch.from_status != last.get(key) or ch.from_status == ch.to_status:
            wrong.append(key)
        last[key] = ch.to_status
    if last != mark_of:
        wrong.append("marks differ from their history")
    for session_id, kill in outcomes["attendance"].items():
        count = sum(1 for key in mark_of if key[0] == session_id)
        done = took_effect(kill)
        if count not in (0, ENROLLED) or (done is not None and count != done * ENROLLED):
            wrong.append((session_id, kill, count))
    result["attendance: one change row per mark, all or nothing"] = (
        not wrong, f"{len(marks)} marks, {len(changes)} changes" + (f", wrong: {wrong[:4]}" if wrong else "")
    )  # fmt: skip

    # Erasure and scans: files and rows agree, whatever was killed.
    files = {p.name for p in uploads.iterdir()} if uploads.exists() else set()
    partial = {name for name in files if name.endswith(".partial")}
    named = {c.file_name for c in consents if c.file_name}
    missing = named - files
    orphans = files - named - partial
    # A worker killed between storing a scan and the commit leaves the file behind (nothing
    # can run after SIGKILL): those are counted, and every other file must have its row.
    storage_kills = sum(
        1 for r in log.records if r.kind == "consent scan" and r.status == "connection error"
        and not (r.kill == "after-commit" and r.token in LANDED)
    )  # fmt: skip
    wrong = []
    for request_id, kill in outcomes["erasure"].items():
        done = any(e.id == request_id and e.done_at for e in erasures)
        if took_effect(kill) not in (None, done):
            wrong.append((request_id, kill, done))
    if audits["user.erased"] != len(erased_users):
        wrong.append(("audit", audits["user.erased"], len(erased_users)))
    recorded = {c.application_id for c in consents}
    for application_id, kill in outcomes["consent scan"].items():
        if took_effect(kill) not in (None, application_id in recorded):
            wrong.append((application_id, kill))
    result["erasure and scans: all or nothing"] = (
        not wrong, f"{len(erased_users)} erased, {len(named)} scans" + (f", wrong: {wrong}" if wrong else "")
    )  # fmt: skip
    result["no file without its row, no row without its file"] = (
        not missing and not partial and len(orphans) <= storage_kills,
        f"{len(missing)} missing, {len(partial)} partial, {len(orphans)} stray "
        f"(each left by a kill between storing the file and the commit: {storage_kills})",
    )
    errors = Counter(
        f"{r.method} {r.path.split('?')[0]} {r.status}" for r in log.records
        if isinstance(r.status, int) and r.status >= 500
    )  # fmt: skip
    result["no 5xx"] = (not errors, f"{sum(errors.values())} answers 5xx {dict(errors)}")
    return result


LANDED: set[str] = set()  # tokens of the kills that landed (STRESS_KILL_LOG)


def server_log_problems(servers) -> tuple[bool, str]:
    """What the app servers logged as going wrong (503s name the database error's type)."""
    found = Counter()
    for server in servers:
        for line in server.log.read_text(errors="replace").splitlines():
            if "was sent SIGKILL" in line:
                continue  # the master telling of the kills this run made
            if "database unavailable" in line or "Traceback" in line or "ERROR" in line:
                found[re.sub(r"^\[[^]]*\] \[\d+\] ", "", line)[:120]] += 1
    return not found, ", ".join(f"{n} x {line}" for line, n in found.most_common(5)) or "clean"


def took_effect(outcome) -> bool | None:
    """Must the write of this (kill point, status, token) be in the database? None: either way
    (its worker died under it, killed for another request)."""
    if outcome is None or outcome == "no form":
        return False
    kill, status, token = outcome
    if status == 0:  # connection error
        return kill == "after-commit" if token in LANDED else None
    return status in (200, 302)


def kills_landed(log: Log) -> Counter:
    return Counter((r.kind, r.kill) for r in log.records if r.token and r.token in LANDED)


def report(label, log: Log, result, landed, load_seconds, setup_seconds, wall):
    records = log.records
    statuses = Counter(str(r.status) for r in records)
    collateral = sum(1 for r in records if r.status == "connection error" and r.token not in LANDED)
    pages = sorted(r.seconds for r in records if r.method == "GET" and isinstance(r.status, int))
    posts = sorted(r.seconds for r in records if r.method == "POST" and isinstance(r.status, int))

    def pct(values, p):
        return values[min(len(values) - 1, int(len(values) * p))] * 1000 if values else 0

    print(f"\n[{label}] two gunicorn instances x {WORKERS} workers x 2 threads, production "
          f"config, Redis; at most {IN_FLIGHT} requests in flight; {len(records)} requests "
          f"in {load_seconds:.1f} s ({len(records) / load_seconds:.0f}/s), "
          f"set-up {setup_seconds:.1f} s, wall {wall:.1f} s")  # fmt: skip
    print(
        f"  machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} "
        "(other work on the machine slows every figure here)"
    )
    print(f"  statuses: {dict(sorted(statuses.items()))}")
    print(f"  GET  p50 {pct(pages, 0.5):.0f} ms, p99 {pct(pages, 0.99):.0f} ms ({len(pages)})")
    print(f"  POST p50 {pct(posts, 0.5):.0f} ms, p99 {pct(posts, 0.99):.0f} ms ({len(posts)})")
    planned = Counter()
    for kind, point, count in KILLS:
        planned[(kind, point)] += count
    print(
        f"  workers killed (SIGKILL) during writes: {sum(landed.values())}; "
        f"other requests lost with them (connection error, never retried): {collateral}"
    )
    for (kind, point), count in sorted(planned.items()):
        print(f"    {kind:30} {point:20} {landed[(kind, point)]}/{count}")
    for name, (passed, detail) in result.items():
        print(f"  {'ok  ' if passed else 'FAIL'} {name}: {detail}")


def main() -> int:
    if sys.argv[1:] == ["prepare"]:
        prepare()
        return 0
    if not redis_available():
        print("make stress needs Redis at 127.0.0.1:6379 (apt-get install redis-server)")
        return 2
    only = sys.argv[1] if sys.argv[1:] else None  # "sqlite" or "postgresql"
    results = []
    if only in (None, "sqlite"):
        with tempfile.TemporaryDirectory(prefix="jashtar-stress-db-") as folder:
            results.append(run(f"sqlite:///{folder}/stress.db", "SQLite"))
    url = os.environ.get("STRESS_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if only == "sqlite":
        pass
    elif url:
        with throwaway_database(url) as database_url:
            results.append(run(database_url, "PostgreSQL"))
    else:
        print("\n[PostgreSQL] SKIPPED: set STRESS_DATABASE_URL or TEST_DATABASE_URL")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
