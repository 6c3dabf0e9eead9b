"""The training workflow as a state machine: people are enrolled (from dates that may be refused),
marked present or absent at sessions past and to come while the clock moves on, marks are
corrected, whole sessions marked at once, enrolment dates corrected and people leave; the
organiser revokes or keeps certificates whose basis went, through the pages. After every step
the database must agree with the one completion rule, and every certificate with its basis."""

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

from portal.extensions import db as _db
from portal.extensions import limiter
from portal.i18n import BISHKEK
from portal.i18n import local_now
from portal.security import Role
from portal.training import completion
from portal.training import policy
from portal.training import services
from portal.training.models import Attendance
from portal.training.models import AttendanceChange
from portal.training.models import AttendanceStatus
from portal.training.models import Certificate
from portal.training.models import CertificateState
from portal.training.models import CompletionRule
from portal.training.models import Enrolment
from portal.training.models import EnrolmentStatus
from portal.training.models import TrainingSession
from tests.factories import ModuleFactory
from tests.factories import ProgrammeFactory
from tests.factories import TrainingSessionFactory
from tests.factories import UserFactory
from tests.helpers import training_clock

#: Where the sessions lie, in hours from the moment each example starts: two held, two to come.
SESSION_HOURS = (-20 * 24, -3 * 24 - 5, 30, 5 * 24 + 2)
PEOPLE = 3
MARKS = st.sampled_from(
    [AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.LATE,
     AttendanceStatus.EXCUSED]
)  # fmt: skip
#: Enrolment dates, in days before the clock's today: some in the future, some too early.
DAYS_BACK = st.integers(min_value=-3, max_value=70)
STEPS = st.sampled_from([1, 6, 24, 24 * 4])


class TrainingMachine(RuleBasedStateMachine):
    #: Set by the test: the client that plays the organiser's pages.
    client = None

    def __init__(self):
        super().__init__()
        # Each example starts clean: its rows (factories and requests commit only savepoints
        # inside this one) go when it is rolled back at teardown.
        _db.session.close()
        self.example = _db.engines[None].begin_nested()
        self.now = local_now().replace(microsecond=0)
        self.clock = training_clock(lambda: self.now)
        self.clock.__enter__()
        self.revoked_codes: set[str] = set()
        #: What the last check read back (rules' preconditions look here, not in the database).
        self.enrolment_ids: list[int] = []
        self.certificate_ids: list[int] = []
        self.marked = False
        limiter.reset()  # the verification page allows 60 a minute from one address

    def teardown(self):
        self.clock.__exit__(None, None, None)
        _db.session.rollback()
        _db.session.close()
        if self.example.is_active:
            self.example.rollback()

    # -- set-up ---------------------------------------------------------------------------

    @initialize(
        rule_kind=st.sampled_from(["share", "required"]),
        percent=st.sampled_from([50, 75, 100]),
    )
    def programme_with_sessions(self, rule_kind, percent):
        self.organiser = UserFactory(roles={Role.ORGANISER})
        with self.client.session_transaction() as cookie:
            cookie["_user_id"] = self.organiser.get_id()
            cookie["_fresh"] = True
        self.programme = ProgrammeFactory(
            completion_rule=(
                CompletionRule.SESSION_SHARE if rule_kind == "share"
                else CompletionRule.REQUIRED_MODULES
            ),
            completion_percent=percent,
            created_at=self.now - timedelta(days=60),
        )  # fmt: skip
        modules = [ModuleFactory(programme=self.programme) for _ in range(2)]
        self.session_ids = [
            TrainingSessionFactory(
                programme=self.programme, module=modules[number % 2],
                starts_at=self.now + timedelta(hours=hours),
            ).id
            for number, hours in enumerate(SESSION_HOURS)
        ]  # fmt: skip
        self.people = [UserFactory() for _ in range(PEOPLE)]

    # -- helpers --------------------------------------------------------------------------

    def enrolments(self) -> list[Enrolment]:
        return _db.session.scalars(sa.select(Enrolment).order_by(Enrolment.id)).all()

    def an_enrolment(self, data) -> Enrolment:
        return _db.session.get(Enrolment, data.draw(st.sampled_from(self.enrolment_ids)))

    def a_session(self, data) -> TrainingSession:
        return _db.session.get(TrainingSession, data.draw(st.sampled_from(self.session_ids)))

    def certificates(self) -> list[Certificate]:
        return _db.session.scalars(sa.select(Certificate).order_by(Certificate.id)).all()

    def today(self):
        return self.now.astimezone(BISHKEK).date()

    # -- rules ----------------------------------------------------------------------------

    @rule(hours=STEPS)
    def time_passes(self, hours):
        self.now += timedelta(hours=hours)

    @precondition(lambda self: len(self.session_ids) < 6)
    @rule(hours=st.integers(min_value=-30 * 24, max_value=10 * 24), required=st.booleans())
    def organiser_adds_a_session(self, hours, required):
        """A session (held or to come) changes what the rule asks of everyone."""
        module = self.programme.modules[0] if required else None
        session = services.add_session(
            self.programme, by=self.organiser, module_id=module.id if module else None,
            trainer=None, place={"ky": "Osh"}, starts_at=self.now + timedelta(hours=hours),
        )  # fmt: skip
        _db.session.flush()
        self.session_ids.append(session.id)

    @rule(person=st.integers(0, PEOPLE - 1), days_back=DAYS_BACK)
    def enrol(self, person, days_back):
        day = self.today() - timedelta(days=days_back)
        allowed = policy.enrolment_date_allowed(self.programme, day, self.today())
        try:
            services.enrol(self.programme, self.people[person], by=self.organiser,
                           enrolled_on=day)  # fmt: skip
        except services.EnrolmentDateError:
            assert not allowed, day
        else:
            assert allowed, day

    @precondition(lambda self: self.enrolment_ids)
    @rule(data=st.data(), status=MARKS)
    def mark(self, data, status):
        enrolment = self.an_enrolment(data)
        session = self.a_session(data)
        allowed = policy.can_mark(session, enrolment, self.now)
        try:
            services.record_attendance(session, enrolment, status, by=self.organiser)
        except services.TrainingError:
            assert not allowed
        else:
            assert allowed

    @precondition(lambda self: self.marked)
    @rule(data=st.data())
    def correct_a_mark(self, data):
        marks = _db.session.scalars(
            sa.select(Attendance).order_by(Attendance.session_id, Attendance.enrolment_id)
        ).all()
        mark = data.draw(st.sampled_from(marks))
        enrolment = _db.session.get(Enrolment, mark.enrolment_id)
        session = _db.session.get(TrainingSession, mark.session_id)
        other = (
            AttendanceStatus.ABSENT if mark.status in (AttendanceStatus.PRESENT,
                                                       AttendanceStatus.LATE)
            else AttendanceStatus.PRESENT
        )  # fmt: skip
        if policy.can_mark(session, enrolment, self.now):
            assert services.record_attendance(session, enrolment, other, by=self.organiser)

    @rule(data=st.data())
    def everyone_is_here(self, data):
        session = self.a_session(data)
        try:
            services.mark_all_present(session, by=self.organiser)
        except services.TrainingError:
            assert not policy.can_mark_session(session, self.now)
        else:
            assert policy.can_mark_session(session, self.now)

    @precondition(lambda self: self.enrolment_ids)
    @rule(data=st.data())
    def attend_everything_so_far(self, data):
        """Drive someone towards completion: present at every session that can be marked."""
        enrolment = self.an_enrolment(data)
        for session_id in self.session_ids:
            session = _db.session.get(TrainingSession, session_id)
            if policy.can_mark(session, enrolment, self.now):
                services.record_attendance(
                    session, enrolment, AttendanceStatus.PRESENT, by=self.organiser
                )

    @precondition(lambda self: self.enrolment_ids)
    @rule(data=st.data(), days_back=DAYS_BACK)
    def correct_the_enrolment_date(self, data, days_back):
        enrolment = self.an_enrolment(data)
        day = self.today() - timedelta(days=days_back)
        allowed = policy.enrolment_date_allowed(self.programme, day, self.today())
        try:
            services.change_enrolment_date(enrolment, day, by=self.organiser)
        except services.EnrolmentDateError:
            assert not allowed
        else:
            assert allowed

    @precondition(lambda self: self.enrolment_ids)
    @rule(data=st.data())
    def leave(self, data):
        enrolment = self.an_enrolment(data)
        if enrolment.status is EnrolmentStatus.ACTIVE:
            services.drop(enrolment, by=self.organiser)

    @precondition(lambda self: self.certificate_ids)
    @rule(data=st.data(), revoke=st.booleans())
    def organiser_decides(self, data, revoke):
        """The organiser opens the decision page and revokes, or keeps with a reason, when the
        page offers it; what the page offers is what the service accepts."""
        everyone = self.certificates()
        flagged = [c for c in everyone if c.state is CertificateState.FLAGGED]
        # Flagged certificates are the ones that need deciding: choose them more often.
        certificate = data.draw(st.sampled_from(flagged or everyone) | st.sampled_from(everyone))
        certificate_id, code = certificate.id, certificate.code
        can_revoke = policy.can_revoke_certificate(self.organiser, certificate)
        can_keep = policy.can_keep_certificate(self.organiser, certificate)
        event(f"organiser decides on a {certificate.state.value} certificate")
        page = self.client.get(f"/manage/certificates/{certificate_id}/revoke").text
        main = page.split("<main", 1)[1]
        assert (f'action="/manage/certificates/{certificate_id}/revoke"' in main) == can_revoke
        assert (f'action="/manage/certificates/{certificate_id}/keep"' in main) == can_keep
        if revoke:
            response = self.client.post(
                f"/manage/certificates/{certificate_id}/revoke", data={"reason": "Checked"}
            )
            assert response.status_code == (302 if can_revoke else 303)
            if can_revoke:
                self.revoked_codes.add(code)
        else:
            response = self.client.post(
                f"/manage/certificates/{certificate_id}/keep", data={"keep_reason": "Make-up"}
            )
            assert response.status_code == (302 if can_keep else 303)
        _db.session.expire_all()

    # -- invariants, read back from the database ----------------------------------------------

    @invariant()
    def the_database_agrees_with_the_rules(self):
        _db.session.flush()  # what a request's commit would write; then read it all back
        _db.session.expire_all()
        enrolments = self.enrolments()
        certificates = self.certificates()
        self.check_completion_is_the_rule_applied_to_the_marks(enrolments)
        self.check_no_mark_before_its_session_started()
        self.check_every_valid_certificate_has_a_basis_or_an_open_flag(certificates)
        self.check_revoked_certificates_stay_revoked_and_verification_says_so(certificates)
        self.enrolment_ids = [enrolment.id for enrolment in enrolments]
        self.certificate_ids = [certificate.id for certificate in certificates]

    def check_completion_is_the_rule_applied_to_the_marks(self, enrolments):
        marks = services.marks_of(enrolments)
        self.marked = any(marks.values())
        for enrolment in enrolments:
            if enrolment.status is EnrolmentStatus.DROPPED:
                continue
            complete = completion.progress(enrolment, marks[enrolment.id]).complete
            assert (enrolment.status is EnrolmentStatus.COMPLETED) == complete, enrolment.id
            assert (enrolment.completed_at is not None) == complete

    def check_no_mark_before_its_session_started(self):
        early = [
            _db.session.scalar(
                sa.select(sa.func.count())
                .select_from(table)
                .join(TrainingSession, TrainingSession.id == table.session_id)
                .where(at < TrainingSession.starts_at)
            )
            for table, at in [
                (Attendance, Attendance.recorded_at),
                (AttendanceChange, AttendanceChange.changed_at),
            ]
        ]
        assert early == [0, 0]

    def check_every_valid_certificate_has_a_basis_or_an_open_flag(self, certificates):
        valid_per_enrolment: dict[int, int] = {}
        for certificate in certificates:
            state = certificate.state
            if state is CertificateState.REVOKED:
                continue
            valid_per_enrolment[certificate.enrolment_id] = (
                valid_per_enrolment.get(certificate.enrolment_id, 0) + 1
            )
            completed = certificate.enrolment.status is EnrolmentStatus.COMPLETED
            # A basis: the completed enrolment, or the organiser's recorded decision to keep it.
            assert completed or state in (CertificateState.FLAGGED, CertificateState.KEPT)
            assert not (completed and state is not CertificateState.VALID)
            if state is CertificateState.KEPT:
                assert certificate.keep_reason and certificate.kept_by_id
        assert all(count == 1 for count in valid_per_enrolment.values())

    def check_revoked_certificates_stay_revoked_and_verification_says_so(self, certificates):
        revoked = {c.code for c in certificates if c.revoked_at is not None}
        assert self.revoked_codes <= revoked
        for code in revoked:
            page = self.client.get(f"/certificates/verify/{code}?lang=en")
            assert page.status_code == 404
            assert "This certificate was revoked and is no longer valid." in page.text


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_training_state_machine(app, db, client):
    TrainingMachine.client = client
    run_state_machine_as_test(
        TrainingMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
