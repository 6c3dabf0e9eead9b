"""Paper application forms: printed with a code, typed in by an organiser, claimed online by the
young person with the code and their phone number."""

import html
import io

import sqlalchemy as sa
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine
from hypothesis.stateful import initialize
from hypothesis.stateful import invariant
from hypothesis.stateful import rule
from pypdf import PdfReader

from portal.accounts import privacy
from portal.accounts.models import User
from portal.audit import AuditEvent
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import CampQuestion
from portal.camps.models import QuestionKind
from portal.camps.paper import services
from portal.camps.paper.models import CODE_ALPHABET
from portal.camps.paper.models import PaperForm
from portal.camps.paper.models import PaperStatus as P
from portal.camps.paper.models import shown_code
from portal.camps.paper.policy import PAPER_TRANSITIONS
from portal.camps.services import CampError
from portal.security import Role
from tests.factories import PASSWORD
from tests.factories import CampFactory
from tests.factories import UserFactory
from tests.helpers import translated
from tests.helpers import years_ago

PHONE = "+996555777888"
NEW_PASSWORD = "tash-koprук-jolu-2026"


def entry(**changes) -> dict:
    """What an organiser types from a filled paper form (an adult's, signed)."""
    data = {
        "full_name": "Нурбек Асанов",
        "phone": "0555 777 888",
        "date_of_birth": years_ago(19).isoformat(),
        "region": "KG-O",
        "district": "KG-O-ARAVAN",
        "community": "Мангыт",
        "motivation": "Достор тапкым келет.",
        "signed": "y",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def camp_with_questions():
    from portal.extensions import db

    camp = CampFactory()
    choice = CampQuestion(
        camp_id=camp.id, kind=QuestionKind.CHOICE, position=1,
        label={"ky": "Кайсы тил?", "ru": "Какой язык?"},
        choices=[{"value": "a", "label": {"ru": "Кыргызский"}},
                 {"value": "b", "label": {"ru": "Узбекский"}}],
    )  # fmt: skip
    yes_no = CampQuestion(
        camp_id=camp.id, kind=QuestionKind.YES_NO, position=2,
        label={"ru": "Вы были в лагере раньше?"},
    )  # fmt: skip
    elsewhere = CampQuestion(
        camp_id=CampFactory().id, kind=QuestionKind.SHORT_TEXT, label={"ru": "Чужой вопрос"}
    )
    questions = [choice, yes_no, elsewhere]
    db.session.add_all(questions)
    db.session.commit()
    db.session.expire(camp)
    return camp


def print_forms(client, camp, count=3, locale="ru"):
    return client.post(
        f"/manage/camps/{camp.id}/paper/print", data={"count": count, "locale": locale}
    )


def printed(db, camp) -> list[PaperForm]:
    return db.session.scalars(
        sa.select(PaperForm).where(PaperForm.camp_id == camp.id).order_by(PaperForm.id)
    ).all()


def enter(client, paper, **changes):
    return client.post(f"/manage/paper/{paper.id}", data=entry(**changes))


def one_entered_form(client, db, login_as, camp=None):
    """A camp with one form printed and typed in by an organiser; the client is signed out."""
    camp = camp or CampFactory()
    login_as("organiser")
    assert print_forms(client, camp, count=1).status_code == 200
    (paper,) = printed(db, camp)
    assert enter(client, paper).status_code == 302
    with client.session_transaction() as session:
        session.clear()
    db.session.expire_all()
    return db.session.get(PaperForm, paper.id)


def test_printing_three_forms_gives_a_pdf_with_three_codes_and_the_camps_own_questions(
    client, db, login_as
):
    camp = camp_with_questions()
    login_as("organiser")
    response = print_forms(client, camp)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    forms = printed(db, camp)
    assert len(forms) == 3 and all(form.status is P.PRINTED for form in forms)
    assert all(len(form.code) == 8 and set(form.code) <= set(CODE_ALPHABET) for form in forms)
    assert not set("0O1I") & set("".join(form.code for form in forms))
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) >= 3
    text = "\n".join(page.extract_text() for page in reader.pages)
    for form in forms:
        assert shown_code(form.code) in text
    assert "Лагерь мира" in text  # in the language chosen
    assert "Какой язык?" in text and "Кыргызский" in text and "Узбекский" in text
    assert "Вы были в лагере раньше?" in text
    assert "Чужой вопрос" not in text
    assert translated("Parent or guardian: phone", "ru") in text
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "paper.printed"))


def test_a_count_out_of_range_or_not_a_number_is_refused_with_a_translated_message(
    client, db, login_as
):
    camp = CampFactory()
    login_as("organiser")
    for count in ("0", "201", "abc", "", "9" * 40):
        response = client.post(
            f"/manage/camps/{camp.id}/paper/print?lang=ru", data={"count": count, "locale": "ru"}
        )
        assert response.status_code == 400, count
        assert "error-summary" in response.text
    assert translated("Print between 1 and %(max)d forms at a time.", "ru", max=200) in (
        client.post(
            f"/manage/camps/{camp.id}/paper/print?lang=ru", data={"count": "201", "locale": "ru"}
        ).text
    )
    assert printed(db, camp) == []


def test_typing_a_form_in_sends_an_application_marked_paper_and_audited(client, db, login_as):
    camp = camp_with_questions()
    organiser = login_as("organiser")
    print_forms(client, camp, count=1)
    (paper,) = printed(db, camp)
    question = camp.questions[0]
    response = enter(client, paper, **{f"q_{question.id}": "b", "photo_consent": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    person = db.session.scalar(sa.select(User).where(User.phone == PHONE))
    assert person.roles == {Role.YOUTH} and person.email is None
    assert not person.password_hash.startswith("pbkdf2") and person.password_hash.startswith("!")
    application = db.session.scalar(sa.select(Application).where(Application.user_id == person.id))
    assert application.status is S.SUBMITTED and application.camp_id == camp.id
    assert application.answers == {str(question.id): "b", str(camp.questions[1].id): ""}
    assert application.photo_consent_at is not None
    paper = db.session.get(PaperForm, paper.id)
    assert (paper.status, paper.application_id, paper.entered_by_id) == (
        P.ENTERED, application.id, organiser.id,
    )  # fmt: skip
    assert response.headers["Location"].endswith(f"/manage/applications/{application.id}")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "paper.entered"))
    assert (event.object_type, event.object_id, event.actor_id) == (
        "application", application.id, organiser.id,
    )  # fmt: skip
    assert person.consents and person.consents[0].locale == "ru"
    page = client.get(response.headers["Location"] + "?lang=ru").text
    assert paper.shown_code in page  # the organisers see it came from paper
    assert translated("Typed in, not claimed yet", "ru") in page


def test_a_form_for_someone_with_an_account_goes_to_that_account(client, db, login_as):
    camp = CampFactory()
    existing = UserFactory(phone=PHONE)
    login_as("organiser")
    print_forms(client, camp, count=1)
    (paper,) = printed(db, camp)
    assert enter(client, paper, full_name="Башка Ат").status_code == 302
    db.session.expire_all()
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.phone == PHONE))
        == 1
    )
    assert db.session.get(PaperForm, paper.id).application.user_id == existing.id
    assert db.session.get(User, existing.id).full_name != "Башка Ат"


def test_what_was_typed_stays_when_something_is_wrong(client, db, login_as):
    camp = CampFactory()
    login_as("organiser")
    print_forms(client, camp, count=1)
    (paper,) = printed(db, camp)
    # A minor without the guardian, and a form not ticked as signed.
    response = client.post(
        f"/manage/paper/{paper.id}?lang=ru",
        data=entry(date_of_birth=years_ago(16).isoformat(), signed=None),
    )
    assert response.status_code == 400
    assert "Нурбек Асанов" in response.text and "+996555777888" in response.text
    assert "Достор тапкым келет." in response.text
    assert translated("Only a signed form can be typed in.", "ru") in response.text
    assert translated(
        "Under 18 on the camp's first day: write the guardian's name.", "ru"
    ) in html.unescape(response.text)
    # Too old for the camp: the camps' own age rule refuses it, and no account is left behind.
    response = client.post(
        f"/manage/paper/{paper.id}?lang=ru", data=entry(date_of_birth=years_ago(40).isoformat())
    )
    assert response.status_code == 400
    assert "Нурбек Асанов" in response.text
    assert translated(
        "This camp is for young people aged %(min)d to %(max)d on its first day.", "ru",
        min=14, max=25,
    ) in response.text  # fmt: skip
    db.session.expire_all()
    assert db.session.scalar(sa.select(User).where(User.phone == PHONE)) is None
    assert db.session.get(PaperForm, paper.id).status is P.PRINTED


def test_a_person_who_already_applied_is_refused_and_the_form_stays_printed(client, db, login_as):
    camp = CampFactory()
    login_as("organiser")
    print_forms(client, camp, count=2)
    first, second = printed(db, camp)
    assert enter(client, first).status_code == 302
    response = enter(client, second)
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(PaperForm, second.id).status is P.PRINTED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 1


def test_a_double_click_on_send_makes_one_application(client, db, login_as):
    camp = CampFactory()
    login_as("organiser")
    print_forms(client, camp, count=1)
    (paper,) = printed(db, camp)
    first = enter(client, paper)
    second = enter(client, paper)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 1
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "paper.entered")
        )
        == 1
    )


def test_codes_typed_in_small_letters_or_with_spaces_and_dashes_find_the_form(client, db, login_as):
    camp = CampFactory()
    login_as("organiser")
    print_forms(client, camp, count=1)
    (paper,) = printed(db, camp)
    code = paper.code
    for typed in (code.lower(), f" {code[:4]} - {code[4:]} ", f"{code[:4].lower()}-{code[4:]}"):
        response = client.post(f"/manage/camps/{camp.id}/paper/find", data={"code": typed})
        assert response.status_code == 302, typed
        assert response.headers["Location"].endswith(f"/manage/paper/{paper.id}")
    response = client.post(
        f"/manage/camps/{camp.id}/paper/find?lang=ru", data={"code": "ZZZZ-ZZZZ"}
    )
    assert response.status_code == 400
    assert translated("No paper form has this code. Check the code on the form.", "ru") in (
        response.text
    )
    enter(client, paper)
    response = client.post(f"/manage/camps/{camp.id}/paper/find?lang=ru", data={"code": code})
    assert response.status_code == 400
    assert translated("This form was already typed in on %(date)s.", "ru", date="")[:20] in (
        response.text
    )


def test_a_young_person_cannot_reach_the_organisers_paper_pages(client, db, login_as):
    camp = CampFactory()
    UserFactory()
    paper = PaperForm(code="ABCDEFGH", camp_id=camp.id)
    db.session.add(paper)
    db.session.commit()
    login_as("youth")
    assert client.get(f"/manage/camps/{camp.id}/paper").status_code == 403
    assert print_forms(client, camp).status_code == 403
    assert (
        client.post(f"/manage/camps/{camp.id}/paper/find", data={"code": "ABCDEFGH"}).status_code
        == 403
    )
    assert client.get(f"/manage/paper/{paper.id}").status_code == 403
    assert enter(client, paper).status_code == 403
    assert printed(db, camp)[0].status is P.PRINTED


def test_the_camp_page_links_to_paper_forms_and_sign_in_links_to_the_claim(client, db, login_as):
    camp = CampFactory()
    assert 'href="/claim"' in client.get("/auth/login").text
    assert 'href="/claim"' in client.get("/auth/register").text
    login_as("organiser")
    assert f'href="/manage/camps/{camp.id}/paper"' in client.get(f"/manage/camps/{camp.id}").text
    assert client.get(f"/manage/camps/{camp.id}/paper").status_code == 200


def claim(client, code, phone="0555 777 888", **extra):
    return client.post("/claim?lang=ru", data={"code": code, "phone": phone, **extra})


def test_claiming_with_code_and_phone_sets_a_password_signs_in_and_shows_the_application(
    client, db, login_as
):
    paper = one_entered_form(client, db, login_as)
    code = paper.code
    asked = claim(client, code.lower(), phone="+996 555 777 888")
    assert asked.status_code == 200
    assert 'name="password"' in asked.text
    weak = claim(client, code, step="choose", password="short", confirm="short")
    assert weak.status_code == 400 and 'name="password"' in weak.text
    done = claim(client, code, step="choose", password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/applications/{paper.application_id}")
    page = client.get(done.headers["Location"])
    assert page.status_code == 200  # signed in as the applicant, who sees their application
    db.session.expire_all()
    paper = db.session.get(PaperForm, paper.id)
    assert paper.status is P.CLAIMED and paper.claimed_at is not None
    person = paper.application.applicant
    assert not person.password_hash.startswith("!")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "paper.claimed"))
    assert (event.object_id, event.actor_id) == (paper.application_id, person.id)
    # Signed out, the new password signs in with the phone number.
    client.post("/auth/logout")
    response = client.post("/auth/login", data={"email": "0555 777 888", "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_a_wrong_phone_or_a_wrong_code_gets_the_same_message_and_nothing_changes(
    client, db, login_as
):
    paper = one_entered_form(client, db, login_as)
    wrong_phone = claim(client, paper.code, phone="0555 000 999")
    wrong_code = claim(client, "ZZZZ-ZZZZ")
    message = translated(
        "The code or the phone number does not match a paper form. Check both and try again.",
        "ru",
    )
    assert wrong_phone.status_code == wrong_code.status_code == 400
    assert message in wrong_phone.text and message in wrong_code.text
    assert 'name="password"' not in wrong_phone.text
    # Even the right phone with the password step forced does not skip the check.
    forced = claim(client, paper.code, phone="0555 000 999", step="choose",
                   password=NEW_PASSWORD, confirm=NEW_PASSWORD)  # fmt: skip
    assert forced.status_code == 400
    db.session.expire_all()
    assert db.session.get(PaperForm, paper.id).status is P.ENTERED


def test_wrong_tries_at_one_code_or_one_phone_are_limited(client, db, login_as):
    paper = one_entered_form(client, db, login_as)
    statuses = [claim(client, paper.code, phone=f"0555 000 99{n}").status_code for n in range(6)]
    assert statuses == [400] * 5 + [429]
    codes = ["ZZZZ-ZZZ" + letter for letter in "ABCDEF"]
    statuses = [claim(client, code, phone="0555 777 888").status_code for code in codes]
    assert statuses == [400] * 5 + [429]
    # Another code with another number is not held back by them.
    assert claim(client, "ZZZZ-ZZZG", phone="0555 123 000").status_code == 400


def test_a_claimed_form_cannot_be_claimed_again(client, db, login_as):
    paper = one_entered_form(client, db, login_as)
    claim(client, paper.code, step="choose", password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    with client.session_transaction() as session:
        session.clear()
    again = claim(client, paper.code, step="choose", password="another-long-pass-2026",
                  confirm="another-long-pass-2026")  # fmt: skip
    assert again.status_code == 302 and "/auth/login" in again.headers["Location"]
    db.session.expire_all()
    person = db.session.get(PaperForm, paper.id).application.applicant
    # The password chosen first still signs in; the second claim changed nothing.
    response = client.post("/auth/login", data={"email": "0555 777 888", "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "paper.claimed", AuditEvent.actor_id == person.id)
        )
        == 1
    )


def test_someone_with_a_password_is_told_to_sign_in_and_a_signed_in_owner_links_it(
    client, db, login_as
):
    person = UserFactory(phone=PHONE)
    camp = CampFactory()
    paper = one_entered_form(client, db, login_as, camp=camp)
    assert paper.application.user_id == person.id
    told = claim(client, paper.code)
    assert told.status_code == 302 and "/auth/login" in told.headers["Location"]
    db.session.expire_all()
    assert db.session.get(User, person.id).password_hash == person.password_hash  # unchanged

    other = one_entered_form(client, db, login_as, camp=CampFactory())
    with client.session_transaction() as session:
        session["_user_id"] = person.get_id()
    linked = claim(client, other.code)
    assert linked.status_code == 302
    assert linked.headers["Location"].endswith(f"/applications/{other.application_id}")
    db.session.expire_all()
    assert db.session.get(PaperForm, other.id).status is P.CLAIMED
    # Claimed again by its owner (a second click): told as done, nothing changes.
    again = claim(client, other.code)
    assert again.headers["Location"] == linked.headers["Location"]
    claimed_events = (
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "paper.claimed", AuditEvent.object_id == other.application_id)
    )
    assert db.session.scalar(claimed_events) == 1
    # Signed in as someone else, the form is not linked to them.
    third = one_entered_form(client, db, login_as, camp=CampFactory())
    stranger = UserFactory(phone="+996555111333")
    with client.session_transaction() as session:
        session["_user_id"] = stranger.get_id()
    assert claim(client, third.code).status_code == 400
    db.session.expire_all()
    assert db.session.get(PaperForm, third.id).status is P.ENTERED
    assert client.post("/auth/login", data={"email": person.email, "password": PASSWORD})


def test_erasing_a_person_deletes_their_paper_form_rows_and_the_download_lists_them(
    client, db, login_as
):
    paper = one_entered_form(client, db, login_as)
    person = paper.application.applicant
    paper_id, application_id = paper.id, paper.application_id
    exported = privacy.export_data(person)
    assert exported["paper_forms"][0]["code"] == paper.code
    privacy.erase(person, by=UserFactory(roles={Role.ADMIN}))
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(sa.select(PaperForm).where(PaperForm.id == paper_id)) is None
    assert db.session.get(Application, application_id).status is S.SUBMITTED


def test_paper_forms_follow_their_transition_table_whatever_happens(db):
    """Print, type in, claim, type in again and claim again in any order: every form's status
    only moves along PAPER_TRANSITIONS, and typed-in and claimed forms each have exactly one
    application of their own."""
    phones = ["+996555100200", "+996555100201", "+996555100202"]

    class PaperMachine(RuleBasedStateMachine):
        @initialize()
        def start(self):
            self.camp = CampFactory()
            self.organiser = UserFactory(roles={Role.ORGANISER})
            self.seen: dict[int, P] = {}
            self.applied: set[str] = set()

        def _forms(self):
            return db.session.scalars(
                sa.select(PaperForm).where(PaperForm.camp_id == self.camp.id).order_by(PaperForm.id)
            ).all()

        def _pick(self, index):
            forms = self._forms()
            return forms[index % len(forms)] if forms else None

        def _try(self, step):
            try:
                with db.session.begin_nested():
                    step()
            except CampError:
                pass
            db.session.commit()
            db.session.expire_all()

        @rule(count=st.integers(1, 3))
        def print_some(self, count):
            services.print_forms(self.camp, count, locale="ky", by=self.organiser)
            db.session.commit()

        def _enter(self, paper, phone):
            details = {
                "full_name": "Айдай Маматова", "phone": phone,
                "date_of_birth": years_ago(20), "region_code": "KG-O",
                "district_code": "KG-O-ARAVAN", "community": None,
            }  # fmt: skip
            application = {"motivation": "", "answers": {}, "photo_consent": False}
            self._try(lambda: services.enter(paper, person=details, application=application,
                                             by=self.organiser))  # fmt: skip

        @rule(index=st.integers(0, 20), phone=st.sampled_from(phones))
        def enter(self, index, phone):
            paper = self._pick(index)
            if paper is None:
                return
            fresh = paper.status is P.PRINTED and phone not in self.applied
            self._enter(paper, phone)
            if fresh:  # a printed form for someone who has not applied is always typed in
                assert db.session.get(PaperForm, paper.id).status is P.ENTERED
                self.applied.add(phone)

        @rule(index=st.integers(0, 20), phone=st.sampled_from(phones))
        def enter_again(self, index, phone):
            entered = [f for f in self._forms() if f.status is not P.PRINTED]
            if entered:
                self._enter(entered[index % len(entered)], phone)

        def _claim(self, paper):
            if paper.application is not None:
                self._try(lambda: services.claim(paper, paper.application.applicant))
            else:
                self._try(lambda: services.claim(paper, self.organiser))

        @rule(index=st.integers(0, 20))
        def claim(self, index):
            paper = self._pick(index)
            if paper is not None:
                self._claim(paper)

        @rule(index=st.integers(0, 20))
        def claim_again(self, index):
            claimed = [f for f in self._forms() if f.status is P.CLAIMED]
            if claimed:
                self._claim(claimed[index % len(claimed)])

        @invariant()
        def statuses_follow_the_table_and_forms_with_one_application_each(self):
            if not hasattr(self, "camp"):
                return
            forms = self._forms()
            applications = [f.application_id for f in forms if f.application_id is not None]
            assert len(applications) == len(set(applications))
            for paper in forms:
                before = self.seen.get(paper.id, P.PRINTED)
                assert paper.status is before or paper.status in PAPER_TRANSITIONS[before]
                self.seen[paper.id] = paper.status
                if paper.status is P.PRINTED:
                    assert paper.application_id is None and paper.entered_at is None
                else:
                    assert paper.application is not None
                    assert paper.application.status is S.SUBMITTED
                    assert paper.application.camp_id == self.camp.id
                assert (paper.claimed_at is not None) == (paper.status is P.CLAIMED)

    PaperMachine.TestCase.settings = settings(
        max_examples=12, stateful_step_count=10, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )  # fmt: skip
    PaperMachine.TestCase().runTest()


def test_a_number_whose_account_appears_meanwhile_gets_that_account(db, monkeypatch):
    """Two organisers typing in forms with the same new number: the second uses the account
    the first made (the phone is unique), rather than failing."""
    from portal.accounts import services as accounts

    camp = CampFactory()
    organiser = UserFactory(roles={Role.ORGANISER})
    (paper,) = services.print_forms(camp, 1, locale="ky", by=organiser)
    made_meanwhile = UserFactory(phone=PHONE)
    real = accounts.find_by_login
    calls = []

    def not_there_at_first(identifier):
        calls.append(identifier)
        return None if len(calls) == 1 else real(identifier)

    monkeypatch.setattr(accounts, "find_by_login", not_there_at_first)
    details = {
        "full_name": "Нурбек Асанов", "phone": PHONE, "date_of_birth": years_ago(19),
        "region_code": "KG-O", "district_code": "KG-O-ARAVAN", "community": None,
    }  # fmt: skip
    application = services.enter(
        paper, person=details, by=organiser,
        application={"motivation": "", "answers": {}, "photo_consent": False},
    )  # fmt: skip
    assert application.user_id == made_meanwhile.id and len(calls) == 2
