"""Fill a database with a large programme (default 20,000 young people, 30,000 applications,
2,000 action plans) to measure the heavy pages. Usage:

    DATABASE_URL=sqlite:////tmp/bench.db .venv/bin/flask db upgrade
    DATABASE_URL=sqlite:////tmp/bench.db .venv/bin/python bench/generate.py [--people 20000]
"""

import argparse
import random
import time
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa

from portal import create_app
from portal.extensions import db

REGIONS = {
    "KG-O": ["KG-O-ALAI", "KG-O-ARAVAN", "KG-O-KARASUU", "KG-O-NOOKAT", "KG-O-UZGEN"],
    "KG-B": ["KG-B-BATKEN", "KG-B-KADAMJAI", "KG-B-LEILEK"],
    "KG-J": ["KG-J-AKSY", "KG-J-ALABUKA", "KG-J-BAZARKORGON", "KG-J-NOOKEN", "KG-J-SUZAK"],
}


def generate(people: int, seed: int = 2026) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    metadata = db.metadata
    user, role = metadata.tables["user"], metadata.tables["user_role"]
    camp, application = metadata.tables["camp"], metadata.tables["application"]
    group, membership = metadata.tables["youth_group"], metadata.tables["membership"]
    plan = metadata.tables["action_plan"]
    start_id = (db.session.scalar(sa.select(sa.func.max(user.c.id))) or 0) + 1
    users, roles = [], []
    for number in range(people):
        region = rng.choice(list(REGIONS))
        users.append({
            "id": start_id + number, "full_name": f"Bench Person {number}",
            "name_key": f"bench person {number}", "email": f"bench{number}@bench.example.org",
            "password_hash": "x", "date_of_birth": date(2000 + rng.randint(0, 11), rng.randint(1, 12), 1),
            "gender": rng.choice(["female", "male", None]), "region_code": region,
            "district_code": rng.choice(REGIONS[region]), "community": f"Village {rng.randint(1, 300)}",
            "locale": "ky", "active": True, "session_token": "bench", "created_at": now,
            "password_changed_at": now,
        })  # fmt: skip
        roles.append({"user_id": start_id + number, "role": "youth"})
    db.session.execute(user.insert(), users)
    db.session.execute(role.insert(), roles)
    camp_ids = []
    for number in range(60):
        region = rng.choice(list(REGIONS))
        first = date.today() - timedelta(days=rng.randint(-60, 300))
        result = db.session.execute(camp.insert().values(
            title={"ky": f"Лагерь {number}"}, description={}, region_code=region, venue="Bench",
            start_date=first, end_date=first + timedelta(days=2),
            applications_open=first - timedelta(days=60), applications_close=first - timedelta(days=10),
            confirmation_deadline=first - timedelta(days=5), capacity=40, min_age=14, max_age=25,
            eligible_regions=[], languages=["ky"], targets={}, status="published", created_at=now,
        ))  # fmt: skip
        camp_ids.append(result.inserted_primary_key[0])
    applications, pairs = [], set()
    while len(applications) < int(people * 1.5):
        pair = (rng.choice(camp_ids), start_id + rng.randrange(people))
        if pair in pairs:
            continue
        pairs.add(pair)
        applications.append({
            "camp_id": pair[0], "user_id": pair[1],
            "status": rng.choice(["submitted", "accepted", "rejected", "waitlisted", "attended"]),
            "motivation": "", "safety_problem": "", "spoken_languages": ["ky"], "previous_camps": "",
            "needs": "", "emergency_name": "", "guardian_name": "", "guardian_relation": "",
            "answers": {}, "notes": "", "decision_reason": "", "created_at": now, "updated_at": now,
            "submitted_at": now - timedelta(days=rng.randint(0, 300)),
        })  # fmt: skip
    db.session.execute(application.insert(), applications)
    for number in range(1000):
        region = rng.choice(list(REGIONS))
        lead = start_id + rng.randrange(people)
        group_id = db.session.execute(group.insert().values(
            name=f"Bench group {number}", region_code=region, district_code=rng.choice(REGIONS[region]),
            community="", lead_id=lead, join_code=f"b{number:06d}", active=True, created_at=now,
        )).inserted_primary_key[0]  # fmt: skip
        db.session.execute(
            membership.insert().values(group_id=group_id, user_id=lead, joined_at=now)
        )
        for _ in range(2):
            db.session.execute(plan.insert().values(
                group_id=group_id, status=rng.choice(["draft", "submitted", "approved", "completed"]),
                category=rng.choice(["early_marriage", "bride_kidnapping", "domestic_violence", "other"]),
                title="Bench plan", problem="", root_causes="", affected="", objectives="",
                partners=[], partners_other="", risks="", tension_avoidance="", indicators="",
                created_at=now, updated_at=now, submitted_at=now,
            ))  # fmt: skip
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=20_000)
    args = parser.parse_args()
    app = create_app("development")
    with app.test_request_context(method="POST"):
        started = time.monotonic()
        generate(args.people)
        print(f"Generated {args.people} young people in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
