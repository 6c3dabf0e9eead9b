"""The camp applications workflow as a state machine: adults and minors apply (and apply again
after withdrawing), organisers decide through the review page, guardians' consent is recorded
and withdrawn, places are confirmed, declined and given back, offers expire, people are moved
on the waiting list, check-in happens on (and around) the camp's days, birth dates and photo
consent change and the number of places is edited, while the clock moves on. After every step
the database must keep the rules: the places, the guardian rule, the waiting list's order,
automation that never overrides an organiser, one history row per change and counts that
agree with the rows. Every action a page offers is tried on the service, and must succeed."""

import re
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck
from hypothesis import event
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine
from hypothesis.stateful import initialize
from hypothesis.stateful import invariant
from hypothesis.stateful import precondition
from hypothesis.stateful import rule
from hypothesis.stateful import run_state_machine_as_test

from portal import fragments
from portal import i18n
from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.camps import balance
from portal.camps import policy
from portal.camps import queries
from portal.camps import services
from portal.camps import transitions
from portal.camps.models import OPEN_STATUSES
from portal.camps.models import SEAT_STATUSES
from portal.camps.models import Application
from portal.camps.models import ApplicationEvent
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import Camp
from portal.camps.models import CampAttendance
from portal.camps.models import CampStatus
from portal.camps.models import ConsentMethod
from portal.camps.models import GuardianConsent
from portal.camps.models import Who
from portal.extensions import db as _db
from portal.security import Role
from tests.factories import CampFactory
from tests.factories import UserFactory
from tests.helpers import sign_in
from tests.helpers import without_tokens
from tests.helpers import years_ago

#: Who applies: three adults and three minors (16 on the camp's first day).
AGES = (20, 23, 19, 16, 16, 17)
PEOPLE = len(AGES)
PERSON = st.integers(min_value=0, max_value=PEOPLE - 1)
#: Birth dates a person may type in later: a minor's, an adult's, too young and too old.
NEW_AGES = st.sampled_from([16, 20, 12, 30])
#: Where an organiser's decision can change something.
DECIDABLE = (S.SUBMITTED, S.WAITLISTED, S.ACCEPTED)
#: The organiser's decisions, accepting more often (a full camp is where the rules bite).
DECISIONS = st.sampled_from([S.ACCEPTED, S.WAITLISTED, S.REJECTED, S.ACCEPTED, S.WAITLISTED])
REASONS = st.sampled_from(["Balance of regions", "Applied late", "A school asked us"])
#: The camp, in days from the day each example starts: applications open until day 2, the
#: confirmation deadline is day 3, the camp runs on days 5 and 6.
OPEN, CLOSE, DEADLINE, START, END = -1, 2, 3, 5, 6


@dataclass
class Row:
    """What one application was after the last step, read back from the database."""

    id: int
    user_id: int
    status: S
    position: int | None
    reason: str
    age_when_sent: int | None
    consent_required: bool | None
    #: The applicant's age on the first day by the profile now.
    profile_age: int | None
    submitted_at: datetime | None
    offer_expires_on: date | None
    photo: bool
    is_minor: bool
    consent_active: bool
    events: list[tuple] = field(default_factory=list)


@dataclass
class Step:
    """What the last rule did itself, so the check can tell it from what automation did."""

    #: Application id → who took the rule's own steps on it.
    acted: dict[int, Who] = field(default_factory=dict)
    #: Places the rule's own steps gave up (each may go to the next on the waiting list).
    freed: int = 0
    #: Whom an organiser just moved off a place (never promoted straight back).
    skip: int | None = None
    #: Applications whose decision reason the rule itself may change.
    reason_may_change: set[int] = field(default_factory=set)
    #: Whether a figure may have moved though no application did (a birth date changed).
    counts_may_change: bool = False


class CampMachine(RuleBasedStateMachine):
    #: Set by the test: the client that plays the organiser's (and applicants') pages, the
    #: organiser and the young people (made once; what an example changes is rolled back).
    client = None
    organiser_id: int
    user_ids: list[int]

    def __init__(self):
        super().__init__()
        # Each example starts clean: its rows go when it is rolled back at teardown.
        _db.session.close()
        self.example = _db.engines[None].begin_nested()
        self.now = i18n.local_now().replace(hour=12, minute=0, second=0, microsecond=0)
        self.day_zero = self.now.date()
        # Every camp rule reads the day through portal.i18n.local_today, which reads this.
        self.real_local_now = i18n.local_now
        i18n.local_now = lambda: self.now
        self.rows: dict[int, Row] = {}
        self.attendance: dict[tuple[int, date], bool] = {}
        self.step = Step()
        #: Application id → (decision, reason) the organiser last gave it, when a queue or a no.
        self.decisions: dict[int, tuple[S, str]] = {}

    def teardown(self):
        i18n.local_now = self.real_local_now
        _db.session.rollback()
        _db.session.close()
        if self.example.is_active:
            self.example.rollback()
        # The example's rows are rolled back, version counters included, so the next example
        # reuses camp ids and counters: what was kept under them belongs to this example only.
        # (A real database never counts a version twice.)
        self.cache.clear()
        fragments.PAGES.clear()

    # -- set-up ---------------------------------------------------------------------------

    @initialize(
        capacity=st.integers(min_value=2, max_value=3),
        applicants=st.lists(PERSON, min_size=3, max_size=PEOPLE, unique=True),
        consents=st.lists(st.booleans(), min_size=PEOPLE, max_size=PEOPLE),
        decisions=st.lists(st.none() | DECISIONS, min_size=PEOPLE, max_size=PEOPLE),
        confirming=st.lists(st.booleans(), min_size=PEOPLE, max_size=PEOPLE),
        days_later=st.sampled_from([0, 0, DEADLINE + 1, START, END]),
    )
    def a_small_camp_and_its_first_round(
        self, capacity, applicants, consents, decisions, confirming, days_later
    ):
        """The camp, and a first round through the same services (each step checked like a
        rule's), so that examples start anywhere from the first applications to the camp."""
        self.organiser = _db.session.get_one(User, self.organiser_id)
        sign_in(self.client, self.organiser)
        day = self.day(0)
        self.camp = CampFactory(
            capacity=capacity, applications_open=day + timedelta(days=OPEN),
            applications_close=day + timedelta(days=CLOSE),
            confirmation_deadline=day + timedelta(days=DEADLINE),
            start_date=day + timedelta(days=START), end_date=day + timedelta(days=END),
        )  # fmt: skip
        self.camp_id = self.camp.id
        # Applying, consents and confirmations free no place, so each batch is one step;
        # decisions may, so each is checked on its own.
        acted: dict[int, Who] = {}
        for number in applicants:
            self.apply(number, photo=number % 2 == 0, send=True)
            acted.update(self.step.acted)
        self.step = Step(acted=acted)
        self.the_database_keeps_the_rules()
        for number in applicants:
            application = self.application_of(number)
            if consents[number] and application.is_minor:
                services.record_guardian_consent(
                    application, ConsentMethod.PHONE_CALL, by=self.organiser
                )
        for number in applicants:
            if decisions[number] is not None:
                self.decide_directly(self.application_of(number), decisions[number])
                self.the_database_keeps_the_rules()
        confirmed = {}
        for number in applicants:
            application = self.application_of(number)
            if confirming[number] and policy.can_confirm(application.applicant, application):
                services.confirm(application)
                confirmed[application.id] = Who.APPLICANT
        self.step = Step(acted=confirmed)
        self.now += timedelta(days=days_later)

    def decide_directly(self, application, decision, reason="First round"):
        refusal = policy.decision_refusal(application, decision, places_free=self.places_free())
        was = application.status
        try:
            services.decide(application, decision, reason=reason, by=self.organiser)
        except services.CampError:
            assert refusal is not None
            return
        assert refusal is None
        self.decided(application.id, was, decision, reason)

    def decided(self, application_id, was, decision, reason):
        """Note an organiser's decision the service took, for the checks."""
        freed = was in SEAT_STATUSES and decision not in SEAT_STATUSES
        self.step = Step(
            acted={application_id: Who.ORGANISER}, freed=int(freed),
            skip=application_id if freed else None, reason_may_change={application_id},
        )  # fmt: skip
        if decision is S.ACCEPTED:
            self.decisions.pop(application_id, None)
        else:
            self.decisions[application_id] = (decision, reason)

    def application_ids(self) -> list[int]:
        return list(
            _db.session.scalars(
                sa.select(Application.id).where(Application.camp_id == self.camp_id)
            )
        )

    # -- helpers --------------------------------------------------------------------------

    def day(self, offset: int) -> date:
        return self.day_zero + timedelta(days=offset)

    def today(self) -> date:
        return self.now.date()

    def get_camp(self):
        return _db.session.get_one(Camp, self.camp_id)

    def person(self, number: int) -> User:
        return _db.session.get_one(User, self.user_ids[number])

    def application_of(self, number: int) -> Application | None:
        return _db.session.scalar(
            sa.select(Application).where(
                Application.camp_id == self.camp_id,
                Application.user_id == self.user_ids[number],
            )
        )

    def sent_ids(self) -> list[int]:
        return sorted(
            row.id for row in self.rows.values()
            if row.status is not S.DRAFT and row.submitted_at is not None
        )  # fmt: skip

    def draw_application(self, data, ids) -> Application:
        return _db.session.get_one(Application, data.draw(st.sampled_from(sorted(ids))))

    def pick(self, data, wanted) -> Application | None:
        """An application, mostly one `wanted(row)` says the step fits (the others are tried
        too, so refusals are checked as well)."""
        everyone = sorted(self.rows)
        if not everyone:
            return None
        fitting = [row.id for row in self.rows.values() if wanted(row)]
        pool = fitting if fitting and data.draw(st.integers(0, 4), label="fitting") else everyone
        return _db.session.get_one(Application, data.draw(st.sampled_from(sorted(pool))))

    def places_free(self) -> int:
        return services.places_free(self.get_camp())

    def acted(self, application, who: Who, **step) -> None:
        self.step = Step(acted={application.id: who}, **step)

    def taken(self, step) -> bool:
        """Whether the service takes `step` now; whatever it did is undone."""
        nested = _db.session.begin_nested()
        try:
            step()
            _db.session.flush()
        except services.CampError:
            return False
        else:
            return True
        finally:
            nested.rollback()
            _db.session.expire_all()

    def as_applicant(self, user):
        sign_in(self.client, user)

    def as_organiser(self):
        sign_in(self.client, self.organiser)

    # -- the clock ------------------------------------------------------------------------

    @precondition(lambda self: self.today() <= self.day(END + 1))
    @rule(days=st.sampled_from([1, 1, 2]))
    def time_passes(self, days):
        self.now += timedelta(days=days)

    @precondition(lambda self: self.today() < self.day(START))
    @rule()
    def the_camp_begins(self):
        self.now = self.now.replace(year=(day := self.day(START)).year, month=day.month,
                                    day=day.day)  # fmt: skip

    @rule()
    def offers_expire(self):
        """The daily job: offers not confirmed in time are declined, their places offered."""
        today = self.today()
        due = [row.id for row in self.rows.values()
               if row.status is S.ACCEPTED and row.offer_expires_on < today]  # fmt: skip
        expired = services.expire_offers()
        assert sorted(application.id for application in expired) == sorted(due)
        self.step = Step(acted=dict.fromkeys(due, Who.SYSTEM), freed=len(due))

    # -- the young people -----------------------------------------------------------------

    @rule(person=PERSON, photo=st.booleans(), send=st.booleans())
    def apply(self, person, photo, send):
        """Start (or reopen after withdrawing) an application, fill it in and maybe send it."""
        user = self.person(person)
        camp = self.get_camp()
        existing = self.application_of(person)
        problem = services.eligibility_problem(camp, user)
        reopening = existing is not None and existing.status is S.WITHDRAWN
        try:
            application = services.start_application(camp, user)
        except services.CampError:
            assert problem is not None and (existing is None or reopening)
            return
        assert existing is None or application.id == existing.id
        _db.session.flush()
        if reopening or existing is None:
            assert problem is None
            self.step = Step(
                acted={application.id: Who.APPLICANT}, reason_may_change={application.id}
            )
        if application.status is not S.DRAFT:
            return  # the page shows the sent application; nothing to fill in
        services.save_answers(
            application, ethnicity=[], photo_consent=photo, motivation="Жаңы достор.",
            spoken_languages=["ky", "ru"], emergency_name="Апам",
            emergency_phone="+996555000111",
        )  # fmt: skip
        if not send:
            return
        accepting = policy.is_accepting_applications(camp)
        try:
            services.submit(application)
        except services.CampError:
            assert not accepting
        else:
            assert accepting
            self.step.acted[application.id] = Who.APPLICANT

    def _applicant_step(self, data, step, allowed_by, fits, freed_from=()):
        application = self.pick(data, fits)
        if application is None:
            return
        allowed = allowed_by(application.applicant, application)
        was = application.status
        try:
            step(application)
        except services.CampError:
            assert not allowed, (step.__name__, was)
        else:
            assert allowed, (step.__name__, was)
            event(f"applicant: {step.__name__} from {was.value}")
            self.acted(application, Who.APPLICANT, freed=int(was in freed_from))

    @precondition(lambda self: self.rows)
    @rule(data=st.data())
    def confirm(self, data):
        self._applicant_step(
            data, services.confirm, policy.can_confirm, lambda row: row.status is S.ACCEPTED
        )

    @precondition(lambda self: self.rows)
    @rule(data=st.data())
    def decline(self, data):
        self._applicant_step(
            data, services.decline, policy.can_decline, lambda row: row.status is S.ACCEPTED,
            SEAT_STATUSES,
        )  # fmt: skip

    @precondition(lambda self: self.rows)
    @rule(data=st.data())
    def withdraw(self, data):
        self._applicant_step(
            data, services.withdraw, policy.can_withdraw,
            lambda row: row.status in OPEN_STATUSES, SEAT_STATUSES,
        )  # fmt: skip

    @precondition(lambda self: self.rows)
    @rule(data=st.data())
    def withdraw_photo_consent(self, data):
        self._applicant_step(
            data,
            services.withdraw_photo_consent,
            policy.can_withdraw_photo_consent,
            lambda row: row.photo and row.status is not S.DRAFT,
        )

    @rule(person=PERSON, age=NEW_AGES)
    def birth_date_changes(self, person, age):
        """The person types another date of birth on their profile."""
        user = self.person(person)
        new = years_ago(age)
        same = new == user.date_of_birth
        problem = services.birth_date_change_problem(user, new=new)
        try:
            accounts.update_profile(user, date_of_birth=new)
        except accounts.AccountError:
            assert problem is not None
        else:
            assert problem is None or same
            self.step.counts_may_change = True

    # -- the organisers -------------------------------------------------------------------

    @precondition(lambda self: self.sent_ids())
    @rule(data=st.data(), decision=DECISIONS, reason=REASONS)
    def organiser_decides(self, data, decision, reason):
        """Through the review page: what it offers is taken, what it does not is refused."""
        sent = set(self.sent_ids())
        application = self.pick(data, lambda row: row.id in sent and row.status in DECIDABLE)
        if application.id not in sent:
            return
        application_id, was = application.id, application.status
        offered = self.offered_decisions(application)
        expected = policy.decisions_for(self.organiser, application, places_free=self.places_free())
        assert offered == set(expected)
        event(f"decide {was.value} -> {decision.value}: {decision in offered}")
        response = self.client.post(
            f"/manage/applications/{application_id}/decide",
            data={"decision": decision.value, "reason": reason},
        )
        _db.session.expire_all()
        if decision is was:
            assert response.status_code == 302  # nothing to change
            return
        assert response.status_code == (302 if decision in offered else 400), decision
        if decision in offered:
            event(f"organiser: {was.value} → {decision.value}")
            self.decided(application_id, was, decision, reason)

    @precondition(lambda self: any(row.status is S.SUBMITTED for row in self.rows.values()))
    @rule(decision=DECISIONS, reason=REASONS)
    def organiser_decides_all_matching(self, decision, reason):
        """ "Apply to all matching" on the list of sent, undecided applications: the page asks
        with the count, then each one is decided under its own rules (places, consent), and
        what one could not take stays as it was, still refused by the same rule."""
        matching = {row.id for row in self.rows.values() if row.status is S.SUBMITTED}
        action = f"/manage/camps/{self.camp_id}/applications/decide?status=submitted&lang=en"
        data = {"scope": "matching", "decision": decision.value, "reason": reason}
        asked = self.client.post(action, data=data)
        assert asked.status_code == 200, asked.status_code
        assert f'name="expected" value="{len(matching)}"' in asked.text
        done = self.client.post(action, data={**data, "expected": len(matching), "confirm": "yes"})
        assert done.status_code == 302, done.status_code
        _db.session.expire_all()
        changed = set()
        for application_id in matching:
            application = _db.session.get(Application, application_id)
            if application.status is decision:
                changed.add(application_id)
                continue
            assert application.status is S.SUBMITTED, (application_id, application.status)
            refusal = policy.decision_refusal(application, decision, places_free=self.places_free())
            assert refusal is not None, "the bulk decision refused what the rules allow"
        event(f"all matching -> {decision.value}: {len(changed)} of {len(matching)}")
        self.step = Step(
            acted=dict.fromkeys(changed, Who.ORGANISER), reason_may_change=set(changed)
        )
        for application_id in changed:
            if decision is S.ACCEPTED:
                self.decisions.pop(application_id, None)
            else:
                self.decisions[application_id] = (decision, reason)

    def offered_decisions(self, application) -> set[S]:
        page = self.client.get(f"/manage/applications/{application.id}?lang=en").text
        return {S(value) for value in re.findall(r'name="decision"[^>]*value="(\w+)"', page)}

    @precondition(lambda self: self.sent_ids())
    @rule(data=st.data(), method=st.sampled_from(list(ConsentMethod)))
    def record_consent(self, data, method):
        sent = set(self.sent_ids())
        application = self.pick(
            data, lambda row: row.id in sent and row.is_minor and not row.consent_active
        )
        if application.id not in sent:
            return
        try:
            services.record_guardian_consent(application, method, by=self.organiser)
        except services.CampError:
            assert not application.is_minor
        else:
            assert application.is_minor
            event("consent recorded")

    @precondition(lambda self: any(row.consent_active for row in self.rows.values()))
    @rule(data=st.data())
    def withdraw_consent(self, data):
        consents = _db.session.scalars(
            sa.select(GuardianConsent)
            .join(Application)
            .where(Application.camp_id == self.camp_id, GuardianConsent.withdrawn_at.is_(None))
            .order_by(GuardianConsent.id)
        ).all()
        # Mostly of someone holding a place: that is where the guardian rule is tested.
        holding = [c for c in consents if self.rows[c.application_id].status in SEAT_STATUSES]
        consent = data.draw(st.sampled_from(holding) if holding else st.sampled_from(consents))
        services.withdraw_guardian_consent(consent, by=self.organiser)
        event(f"consent withdrawn from a {consent.application.status.value} application")

    @precondition(lambda self: any(row.status is S.WAITLISTED for row in self.rows.values()))
    @rule(data=st.data(), position=st.integers(min_value=1, max_value=PEOPLE), reason=REASONS)
    def move_on_waitlist(self, data, position, reason):
        queue = sorted(
            (row for row in self.rows.values() if row.status is S.WAITLISTED),
            key=lambda row: row.position,
        )
        moving = data.draw(st.sampled_from([row.id for row in queue]))
        services.move_on_waitlist(
            _db.session.get_one(Application, moving), position, reason=reason, by=self.organiser
        )
        order = [row.id for row in queue if row.id != moving]
        order.insert(min(position, len(order) + 1) - 1, moving)
        _db.session.flush()
        _db.session.expire_all()
        assert [a.id for a in services.waitlist(self.get_camp())] == order

    @precondition(lambda self: self.rows)
    @rule(data=st.data(), day_number=st.integers(min_value=0, max_value=1), present=st.booleans())
    def check_in(self, data, day_number, present):
        application = self.pick(data, lambda row: transitions.can_be_checked_in(row.status))
        day = self.get_camp().days()[day_number]
        allowed = (policy.can_mark_present if present else policy.can_mark_absent)(application, day)
        was = application.status
        try:
            services.mark_attendance(application, day, present, by=self.organiser)
        except services.CampError:
            assert not allowed, (was, day, present)
        else:
            assert allowed, (was, day, present)
            assert day <= self.today()
            event("checked in" if present else "marked absent")
            self.acted(application, Who.ORGANISER)

    @rule(capacity=st.integers(min_value=1, max_value=4))
    def organiser_changes_the_places(self, capacity):
        camp = self.get_camp()
        taken = services.seats_taken(camp)
        try:
            services.save_camp(camp, by=self.organiser, capacity=capacity)
        except services.CampError:
            assert capacity < taken
        else:
            assert capacity >= taken, "fewer places than people holding one"

    @rule(data=st.data(), change=st.sampled_from([False, False, False, True]))
    def organiser_changes_the_camp_status(self, data, change):
        """Through the camp page: every button it shows is a change the service takes (tried
        and undone); closing and reopening applications is then done for real."""
        camp = self.get_camp()
        page = self.client.get(f"/manage/camps/{self.camp_id}?lang=en").text
        forms = re.findall(
            rf'<form method="post" action="/manage/camps/{self.camp_id}/status">.*?</form>',
            page, re.S,
        )  # fmt: skip
        offered = [CampStatus(re.search(r'name="status" value="(\w+)"', f)[1]) for f in forms]
        assert offered == list(policy.next_camp_statuses(camp))
        for status in offered:
            assert self.taken(
                lambda status=status: services.set_camp_status(
                    self.get_camp(), status, by=self.organiser
                )
            ), status
        taken = services.seats_taken(self.get_camp())
        assert f"Places taken: {taken} of {self.get_camp().capacity}" in page
        changes = [s for s in offered if s is not CampStatus.CANCELLED]
        if changes and change:
            status = data.draw(st.sampled_from(changes))
            services.set_camp_status(self.get_camp(), status, by=self.organiser)
            event(f"camp {status.value}")

    # -- every action a page offers is one the service takes -----------------------------

    @precondition(lambda self: self.sent_ids())
    @rule(data=st.data())
    def organiser_walks_an_application_page(self, data):
        application = self.draw_application(data, self.sent_ids())
        application_id = application.id
        page = self.client.get(f"/manage/applications/{application_id}?lang=en").text
        offered = {S(v) for v in re.findall(r'name="decision"[^>]*value="(\w+)"', page)}
        for decision in transitions.DECISIONS:
            if decision is application.status:
                continue
            taken = self.taken(
                lambda decision=decision: services.decide(
                    _db.session.get_one(Application, application_id), decision,
                    reason="Tried.", by=self.organiser,
                )
            )  # fmt: skip
            assert taken == (decision in offered), (application.status, decision)
        application = _db.session.get_one(Application, application_id)
        for consent_id in re.findall(r'action="/manage/consents/(\d+)/withdraw"', page):
            consent = _db.session.get_one(GuardianConsent, int(consent_id))
            assert consent.application_id == application_id and consent.withdrawn_at is None
        recording = f'action="/manage/applications/{application_id}/consent"' in page
        assert recording == (application.is_minor and application.active_consent is None)
        if recording:
            assert self.taken(
                lambda: services.record_guardian_consent(
                    _db.session.get_one(Application, application_id),
                    ConsentMethod.PHONE_CALL,
                    by=self.organiser,
                )
            )
        flagged = "no guardian consent is on record: they cannot be checked in" in page
        application = _db.session.get_one(Application, application_id)
        assert flagged == (application.needs_guardian_consent and application.holds_place)

    #: The applicant's page: each step's form → the service that takes it.
    APPLICANT_STEPS = {
        "confirm": services.confirm,
        "decline": services.decline,
        "withdraw": services.withdraw,
        "photo-consent/withdraw": services.withdraw_photo_consent,
    }

    @precondition(lambda self: self.rows)
    @rule(data=st.data())
    def applicant_walks_their_page(self, data):
        application = self.draw_application(data, self.rows)
        application_id, camp_id = application.id, application.camp_id
        self.as_applicant(application.applicant)
        try:
            page = self.client.get(f"/applications/{application_id}").text
        finally:
            self.as_organiser()
        steps = "|".join(re.escape(step) for step in self.APPLICANT_STEPS)
        offered = set(re.findall(rf'action="/applications/{application_id}/({steps})"', page))
        for name, step in self.APPLICANT_STEPS.items():
            taken = self.taken(
                lambda step=step: step(_db.session.get_one(Application, application_id))
            )
            assert taken == (name in offered), (name, application.status)
        again = f'action="/camps/{camp_id}/apply"' in page
        application = _db.session.get_one(Application, application_id)
        reopens = application.status is S.WITHDRAWN and self.taken(
            lambda: services.start_application(self.get_camp(), application.applicant)
        )
        assert again == reopens

    @rule(day_number=st.integers(min_value=0, max_value=1))
    def organiser_walks_the_checkin_sheet(self, day_number):
        camp = self.get_camp()
        day = camp.days()[day_number]
        page = self.client.get(f"/manage/camps/{self.camp_id}/checkin?day={day}&lang=en").text
        listed = set(map(int, re.findall(r'<li id="person-(\d+)"', page)))
        checkable = {r.id for r in self.rows.values() if transitions.can_be_checked_in(r.status)}
        assert listed == checkable
        for application_id in listed:
            item = re.search(rf'<li id="person-{application_id}".*?</li>', page, re.S)[0]
            application = _db.session.get_one(Application, application_id)
            assert ("No photos" in item) == (application.photo_consent_at is None)
            if application.needs_guardian_consent:
                assert "Guardian consent" in item and "badge-alert" in item
            buttons = set(re.findall(r'name="present" value="(yes|no)"', item))
            for present in (True, False):
                taken = self.taken(
                    lambda present=present, marked=application_id: services.mark_attendance(
                        _db.session.get_one(Application, marked), day, present,
                        by=self.organiser,
                    )
                )  # fmt: skip
                assert taken == (("yes" if present else "no") in buttons), (present, day)

    # -- invariants, read back from the database -------------------------------------------

    def read_back(self) -> tuple[dict[int, Row], dict[tuple[int, date], CampAttendance]]:
        _db.session.commit()  # what a request's commit would write (a savepoint here)
        _db.session.expire_all()
        applications = _db.session.scalars(
            sa.select(Application).where(Application.camp_id == self.camp_id)
            .order_by(Application.id)
        ).all()  # fmt: skip
        events: dict[int, list[tuple]] = {a.id: [] for a in applications}
        for item in _db.session.scalars(
            sa.select(ApplicationEvent)
            .where(ApplicationEvent.application_id.in_(list(events)))
            .order_by(ApplicationEvent.id)
        ):
            events[item.application_id].append(
                (item.id, item.from_status, item.to_status, item.who, item.reason)
            )
        active = set(
            _db.session.scalars(
                sa.select(GuardianConsent.application_id).where(
                    GuardianConsent.application_id.in_(list(events)),
                    GuardianConsent.withdrawn_at.is_(None),
                )
            )
        )
        rows = {
            a.id: Row(
                id=a.id, user_id=a.user_id, status=a.status, position=a.waitlist_position,
                reason=a.decision_reason, age_when_sent=a.age_when_sent,
                consent_required=a.consent_required, submitted_at=a.submitted_at,
                profile_age=a.applicant.age_on(a.camp.start_date),
                offer_expires_on=a.offer_expires_on, photo=a.photo_consent_at is not None,
                is_minor=a.is_minor, consent_active=a.id in active, events=events[a.id],
            )
            for a in applications
        }  # fmt: skip
        marks = {
            (mark.application_id, mark.day): mark
            for mark in _db.session.scalars(
                sa.select(CampAttendance).where(CampAttendance.application_id.in_(list(events)))
            )
        }
        return rows, marks

    @invariant()
    def the_database_keeps_the_rules(self):
        before, before_marks = self.rows, self.attendance
        rows, marks = self.read_back()
        camp = self.get_camp()
        self.check_places(camp, rows)
        self.check_waiting_list(rows)
        self.check_history_and_automation(camp, before, rows)
        self.check_the_guardian_rule(before, rows, before_marks, marks)
        if rows != before or self.step.counts_may_change:
            self.check_reported_counts(camp, rows)
        self.rows = rows
        self.attendance = {key: (mark.present, mark.recorded_at) for key, mark in marks.items()}
        self.step = Step()

    @invariant()
    def the_kept_list_is_the_list_drawn_afresh(self):
        """The applications list as the organiser is served it (kept from an earlier step when
        the camp's version has not moved, camps/versions.py) is the list a worker that kept
        nothing draws: no step leaves a kept list stale. The whole list, and one filtered by
        the guardian consents it awaits in the order of scores."""
        self.as_organiser()
        camp_id = self.get_camp().id
        for query in ("", "?consent=missing&sort=score"):
            address = f"/manage/camps/{camp_id}/applications{query}"
            served = without_tokens(self.client.get(address).text)
            # Drawn by a worker that kept nothing; then the kept pages are put back, to be
            # served after the next step.
            pages = dict(fragments.PAGES)
            fragments.PAGES.clear()
            drawn = without_tokens(self.client.get(address).text)
            fragments.PAGES.update(pages)
            assert served == drawn, query

    def check_places(self, camp, rows):
        held = sum(1 for row in rows.values() if row.status in SEAT_STATUSES)
        assert held <= camp.capacity, (held, camp.capacity)
        assert services.seats_taken(camp) == held

    def check_waiting_list(self, rows):
        positions = sorted(row.position for row in rows.values() if row.status is S.WAITLISTED)
        assert positions == list(range(1, len(positions) + 1)), positions
        assert all(row.position is None for row in rows.values() if row.status is not S.WAITLISTED)

    def check_history_and_automation(self, camp, before, rows):
        step = self.step
        promoted = []
        for row in rows.values():
            old = before.get(row.id)
            known = old.events if old else []
            assert row.events[: len(known)] == known, "history rows changed or went"
            new = row.events[len(known) :]
            status = old.status if old else None
            for _id, from_status, to_status, who, reason in new:
                assert from_status is status and to_status is not status, new
                status = to_status
                if who is Who.SYSTEM:
                    assert (from_status, to_status, reason) in (
                        (S.WAITLISTED, S.ACCEPTED, "waitlist"),
                        (S.ACCEPTED, S.DECLINED, "offer expired"),
                    ), new
                    if to_status is S.ACCEPTED:
                        promoted.append(row.id)
                    else:
                        assert step.acted.get(row.id) is Who.SYSTEM
                else:
                    assert step.acted.get(row.id) is who, (row.id, new, step)
            assert status is row.status, (row.id, new)
            # One row per change: the status moved exactly as often as rows were written.
            assert len(new) <= (2 if old is None or old.status is S.WITHDRAWN else 1), new
            if old and row.id not in step.reason_may_change:
                assert row.reason == old.reason, (row.id, "decision reason changed")
            if row.id in self.decisions and row.status is self.decisions[row.id][0]:
                assert row.reason == self.decisions[row.id][1], "the organiser's reason went"
            # Sending fixes the rule; applying again after withdrawing reopens it as a draft
            # (the profile may have changed meanwhile) and the new sending fixes it afresh.
            resent = any(to_status is S.DRAFT for _id, _f, to_status, _w, _r in new)
            if (
                old and old.submitted_at and not resent
                and old.status is not S.DRAFT and row.status is not S.DRAFT
            ):  # fmt: skip
                assert (row.age_when_sent, row.consent_required) == (
                    old.age_when_sent, old.consent_required,
                ), "the age rule moved after sending"  # fmt: skip
            if resent and row.status is not S.DRAFT:
                assert row.age_when_sent == row.profile_age, "sent again with a stale age rule"
            if row.submitted_at and row.status is not S.DRAFT:
                assert row.consent_required == (
                    row.age_when_sent is not None and row.age_when_sent < 18
                )
        # Automation: only a freed place is offered, one per place, in the queue's order, to
        # someone who may take it, never to whom the organiser just moved off a place.
        held_now = sum(1 for row in rows.values() if row.status in SEAT_STATUSES)
        free_before_promoting = camp.capacity - (held_now - len(promoted))
        queue = sorted(
            (old for old in before.values() if old.status is S.WAITLISTED),
            key=lambda old: old.position,
        )
        eligible = [
            old.id for old in queue
            if old.id != step.skip and old.id not in step.acted
            and not (old.is_minor and not old.consent_active)
        ]  # fmt: skip
        due = min(step.freed, max(free_before_promoting, 0), len(eligible))
        assert sorted(promoted) == sorted(eligible[:due]), (promoted, eligible, step)
        if promoted:
            event("promoted from the waiting list")
        if step.skip is not None:
            assert step.skip not in promoted

    def check_the_guardian_rule(self, before, rows, before_marks, marks):
        for row in rows.values():
            old = before.get(row.id)
            became = [e[2] for e in row.events[len(old.events) if old else 0 :]]
            if S.CONFIRMED in became or S.ACCEPTED in became:
                assert not row.is_minor or row.consent_active, (row.id, became)
        today = self.today()
        for key, mark in marks.items():
            application_id, day = key
            row = rows[application_id]
            assert day <= today and day in self.get_camp().days(), "a mark before its day"
            seen = before_marks.get(key)
            if mark.present and (seen is None or seen != (mark.present, mark.recorded_at)):
                assert not row.is_minor or row.consent_active, "a minor checked in unconsented"
            if row.status in (S.ATTENDED, S.NO_SHOW):
                present = any(m.present for k, m in marks.items() if k[0] == application_id)
                assert row.status is (S.ATTENDED if present else S.NO_SHOW)

    def check_reported_counts(self, camp, rows):
        sent = Counter(
            row.status for row in rows.values()
            if row.status is not S.DRAFT and row.submitted_at is not None
        )  # fmt: skip
        assert queries.status_counts([camp.id])[camp.id] == dict(sent)
        figures = balance.balance_of(camp)
        held = sum(1 for row in rows.values() if row.status in SEAT_STATUSES)
        pool = sum(1 for row in rows.values() if row.status in balance.POOL_STATUSES)
        assert (figures.cohort_size, figures.pool_size) == (held, pool)
        by_hand = balance.balance_of(camp, balance.pool_of(camp))
        for dimension, table in figures.tables.items():
            counted = {r.value: (r.cohort, r.pool) for r in table}
            assert counted == {r.value: (r.cohort, r.pool) for r in by_hand.tables[dimension]}, (
                dimension
            )


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_camp_state_machine(app, db, client, kept_cache):
    CampMachine.client = client
    CampMachine.cache = kept_cache
    CampMachine.organiser_id = UserFactory(roles={Role.ORGANISER}).id
    CampMachine.user_ids = [UserFactory(date_of_birth=years_ago(age)).id for age in AGES]
    run_state_machine_as_test(
        CampMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )


# -- what the machine found ----------------------------------------------------------------------


def test_a_camp_cannot_get_fewer_places_than_people_holding_one(client, login_as, db):
    """Lowering the places below the people holding one left the camp over capacity."""
    from tests.factories import ApplicationFactory
    from tests.helpers import error_summary
    from tests.test_camps_review import camp_data

    organiser = login_as("organiser")
    camp = CampFactory(capacity=3)
    for status in (S.ACCEPTED, S.CONFIRMED, S.WAITLISTED):
        ApplicationFactory(camp=camp, status=status)
    with pytest.raises(services.CampError):
        services.save_camp(camp, by=organiser, capacity=1)
    services.save_camp(camp, by=organiser, capacity=2)  # as many as hold one: fine
    data = camp_data(
        **{name: getattr(camp, name).isoformat() for name in (
            "start_date", "end_date", "applications_open", "applications_close",
            "confirmation_deadline")},
        capacity="1",
    )  # fmt: skip
    response = client.post(f"/manage/camps/{camp.id}/edit?lang=en", data=data)
    assert response.status_code == 400
    assert error_summary(response.text) == [
        "2 people already hold a place at this camp, so it cannot have fewer places."
    ]
    db.session.expire_all()
    assert db.session.get(Camp, camp.id).capacity == 2


def test_the_camp_counts_ages_as_sent_whatever_the_profile_says_later(client, login_as, db):
    """The cohort balance (and the review list's age filter) read the date of birth on the
    profile, so a birth date corrected after the camp moved its figures away from the age
    the organisers decided on (the one its exports and the suggestion use)."""
    from tests.factories import ApplicationFactory

    login_as("organiser")
    camp = CampFactory(start_date=i18n.local_today() - timedelta(days=20))
    person = UserFactory(date_of_birth=camp.start_date.replace(year=camp.start_date.year - 16))
    ApplicationFactory(camp=camp, applicant=person, status=S.ATTENDED)
    assert accounts.update_profile(person, date_of_birth=years_ago(20)) == ["date_of_birth"]
    figures = balance.balance_of(camp)
    assert {row.value: row.pool for row in figures.tables["age_band"]} == {"16-17": 1}
    assert figures.tables == balance.balance_of(camp, balance.pool_of(camp)).tables
    page = client.get(f"/manage/camps/{camp.id}/applications?age_band=16-17").text
    assert person.full_name in page
    page = client.get(f"/manage/camps/{camp.id}/applications?age_band=18-21").text
    assert person.full_name not in page


def test_applying_again_after_withdrawing_fixes_the_age_rule_afresh(db):
    """Withdrawing closes the sent application, so the birth date may be corrected; applying
    again reopens it as a draft and sending it fixes the rule with the corrected age (a
    guardian's consent is then needed), never the age of the earlier round."""
    from tests.factories import ApplicationFactory

    camp = CampFactory()
    person = UserFactory(date_of_birth=years_ago(23))
    application = ApplicationFactory(camp=camp, applicant=person, status=S.DRAFT)
    services.submit(application)
    assert (application.age_when_sent, application.consent_required) == (23, False)
    services.withdraw(application)
    assert accounts.update_profile(person, date_of_birth=years_ago(16)) == ["date_of_birth"]
    again = services.start_application(camp, person)
    assert again.id == application.id and again.status is S.DRAFT
    assert again.consent_required is None and again.is_minor  # follows the profile as a draft
    services.submit(again)
    age = person.age_on(camp.start_date)
    assert age < 18
    assert (again.age_when_sent, again.consent_required) == (age, True)
    # And once sent again, the birth date is locked as before.
    assert services.birth_date_change_problem(person, new=years_ago(23)) is not None
