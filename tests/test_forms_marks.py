"""What the form macros say about each field: required, how long an answer may be, where a
long form is (its sections and progress)."""

import re
from html.parser import HTMLParser

import pytest

from portal.camps.models import ApplicationStatus as S
from portal.camps.models import CampQuestion
from portal.camps.models import QuestionKind
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import minor
from tests.helpers import translated
from tests.helpers import years_ago


class Fields(HTMLParser):
    """Each form control's attributes and its label's text, by id."""

    def __init__(self):
        super().__init__()
        self.controls: dict[str, dict] = {}
        self.labels: dict[str, str] = {}
        self._label_for = None
        self._label_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "textarea", "select") and attrs.get("id"):
            self.controls[attrs["id"]] = {"tag": tag, **attrs}
        if tag == "label" and attrs.get("for"):
            self._label_for, self._label_text = attrs["for"], []

    def handle_data(self, data):
        if self._label_for:
            self._label_text.append(data)

    def handle_endtag(self, tag):
        if tag == "label" and self._label_for:
            self.labels[self._label_for] = " ".join("".join(self._label_text).split())
            self._label_for = None


def fields_of(page: str) -> Fields:
    parser = Fields()
    parser.feed(page)
    return parser


def draft_for(client, login_as, db, **camp_attributes):
    login_as("youth", date_of_birth=years_ago(16))
    camp = CampFactory(**camp_attributes)
    response = client.post(f"/camps/{camp.id}/apply")
    return camp, response.headers["Location"]


def test_the_application_form_marks_what_sending_needs(client, login_as, db):
    camp, url = draft_for(client, login_as, db)
    db.session.add(
        CampQuestion(
            camp=camp,
            kind=QuestionKind.SHORT_TEXT,
            required=True,
            label={"ky": "Телефонуңуз барбы?"},
            position=1,
        )  # fmt: skip
    )
    db.session.commit()
    page = fields_of(client.get(url + "?lang=en").text)
    for needed in ("motivation", "safety_problem", "emergency_name", "emergency_phone",
                   "guardian_name", "guardian_relation", "guardian_phone"):  # fmt: skip
        assert page.labels[needed].endswith("(required)"), needed
        assert page.controls[needed].get("aria-required") == "true", needed
    question = next(i for i in page.controls if i.startswith("q_"))
    assert page.labels[question] == "Телефонуңуз барбы? (required)"
    for optional in ("previous_camps", "needs"):
        assert "(required)" not in page.labels[optional]
        assert "aria-required" not in page.controls[optional]
    # A group of choices says it in its legend.
    html = client.get(url + "?lang=en").text
    assert re.search(r"<legend>Languages you speak <span class=\"required\">\(required\)", html)


@pytest.mark.parametrize("lang", ["ky", "ru", "uz"])
def test_the_required_mark_is_translated(client, login_as, db, lang):
    _camp, url = draft_for(client, login_as, db)
    page = fields_of(client.get(f"{url}?lang={lang}").text)
    locale = "uz_Cyrl" if lang == "uz" else lang
    assert page.labels["motivation"].endswith(f"({translated('required', locale)})")


def test_every_field_a_validator_requires_is_marked(client, db):
    """Registration: the validators (DataRequired, InputRequired) decide, not the template."""
    page = fields_of(client.get("/auth/register?lang=en").text)
    required = [id_ for id_, attrs in page.controls.items() if "required" in attrs]
    assert {"password", "date_of_birth", "consent"} <= set(required)
    for id_ in required:
        assert page.labels[id_].endswith("(required)"), id_
    assert "(required)" not in page.labels["community"]


def test_a_staff_form_marks_its_required_choice(client, login_as, db):
    login_as("organiser")
    application = ApplicationFactory(applicant=minor(), status=S.SUBMITTED)
    html = client.get(f"/manage/applications/{application.id}?lang=en").text
    assert re.search(r"<legend>How did the guardian agree\? <span class=\"required\">", html)


def test_a_long_answer_says_its_limit_and_counts_with_javascript(client, login_as, db):
    _camp, url = draft_for(client, login_as, db)
    html = client.get(url + "?lang=en").text
    page = fields_of(html)
    assert "motivation-count" in page.controls["motivation"]["aria-describedby"].split()
    count = re.search(r'<p class="hint char-count" id="motivation-count"[^>]*>([^<]*)</p>', html)
    assert count and count.group(1) == "Up to 3000 characters."
    assert 'data-limit="3000"' in count.group(0)
    assert 'data-other="You have {n} characters left."' in count.group(0)
    assert 'data-one="You have {n} character left."' in count.group(0)
    # A one-line answer has no counter.
    assert "emergency_name-count" not in html


def test_the_counts_plural_forms_follow_the_language(client, login_as, db):
    _camp, url = draft_for(client, login_as, db)
    html = client.get(url + "?lang=ru").text
    count = re.search(r'<p class="hint char-count" id="motivation-count"[^>]*>', html).group(0)
    for category, sample in (("one", 1), ("few", 2), ("many", 5)):
        expected = translated(
            "You have %(left)s character left.", "ru", "You have %(left)s characters left.",
            num=sample, left="{n}",
        )  # fmt: skip
        assert f'data-{category}="{expected}"' in count
    assert translated("Up to %(num)d character.", "ru", "Up to %(num)d characters.", num=3000) in (
        html
    )


def test_the_application_form_is_in_sections_with_a_progress_list(client, login_as, db):
    _camp, url = draft_for(client, login_as, db)
    html = client.get(url + "?lang=en").text
    progress = re.search(r'<nav class="form-progress".*?</nav>', html, re.S).group(0)
    anchors = re.findall(r'<a href="#(section-[a-z]+)">', progress)
    assert anchors == ["section-about", "section-safety", "section-guardian", "section-background"]
    for anchor in anchors:
        assert f'<fieldset class="group" id="{anchor}">' in html
    assert "<legend>Section 2 of 4: Your safety</legend>" in html
    assert "1 of 4 sections are ready to send" in progress  # only the optional one
    assert "3 answers to give" in progress  # why, the problem, the languages
    # Filled in, a section says it is ready.
    client.post(url, data={"motivation": "Келгим келет", "safety_problem": "Көйгөй",
                           "spoken_languages": ["ky"], "action": "save"})  # fmt: skip
    progress = re.search(r'<nav class="form-progress".*?</nav>', client.get(url + "?lang=en").text,
                         re.S).group(0)  # fmt: skip
    assert re.search(r'<li class="done"><a href="#section-about">', progress)
    assert "2 of 4 sections are ready to send" in progress
