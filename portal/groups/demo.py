"""Demo youth groups and action plans in every state (part of `flask seed-demo`): a test
checks that every PlanStatus is there."""

from datetime import date
from datetime import timedelta

import sqlalchemy as sa

from portal.accounts.models import User
from portal.extensions import db
from portal.groups import members
from portal.groups import services
from portal.groups.models import Decision
from portal.groups.models import ProblemCategory
from portal.groups.models import YouthGroup


def _scores(note: str) -> dict:
    return {
        key: {"score": 3, "note": note}
        for key in ("relevance", "feasibility", "inclusion", "do_no_harm", "sustainability")
    }


#: Each plan's texts, written by the group in its own language and about its own problem:
#: (what, who, resources, first day, last day in days from today) for each activity.
PLANS = {
    "school": dict(
        problem="Айылда кыздар 9-класстан кийин мектепти таштап кетишет.",
        root_causes="Ата-энелер эрте турмушка берүүнү туура көрүшөт; мектеп алыс, жол коопсуз эмес.",
        affected="14–17 жаштагы кыздар жана алардын үй-бүлөлөрү.",
        objectives="Бир жылда мектепти таштаган кыздардын санын азайтуу.",
        partners=["school", "parents", "local_authority"],
        risks="Үй-бүлөлөр уялып калышы мүмкүн; эч кимдин атын атабайбыз.",
        tension_avoidance="Жолугушууларды мектепте, ата-энелер менен бирге өткөрөбүз.",
        indicators="Кыздардын катышуусун мектеп журналы менен салыштырабыз.",
        budget_som=15000,
        activities=[("Ата-энелер менен жолугушуу", "Айгерим", "Зал, чай", 10, 10),
                    ("Кыздар үчүн кеңеш берүү клубу", "Топ", "Класс", 20, 80)],
    ),
    "kidnapping": dict(
        problem="Биздин айылда кыздарды ала качуу дагы эле болуп жатат, аны салт деп айтышат.",
        root_causes="Мыйзамды билишпейт; кошуналар «уят болот» деп унчукпайт.",
        affected="16–20 жаштагы кыздар жана жигиттер, алардын ата-энелери.",
        objectives="Жаштар ала качуу кылмыш экенин билип, андан баш тартышы.",
        partners=["prevention_centre", "religious_leaders", "school"],
        risks="Ала качуудан жабыр тарткан кыздарды атабайбыз, алардын окуясын айтпайбыз.",
        tension_avoidance="Талкууну молдо жана айыл аксакалдары менен бирге өткөрөбүз.",
        indicators="Жолугушууга келгендердин саны; сурамжылоодо «ала качуу — кылмыш» дегендер.",
        budget_som=12000,
        activities=[("Мыйзам боюнча жаштар менен талкуу", "Айгерим жана юрист", "Мектеп залы",
                     14, 14),
                    ("«Жок» деп айтууга үйрөткөн көрсөтмө кино", "Топ", "Проектор", 30, 30)],
    ),
    "street": dict(
        problem="Кечкисин көчөдө жарык жок, кыздар мектептен кайтканда тийишүүдөн коркушат.",
        root_causes="Көчө чырактары күйбөйт; жигиттер тийишүүнү тамаша деп ойлошот.",
        affected="Кечки сменада окуган кыздар жана алардын ата-энелери.",
        objectives="Мектептен аялдамага чейинки жолду коопсуз кылуу.",
        partners=["local_authority", "police", "school"],
        risks="Тийишкендердин атын жарыяга чыгарбайбыз; кыздар кайрылганда жашыруун калат.",
        tension_avoidance="Айыл өкмөтү менен бирге чечебиз, эч кимди күнөөлөбөйбүз.",
        indicators="Жарыгы бар көчөлөрдүн саны; кыздардын сурамжылоосу.",
        budget_som=20000,
        activities=[("Күйбөгөн чырактарды картага түшүрүү", "Топ", "Телефон", 7, 14),
                    ("Айыл өкмөтү менен жолугушуу", "Айгерим", "Карта", 21, 21)],
    ),
    "family": dict(
        problem="Айрым үй-бүлөлөрдө зомбулук бар, бирок эч ким жардам сурабайт.",
        root_causes="Адамдар жардам кайдан аларын билишпейт; «үйдүн сырын чыгарба» дешет.",
        affected="Аялдар жана балдар; алардын кошуналары.",
        objectives="Ар бир үй-бүлө жардам телефонун жана кризистик борборду билиши.",
        partners=["civil_society", "prevention_centre", "parents"],
        risks="Эч бир үй-бүлөнү атабайбыз; жабыр тарткандар менен психолог гана сүйлөшөт.",
        tension_avoidance="Ата-энелер жыйынында жалпы маалымат гана беребиз.",
        indicators="Жыйынга келгендердин саны; таратылган баракчалар.",
        budget_som=10000,
        activities=[("Ата-энелер менен жолугушуу", "Айгерим", "Зал, чай", 10, 10),
                    ("Жардам телефону жазылган баракчаларды таратуу", "Топ", "Баракчалар",
                     20, 60)],
    ),
    "police": dict(
        problem="Жаштар милицияга ишенбейт, көйгөй болсо да кайрылышпайт.",
        root_causes="Милиция менен жолугушуу болбойт; мурунку жаман окуялар эсте.",
        affected="15–25 жаштагы жаштар жана участкалык инспектор.",
        objectives="Жаштар менен участкалык инспектордун ортосунда ишеним түзүү.",
        partners=["police", "prevention_centre"],
        risks="Эч кимдин даттанганын милицияга атын атап бербейбиз.",
        tension_avoidance="Жолугушуу мектепте, мугалимдер катышканда өтөт.",
        indicators="Жолугушууга келген жаштардын саны; кийинки сурамжылоо.",
        budget_som=8000,
        activities=[("Участкалык инспектор менен ачык суроо-жооп", "Топ", "Класс", 15, 15),
                    ("Биргелешкен футбол оюну", "Топ", "Стадион, топ", 30, 30)],
    ),
    "neighbours": dict(
        problem="Маҳаллада қирғиз ва ўзбек ёшлари ўртасида сув учун жанжал бўлиб туради.",
        root_causes="Ариқдаги сув навбати ҳақида келишув йўқ; ёшлар бир-бирини танимайди.",
        affected="Икки маҳалланинг 15–22 ёшли йигит-қизлари.",
        objectives="Икки маҳалла ёшлари бирга иш қилиб, бир-бирини таниши.",
        partners=["local_authority", "religious_leaders", "civil_society"],
        risks="Ҳеч бир томонни айбламаймиз; учрашувни бетараф жойда ўтказамиз.",
        tension_avoidance="Ҳар тадбирда икки маҳалладан тенг ёшлар бўлади.",
        indicators="Бирга қатнашган ёшлар сони; жанжаллар ҳақида маҳалла қўмитаси маълумоти.",
        budget_som=18000,
        activities=[("Икки маҳалла ёшлари билан ариқни тозалаш", "Гуруҳ", "Белкураклар",
                     12, 12),
                    ("Қўшма футбол мусобақаси", "Гуруҳ", "Майдон, тўп", 25, 25)],
    ),
    "street_uz": dict(
        problem="Бозордан кечқурун қайтаётган қизларга йигитлар тегажоқлик қилади.",
        root_causes="Кўчада чироқ йўқ; тегажоқликни ҳазил деб ўйлашади.",
        affected="Бозорда ишлайдиган ва ўқишдан қайтадиган қизлар.",
        objectives="Бозордан бекатгача бўлган йўлни хавфсиз қилиш.",
        partners=["local_authority", "police"],
        risks="Қизларнинг исмини айтмаймиз; шикоятлар махфий қолади.",
        tension_avoidance="Бозор раҳбарияти ва маҳалла қўмитаси билан бирга ҳал қиламиз.",
        indicators="Ёритилган кўчалар сони; қизлар сўрови.",
        budget_som=16000,
        activities=[("Ёритилмаган жойларни харитага тушириш", "Гуруҳ", "Телефон", 5, 10),
                    ("Кўча чироқларини ўрнатиш", "Айил окмоти ва гуруҳ", "Чироқлар", 20, 40)],
    ),
    "old": dict(
        problem="Ёшлар учун бўш вақтда борадиган жой йўқ.",
        root_causes="Клуб бинони таъмирлаш керак.",
        affected="Қишлоқ ёшлари.",
        objectives="Клубни қайта очиш.",
        partners=["local_authority"],
        risks="Пул етмаслиги мумкин.",
        tension_avoidance="Ҳамма маҳаллалардан ёшларни чақирамиз.",
        indicators="Клубга келганлар сони.",
        budget_som=30000,
        activities=[("Клубни тозалаш", "Гуруҳ", "Асбоблар", 10, 12),
                    ("Очилиш кечаси", "Гуруҳ", "Мусиқа", 30, 30)],
    ),
}  # fmt: skip


def _user(email):
    return db.session.scalar(sa.select(User).where(User.email == email))


def _plan(group, author, title, category, texts, **extra):
    plan = services.start_plan(group, by=author)
    fields = dict(texts)
    today = date.today()
    fields["activities"] = [
        {"what": what, "who": who, "resources": resources,
         "starts_on": today + timedelta(days=first), "ends_on": today + timedelta(days=last)}
        for what, who, resources, first, last in fields["activities"]
    ]  # fmt: skip
    services.save_draft(
        plan, by=author, title=title, category=category, partners_other="", **fields
    )
    for name, value in extra.items():
        setattr(plan, name, value)
    db.session.flush()
    return plan


def seed_groups() -> None:
    if db.session.scalar(sa.select(sa.func.count()).select_from(YouthGroup)):
        return
    lead, other = _user("youth@demo.example.org"), _user("youth2@demo.example.org")
    mentor, mentor2 = _user("mentor@demo.example.org"), _user("mentor2@demo.example.org")
    organiser = _user("organiser@demo.example.org")
    papan = services.create_group(lead=lead, name="Папан жаштары", region_code="KG-O",
                                  district_code="KG-O-KARASUU", community="Papan")  # fmt: skip
    suzak = services.create_group(lead=other, name="Сузоқ ёшлари", region_code="KG-J",
                                  district_code="KG-J-SUZAK", community="Suzak")  # fmt: skip
    db.session.flush()
    services.assign_mentor(papan, mentor, by=organiser)
    services.assign_mentor(suzak, mentor2, by=organiser)
    classmates = db.session.scalars(
        sa.select(User).where(User.email.like("young%@demo.example.org")).order_by(User.id).limit(5)
    ).all()
    # Members come in by their own step: an accepted invitation or the join code.
    for group, by, invited, by_code in ((papan, lead, classmates[0], classmates[1]),
                                        (suzak, other, classmates[2], classmates[3])):  # fmt: skip
        members.accept(members.invite(group, ("email", invited.email or ""), by=by), invited)
        members.join_by_code(group.join_code, by_code)
    # One invitation still waiting for an answer, so the lead sees the list.
    members.invite(papan, ("email", classmates[4].email or ""), by=lead)

    _plan(papan, lead, "Кыздар мектепте калсын", ProblemCategory.GIRLS_LEAVING_SCHOOL,
          PLANS["school"])  # fmt: skip
    sent = _plan(papan, lead, "Ала качууга жок дейли", ProblemCategory.BRIDE_KIDNAPPING,
                 PLANS["kidnapping"])  # fmt: skip
    services.submit(sent, by=lead)
    changes = _plan(papan, lead, "Көчөдө коопсуз", ProblemCategory.STREET_HARASSMENT,
                    PLANS["street"])  # fmt: skip
    services.submit(changes, by=lead)
    services.review(
        changes, mentor=mentor, scores=_scores("Жакшы ойлонулган."),
        decision=Decision.REQUEST_CHANGES,
        section_comments={"do_no_harm": "Кыздардын өздөрүнүн пикирин кантип угасыздар?"},
        overall_comment="Жакшы башталыш. Коопсуздук бөлүгүн толуктаңыздар.",
    )  # fmt: skip
    under_way = _plan(
        papan, lead, "Үй-бүлөдө зомбулукка жол жок", ProblemCategory.DOMESTIC_VIOLENCE,
        PLANS["family"],
    )  # fmt: skip
    _approve(under_way, lead, mentor, "Сонун план. Ийгилик!")
    services.post_progress(
        under_way, by=lead, percent=40,
        what_happened="Ата-энелер менен биринчи жолугушуу өттү, 23 киши келди.",
        statuses={str(under_way.activities[0].id): "done",
                  str(under_way.activities[1].id): "under_way"},
    )  # fmt: skip
    approved = _plan(papan, lead, "Милиция менен ишеним", ProblemCategory.POLICE_TRUST,
                     PLANS["police"])  # fmt: skip
    _approve(approved, lead, mentor, "Сонун план. Ийгилик!")
    _plan(suzak, other, "Маҳаллада тинчлик", ProblemCategory.INTERGROUP_TENSION,
          PLANS["neighbours"])  # fmt: skip
    done = _plan(suzak, other, "Кўчада хавфсиз", ProblemCategory.STREET_HARASSMENT,
                 PLANS["street_uz"])  # fmt: skip
    _approve(done, other, mentor2, "Яхши режа. Омад!")
    services.post_progress(
        done, by=other, percent=100,
        what_happened="Харита тайёр, айил окмоти 12 та чироқ ўрнатди. Ҳамма тадбирлар ўтди.",
        statuses={str(activity.id): "done" for activity in done.activities},
    )  # fmt: skip
    services.complete(done, by=other)
    old = _plan(suzak, other, "Клубни қайта очиш", ProblemCategory.OTHER, PLANS["old"])
    services.archive(old, by=organiser)


def _approve(plan, lead, mentor, comment) -> None:
    services.submit(plan, by=lead)
    note = "Яхши ўйланган." if comment.startswith("Яхши") else "Жакшы ойлонулган."
    services.review(
        plan, mentor=mentor, scores=_scores(note), decision=Decision.APPROVE,
        section_comments={}, overall_comment=comment,
    )  # fmt: skip
