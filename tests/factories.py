"""factory_boy factories for the portal's models."""

from datetime import date
from datetime import timedelta
from decimal import Decimal

import factory
from factory.alchemy import SQLAlchemyModelFactory
from werkzeug.security import generate_password_hash

from portal.accounts.models import User
from portal.audit import AuditEvent
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus
from portal.camps.models import Camp
from portal.camps.models import CampStatus
from portal.camps.models import ConsentMethod
from portal.camps.models import GuardianConsent
from portal.extensions import db
from portal.extensions import utcnow
from portal.groups.models import ActionPlan
from portal.groups.models import GroupMentor
from portal.groups.models import JoinedVia
from portal.groups.models import Membership
from portal.groups.models import PlanActivity
from portal.groups.models import PlanStatus
from portal.groups.models import ProblemCategory
from portal.groups.models import YouthGroup
from portal.i18n import local_today
from portal.notify import Notification
from portal.notify import OutboundEmail
from portal.outbox import DeliveryStatus
from portal.security import Role
from portal.training.models import Certificate
from portal.training.models import CompletionRule
from portal.training.models import DeliveryMode
from portal.training.models import Enrolment
from portal.training.models import EnrolmentStatus
from portal.training.models import Module
from portal.training.models import Programme
from portal.training.models import Topic
from portal.training.models import TrainingSession

PASSWORD = "kok-jailoo-2026"
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    full_name = factory.Faker("name", locale="ru_RU")
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    phone = None
    password_hash = PASSWORD_HASH
    date_of_birth = date(2005, 5, 17)
    gender = None
    region_code = "KG-O"
    district_code = "KG-O-ARAVAN"
    community = "Mangyt"
    locale = "ky"

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        """`UserFactory(roles={Role.MENTOR})`; a young person by default."""
        self.set_roles(set(extracted) if extracted is not None else {Role.YOUTH})
        if create:
            db.session.commit()


class NotificationFactory(BaseFactory):
    class Meta:
        model = Notification

    user_id = factory.LazyFunction(lambda: UserFactory().id)
    message = factory.Sequence(lambda n: f"Notification {n}")


class OutboundEmailFactory(BaseFactory):
    """A queued e-mail, due now."""

    class Meta:
        model = OutboundEmail

    to_address = factory.Sequence(lambda n: f"reader{n}@example.org")
    locale = "ky"
    subject = factory.Sequence(lambda n: f"Message {n}")
    body = "Саламатсызбы!"


class FailedEmailFactory(OutboundEmailFactory):
    """An e-mail the outbox gave up on, with the server's last answer."""

    status = DeliveryStatus.FAILED
    attempts = 7
    last_error = "421 4.3.2 Service not available, closing transmission channel"
    last_attempt_at = factory.LazyFunction(utcnow)
    failed_at = factory.LazyFunction(utcnow)


class AuditEventFactory(BaseFactory):
    class Meta:
        model = AuditEvent

    action = "user.login"
    details = factory.LazyFunction(dict)


class CampFactory(BaseFactory):
    class Meta:
        model = Camp

    title = factory.LazyFunction(
        lambda: {"ky": "Тынчтык лагери", "ru": "Лагерь мира", "uz_Cyrl": "Тинчлик лагери"}
    )
    description = factory.LazyFunction(lambda: {"ky": "Үч күн.", "ru": "Три дня."})
    region_code = "KG-O"
    venue = factory.LazyFunction(
        lambda: {"ky": "Кара-Суу жаштар борбору", "ru": "Молодёжный центр Кара-Суу"}
    )
    start_date = factory.LazyFunction(lambda: local_today() + timedelta(days=30))
    end_date = factory.LazyAttribute(lambda camp: camp.start_date + timedelta(days=2))
    applications_open = factory.LazyFunction(lambda: local_today() - timedelta(days=10))
    applications_close = factory.LazyAttribute(lambda camp: camp.start_date - timedelta(days=5))
    confirmation_deadline = factory.LazyAttribute(lambda camp: camp.start_date - timedelta(days=2))
    capacity = 10
    min_age = 14
    max_age = 25
    eligible_regions = factory.LazyFunction(list)
    languages = factory.LazyFunction(lambda: ["ky", "ru"])
    targets = factory.LazyFunction(dict)
    status = CampStatus.PUBLISHED


class ApplicationFactory(BaseFactory):
    """A sent application of an adult; pass `applicant=` for someone else, `status=` for more."""

    class Meta:
        model = Application

    camp = factory.SubFactory(CampFactory)
    applicant = factory.SubFactory(UserFactory)
    status = ApplicationStatus.SUBMITTED
    motivation = "Мен жаңы достор тапкым келет."
    safety_problem = "Эрте турмушка берүү."
    spoken_languages = factory.LazyFunction(lambda: ["ky", "ru"])
    emergency_name = "Апам"
    emergency_phone = "+996555000111"
    submitted_at = factory.LazyFunction(utcnow)
    #: As services.submit fixes them: a sent application keeps the age rule it was sent with.
    age_when_sent = factory.LazyAttribute(
        lambda a: a.applicant.age_on(a.camp.start_date) if a.submitted_at else None
    )
    consent_required = factory.LazyAttribute(
        lambda a: (a.age_when_sent is not None and a.age_when_sent < 18) if a.submitted_at else None
    )


class GuardianConsentFactory(BaseFactory):
    class Meta:
        model = GuardianConsent

    application = factory.SubFactory(ApplicationFactory)
    method = ConsentMethod.PHONE_CALL
    note = "Mother agreed by phone."


def minor(**attributes):
    """A young person who is 16 today (so under 18 at any camp this year)."""
    from tests.helpers import years_ago

    return UserFactory(date_of_birth=years_ago(16), **attributes)


class ProgrammeFactory(BaseFactory):
    class Meta:
        model = Programme

    title = factory.LazyFunction(lambda: {"ky": "Жаштар элчилери", "ru": "Молодёжные послы",
                                          "uz_Cyrl": "Ёшлар элчилари"})  # fmt: skip
    description = factory.LazyFunction(dict)
    delivery_mode = DeliveryMode.IN_PERSON
    makes_ambassadors = True
    completion_rule = CompletionRule.SESSION_SHARE
    completion_percent = 75


class ModuleFactory(BaseFactory):
    class Meta:
        model = Module

    programme = factory.SubFactory(ProgrammeFactory)
    title = factory.LazyFunction(lambda: {"ky": "Толеранттуулук", "ru": "Толерантность"})
    topic = Topic.TOLERANCE
    required = True
    hours = Decimal("3")


class TrainingSessionFactory(BaseFactory):
    """A session that took place a week ago (pass `starts_at` for another time)."""

    class Meta:
        model = TrainingSession

    programme = factory.SubFactory(ProgrammeFactory)
    module = None
    starts_at = factory.LazyFunction(lambda: utcnow() - timedelta(days=7))
    place = factory.LazyFunction(
        lambda: {"ky": "Ош жаштар борбору", "ru": "Ошский молодёжный центр"}
    )
    trainer = None


class EnrolmentFactory(BaseFactory):
    """Enrolled a month ago, so last week's sessions count."""

    class Meta:
        model = Enrolment

    programme = factory.SubFactory(ProgrammeFactory)
    person = factory.SubFactory(UserFactory)
    enrolled_at = factory.LazyFunction(lambda: utcnow() - timedelta(days=30))


class CertificateFactory(BaseFactory):
    class Meta:
        model = Certificate

    enrolment = factory.SubFactory(EnrolmentFactory, status=EnrolmentStatus.COMPLETED)
    holder_name = factory.SelfAttribute("enrolment.person.full_name")
    issued_on = factory.LazyFunction(local_today)


class YouthGroupFactory(BaseFactory):
    """A group led by a new young person (its only member) with one mentor."""

    class Meta:
        model = YouthGroup

    name = factory.Sequence(lambda n: f"Топ {n}")
    region_code = "KG-O"
    district_code = "KG-O-ARAVAN"
    community = "Mangyt"
    lead = factory.SubFactory(UserFactory)

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        self.memberships.append(Membership(user_id=self.lead.id, joined_via=JoinedVia.CREATED))
        for person in extracted or []:
            # Members in tests accepted an invitation (their own choice).
            self.memberships.append(Membership(user_id=person.id, joined_via=JoinedVia.INVITATION))
        if create:
            db.session.commit()

    @factory.post_generation
    def mentors(self, create, extracted, **kwargs):
        for mentor in extracted or []:
            self.mentor_links.append(GroupMentor(mentor_id=mentor.id))
        if create:
            db.session.commit()


class ActionPlanFactory(BaseFactory):
    """A complete draft, ready to be sent."""

    class Meta:
        model = ActionPlan

    group = factory.SubFactory(YouthGroupFactory)
    status = PlanStatus.DRAFT
    category = ProblemCategory.EARLY_MARRIAGE
    title = "Кыздар мектепте калсын"
    problem = "Кыздар мектепти эрте таштайт."
    root_causes = "Салттар."
    affected = "Кыздар."
    objectives = "Азайтуу."
    partners = factory.LazyFunction(lambda: ["school"])
    risks = "Эч кимдин атын жазбайбыз."
    tension_avoidance = "Ата-энелер менен бирге."
    indicators = "Мектеп журналы."
    budget_som = 5000

    @factory.post_generation
    def activities(self, create, extracted, **kwargs):
        self.activities.append(PlanActivity(position=1, what="Жолугушуу", who="Топ"))
        if create:
            db.session.commit()


#: A mentor's scores for every criterion, for reviews made in tests.
REVIEW_SCORES = {
    key: {"score": 3, "note": "Жакшы."}
    for key in ("relevance", "feasibility", "inclusion", "do_no_harm", "sustainability")
}


def review_plan(plan, mentor, decision: str):
    from portal.groups import services

    return services.review(plan, mentor=mentor, scores=REVIEW_SCORES, section_comments={},
                           overall_comment="Жакшы башталыш.", decision=decision)  # fmt: skip


def plan_in(status: PlanStatus, group, *, organiser=None):
    """A plan of `group` brought to `status` by the services' own steps: its lead sends it,
    its first mentor reviews it, `organiser` (or a new one) archives it."""
    from portal.groups import services

    plan = ActionPlanFactory(group=group)
    if status is PlanStatus.ARCHIVED:
        services.archive(plan, by=organiser or UserFactory(roles={Role.ORGANISER}))
    elif status is not PlanStatus.DRAFT:
        services.submit(plan, by=group.lead)
        if status is not PlanStatus.SUBMITTED:
            changes = status is PlanStatus.CHANGES_REQUESTED
            review_plan(plan, group.mentors[0], "request_changes" if changes else "approve")
        if status in (PlanStatus.IN_PROGRESS, PlanStatus.COMPLETED):
            services.post_progress(plan, by=group.lead, percent=50, what_happened="Өттү.",
                                   statuses={})  # fmt: skip
        if status is PlanStatus.COMPLETED:
            services.complete(plan, by=group.lead)
    db.session.commit()
    assert plan.status is status
    return plan
