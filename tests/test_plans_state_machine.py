"""The action plans workflow as a state machine: members edit and "save and send" (once or with
a double click), mentors approve or ask for changes with scores and section comments, the group
revises, posts progress with each activity's status, writes in the discussion and carries the
plan out; the organiser archives plans, switches groups off and on and assigns or removes
mentors. Every step goes through the pages, signed in as whoever takes it, and some are tried
by people the rules refuse.

What is expected comes from the test's own record of who is what to each group and from the
transition table (portal/groups/transitions.py), the specification. After every step the
database, the plan pages, the review queues and the reports must agree with that record."""

import html
import re
from collections import Counter

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from hypothesis import HealthCheck
from hypothesis import event
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine
from hypothesis.stateful import initialize
from hypothesis.stateful import invariant
from hypothesis.stateful import rule
from hypothesis.stateful import run_state_machine_as_test

from portal import fragments
from portal.extensions import db as _db
from portal.extensions import limiter
from portal.groups import services
from portal.groups import transitions
from portal.groups.labels import CATEGORY_LABELS
from portal.groups.labels import STATUS_LABELS
from portal.groups.models import ActionPlan
from portal.groups.models import GroupMentor
from portal.groups.models import PlanActivity
from portal.groups.models import PlanComment
from portal.groups.models import PlanReview
from portal.groups.models import PlanStatus
from portal.groups.models import PlanVersion
from portal.groups.models import ProgressUpdate
from portal.groups.models import YouthGroup
from portal.groups.transitions import Step
from portal.groups.transitions import Who
from portal.notify import Notification
from portal.notify import OutboundEmail
from portal.security import Role
from tests.factories import REVIEW_SCORES
from tests.factories import ActionPlanFactory
from tests.factories import UserFactory
from tests.factories import YouthGroupFactory
from tests.factories import plan_in
from tests.factories import review_plan
from tests.helpers import sign_in
from tests.helpers import without_tokens

#: Who plays: two group leads, one young person in both groups, two mentors, an organiser.
YOUTH = ("lead0", "lead1", "both")
MENTORS = ("mentor0", "mentor1")
PEOPLE = (*YOUTH, *MENTORS, "organiser")
MAX_PLANS = 4

#: What members type: few values, so "unchanged since sent" and blank sections come up often.
CONTENT = st.fixed_dictionaries(
    {
        "title": st.sampled_from(["Кыздар мектепте калсын", "Тынчтык үчүн футбол"]),
        "problem": st.sampled_from(["Кыздар мектепти эрте таштайт.", "Жаштар бири-бирин билбейт."]),
        "indicators": st.sampled_from(["Мектеп журналы.", "Мектеп журналы.", ""]),
        "activities": st.sampled_from([("Жолугушуу",), ("Жолугушуу", "Концерт")]),
        "budget_som": st.sampled_from(["5000", ""]),
    }
)
#: The sections above as ActionPlanFactory writes them.
AS_THE_FACTORY_WRITES = {
    "title": "Кыздар мектепте калсын", "problem": "Кыздар мектепти эрте таштайт.",
    "indicators": "Мектеп журналы.", "activities": ("Жолугушуу",), "budget_som": "5000",
}  # fmt: skip
#: Sections a plan needs before it is sent (services.missing_sections), among those typed here.
REQUIRED = ("title", "problem", "indicators", "activities")
SECTION_COMMENTS = st.sampled_from(
    [{}, {"problem": "Кимдер менен сүйлөштүңөр?"}, {"activities": "Күндөрүн жазгыла.", "title": ""}]
)
SCORES = st.sampled_from(["1", "2", "3", "4"])
PERCENT = st.sampled_from([0, 40, 100, 150])  # 150: refused by the form, nothing written
ACTIVITY_STATUS = st.sampled_from(["not_started", "under_way", "done", "dropped"])
BODY = st.sampled_from(["Салам! Качан жолугабыз?", "   "])  # a blank message is refused

#: The steps, those that move a plan on first (Hypothesis draws early ones more often).
FORWARD = (
    Step.SEND, Step.APPROVE, Step.PROGRESS, Step.REQUEST_CHANGES, Step.COMPLETE, Step.SAVE,
    Step.COMMENT, Step.ARCHIVE,
)  # fmt: skip
#: The plan page's actions: a mark in its <main> for each step (a link, a button, a form).
STEP_BUTTONS = {
    Step.SAVE: re.compile(r'name="action" value="save"'),
    Step.SEND: re.compile(r'name="action" value="send"'),
    Step.APPROVE: re.compile(r'href="/plans/\d+/review"'),
    Step.REQUEST_CHANGES: re.compile(r'href="/plans/\d+/review"'),
    Step.COMMENT: re.compile(r'action="/plans/\d+/comments"'),
    Step.PROGRESS: re.compile(r'action="/plans/\d+/progress"'),
    Step.COMPLETE: re.compile(r'action="/plans/\d+/complete"'),
    Step.ARCHIVE: re.compile(r'action="/manage/plans/\d+/archive"'),
}
#: Every post form a plan page may hold: the plan's own form (no action) and those above.
KNOWN_FORMS = re.compile(
    r'<form method="post"( novalidate>| action="/(plans/\d+/(comments|progress|complete)'
    r'|manage/plans/\d+/archive)")'
)


def count(model, **where) -> int:
    query = sa.select(sa.func.count()).select_from(model)
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    return _db.session.scalar(query)


def typed_form(content: dict, action: str) -> dict:
    """The plan form as a member fills it in: `content` over fixed other sections."""
    data = {
        "title": content["title"], "category": "early_marriage", "problem": content["problem"],
        "root_causes": "Салттар.", "affected": "Кыздар.", "objectives": "Азайтуу.",
        "partners": ["school"], "partners_other": "", "risks": "Эч кимдин атын жазбайбыз.",
        "tension_avoidance": "Ата-энелер менен бирге.", "indicators": content["indicators"],
        "budget_som": content["budget_som"], "action": action,
    }  # fmt: skip
    for number, what in enumerate(content["activities"]):
        data |= {f"activities-{number}-what": what, f"activities-{number}-who": "Топ",
                 f"activities-{number}-resources": "", f"activities-{number}-starts_on": "",
                 f"activities-{number}-ends_on": ""}  # fmt: skip
    return data


def as_stored(plan: ActionPlan) -> dict:
    """The typed sections as the plan row holds them, to compare with what was typed."""
    return {
        "title": plan.title, "problem": plan.problem, "indicators": plan.indicators,
        "activities": tuple(a.what for a in plan.activities),
        "budget_som": "" if plan.budget_som is None else str(plan.budget_som),
    }  # fmt: skip


class PlansMachine(RuleBasedStateMachine):
    #: Set by the test: the browser every person signs in with in turn.
    client = None

    def __init__(self):
        super().__init__()
        # Each example starts clean: its rows go when its savepoint is rolled back at teardown.
        _db.session.close()
        self.example = _db.engines[None].begin_nested()
        limiter.reset()
        fragments.PAGES.clear()  # kept pages name rows by id and version, both rolled back
        #: The test's record: who is what, which group is on, each plan's status and rows.
        self.members: dict[int, set[str]] = {}
        self.lead: dict[int, str] = {}
        self.mentors: dict[int, set[str]] = {}
        self.active: dict[int, bool] = {}
        self.plans: list[int] = []
        self.group_of: dict[int, int] = {}
        self.status: dict[int, PlanStatus] = {}
        self.rows: dict[int, Counter] = {}
        #: What the last accepted "save and send" froze, per plan, as typed.
        self.sent: dict[int, dict | None] = {}
        #: What each plan's row holds of the typed sections (None: not typed here yet).
        self.typed: dict[int, dict | None] = {}
        #: How often each button was pressed on each plan (to press the others first).
        self.taken: dict[int, Counter] = {}
        #: (plan, version number, mentor, decision, scores, section comments) of every review.
        self.reviews: list[tuple] = []
        #: Version id → its row as first read; versions are frozen.
        self.frozen: dict[int, tuple] = {}
        #: Plans whose page the last step may have changed for someone.
        self.touched: set[int] = set()
        #: What the pages were last checked against (checked again only once it changes).
        self.pages_seen: dict[tuple, None] = {}
        self.queues_seen: dict[str, tuple] = {}
        self.reports_seen: dict[str, object] = {}
        self.signed_in = None

    def teardown(self):
        _db.session.rollback()
        _db.session.close()
        if self.example.is_active:
            self.example.rollback()

    # -- set-up ---------------------------------------------------------------------------

    @initialize(first=st.sampled_from([PlanStatus.DRAFT, PlanStatus.SUBMITTED,
                                       PlanStatus.APPROVED]))  # fmt: skip
    def two_groups(self, first):
        self.people = {name: UserFactory() for name in YOUTH}
        self.people |= {name: UserFactory(roles={Role.MENTOR}) for name in MENTORS}
        self.people["organiser"] = UserFactory(roles={Role.ORGANISER})
        self.ids = {name: person.id for name, person in self.people.items()}
        for number in (0, 1):
            lead, mentor = f"lead{number}", f"mentor{number}"
            group = YouthGroupFactory(lead=self.people[lead], members=[self.people["both"]],
                                      mentors=[self.people[mentor]])  # fmt: skip
            self.members[group.id] = {lead, "both"}
            self.lead[group.id] = lead
            self.mentors[group.id] = {mentor}
            self.active[group.id] = True
        # One plan to begin with, brought to `first` by the services (a factory's full draft).
        gid = min(self.members)
        group = _db.session.get(YouthGroup, gid)
        plan = plan_in(first, group) if first is not PlanStatus.DRAFT else ActionPlanFactory(
            group=group
        )  # fmt: skip
        self.record_plan(plan.id, gid, first)
        self.rows[plan.id].update(
            versions=len(plan.versions), reviews=int(first is PlanStatus.APPROVED)
        )
        # The factory's plan reads as a member may type it (its other sections are typed_form's).
        assert as_stored(plan) == AS_THE_FACTORY_WRITES
        self.typed[plan.id] = AS_THE_FACTORY_WRITES
        if plan.versions:
            self.sent[plan.id] = AS_THE_FACTORY_WRITES
            self.reviews += [(plan.id, 1, self.ids["mentor0"], "approve", None, None)] * (
                first is PlanStatus.APPROVED
            )
        _db.session.commit()

    def record_plan(self, plan_id, group_id, status):
        self.plans.append(plan_id)
        self.group_of[plan_id] = group_id
        self.status[plan_id] = status
        self.rows[plan_id] = Counter(versions=0, reviews=0, comments=0, progress=0)
        self.sent[plan_id] = None
        self.typed[plan_id] = None
        self.taken[plan_id] = Counter()
        self.touched.add(plan_id)

    # -- the record's answers ---------------------------------------------------------------

    def roles(self, name, plan_id) -> frozenset[Who]:
        group_id = self.group_of[plan_id]
        roles = set()
        if name in self.members[group_id]:
            roles.add(Who.MEMBER)
            if self.lead[group_id] == name:
                roles.add(Who.LEAD)
        if name in self.mentors[group_id]:
            roles.add(Who.MENTOR)
        if name == "organiser":
            roles.add(Who.ORGANISER)
        return frozenset(roles)

    def allowed(self, name, plan_id, step) -> bool:
        """The table gives `step` to `name` now; a switched-off group's plans are only archived."""
        if not self.active[self.group_of[plan_id]] and step is not Step.ARCHIVE:
            return False
        return bool(transitions.takers(self.status[plan_id], step) & self.roles(name, plan_id))

    def refusal(self, name, plan_id) -> int:
        """How a page answers a post the rules refuse: 404 to who may not even see the plan."""
        return 403 if self.roles(name, plan_id) else 404

    def moved(self, plan_id, step):
        before = self.status[plan_id]
        self.status[plan_id] = transitions.status_after(before, step)
        event(f"{step.value}: {before.value} -> {self.status[plan_id].value}")

    # -- helpers --------------------------------------------------------------------------

    def as_(self, name):
        if self.signed_in != name:
            sign_in(self.client, self.people[name])
            self.signed_in = name

    def plan(self, plan_id) -> ActionPlan:
        return _db.session.get(ActionPlan, plan_id)

    def a_plan(self, data) -> int:
        """A plan still under way more often than one carried out or archived."""
        live = [
            p
            for p in self.plans
            if self.status[p] not in (PlanStatus.ARCHIVED, PlanStatus.COMPLETED)
        ]
        plans = st.sampled_from(self.plans)
        return data.draw(st.sampled_from(live) | plans if live else plans, label="plan")

    def someone(self, data, plan_id, *steps) -> str:
        """Mostly someone the rules give one of `steps` to; anyone else now and then."""
        best = {
            name: min((FORWARD.index(step) for step in steps if self.allowed(name, plan_id, step)),
                      default=None)
            for name in PEOPLE
        }  # fmt: skip
        # Whoever may move the plan on comes first (Hypothesis draws early ones more often).
        given = sorted((n for n in PEOPLE if best[n] is not None), key=lambda n: best[n])
        anyone = st.sampled_from(PEOPLE)
        return data.draw(st.sampled_from(given) | anyone if given else anyone, label="who")

    def a_group(self, data) -> int:
        return data.draw(st.sampled_from(sorted(self.members)), label="group")

    def offered(self, name, plan_id) -> set[Step]:
        """The steps the plan page offers `name`: its links, buttons and forms, walked."""
        self.as_(name)
        response = self.client.get(f"/plans/{plan_id}?lang=en")
        if not self.roles(name, plan_id):
            assert response.status_code == 404, name
            return set()
        assert response.status_code == 200, name
        main = response.text.split("<main", 1)[1].split("</main>", 1)[0]
        forms = re.findall(r'<form method="post"[^>]*>', main)
        assert len(KNOWN_FORMS.findall(main)) == len(forms), forms  # no action left unchecked
        steps = {step for step, mark in STEP_BUTTONS.items() if mark.search(main)}
        if Step.APPROVE in steps:
            review = self.client.get(f"/plans/{plan_id}/review")
            assert review.status_code == 200
            decisions = set(re.findall(r'name="decision"[^>]*value="(\w+)"', review.text))
            assert decisions == {"approve", "request_changes"}
        return steps

    # -- the group's steps ------------------------------------------------------------------

    #: What happens next, by weight: mostly someone presses a button their page offers.
    ACTIONS = ("press", "press", "press", "step", "step", "step", "start", "switch", "assign",
               "remove")  # fmt: skip

    @rule(data=st.data(), action=st.sampled_from(ACTIONS))
    def something_happens(self, data, action):
        """One rule for every step: Hypothesis switches whole rules off in each run (swarm
        testing), and a short run with no sending or reviewing in it would test little."""
        live = [p for p in self.plans if self.status[p] not in (PlanStatus.ARCHIVED,
                                                                 PlanStatus.COMPLETED)]  # fmt: skip
        if action == "start" and len(self.plans) >= MAX_PLANS:
            action = "press"
        elif action == "press" and not live and len(self.plans) < MAX_PLANS:
            action = "start"  # every plan is done with: the group starts another
        {
            "press": self.press_what_the_page_offers, "step": self.someone_takes_a_step,
            "start": self.start_a_plan, "switch": self.switch_the_group_off_or_on,
            "assign": self.assign_a_mentor, "remove": self.remove_a_mentor,
        }[action](data)  # fmt: skip

    def start_a_plan(self, data):
        group_id = self.a_group(data)
        members = st.sampled_from(sorted(self.members[group_id]))
        name = data.draw(members | st.sampled_from(PEOPLE), label="who")
        self.as_(name)
        response = self.client.post(f"/groups/{group_id}/plans")
        member = name in self.members[group_id]
        if member and self.active[group_id]:
            assert response.status_code == 302
            plan_id = int(response.headers["Location"].rsplit("/", 1)[1])
            self.record_plan(plan_id, group_id, PlanStatus.DRAFT)
        else:
            sees = member or name == "organiser" or name in self.mentors[group_id]
            assert response.status_code == (403 if sees else 404)

    def post_plan_form(self, name, plan_id, content, action) -> int:
        self.as_(name)
        return self.client.post(f"/plans/{plan_id}?lang=en", data=typed_form(content, action))

    def someone_takes_a_step(self, data):
        """A step on a plan, mostly by someone the rules give it to, now and then by anyone."""
        plan_id = self.a_plan(data)
        step = data.draw(st.sampled_from(FORWARD), label="step")
        self.touched.add(plan_id)
        if step is Step.ARCHIVE:
            self.archive(data, plan_id)
            return
        name = self.someone(data, plan_id, step)
        take = {
            Step.SAVE: self.save_the_draft, Step.SEND: self.save_and_send,
            Step.APPROVE: self.review, Step.REQUEST_CHANGES: self.review,
            Step.COMMENT: self.write_in_the_discussion, Step.PROGRESS: self.post_progress,
            Step.COMPLETE: self.mark_carried_out,
        }[step]  # fmt: skip
        if not self.allowed(name, plan_id, step):
            self.check_the_service_refuses(step, plan_id, name)
        take(data, plan_id, name, step)

    def check_the_service_refuses(self, step, plan_id, name):
        """Behind the page, the service itself refuses a step the rules do not give (a page
        that forgot to ask would still write nothing)."""
        plan, person = self.plan(plan_id), self.people[name]
        attempt = {
            Step.SAVE: lambda: services.save_draft(plan, by=person, activities=[], title="?"),
            Step.SEND: lambda: services.submit(plan, by=person),
            Step.APPROVE: lambda: review_plan(plan, person, "approve"),
            Step.REQUEST_CHANGES: lambda: review_plan(plan, person, "request_changes"),
            Step.COMMENT: lambda: services.add_comment(plan, author=person, body="?"),
            Step.PROGRESS: lambda: services.post_progress(
                plan, by=person, percent=1, what_happened="?", statuses={}
            ),
            Step.COMPLETE: lambda: services.complete(plan, by=person),
        }[step]
        with pytest.raises(services.GroupError):
            with _db.session.begin_nested():
                attempt()

    def save_the_draft(self, data, plan_id, name, step):
        content = data.draw(CONTENT, label="content")
        response = self.post_plan_form(name, plan_id, content, "save")
        if self.allowed(name, plan_id, Step.SAVE):
            assert response.status_code == 302
            self.typed[plan_id] = content
        else:
            assert response.status_code == self.refusal(name, plan_id)

    def save_and_send(self, data, plan_id, name, step):
        """Once, or twice in a row as a double click does."""
        content = data.draw(CONTENT, label="content")
        for click in range(data.draw(st.sampled_from([1, 2]), label="clicks")):
            self.one_click_on_send(name, plan_id, content, again=click > 0)

    def one_click_on_send(self, name, plan_id, content, again):
        told = count(Notification), count(OutboundEmail)
        response = self.post_plan_form(name, plan_id, content, "send")
        if not self.allowed(name, plan_id, Step.SAVE):
            # A second click finds the version the first one sent: the plan page, nothing more.
            resent = (
                Who.LEAD in self.roles(name, plan_id)
                and self.sent[plan_id] == content
                and self.status[plan_id] not in (PlanStatus.DRAFT, PlanStatus.CHANGES_REQUESTED)
            )
            if resent:
                event("save and send: a click on a version already sent")
                assert response.status_code == 302
                # The page after sending (it sends on to the plan once it is reviewed).
                assert response.headers["Location"] == f"/plans/{plan_id}/sent"
                assert (count(Notification), count(OutboundEmail)) == told
            else:
                assert response.status_code == self.refusal(name, plan_id)
            return
        if not self.allowed(name, plan_id, Step.SEND):
            assert response.status_code == 403  # a member who is not the lead; nothing saved
            return
        self.typed[plan_id] = content  # the draft is saved whatever becomes of sending it
        if any(not content[section] for section in REQUIRED):
            event("save and send: a section missing")
            assert response.status_code == 400
            assert "Fill in every required section before sending the plan." in response.text
        elif self.sent[plan_id] == content:
            event("save and send: unchanged since the last version")
            assert response.status_code == 400
            number = self.rows[plan_id]["versions"]
            assert f"Nothing has changed since version {number} was sent." in response.text
        else:
            assert not again
            assert response.status_code == 302
            assert response.headers["Location"] == f"/plans/{plan_id}/sent"
            self.sent[plan_id] = content
            self.rows[plan_id]["versions"] += 1
            self.moved(plan_id, Step.SEND)
            mentors = len(self.mentors[self.group_of[plan_id]])
            assert (count(Notification), count(OutboundEmail)) == (told[0] + mentors,
                                                                   told[1] + mentors)  # fmt: skip

    def review(self, data, plan_id, name, step):
        """Scores for every criterion, comments on some sections, and the decision."""
        scores = data.draw(st.lists(SCORES, min_size=5, max_size=5), label="scores")
        comments = data.draw(SECTION_COMMENTS, label="section comments")
        self.as_(name)
        page = self.client.get(f"/plans/{plan_id}/review")
        form = {"overall_comment": "Жакшы башталыш.", "decision": step.value}
        for key, score in zip(REVIEW_SCORES, scores, strict=True):
            form |= {f"score_{key}": score, f"note_{key}": "Түшүнүктүү."}
        form |= {f"comment_{section}": text for section, text in comments.items()}
        response = self.client.post(f"/plans/{plan_id}/review", data=form)
        if not self.allowed(name, plan_id, step):
            assert (page.status_code, response.status_code) == (self.refusal(name, plan_id),) * 2
            return
        assert page.status_code == 200
        assert response.status_code == 302
        assert response.headers["Location"] == "/mentor/queue"
        given = {key: int(score) for key, score in zip(REVIEW_SCORES, scores, strict=True)}
        self.reviewed(plan_id, name, step, given, {k: text for k, text in comments.items() if text})

    def reviewed(self, plan_id, name, step, scores, comments):
        number = self.rows[plan_id]["versions"]
        self.reviews.append((plan_id, number, self.ids[name], step.value, scores, comments))
        self.rows[plan_id]["reviews"] += 1
        self.moved(plan_id, step)

    def write_in_the_discussion(self, data, plan_id, name, step):
        body = data.draw(BODY, label="message")
        self.as_(name)
        response = self.client.post(f"/plans/{plan_id}/comments", data={"body": body})
        if self.allowed(name, plan_id, Step.COMMENT):
            assert response.status_code == 302
            self.rows[plan_id]["comments"] += int(bool(body.strip()))
        else:
            assert response.status_code == self.refusal(name, plan_id)

    def post_progress(self, data, plan_id, name, step):
        """A share done and each activity's status (check each step of the plan)."""
        percent = data.draw(PERCENT, label="percent")
        activities = _db.session.scalars(
            sa.select(PlanActivity.id).where(PlanActivity.plan_id == plan_id)
        ).all()
        form = {"percent_complete": str(percent), "what_happened": "Мектепте жолугушуу өттү."}
        for number, activity_id in enumerate(activities):
            form |= {f"activities-{number}-activity": str(activity_id),
                     f"activities-{number}-status": data.draw(ACTIVITY_STATUS)}  # fmt: skip
        # A row for an activity of another plan is left out, never stored.
        form |= {f"activities-{len(activities)}-activity": "999999",
                 f"activities-{len(activities)}-status": "done"}  # fmt: skip
        self.as_(name)
        response = self.client.post(f"/plans/{plan_id}/progress", data=form)
        if not self.allowed(name, plan_id, Step.PROGRESS):
            assert response.status_code == self.refusal(name, plan_id)
        elif percent > 100:
            assert response.status_code == 400
        else:
            assert response.status_code == 302
            self.rows[plan_id]["progress"] += 1
            self.moved(plan_id, Step.PROGRESS)

    def mark_carried_out(self, data, plan_id, name, step):
        self.as_(name)
        response = self.client.post(f"/plans/{plan_id}/complete")
        if self.allowed(name, plan_id, Step.COMPLETE):
            assert response.status_code == 302
            self.moved(plan_id, Step.COMPLETE)
        else:
            assert response.status_code == self.refusal(name, plan_id)

    # -- the organiser's steps ----------------------------------------------------------------

    def archive(self, data, plan_id):
        live = [p for p in self.plans if self.status[p] is not PlanStatus.ARCHIVED]
        if live == [plan_id]:
            return  # never the last plan under way: an example with none left tests little
        self.as_("organiser")
        response = self.client.post(f"/manage/plans/{plan_id}/archive")
        if self.allowed("organiser", plan_id, Step.ARCHIVE):
            assert response.status_code == 302
            self.moved(plan_id, Step.ARCHIVE)
        else:
            assert response.status_code == 303  # refused with a message, back where they were

    def switch_the_group_off_or_on(self, data):
        group_id = self.a_group(data)
        self.as_("organiser")
        state = "off" if self.active[group_id] else "on"
        response = self.client.post(f"/manage/groups/{group_id}/active", data={"state": state})
        assert response.status_code == 302
        self.active[group_id] = not self.active[group_id]
        event(f"group switched {'on' if self.active[group_id] else 'off'}")
        self.touched |= {p for p in self.plans if self.group_of[p] == group_id}

    def assign_a_mentor(self, data):
        group_id = self.a_group(data)
        mentor = data.draw(st.sampled_from(MENTORS), label="mentor")
        self.as_("organiser")
        response = self.client.post(
            f"/manage/groups/{group_id}/mentors", data={"mentor": str(self.ids[mentor])}
        )
        assert response.status_code == 302
        self.mentors[group_id].add(mentor)
        self.touched |= {p for p in self.plans if self.group_of[p] == group_id}

    def remove_a_mentor(self, data):
        group_id = self.a_group(data)
        mentor = data.draw(st.sampled_from(sorted(self.mentors[group_id]) or MENTORS),
                           label="mentor")  # fmt: skip
        self.as_("organiser")
        response = self.client.post(f"/manage/groups/{group_id}/mentors/{self.ids[mentor]}/remove")
        assert response.status_code == 302
        self.mentors[group_id].discard(mentor)
        self.touched |= {p for p in self.plans if self.group_of[p] == group_id}

    # -- someone presses a button their page offers ----------------------------------------------

    def press_what_the_page_offers(self, data):
        """Someone opens a plan and presses a button it offers: the service takes the step."""
        plan_id = self.a_plan(data)
        name = self.someone(data, plan_id, *Step)
        # Steps not yet taken on this plan first, then those that move it on.
        shown = self.offered(name, plan_id)
        offered = sorted(
            (step for step in FORWARD if step in shown),
            key=lambda step: (self.taken[plan_id][step], FORWARD.index(step)),
        )
        if not offered:
            return
        step = data.draw(st.sampled_from(offered), label="button")
        self.touched.add(plan_id)
        before = self.status[plan_id]
        if step is Step.SAVE:
            content = data.draw(CONTENT, label="content")
            assert self.post_plan_form(name, plan_id, content, "save").status_code == 302
            self.typed[plan_id] = content
        elif step is Step.SEND:
            self.one_click_on_send(name, plan_id, data.draw(CONTENT), again=False)
        elif step in (Step.APPROVE, Step.REQUEST_CHANGES):
            self.as_(name)
            form = {"overall_comment": "Жакшы.", "decision": step.value}
            for key in REVIEW_SCORES:
                form |= {f"score_{key}": "3", f"note_{key}": "Жакшы."}
            assert self.client.post(f"/plans/{plan_id}/review", data=form).status_code == 302
            self.reviewed(plan_id, name, step, dict.fromkeys(REVIEW_SCORES, 3), {})
        elif step is Step.COMMENT:
            self.as_(name)
            response = self.client.post(f"/plans/{plan_id}/comments", data={"body": "Салам"})
            assert response.status_code == 302
            self.rows[plan_id]["comments"] += 1
        elif step is Step.PROGRESS:
            self.as_(name)
            form = {"percent_complete": "60", "what_happened": "Концерт өттү."}
            assert self.client.post(f"/plans/{plan_id}/progress", data=form).status_code == 302
            self.rows[plan_id]["progress"] += 1
            self.moved(plan_id, step)
        elif step is Step.COMPLETE:
            self.as_(name)
            assert self.client.post(f"/plans/{plan_id}/complete").status_code == 302
            self.moved(plan_id, step)
        else:
            self.as_(name)
            assert self.client.post(f"/manage/plans/{plan_id}/archive").status_code == 302
            self.moved(plan_id, step)
        event(f"pressed {step.value} on a {before.value} plan")
        self.taken[plan_id][step] += 1

    # -- invariants, read back from the database ----------------------------------------------

    @invariant()
    def the_database_agrees_with_the_record(self):
        _db.session.expire_all()
        plans = {plan.id: plan for plan in _db.session.scalars(sa.select(ActionPlan)).all()}
        assert sorted(plans) == sorted(self.plans)
        for plan_id, plan in plans.items():
            # Each status is the one the table leads to from the last, by the steps accepted.
            assert plan.status is self.status[plan_id], plan_id
            assert plan.group.active is self.active[plan.group_id]
            if self.typed[plan_id] is not None:
                assert as_stored(plan) == self.typed[plan_id]
            rows = Counter(
                versions=count(PlanVersion, plan_id=plan_id),
                reviews=_db.session.scalar(
                    sa.select(sa.func.count()).select_from(PlanReview).join(PlanVersion)
                    .where(PlanVersion.plan_id == plan_id)
                ),
                comments=count(PlanComment, plan_id=plan_id),
                progress=count(ProgressUpdate, plan_id=plan_id),
            )  # fmt: skip
            # Nothing is written but by the steps accepted: none to a switched-off group or to
            # an archived plan.
            assert rows == self.rows[plan_id], plan_id
        mentored = {
            (link.group_id, link.mentor_id)
            for link in _db.session.scalars(sa.select(GroupMentor)).all()
        }
        assert mentored == {
            (group_id, self.ids[name]) for group_id, names in self.mentors.items() for name in names
        }
        self.check_versions_are_frozen_numbered_and_each_a_change()
        self.check_reviews_are_the_mentors_steps()
        self.check_progress_names_only_the_plans_activities()

    def check_versions_are_frozen_numbered_and_each_a_change(self):
        versions = _db.session.scalars(
            sa.select(PlanVersion).order_by(PlanVersion.plan_id, PlanVersion.number)
        ).all()
        by_plan: dict[int, list[PlanVersion]] = {}
        for version in versions:
            row = (version.plan_id, version.number, version.content, version.submitted_by_id,
                   version.submitted_at)  # fmt: skip
            assert self.frozen.setdefault(version.id, row) == row, version.id
            by_plan.setdefault(version.plan_id, []).append(version)
        assert set(self.frozen) == {version.id for version in versions}  # none removed either
        for plan_id, sent in by_plan.items():
            assert [version.number for version in sent] == list(range(1, len(sent) + 1))
            assert all(a.content != b.content for a, b in zip(sent, sent[1:], strict=False))
            last = sent[-1].content
            if self.sent[plan_id]:
                assert (last["title"], last["problem"], last["indicators"]) == tuple(
                    self.sent[plan_id][key] for key in ("title", "problem", "indicators")
                )

    def check_reviews_are_the_mentors_steps(self):
        """Every review is one a mentor of the group made, of the version then waiting."""
        reviews = _db.session.execute(
            sa.select(PlanVersion.plan_id, PlanVersion.number, PlanReview.mentor_id,
                      PlanReview.decision, PlanReview.scores, PlanReview.section_comments)
            .join(PlanVersion).order_by(PlanReview.id)
        ).all()  # fmt: skip
        assert len(reviews) == len(self.reviews)
        for found, expected in zip(reviews, self.reviews, strict=True):
            plan_id, number, mentor_id, decision, scores, comments = found
            assert (plan_id, number, mentor_id, decision.value) == expected[:4]
            if expected[4] is not None:
                assert {key: value["score"] for key, value in scores.items()} == expected[4]
                assert comments == expected[5]

    def check_progress_names_only_the_plans_activities(self):
        for update in _db.session.scalars(sa.select(ProgressUpdate)).all():
            activities = _db.session.scalars(
                sa.select(PlanActivity.id).where(PlanActivity.plan_id == update.plan_id)
            ).all()
            assert set(update.activity_statuses) <= {str(a) for a in activities}
            assert 0 <= update.percent_complete <= 100

    @invariant()
    def every_page_offers_what_the_rules_give_and_nothing_else(self):
        """The plans the last step touched, as everyone sees them: the page's actions are
        exactly the steps the rules give that person (and the rules' steps are the service's:
        every post above that the record allows succeeds, and every other is refused). Each
        page is walked for every status, group on or off, and what the person is to the group
        (the button pressed next walks its own page again)."""
        for plan_id in sorted(self.touched):
            for name in PEOPLE:
                roles = self.roles(name, plan_id)
                key = (name, roles) + (
                    (self.status[plan_id], self.active[self.group_of[plan_id]]) if roles else ()
                )  # someone the plan is nothing to gets a 404 whatever its state
                if key in self.pages_seen:
                    continue
                expected = {step for step in Step if self.allowed(name, plan_id, step)}
                assert self.offered(name, plan_id) == expected, (name, self.status[plan_id])
                self.pages_seen[key] = None
        self.touched.clear()

    @invariant()
    def every_kept_page_is_the_page_drawn_afresh(self):
        """Each plan as everyone who may see it is served (a reader's page kept from an earlier
        step when its version has not moved, portal/groups/kept.py) is the page a worker that
        kept nothing draws: no step leaves a kept page stale."""
        for plan_id in self.plans:
            for name in PEOPLE:
                if not self.roles(name, plan_id):
                    continue
                self.as_(name)
                served = without_tokens(self.client.get(f"/plans/{plan_id}").text)
                # Drawn by a worker that kept nothing; then everyone's kept pages are put back,
                # to be served after the next step.
                pages = dict(fragments.PAGES)
                fragments.PAGES.clear()
                drawn = without_tokens(self.client.get(f"/plans/{plan_id}").text)
                fragments.PAGES.update(pages)
                assert served == drawn, (name, plan_id)

    @invariant()
    def each_mentor_queue_holds_the_plans_they_may_review(self):
        for mentor in MENTORS:
            groups = {g for g, names in self.mentors.items() if mentor in names}
            key = tuple(
                (p, self.status[p], self.active[self.group_of[p]])
                for p in self.plans if self.group_of[p] in groups
            )  # fmt: skip
            if self.queues_seen.get(mentor) == (groups, key):
                continue  # nothing changed in the groups they mentor
            self.queues_seen[mentor] = (groups, key)
            self.as_(mentor)
            queue = self.client.get("/mentor/queue").text.split("<main", 1)[1]
            listed = {int(p) for p in re.findall(r'href="/plans/(\d+)/review"', queue)}
            assert listed == {p for p in self.plans if self.allowed(mentor, p, Step.APPROVE)}

    @invariant()
    def the_reports_count_the_raw_rows(self):
        """The dashboard's plans table and chart (the organiser's, and a mentor's for their
        groups) and the public page's plan figures are the raw rows counted."""
        raw = _db.session.execute(
            sa.select(ActionPlan.status, ActionPlan.category, ActionPlan.group_id)
        ).all()
        viewers = {"organiser": raw}
        # One mentor's dashboard stands for both (they play the same part; each page costs).
        viewers["mentor0"] = [row for row in raw if "mentor0" in self.mentors[row.group_id]]
        for name, rows in viewers.items():
            if self.reports_seen.get(name) == Counter(rows):
                continue  # the figures this person sees have not changed since last checked
            self.reports_seen[name] = Counter(rows)
            self.as_(name)
            assert plans_table(self.client.get("/reports?lang=en").text) == expected_table(rows)
        done = sum(1 for row in raw if row.status is PlanStatus.COMPLETED)
        if self.reports_seen.get("public") == (len(raw), done):
            return
        self.reports_seen["public"] = (len(raw), done)
        glance = self.client.get("/at-a-glance?lang=en").text
        figures = {
            label: int(figure)
            for figure, label in re.findall(
                r'<p class="figure">(\d+)</p><p>(action plans? (?:drafted|carried out))</p>', glance
            )
        }
        assert figures == {
            ("action plan drafted" if len(raw) == 1 else "action plans drafted"): len(raw),
            ("action plan carried out" if done == 1 else "action plans carried out"): done,
        }


def plans_table(page: str) -> dict:
    """(row, column) → figure of the dashboard's plans table, with its totals and its chart."""
    section = page.split('aria-labelledby="table-plans"', 1)[1].split("</section>", 1)[0]
    if "<table>" not in section:
        return {}
    head = re.findall(r'<th scope="col" class="num">(.*?)</th>', section)
    table = {}
    for label, cells in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', section):
        for column, figure in zip(head, re.findall(r'<td class="num">(.*?)</td>', cells),
                                  strict=True):  # fmt: skip
            if figure != "0":
                table[(html.unescape(label), html.unescape(column))] = int(figure)
    chart = section.split("</svg>", 1)[0]
    drawn = {
        (html.unescape(row), html.unescape(column)): int(value)
        for value, row, column in re.findall(
            r'<rect [^>]*data-value="(\d+)"><title>(.*?) · (.*?): \d+</title>', chart
        )
    }
    body = {cell: n for cell, n in table.items() if cell[0] != "Total"}
    assert drawn == body  # the chart draws every figure of the table, each as it is
    return table


def expected_table(raw) -> dict:
    with force_locale("en"):
        cells = Counter(
            (str(CATEGORY_LABELS[row.category]), str(STATUS_LABELS[row.status])) for row in raw
        )
        cells.update(("Total", str(STATUS_LABELS[row.status])) for row in raw)
    return dict(cells)


def test_a_double_click_on_save_and_send_shows_the_plan_and_sends_one_version(client, db):
    """The second of two identical posts finds its version sent: the plan page, not a 403, and
    no second version or message to the mentor."""
    mentor = UserFactory(roles={Role.MENTOR})
    group = YouthGroupFactory(mentors=[mentor])
    plan = plan_in(PlanStatus.CHANGES_REQUESTED, group)
    sign_in(client, group.lead)
    data = typed_form(
        {"title": "Жаңы аталыш", "problem": "Кыздар мектепти эрте таштайт.",
         "indicators": "Мектеп журналы.", "activities": ("Жолугушуу",), "budget_som": ""},
        "send",
    )  # fmt: skip
    first = client.post(f"/plans/{plan.id}", data=data)
    told = count(Notification, user_id=mentor.id), count(OutboundEmail, user_id=mentor.id)
    second = client.post(f"/plans/{plan.id}?lang=en", data=data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert second.headers["Location"] == first.headers["Location"] == f"/plans/{plan.id}/sent"
    assert "Version 2 is sent to your mentors." in client.get(f"/plans/{plan.id}?lang=en").text
    assert count(PlanVersion, plan_id=plan.id) == 2
    assert (count(Notification, user_id=mentor.id), count(OutboundEmail, user_id=mentor.id)) == told
    # Anyone else, or other text, is still refused: only the click that sent it is answered so.
    sign_in(client, UserFactory())
    assert client.post(f"/plans/{plan.id}", data=data).status_code == 404
    sign_in(client, group.lead)
    data["title"] = "Башка аталыш"
    assert client.post(f"/plans/{plan.id}", data=data).status_code == 403
    db.session.refresh(plan)
    assert (plan.status, plan.title) == (PlanStatus.SUBMITTED, "Жаңы аталыш")


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_plans_state_machine(app, db, client):
    PlansMachine.client = client
    run_state_machine_as_test(
        PlansMachine,
        settings=settings(
            max_examples=6,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
