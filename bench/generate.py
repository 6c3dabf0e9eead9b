"""Fill a database with a programme at ten times its real scale, for `make bench`.

    DATABASE_URL=sqlite:////tmp/bench.db .venv/bin/flask db upgrade
    DATABASE_URL=sqlite:////tmp/bench.db .venv/bin/flask seed-demo
    DATABASE_URL=sqlite:////tmp/bench.db PYTHONPATH=. .venv/bin/python bench/generate.py \\
        --scale large [--seed 2026] [--showcase /tmp/showcase.json]

`--scale large` builds 220,000 young people in every region and district, 150 camps, 300,000
applications in every state, 10,000 ambassadors with enrolments and attendance, 3,000 youth
groups and 20,000 action plans with versions, reviews, comments and progress updates; `small`
is about a tenth of that, `xl` three times it (660,000 people: thirty times the programme; the
rows are written as they are made, so memory holds ids, not rows). Rows go in
with SQLAlchemy core `insert()` in batches; the same seed gives the same data. The demo logins
(seed-demo first) get their share: mentor@ reviews 200 groups, one camp has 20,000 applicants.
`--showcase` writes the ids of the objects the benchmark opens.
"""

import argparse
import json
import random
import time
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa

from portal import create_app
from portal.extensions import db
from portal.places import reference_rows

SCALES = {
    #            people, camps, applications, ambassadors, groups, plans
    "tiny": (400, 4, 600, 70, 12, 40),  # for the generator's own test
    "small": (20_000, 30, 30_000, 1_000, 300, 2_000),
    "large": (220_000, 150, 300_000, 10_000, 3_000, 20_000),  # ten times the programme
    "xl": (660_000, 450, 900_000, 30_000, 9_000, 60_000),  # thirty times: opt-in, BENCH_SCALES
}
BATCH = 5_000
APPLICATION_STATES = {  # weights: most applications are decided, every state is present
    "draft": 4, "submitted": 20, "accepted": 8, "waitlisted": 8, "rejected": 20, "confirmed": 8,
    "declined": 3, "withdrawn": 3, "attended": 22, "no_show": 4,
}  # fmt: skip
PLAN_STATES = {"draft": 20, "submitted": 15, "changes_requested": 10, "approved": 15,
               "in_progress": 20, "completed": 15, "archived": 5}  # fmt: skip
CATEGORIES = ["early_marriage", "domestic_violence", "bride_kidnapping", "girls_leaving_school",
              "street_harassment", "child_neglect", "intergroup_tension", "violent_groups",
              "police_trust", "other"]  # fmt: skip
CRITERIA = ("relevance", "feasibility", "inclusion", "do_no_harm", "sustainability")
TOPICS = ["democracy", "tolerance", "diversity", "activism", "conflict_analysis", "gender_safety"]
KY_NAMES = ["Айгерим", "Бакыт", "Нурлан", "Жылдыз", "Үмүт", "Мадина", "Азамат", "Гүлзат"]
UZ_NAMES = ["Дилноза", "Шерзод", "Ўғилой", "Жамшид", "Зарина", "Ботир", "Нилуфар", "Ҳусан"]
SURNAMES = ["Асанова", "Токтогулов", "Юлдашева", "Каримов", "Сыдыкова", "Қаҳҳоров", "Абдыкеримов"]


class Writer:
    """Batched core inserts with ids assigned here, so rows can refer to each other."""

    def __init__(self):
        self.tables = db.metadata.tables
        self.pending: dict[str, list[dict]] = {}
        self.next_id: dict[str, int] = {}
        self.counts: dict[str, int] = {}

    def new_id(self, table: str) -> int:
        if table not in self.next_id:
            column = self.tables[table].c.id
            self.next_id[table] = (db.session.scalar(sa.select(sa.func.max(column))) or 0) + 1
        self.next_id[table] += 1
        return self.next_id[table] - 1

    def add(self, table: str, **row) -> dict:
        rows = self.pending.setdefault(table, [])
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush()
        return row

    def flush(self) -> None:
        """Write every table's pending rows, parents first (the order tables were first used)."""
        for name, rows in self.pending.items():
            if rows:
                self.insert(name, rows)
                self.counts[name] = self.counts.get(name, 0) + len(rows)
                rows.clear()

    def insert(self, table: str, rows: list[dict]) -> None:
        db.session.execute(self.tables[table].insert(), rows)


def weighted(rng: random.Random, weights: dict[str, int], count: int) -> list[str]:
    return rng.choices(list(weights), list(weights.values()), k=count)


def showcase_application(camp_id: int, first_day: date) -> int | None:
    """The application the bench opens: the big camp's first submitted one of an adult, the
    same kind at every scale. (The first application of all was a minor's at one scale and an
    adult's at another: a minor's page also writes an audit row, so the two did not compare.)"""
    adult_if_born_by = first_day.replace(year=first_day.year - 18, day=min(first_day.day, 28))
    return db.session.scalar(
        sa.text(
            'SELECT application.id FROM application JOIN "user" ON "user".id = application.user_id'
            " WHERE application.camp_id = :camp AND application.status = 'submitted'"
            ' AND "user".date_of_birth <= :born ORDER BY application.id LIMIT 1'
        ),
        {"camp": camp_id, "born": adult_if_born_by},
    )


def generate(scale: str = "large", seed: int = 2026, out: Writer | None = None) -> dict:
    """Write the data set; the same seed and the same day give the same rows."""
    people, camps, applications, ambassadors, groups, plans = SCALES[scale]
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    today = now.date()
    out = out or Writer()
    units = reference_rows()
    regions = [u["code"] for u in units if u["parent_code"] is None]
    districts = {r: [u["code"] for u in units if u["parent_code"] == r] or [None] for r in regions}
    demo = dict(db.session.execute(sa.text("SELECT email, id FROM \"user\" WHERE email LIKE "
                                           "'%@demo.example.org'")).all())  # fmt: skip
    mentor_id, organiser_id = (
        demo.get("mentor@demo.example.org"),
        demo.get("organiser@demo.example.org"),
    )

    # People: young people everywhere, a few hundred mentors, twenty organisers.
    youth, mentors = [], []
    name_keys = {}
    for number in range(people + 220):
        region = rng.choice(regions)
        uzbek = rng.random() < 0.3
        first = rng.choice(UZ_NAMES if uzbek else KY_NAMES)
        name = f"{first} {rng.choice(SURNAMES)} {number}"
        user_id = out.new_id("user")
        name_keys[user_id] = name.casefold()
        out.add("user", id=user_id, full_name=name, name_key=name_keys[user_id],
                email=f"bench{number}@bench.example.org",
                phone=f"+996{990000000 + number}" if number % 3 else None,
                password_hash="!bench", date_of_birth=date(1998 + rng.randint(0, 13),
                                                            rng.randint(1, 12), rng.randint(1, 28)),
                gender=rng.choice(["female", "male", "female", None]), region_code=region,
                district_code=rng.choice(districts[region]), community=f"Айыл {rng.randint(1, 400)}",
                locale="uz_Cyrl" if uzbek else rng.choice(["ky", "ky", "ru"]), active=True,
                session_token="bench", created_at=now - timedelta(days=rng.randint(0, 900)),
                password_changed_at=now)  # fmt: skip
        role = "youth" if number < people else ("mentor" if number < people + 200 else "organiser")
        out.add("user_role", user_id=user_id, role=role)
        (youth if role == "youth" else mentors).append(user_id)
    if mentor_id:
        mentors.append(mentor_id)

    # Camps, and 300,000 applications in every state; the first camp has 20,000 applicants.
    camp_ids, first_days = [], {}
    for number in range(camps):
        first = today + timedelta(days=rng.randint(-700, 120))
        camp_id = out.new_id("camp")
        camp_ids.append(camp_id)
        first_days[camp_id] = first
        region = rng.choice(regions)
        out.add("camp", id=camp_id, title={"ky": f"Тынчтык лагери №{number}",
                                           "ru": f"Лагерь мира №{number}"},
                description={"ky": "Үч күндүк лагерь."}, region_code=region,
                venue={"ky": "Мектеп", "ru": "Школа", "uz_Cyrl": "Мактаб"},
                start_date=first, end_date=first + timedelta(days=2),
                applications_open=first - timedelta(days=60),
                applications_close=first - timedelta(days=10),
                confirmation_deadline=first - timedelta(days=5), capacity=rng.choice([30, 40, 60]),
                min_age=14, max_age=25, eligible_regions=[], languages=["ky", "ru", "uz_Cyrl"],
                targets={"region": {r: [20, 50] for r in regions[:3]},
                         "gender": {"female": [40, 60], "male": [40, 60]}},
                status="published", created_by_id=organiser_id, created_at=now)  # fmt: skip
    out.flush()
    big_camp = camp_ids[0]
    big = min(20_000, people // 2)
    per_camp = {big_camp: big}
    rest = -(-(applications - big) // (camps - 1))
    states = iter(
        list(APPLICATION_STATES) + weighted(rng, APPLICATION_STATES, applications + camps)
    )
    for camp_id in camp_ids:
        applicants = rng.sample(youth, per_camp.get(camp_id, rest))
        for position, user_id in enumerate(applicants):
            status = next(states)
            if camp_id == big_camp and position % 5 < 3:
                status = "submitted"
            application_id = out.new_id("application")
            out.add("application", id=application_id, camp_id=camp_id, user_id=user_id,
                    applicant_name_key=name_keys[user_id], status=status, motivation="Башка айылдын жаштары менен таанышкым келет.",
                    safety_problem="Кыздар мектепти эрте таштап кетишет.",
                    spoken_languages=["ky", "ru"], previous_camps="", needs="",
                    emergency_name="Апам", emergency_phone="+996555000111",
                    guardian_name="Апам", guardian_relation="апам", guardian_phone="+996555000111",
                    answers={}, score=rng.choice([None, 1, 2, 3, 4, 5]), notes="",
                    decision_reason="", created_at=now, updated_at=now,
                    waitlist_position=position if status == "waitlisted" else None,
                    submitted_at=None if status == "draft"
                    else now - timedelta(days=rng.randint(0, 700)))  # fmt: skip
            if status in ("accepted", "confirmed", "attended") and position % 2:
                out.add("guardian_consent", application_id=application_id,
                        method=rng.choice(["paper_form", "phone_call"]), note="",
                        recorded_by_id=organiser_id, recorded_at=now)  # fmt: skip
    out.flush()

    # Training: programmes of ~35 ambassadors, 8 sessions each, attendance for the past ones.
    trainer_sessions = []
    programme_count = -(-ambassadors // 35)
    chosen = rng.sample(youth, ambassadors)
    for number in range(programme_count):
        programme_id = out.new_id("programme")
        out.add("programme", id=programme_id, title={"ky": f"Жаш элчилер {number}",
                                                     "ru": f"Молодые послы {number}"},
                description={}, delivery_mode=rng.choice(["in_person", "online", "messaging"]),
                makes_ambassadors=True, completion_rule="session_share", completion_percent=75,
                created_by_id=organiser_id, created_at=now)  # fmt: skip
        started = now - timedelta(days=rng.randint(20, 700))
        sessions = []
        for position in range(8):
            module_id = out.new_id("module")
            out.add("module", id=module_id, programme_id=programme_id,
                    title={"ky": f"Модуль {position + 1}"}, topic=TOPICS[position % len(TOPICS)],
                    position=position + 1, required=True, hours=3)  # fmt: skip
            session_id = out.new_id("training_session")
            trainer = mentor_id if number < 5 and mentor_id else rng.choice(mentors)
            starts_at = started + timedelta(days=7 * position)
            out.add("training_session", id=session_id, programme_id=programme_id,
                    module_id=module_id, starts_at=starts_at, place={"ky": "Ош жаштар борбору"},
                    trainer_id=trainer)  # fmt: skip
            sessions.append((session_id, starts_at))
            if trainer == mentor_id:
                trainer_sessions.append(session_id)
        for person in chosen[number * 35 : (number + 1) * 35]:
            enrolment_id = out.new_id("enrolment")
            marks = [rng.choice(["present", "present", "late", "excused", "absent"])
                     for session_id, starts_at in sessions if starts_at <= now]  # fmt: skip
            done = len(marks) == 8 and sum(m in ("present", "late") for m in marks) >= 6
            out.add("enrolment", id=enrolment_id, programme_id=programme_id, user_id=person,
                    name_key=name_keys[person],
                    status="completed" if done else rng.choice(["active"] * 9 + ["dropped"]),
                    enrolled_at=started - timedelta(days=1),
                    completed_at=now if done else None)  # fmt: skip
            for (session_id, _starts), mark in zip(sessions, marks, strict=False):
                out.add("attendance", session_id=session_id, enrolment_id=enrolment_id,
                        status=mark, recorded_by_id=organiser_id, recorded_at=now)  # fmt: skip
            if done:
                out.add("certificate", enrolment_id=enrolment_id, code=f"bench{enrolment_id:010d}",
                        holder_name="Bench", issued_on=today)  # fmt: skip
    out.flush()

    # Youth groups, their plans with activities, versions, reviews, comments and progress.
    # The plan the bench opens: the demo mentor's first plan with the most versions among those
    # sent back for changes (any status when none is), so that every scale opens a plan of the
    # same shape: three versions with their reviews and feedback, a comment, no progress
    # updates. Chosen by most versions alone, xl opened a completed plan with three progress
    # updates and large one with none, and the plan's "growth" was its showcase's.
    showcase_plan, most_versions = None, (False, 0)
    plan_states = iter(list(PLAN_STATES) + weighted(rng, PLAN_STATES, plans + groups))
    for number in range(groups):
        region = rng.choice(regions)
        members = rng.sample(youth, 5)
        group_id = out.new_id("youth_group")
        out.add("youth_group", id=group_id, name=f"Жаштар тобу {number}", region_code=region,
                district_code=rng.choice(districts[region]), community="Айыл",
                lead_id=members[0], join_code=f"b{number:07d}", active=True,
                created_at=now)  # fmt: skip
        for person in members:
            out.add("membership", group_id=group_id, user_id=person, joined_at=now,
                    joined_via="created" if person == members[0] else "invitation")  # fmt: skip
        mentor = mentor_id if number < 200 and mentor_id else rng.choice(mentors)
        out.add("group_mentor", group_id=group_id, mentor_id=mentor, assigned_at=now)
        for _ in range(plans // groups + (number < plans % groups)):
            status = next(plan_states)
            plan_id = out.new_id("action_plan")
            sent = None if status == "draft" else now - timedelta(days=rng.randint(0, 400))
            content = {"title": "Кыздар мектепте калсын", "category": rng.choice(CATEGORIES),
                       "problem": "Кыздар мектепти эрте таштайт. " * 6, "root_causes": "Салттар.",
                       "affected": "Кыздар.", "objectives": "Азайтуу. " * 4, "partners": ["school"],
                       "activities": [{"what": f"Жолугушуу {n}", "who": "Топ", "resources": "",
                                       "starts_on": "", "ends_on": ""} for n in range(3)],
                       "do_no_harm": {"risks": "Эч кимдин атын жазбайбыз.",
                                      "tension_avoidance": "Ата-энелер менен бирге."},
                       "indicators": "Мектеп журналы.", "budget": 5000}  # fmt: skip
            out.add("action_plan", id=plan_id, group_id=group_id, status=status,
                    category=content["category"], title=content["title"],
                    problem=content["problem"], root_causes="Салттар.", affected="Кыздар.",
                    objectives=content["objectives"], partners=["school"], partners_other="",
                    risks="Эч кимдин атын жазбайбыз.", tension_avoidance="Ата-энелер менен бирге.",
                    indicators="Мектеп журналы.", budget_som=5000, created_at=now, updated_at=now,
                    updated_by_id=members[0], submitted_at=sent,
                    last_progress_at=now if status in ("in_progress", "completed") else None)  # fmt: skip
            for position in range(3):
                out.add("plan_activity", plan_id=plan_id, position=position + 1,
                        what=f"Жолугушуу {position}", who="Топ", resources="")  # fmt: skip
            versions = (
                0 if status == "draft" else (1 if status == "submitted" else rng.randint(1, 3))
            )
            for version in range(versions):
                version_id = out.new_id("plan_version")
                out.add("plan_version", id=version_id, plan_id=plan_id, number=version + 1,
                        content=content, submitted_by_id=members[0], submitted_at=sent)  # fmt: skip
                last = version == versions - 1
                if status != "submitted" or not last:
                    approved = last and status not in ("changes_requested",)
                    out.add("plan_review", version_id=version_id, mentor_id=mentor,
                            scores={key: {"score": rng.randint(1, 4), "note": ""} for key in CRITERIA},
                            section_comments={} if approved else {"problem": "Кененирээк жазгыла."},
                            overall_comment="Жакшы иш.", decision="approve" if approved
                            else "request_changes", created_at=now)  # fmt: skip
            if versions:
                out.add("plan_comment", plan_id=plan_id, author_id=mentor, body="Азаматсыңар!",
                        created_at=now)  # fmt: skip
            if status in ("in_progress", "completed"):
                for percent in (30, 60, 100 if status == "completed" else 80):
                    out.add("progress_update", plan_id=plan_id, author_id=members[0],
                            percent_complete=percent, what_happened="Мектепте жолугушуу өттү.",
                            activity_statuses={}, created_at=now)  # fmt: skip
            shape = (status == "changes_requested", versions)
            if mentor == mentor_id and versions and shape > most_versions:
                showcase_plan, most_versions = plan_id, shape
    out.flush()
    db.session.commit()
    db.session.execute(sa.text("ANALYZE"))  # fresh statistics for the query planner
    db.session.commit()
    return {
        "camp": big_camp,
        "application": showcase_application(big_camp, first_days[big_camp]),
        "plan": showcase_plan,
        "session": trainer_sessions[-1] if trainer_sessions else None,
        "rows": out.counts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SCALES, default="large")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--showcase", help="write the ids the benchmark opens to this JSON file")
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        started = time.monotonic()
        showcase = generate(args.scale, args.seed)
        elapsed = time.monotonic() - started
    total = sum(showcase["rows"].values())
    print(f"Generated {total:,} rows ({args.scale}) in {elapsed:.0f} s: "
          + ", ".join(f"{name} {count:,}" for name, count in showcase["rows"].items()))  # fmt: skip
    if args.showcase:
        with open(args.showcase, "w") as file:
            json.dump(showcase, file)


if __name__ == "__main__":
    main()
