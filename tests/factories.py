"""factory_boy factories for the portal's models."""

from datetime import date

import factory
from factory.alchemy import SQLAlchemyModelFactory
from werkzeug.security import generate_password_hash

from portal.accounts.models import User
from portal.audit import AuditEvent
from portal.extensions import db
from portal.notify import Notification
from portal.security import Role

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


class AuditEventFactory(BaseFactory):
    class Meta:
        model = AuditEvent

    action = "user.login"
    details = factory.LazyFunction(dict)
