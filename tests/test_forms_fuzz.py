"""Property test: whatever is posted to any form of the portal, the answer is never a 500,
a refused form comes back with a message, and nothing is half-stored."""

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from portal.camps.models import ApplicationStatus
from portal.extensions import db
from portal.security import Role
from tests.factories import ActionPlanFactory
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import EnrolmentFactory
from tests.factories import TrainingSessionFactory
from tests.factories import YouthGroupFactory

NASTY = [
    "",
    " ",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    '"; DROP TABLE user; --',
    "\x00",
    "9" * 40,
    "-1",
    "0",
    "2026-13-45",
    "1e309",
    "null",
    "ꙮ" * 50,
    "\u202e\u0645\u0631\u062d\u0628\u0627",
    "𝔍𝔞𝔰𝔥𝔱𝔞𝔯",
    "a" * 6000,
    "../../etc/passwd",
    "%(name)s",
    "{{ 7*7 }}",
    "ооба",
    "yes",
]
VALUES = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=300),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
)
#: Tables whose row counts must not change when a form is refused.
TABLES = ("user", "application", "camp", "camp_question", "guardian_consent", "programme",
          "module", "training_session", "enrolment", "youth_group", "action_plan", "plan_version",
          "plan_review", "plan_comment", "progress_update", "erasure_request")  # fmt: skip


class FormFinder(HTMLParser):
    """Every POST form on a page: its action and the names of its fields."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, set[str]]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.forms.append((attrs.get("action") or "", set()))
        elif tag in ("input", "select", "textarea") and self.forms and attrs.get("name"):
            if attrs["name"] != "csrf_token":
                self.forms[-1][1].add(attrs["name"])


def counts() -> dict[str, int]:
    return {t: db.session.scalar(sa.text(f'SELECT COUNT(*) FROM "{t}"')) for t in TABLES}


@pytest.fixture
def every_form(client, login_as, db):
    """Sign in as someone who holds every role and find every form they can reach."""
    me = login_as("youth")
    me.set_roles({Role.YOUTH, Role.MENTOR, Role.ORGANISER, Role.ADMIN})
    camp = CampFactory()
    draft = ApplicationFactory(camp=camp, applicant=me, status=ApplicationStatus.DRAFT)
    other = ApplicationFactory(camp=camp)
    group = YouthGroupFactory(lead=me, mentors=[me])
    plan = ActionPlanFactory(group=group)
    session = TrainingSessionFactory(trainer=me)
    EnrolmentFactory(programme=session.programme)
    db.session.commit()
    pages = [
        "/account/profile", "/account/password", "/account/reset-link", "/account/data",
        f"/admin/users/{other.user_id}", "/manage/camps/new", f"/manage/camps/{camp.id}",
        f"/manage/camps/{camp.id}/applications", f"/manage/applications/{other.id}",
        f"/manage/camps/{camp.id}/balance", f"/applications/{draft.id}", "/groups/new",
        "/groups/join",
        f"/groups/{group.id}", f"/plans/{plan.id}", "/manage/programmes/new",
        f"/manage/programmes/{session.programme_id}", f"/sessions/{session.id}/attendance",
    ]  # fmt: skip
    forms = {}
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        finder = FormFinder()
        finder.feed(response.text)
        for action, fields in finder.forms:
            target = action or page
            if "/logout" in target or not fields:
                continue
            forms.setdefault(re.sub(r"\?.*", "", target), set()).update(fields)
    assert len(forms) >= 25, sorted(forms)
    return sorted(forms.items())


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_form_answers_500_or_stores_half_a_record(client, every_form, data):
    for action, fields in every_form:
        chosen = data.draw(
            st.lists(st.sampled_from(sorted(fields)), unique=True, max_size=len(fields))
        )
        payload = {name: data.draw(VALUES) for name in chosen}
        before = counts()
        response = client.post(action, data=payload)
        assert response.status_code < 500, (action, payload)
        if response.status_code == 400:
            assert counts() == before, (action, payload)
            assert 'class="error-summary"' in response.text or "<h1>" in response.text
