"""The programme's reach, counted in SQL (GROUP BY), for a period, a region and a scope.

Every function issues a fixed number of queries whatever the amount of data. Inside
`counted_once()` each is counted once per scope: the job that keeps the figures warm renders
the dashboard in every language and the public page from one count of each.
"""

import functools
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import TypeVar

import sqlalchemy as sa

from portal.accounts.models import User
from portal.ages import AGE_BANDS
from portal.ages import years_before
from portal.camps.models import Application
from portal.camps.models import ApplicationEthnicity
from portal.camps.models import ApplicationStatus
from portal.camps.models import Camp
from portal.camps.models import CampStatus
from portal.extensions import db
from portal.groups.models import ActionPlan
from portal.groups.models import GroupMentor
from portal.groups.models import Membership
from portal.groups.models import YouthGroup
from portal.i18n import BISHKEK
from portal.i18n import local_today
from portal.training.models import ATTENDED
from portal.training.models import Attendance
from portal.training.models import Enrolment
from portal.training.models import EnrolmentStatus
from portal.training.models import Module
from portal.training.models import Programme
from portal.training.models import TrainingSession

F = TypeVar("F", bound=Callable)
#: (function, scope) → its result, while `counted_once()` runs; None otherwise.
_COUNTED: ContextVar[dict | None] = ContextVar("reach_counted", default=None)


@contextmanager
def counted_once() -> Iterator[None]:
    """Count each figure once per scope while the block runs: the results are language-free
    (codes and numbers), so every language's page can be built from them. Callers only read
    them."""
    token = _COUNTED.set({})
    try:
        yield
    finally:
        _COUNTED.reset(token)


def _once(count: F) -> F:
    @functools.wraps(count)
    def counted(scope):
        kept = _COUNTED.get()
        if kept is None:
            return count(scope)
        key = (count.__name__, scope)
        if key not in kept:
            kept[key] = count(scope)
        return kept[key]

    return counted  # type: ignore[return-value]


@dataclass(frozen=True)
class Scope:
    """What a report covers: a period (Bishkek dates, inclusive), a region, and for mentors
    only the groups they mentor."""

    start: date
    end: date
    region: str | None = None
    mentor_id: int | None = None

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), BISHKEK)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), BISHKEK)


def _mentored_groups(scope: Scope):
    return sa.select(GroupMentor.group_id).where(GroupMentor.mentor_id == scope.mentor_id)


def reached_ids(scope: Scope):
    """Distinct people who applied, attended a camp, took part in training or were in a group."""
    applied = sa.select(Application.user_id.label("user_id")).where(
        Application.submitted_at >= scope.since, Application.submitted_at < scope.until
    )
    attended = (
        sa.select(Application.user_id.label("user_id"))
        .join(Camp, Camp.id == Application.camp_id)
        .where(
            Application.status == ApplicationStatus.ATTENDED,
            Camp.start_date >= scope.start,
            Camp.start_date <= scope.end,
        )
    )
    trained = (
        sa.select(Enrolment.user_id.label("user_id"))
        .join(Attendance, Attendance.enrolment_id == Enrolment.id)
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .where(
            Attendance.status.in_(ATTENDED),
            TrainingSession.starts_at >= scope.since,
            TrainingSession.starts_at < scope.until,
        )
    )
    grouped = sa.select(Membership.user_id.label("user_id")).where(
        Membership.joined_at < scope.until,
        sa.or_(Membership.left_at.is_(None), Membership.left_at >= scope.since),
    )
    if scope.mentor_id is not None:
        # A mentor's summary covers the members of their own groups only.
        return grouped.where(Membership.group_id.in_(_mentored_groups(scope)))
    return sa.union(applied, attended, trained, grouped)


def ambassador_ids(scope: Scope):
    query = (
        sa.select(Enrolment.user_id)
        .join(Programme, Programme.id == Enrolment.programme_id)
        .where(
            Programme.makes_ambassadors.is_(True),
            Enrolment.status == EnrolmentStatus.COMPLETED,
            Enrolment.completed_at >= scope.since,
            Enrolment.completed_at < scope.until,
        )
    )
    if scope.mentor_id is not None:
        query = query.where(Enrolment.user_id.in_(reached_ids(scope)))
    return query


def camp_participant_ids(scope: Scope):
    query = (
        sa.select(Application.user_id)
        .join(Camp, Camp.id == Application.camp_id)
        .where(
            Application.status == ApplicationStatus.ATTENDED,
            Camp.start_date >= scope.start,
            Camp.start_date <= scope.end,
        )
    )
    if scope.mentor_id is not None:
        query = query.where(Application.user_id.in_(reached_ids(scope)))
    return query


def group_member_ids(scope: Scope):
    query = sa.select(Membership.user_id).where(
        Membership.joined_at < scope.until,
        sa.or_(Membership.left_at.is_(None), Membership.left_at >= scope.since),
    )
    if scope.mentor_id is not None:
        query = query.where(Membership.group_id.in_(_mentored_groups(scope)))
    return query


METRICS = {
    "reached": reached_ids,
    "camp_participants": camp_participant_ids,
    "ambassadors": ambassador_ids,
    "group_members": group_member_ids,
}


def age_band_column(reference: date):
    """A SQL CASE giving the age band on `reference` from the date of birth."""

    def born_before(years: int) -> date:
        return years_before(reference, years)

    whens = [
        (
            sa.and_(
                User.date_of_birth <= born_before(low), User.date_of_birth > born_before(high + 1)
            ),
            label,
        )
        for label, low, high in AGE_BANDS
    ]
    return sa.case(*whens, else_="?")


def dimension_column(dimension: str, scope: Scope):
    if dimension == "region":
        return User.region_code
    if dimension == "district":
        return User.district_code
    if dimension == "gender":
        return sa.func.coalesce(sa.cast(User.gender, sa.String), "unknown")
    if dimension == "age_band":
        return age_band_column(scope.end)
    raise KeyError(dimension)


def _people(ids, scope: Scope):
    """Users among `ids`, within the region filter."""
    query = sa.select(User.id).where(User.id.in_(ids))
    if scope.region:
        query = query.where(User.region_code == scope.region)
    return query


DIMENSIONS = ("region", "district", "gender", "age_band")


def cube(scope: Scope, metric: str) -> list[tuple]:
    """(region, district, gender, age band, people) for one metric: one GROUP BY query."""
    columns = [dimension_column(d, scope).label(d) for d in DIMENSIONS]
    query = (
        sa.select(*columns, sa.func.count(User.id))
        .where(User.id.in_(_people(METRICS[metric](scope), scope)))
        .group_by(*columns)
    )
    return [
        (*(getattr(value, "value", value) or "?" for value in row[:-1]), row[-1])
        for row in db.session.execute(query)
    ]


@_once
def breakdowns(scope: Scope) -> tuple[dict[str, int], dict[str, dict[str, dict[str, int]]]]:
    """Totals per metric, and dimension → value → {metric: people}, from one cube per metric.

    Each person falls in exactly one cell of a cube, so adding cells gives distinct people.
    """
    totals = {}
    result: dict[str, dict[str, dict[str, int]]] = {d: {} for d in DIMENSIONS}
    for metric in METRICS:
        rows = cube(scope, metric)
        totals[metric] = sum(row[-1] for row in rows)
        for row in rows:
            for index, dimension in enumerate(DIMENSIONS):
                cell = result[dimension].setdefault(row[index], {})
                cell[metric] = cell.get(metric, 0) + row[-1]
    return totals, result


@_once
def camps_held(scope: Scope) -> list[tuple[str, int, int]]:
    """(region code, camps held, participants) for camps that started in the period."""
    participants = (
        sa.select(Application.camp_id, sa.func.count().label("n"))
        .where(Application.status == ApplicationStatus.ATTENDED)
        .group_by(Application.camp_id)
        .subquery()
    )
    query = (
        sa.select(
            Camp.region_code,
            sa.func.count(Camp.id),
            sa.func.coalesce(sa.func.sum(participants.c.n), 0),
        )
        .outerjoin(participants, participants.c.camp_id == Camp.id)
        .where(
            Camp.start_date >= scope.start,
            Camp.start_date <= min(scope.end, local_today()),
            Camp.status != CampStatus.CANCELLED,
        )
        .group_by(Camp.region_code)
    )
    if scope.region:
        query = query.where(Camp.region_code == scope.region)
    if scope.mentor_id is not None:
        return []
    return [(region, camps, int(people)) for region, camps, people in db.session.execute(query)]


@_once
def sessions_held(scope: Scope) -> list[tuple[str, str, int]]:
    """(topic, delivery mode, sessions) for sessions that took place in the period."""
    now = datetime.now(BISHKEK)
    topic = sa.func.coalesce(sa.cast(Module.topic, sa.String), "other")
    query = (
        sa.select(topic, Programme.delivery_mode, sa.func.count(TrainingSession.id))
        .join(Programme, Programme.id == TrainingSession.programme_id)
        .outerjoin(Module, Module.id == TrainingSession.module_id)
        .where(
            TrainingSession.starts_at >= scope.since,
            TrainingSession.starts_at < min(scope.until, now),
        )
        .group_by(topic, Programme.delivery_mode)
    )
    if scope.mentor_id is not None:
        query = query.where(TrainingSession.trainer_id == scope.mentor_id)
    return [
        (getattr(t, "value", t), getattr(m, "value", m), n) for t, m, n in db.session.execute(query)
    ]


@_once
def plans_by_status_and_category(scope: Scope) -> list[tuple[str, str, int]]:
    query = (
        sa.select(ActionPlan.status, ActionPlan.category, sa.func.count(ActionPlan.id))
        .join(YouthGroup, YouthGroup.id == ActionPlan.group_id)
        .where(ActionPlan.created_at < scope.until, ActionPlan.updated_at >= scope.since)
        .group_by(ActionPlan.status, ActionPlan.category)
    )
    if scope.region:
        query = query.where(YouthGroup.region_code == scope.region)
    if scope.mentor_id is not None:
        query = query.where(ActionPlan.group_id.in_(_mentored_groups(scope)))
    return [(s.value, c.value, n) for s, c, n in db.session.execute(query)]


@_once
def communities(scope: Scope) -> dict[str, int]:
    """Distinct villages/communities and districts where the people reached live."""
    people = _people(reached_ids(scope), scope).subquery()
    row = db.session.execute(
        sa.select(
            sa.func.count(sa.distinct(sa.func.lower(sa.func.trim(User.community)))),
            sa.func.count(sa.distinct(User.district_code)),
        ).where(User.id.in_(sa.select(people.c.id)), sa.func.coalesce(User.community, "") != "")
    ).one()
    return {"communities": row[0], "districts": row[1]}


@_once
def ethnicity_by_region(scope: Scope) -> list[tuple[str, str, int]]:
    """(region, group, distinct applicants) — raw counts; callers hide rows with a small cell."""
    query = (
        sa.select(User.region_code, ApplicationEthnicity.group, sa.func.count(sa.distinct(User.id)))
        .join(Application, Application.id == ApplicationEthnicity.application_id)
        .join(User, User.id == Application.user_id)
        .where(Application.submitted_at >= scope.since, Application.submitted_at < scope.until)
        .group_by(User.region_code, ApplicationEthnicity.group)
    )
    if scope.region:
        query = query.where(User.region_code == scope.region)
    if scope.mentor_id is not None:
        return []
    return [tuple(row) for row in db.session.execute(query)]
