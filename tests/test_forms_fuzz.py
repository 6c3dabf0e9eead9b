"""Property test: whatever is posted to any form of the portal, or asked of any list page, the
answer is never a 500, a refused form comes back with a message, and nothing is half-stored."""

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from portal.camps.models import ApplicationStatus
from portal.camps.paper.models import PaperForm
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
#: Well-formed but odd: the calendar's edges (days, months, date-times) …
CALENDAR_EDGES = [
    "9999-12-31", "0001-01-01", "9999-12", "0001-01", "9999-12-30", "1899-12-31", "2101-01-01",
    "0000-00-00", "10000-01-01", "2025-02-29", "0001-01-01T00:00", "9999-12-31T23:59",
]  # fmt: skip
#: … and page numbers or ids too big for any database column.
HUGE_NUMBERS = ["99999999999999999999", "9223372036854775808", "-9223372036854775809",
                "2147483648", "1" + "0" * 400, "1e-999999999", "NaN", "-Infinity"]  # fmt: skip
EDGES = CALENDAR_EDGES + HUGE_NUMBERS
VALUES = st.one_of(
    st.sampled_from(NASTY),
    st.sampled_from(EDGES),
    st.text(max_size=300),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
)
#: Tables whose row counts must not change when a form is refused.
TABLES = ("user", "application", "camp", "camp_question", "guardian_consent", "programme",
          "module", "training_session", "enrolment", "youth_group", "action_plan", "plan_version",
          "plan_review", "plan_comment", "progress_update", "erasure_request",
          "paper_form")  # fmt: skip


class FormFinder(HTMLParser):
    """Every form of one method on a page: its action and its fields, each with the values the
    page offers (a checkbox group or a button lists several)."""

    def __init__(self, method="post"):
        super().__init__()
        self.method = method
        self.forms: list[tuple[str, dict[str, list[str]]]] = []
        self._inside = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._inside = (attrs.get("method") or "get").lower() == self.method
            if self._inside:
                self.forms.append((attrs.get("action") or "", {}))
        elif not self._inside or not self.forms:
            return
        elif tag in ("input", "select", "textarea", "button") and attrs.get("name"):
            if attrs["name"] != "csrf_token":
                self._last = self.forms[-1][1].setdefault(attrs["name"], [])
                self._last.append(attrs.get("value") or "")
        elif tag == "option" and attrs.get("value"):
            self._last.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False


def find_forms(html: str, method="post") -> list[tuple[str, dict[str, list[str]]]]:
    finder = FormFinder(method)
    finder.feed(html)
    return finder.forms


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
    paper = PaperForm(code="FUZZ2345", camp_id=camp.id)
    db.session.add(paper)
    db.session.commit()
    pages = [
        "/account/profile", "/account/password", "/account/reset-link", "/account/data",
        f"/admin/users/{other.user_id}", "/manage/camps/new", f"/manage/camps/{camp.id}",
        f"/manage/camps/{camp.id}/applications", f"/manage/applications/{other.id}",
        f"/manage/camps/{camp.id}/balance", f"/applications/{draft.id}", "/groups/new",
        "/groups/join",
        f"/groups/{group.id}", f"/plans/{plan.id}", "/manage/programmes/new",
        f"/manage/programmes/{session.programme_id}", f"/sessions/{session.id}/attendance",
        f"/manage/camps/{camp.id}/paper", f"/manage/paper/{paper.id}", "/claim",
    ]  # fmt: skip
    forms = {}
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        for action, fields in find_forms(response.text):
            target = action or page
            if "/logout" in target or not fields:
                continue
            found = forms.setdefault(re.sub(r"\?.*", "", target), {})
            for name, values in fields.items():
                found.setdefault(name, []).extend(values)
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


def overlong(fields: dict[str, list[str]], times: int) -> dict[str, list[str]]:
    """The form with every list `times` longer than the page shows: rows of a row list
    (`activities-0-what`) and repeated keys (a checkbox group, a button, any field)."""
    rows: dict[str, set[int]] = {}
    payload: dict[str, list[str]] = {}
    for name, values in fields.items():
        row = re.fullmatch(r"(.+)-(\d+)-(.+)", name)
        if row:
            rows.setdefault(row[1], set()).add(int(row[2]))
        offered = [value for value in values if value] or ["1"]
        payload[name] = (offered * times)[: len(offered) * times]
    for name, values in list(payload.items()):
        row = re.fullmatch(r"(.+)-(\d+)-(.+)", name)
        if row:
            del payload[name]
            for index in range(len(rows[row[1]]) * times):
                payload[f"{row[1]}-{index}-{row[3]}"] = values[:1]
            # Row numbers that are digits to Python but not to int(), or too long for it.
            for index in ("²", "9" * 5000):
                payload[f"{row[1]}-{index}-{row[3]}"] = values[:1]
    return payload


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_form_answers_500_to_lists_longer_than_it_shows(client, every_form, data):
    for action, fields in every_form:
        times = data.draw(st.sampled_from([10, 50]))
        payload = overlong(fields, times)
        # The button that asks for one more row, on a list already longer than allowed.
        for name, values in fields.items():
            if name == "action" or data.draw(st.booleans()):
                payload[name] = [data.draw(st.sampled_from([v for v in values if v] or [""]))]
        before = counts()
        response = client.post(action, data=payload)
        assert response.status_code < 500, (action, times)
        if response.status_code == 400:
            assert counts() == before, (action, times)


LINKED_KEYS = ("page", "month", "day", "seed", "suggest", "date_from", "date_to", "year", "who",
               "health")  # fmt: skip


def query_values(name: str, offered: list[str]):
    """Values for one query key: mostly the calendar's edges for a date, huge ones for a page,
    else often one the page offers, so that the other filters let the odd one through."""
    if name in ("page", "seed"):
        return st.one_of(st.sampled_from(HUGE_NUMBERS), VALUES)
    if "date" in name or name in ("month", "day"):
        return st.sampled_from(CALENDAR_EDGES) | st.sampled_from(CALENDAR_EDGES[:4]) | VALUES
    offered = [value for value in offered if value]
    return st.one_of(st.sampled_from(offered), VALUES) if offered else VALUES


@pytest.fixture
def every_list(client, login_as, db):
    """Sign in as someone who holds every role; every list page and the fields of its filters."""
    me = login_as("youth")
    me.set_roles({Role.YOUTH, Role.MENTOR, Role.ORGANISER, Role.ADMIN})
    camp = CampFactory()
    ApplicationFactory(camp=camp, applicant=me)
    group = YouthGroupFactory(lead=me, mentors=[me])
    ActionPlanFactory(group=group)
    session = TrainingSessionFactory(trainer=me)
    EnrolmentFactory(programme=session.programme, person=me)
    db.session.commit()
    pages = [
        "/camps", "/applications", "/notifications", "/training", "/training/sessions", "/groups",
        f"/groups/{group.id}", "/mentor/queue", "/mentor/reviews", "/manage/camps",
        f"/manage/camps/{camp.id}/applications", f"/manage/camps/{camp.id}/balance",
        f"/manage/camps/{camp.id}/checkin", f"/manage/camps/{camp.id}/waitlist",
        f"/manage/camps/{camp.id}/export.csv", "/manage/programmes",
        f"/manage/programmes/{session.programme_id}", "/manage/ambassadors",
        "/manage/ambassadors/export.csv", "/manage/plans", "/manage/groups", "/admin/users",
        "/admin/audit", "/admin/erasure", "/reports", "/reports/export.csv", "/at-a-glance",
    ]  # fmt: skip
    lists = []
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        # What links (not forms) put in a list's address, e.g. the report's export keeps its dates.
        fields = {name: [""] for name in LINKED_KEYS}
        for action, found in find_forms(response.text, "get"):
            if not action or action.split("?")[0] == page:
                fields.update(found)
        lists.append((page, fields))
    return lists


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_list_page_answers_500_to_odd_query_values(client, every_list, data):
    for page, fields in every_list:
        query = {}
        for name in sorted(fields):
            if data.draw(st.booleans()):
                value = data.draw(query_values(name, fields[name]))
                # Now and then a key repeated far more often than the page ever sends it.
                repeat = data.draw(st.sampled_from([1, 1, 1, 10 * len(fields[name])]))
                query[name] = [value] * repeat
        response = client.get(page, query_string=query)
        assert response.status_code < 500, (page, query)


@pytest.mark.parametrize(
    "query",
    [
        {"month": "9999-12"},
        {"month": "0001-01"},
        {"page": "99999999999999999999"},
        {"date_from": "0001-01-01", "date_to": "9999-12-31"},
        {"date_from": "9999-12-31"},
        {"date_from": "0001-01-01", "date_to": "0001-01-01"},
        {"date_to": "9999-12-31"},
        {"date_from": "9999-12-30", "date_to": "9999-12-31"},
    ],
)
def test_list_pages_answer_calendar_edges_and_huge_pages_with_a_page_or_4xx(
    client, every_list, query
):
    for page, _fields in every_list:
        response = client.get(page, query_string=query)
        assert response.status_code < 500, (page, query)
