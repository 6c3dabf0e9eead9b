"""The demo programme behind `flask seed-demo`; later features add their parts here."""

from datetime import date
from datetime import timedelta

import sqlalchemy as sa

from portal.accounts import services
from portal.accounts.models import Gender
from portal.accounts.models import User
from portal.extensions import db
from portal.i18n import local_today
from portal.security import Role

# Published in the README on purpose; seed-demo refuses to run in production.
DEMO_PASSWORD = "demo-password-2026"  # nosec B105

#: e-mail, name, roles, locale, profile — the fixed demo logins (DESIGN §7).
DEMO_LOGINS = [
    ("admin@demo.example.org", "Nurlan Asanov", {Role.ADMIN}, "ru", {}),
    ("organiser@demo.example.org", "Gulnara Toktosunova", {Role.ORGANISER}, "ky", {}),
    ("mentor@demo.example.org", "Dilshod Yusupov", {Role.MENTOR}, "uz_Cyrl", {}),
    ("mentor2@demo.example.org", "Aida Sydykova", {Role.MENTOR}, "ky", {}),
    (
        "youth@demo.example.org",
        "Aigerim Mamatova",
        {Role.YOUTH},
        "ky",
        {"age": 16, "gender": "female", "region_code": "KG-O", "district_code": "KG-O-KARASUU",
         "community": "Papan"},
    ),
    (
        "youth2@demo.example.org",
        "Bobur Rahimov",
        {Role.YOUTH},
        "uz_Cyrl",
        {"age": 21, "gender": "male", "region_code": "KG-J", "district_code": "KG-J-SUZAK",
         "community": "Suzak"},
    ),
]  # fmt: skip

#: Other young people, some registered with a phone only, across the three southern regions.
DEMO_YOUTH = [
    ("Жаныл Абдыкадырова", None, "+996555100201", 15, "female", "KG-B", "KG-B-LEILEK", "Isfana"),
    ("Азамат Турдубаев", "azamat@demo.example.org", None, 19, "male", "KG-B", "KG-B-KADAMJAI", "Pulgon"),
    ("Муҳаммадали Ҳошимов", None, "+996770100203", 17, "male", "KG-O", "KG-O-ARAVAN", "Mangyt"),
    ("Nilufar Karimova", "nilufar@demo.example.org", None, 22, "female", "KG-O", "KG-O-UZGEN", "Jim"),
    ("Бегимай Осмонова", None, "+996700100205", 14, "female", "KG-J", "KG-J-AKSY", "Kerben"),
    ("Эрмек уулу Данияр", "daniyar@demo.example.org", None, 24, "male", "KG-J", "KG-J-NOOKEN", "Massy"),
    ("Зарина Усмонова", None, "+996557100207", 18, None, "KG-GO", None, "Osh"),
    ("Айбек Жумабеков", "aibek@demo.example.org", None, 20, "male", "KG-B", "KG-B-BATKEN-T", "Batken"),
    ("Дилноза Сайдалиева", "dilnoza@demo.example.org", None, 16, "female", "KG-O", "KG-O-NOOKAT", "Kyzyl-Oi"),
    ("Нурсултан Токтогулов", None, "+996555100210", 23, "male", "KG-J", "KG-J-BAZARKORGON", "Bazar-Korgon"),
]  # fmt: skip


#: More young people for fuller camps: given names, family names, places (cycled).
MORE_GIVEN = [
    ("Айпери", "female"), ("Тилек", "male"), ("Мадина", "female"), ("Жасур", "male"),
    ("Гулшан", "female"), ("Эмир", "male"), ("Сабина", "female"), ("Улан", "male"),
    ("Нигора", "female"), ("Бекзат", "male"), ("Асель", "female"), ("Шерзод", "male"),
    ("Элиза", "female"), ("Руслан", "male"), ("Дилфуза", "female"), ("Нурбек", "male"),
]  # fmt: skip
MORE_FAMILY = [
    "Абдиева",
    "Исаков",
    "Юлдашева",
    "Маматов",
    "Каримова",
    "Садыков",
    "Турсунова",
    "Алиев",
]
MORE_PLACES = [
    ("KG-O", "KG-O-UZGEN", "Kyzyl-Too"), ("KG-B", "KG-B-LEILEK", "Katran"),
    ("KG-J", "KG-J-SUZAK", "Kyzyl-Kyya"), ("KG-O", "KG-O-ALAI", "Gulcha"),
    ("KG-J", "KG-J-AKSY", "Kerben"), ("KG-B", "KG-B-BATKEN", "Samarkandek"),
]  # fmt: skip


#: The language each young person reads the portal in (Kyrgyz unless named here): Uzbek
#: speakers from Osh and Jalal-Abad, one Russian reader from Osh city.
YOUTH_LOCALES = {
    "Муҳаммадали Ҳошимов": "uz_Cyrl", "Nilufar Karimova": "ru", "Зарина Усмонова": "uz_Cyrl",
    "Дилноза Сайдалиева": "uz_Cyrl", "Жасур Маматов": "uz_Cyrl", "Нигора Абдиева": "uz_Cyrl",
    "Шерзод Маматов": "uz_Cyrl", "Дилфуза Турсунова": "uz_Cyrl",
}  # fmt: skip


def more_youth() -> list[tuple]:
    people = []
    for number, (given, gender) in enumerate(MORE_GIVEN):
        family = MORE_FAMILY[number % len(MORE_FAMILY)]
        if gender == "male" and family.endswith("а"):
            family = family[:-1]
        region, district, community = MORE_PLACES[number % len(MORE_PLACES)]
        email = f"young{number + 1}@demo.example.org" if number % 3 else None
        phone = None if email else f"+99655520{number:04d}"
        age = 14 + (number * 5) % 11
        people.append((f"{given} {family}", email, phone, age, gender, region, district, community))
    return people


def birthday(age: int) -> date:
    today = local_today()
    return today.replace(year=today.year - age) - timedelta(days=40)


def seed() -> list[tuple[str, str]]:
    """Create the demo accounts that do not exist yet; return the fixed logins."""
    logins = []
    for email, name, roles, locale, profile in DEMO_LOGINS:
        logins.append((email, ", ".join(sorted(role.value for role in roles))))
        if services.email_taken(email):
            continue
        extra = dict(profile)
        age = extra.pop("age", None)
        if isinstance(age, int):
            extra["date_of_birth"] = birthday(age)
        _add(name, email, None, roles, locale, **extra)
    for name, email, phone, age, gender, region, district, community in DEMO_YOUTH + more_youth():
        if services.email_taken(email) or services.phone_taken(phone):
            continue
        _add(
            name, email, phone, {Role.YOUTH}, YOUTH_LOCALES.get(name, "ky"),
            date_of_birth=birthday(age), gender=gender, region_code=region,
            district_code=district, community=community,
        )  # fmt: skip
    from portal.camps.demo import seed_camps

    seed_camps(demo_user("organiser@demo.example.org"))
    from portal.training.demo import seed_training

    seed_training(demo_user("organiser@demo.example.org"), demo_user("mentor@demo.example.org"))
    from portal.groups.demo import seed_groups

    seed_groups()
    return logins


def _add(name, email, phone, roles, locale, **profile) -> User:
    if profile.get("gender"):
        profile["gender"] = Gender(profile["gender"])
    user = services.create_user(
        full_name=name,
        email=email,
        phone=phone,
        password=DEMO_PASSWORD,
        roles=roles,
        locale=locale,
        **profile,
    )
    if Role.YOUTH in roles:
        services.record_data_consent(user, locale)
    return user


def demo_user(email: str) -> User:
    return db.session.scalars(sa.select(User).where(User.email == email)).one()
