"""Cohort balance: the accepted cohort against the pool and the organiser's targets, and a
reproducible suggestion of a balanced cohort from reviewed applicants."""

import json
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import caching
from portal.accounts.labels import GENDER_LABELS
from portal.accounts.models import User
from portal.ages import AGE_BANDS
from portal.ages import age_band
from portal.ages import years_before
from portal.camps.models import SEAT_STATUSES
from portal.camps.models import Application
from portal.camps.models import ApplicationEthnicity
from portal.camps.models import ApplicationStatus as S
from portal.camps.queries import age_band_clauses
from portal.camps.versions import version_name
from portal.extensions import db
from portal.i18n import local_today
from portal.places import place_names
from portal.reports.safe import MIN_ETHNICITY_CELL
from portal.reports.safe import Cell
from portal.reports.safe import any_shown
from portal.reports.safe import publish

#: Applications that are, or could still become, part of the cohort.
POOL_STATUSES = (S.SUBMITTED, S.WAITLISTED, *SEAT_STATUSES)
CANDIDATE_STATUSES = (S.SUBMITTED, S.WAITLISTED)
#: Dimensions the organiser can set targets for.
TARGET_DIMENSIONS = ("region", "gender")
DIMENSION_LABELS = {
    "region": _l("Region or city"),
    "district": _l("District or town"),
    "gender": _l("Gender"),
    "age_band": _l("Age on the first day"),
    "language": _l("Languages you speak"),
}


def value_of(application: Application, dimension: str):
    person = application.applicant
    if dimension == "region":
        return person.region_code or "?"
    if dimension == "district":
        return person.district_code or "?"
    if dimension == "gender":
        return person.gender.value if person.gender else "unknown"
    if dimension == "age_band":
        return age_band(application.applicant_age)
    raise KeyError(dimension)


def values_of(application: Application, dimension: str) -> list[str]:
    if dimension == "language":
        return list(application.spoken_languages) or ["?"]
    return [value_of(application, dimension)]


@dataclass
class Row:
    value: str
    label: str
    cohort: int
    pool: int
    cohort_share: float
    target: tuple[int, int] | None = None

    @property
    def on_target(self) -> bool | None:
        if self.target is None:
            return None
        low, high = self.target
        return low <= self.cohort_share <= high


@dataclass
class Balance:
    cohort_size: int
    pool_size: int
    tables: dict[str, list[Row]] = field(default_factory=dict)
    #: Ethnicity of everyone who applied, as (label, figure); see ethnicity_table.
    ethnicity: list[tuple[str, Cell]] = field(default_factory=list)


def pool_of(camp) -> Sequence[Application]:
    return db.session.scalars(
        sa.select(Application)
        .where(Application.camp_id == camp.id, Application.status.in_(POOL_STATUSES))
        .order_by(Application.id)
    ).all()


def label_for(dimension: str, value: str | None, names: dict[str, str]) -> str:
    """How one value of a dimension (region, district, gender, language) reads on screen; the
    cohort balance and the reach reports both name their rows with it."""
    if value in (None, "?"):
        return _("Not given")
    if dimension in ("region", "district"):
        return names.get(value, value)
    if dimension == "gender":
        return str(GENDER_LABELS[value])
    if dimension == "language":
        from portal.camps.forms import spoken_language_choices

        return str(dict(spoken_language_choices()).get(value, value))
    return value


#: Counts are kept until the camp's version changes; this long at most, in case someone changes
#: the database by hand (no version bump).
COUNTS_SECONDS = 300


def pool_counts(camp) -> tuple[int, int, dict[str, Counter], dict[str, Counter]]:
    """Cohort and pool sizes and counts by dimension, aggregated by the database: a camp may
    have 20,000 applicants, too many to load for a page. The counts are shared by every app
    server until the camp's version changes (one primary-key read tells; see camps/versions.py)."""
    return caching.remember_versioned(
        version_name(camp.id), lambda: _count_pool(camp), timeout=COUNTS_SECONDS
    )


def _count_pool(camp) -> tuple[int, int, dict[str, Counter], dict[str, Counter]]:
    start = camp.start_date
    bands = [(sa.and_(*age_band_clauses(camp, label)), label) for label, _low, _high in AGE_BANDS]
    bands.append((User.date_of_birth <= years_before(start, AGE_BANDS[-1][2] + 1), "26+"))
    columns = (
        User.region_code,
        User.district_code,
        User.gender,
        sa.case(*bands, else_="?"),
        sa.cast(Application.spoken_languages, sa.String),
    )
    rows = db.session.execute(
        sa.select(*columns, sa.func.count().filter(Application.status.in_(SEAT_STATUSES)),
                  sa.func.count())
        .join(User, User.id == Application.user_id)
        .where(Application.camp_id == camp.id, Application.status.in_(POOL_STATUSES))
        .group_by(*columns)
    )  # fmt: skip
    in_cohort: dict[str, Counter[str]] = {dimension: Counter() for dimension in DIMENSION_LABELS}
    in_pool: dict[str, Counter[str]] = {dimension: Counter() for dimension in DIMENSION_LABELS}
    cohort_size = pool_size = 0
    for region, district, gender, band, languages, seated, everyone in rows:
        cohort_size += seated
        pool_size += everyone
        values = {
            "region": [region or "?"],
            "district": [district or "?"],
            "gender": [gender.value if gender else "unknown"],
            "age_band": [band],
            "language": json.loads(languages or "[]") or ["?"],
        }
        for dimension, found in values.items():
            for value in found:
                in_cohort[dimension][value] += seated
                in_pool[dimension][value] += everyone
    return cohort_size, pool_size, in_cohort, in_pool


def balance_of(camp, applications=None, *, also_accepted: frozenset[int] = frozenset()) -> Balance:
    """The balance now (counted by the database), or as it would be with the `applications`
    in `also_accepted` accepted (counted here, for a suggestion)."""
    if applications is None:
        cohort_size, pool_size, cohort_counts, pool_by_dimension = pool_counts(camp)
    else:
        cohort = [a for a in applications if a.status in SEAT_STATUSES or a.id in also_accepted]
        cohort_size, pool_size = len(cohort), len(applications)
        cohort_counts = {
            d: Counter(v for a in cohort for v in values_of(a, d)) for d in DIMENSION_LABELS
        }
        pool_by_dimension = {
            d: Counter(v for a in applications for v in values_of(a, d)) for d in DIMENSION_LABELS
        }
    names = place_names()
    result = Balance(cohort_size=cohort_size, pool_size=pool_size)
    for dimension in DIMENSION_LABELS:
        in_cohort, in_pool = cohort_counts[dimension], pool_by_dimension[dimension]
        targets = camp.targets.get(dimension, {})
        rows = []
        for value in sorted(in_pool, key=lambda v: (-in_pool[v], v)):
            share = round(100 * in_cohort[value] / cohort_size) if cohort_size else 0
            target = tuple(targets[value]) if value in targets else None
            rows.append(
                Row(value, label_for(dimension, value, names), in_cohort[value], in_pool[value],
                    share, target)
            )  # fmt: skip
        result.tables[dimension] = rows
    if applications is None:  # a suggestion's preview never shows ethnicity
        result.ethnicity = ethnicity_table(camp)
    return result


def ethnicity_table(camp) -> list[tuple[str, Cell]]:
    """Self-described groups of everyone who applied (whatever their status), once
    applications are closed, published by reports/safe.py with the ethnicity threshold.

    The organiser decides named applicants one by one, so a figure that moved with one
    decision (the accepted cohort, the pool left undecided, a proposal) would tell that
    applicant's answer; and before the closing day one new application would move it.
    Groups are not exclusive (people may give several) and there is no total.
    """
    from portal.camps.forms import ethnicity_choices

    if local_today() <= camp.applications_close:
        return []
    counts = db.session.execute(
        sa.select(ApplicationEthnicity.group, sa.func.count(sa.distinct(Application.user_id)))
        .join(Application, Application.id == ApplicationEthnicity.application_id)
        .where(Application.camp_id == camp.id, Application.submitted_at.is_not(None))
        .group_by(ApplicationEthnicity.group)
    ).all()
    labels = dict(ethnicity_choices())
    table = []
    for group, applied in sorted(counts, key=lambda row: (-row[1], row[0])):
        cell = publish(applied, MIN_ETHNICITY_CELL)
        if any_shown([cell]):
            table.append((str(labels.get(group, group)), cell))
    return table


# --- suggestion -------------------------------------------------------------------------------


@dataclass
class Choice:
    application: Application
    reason: str


@dataclass
class Suggestion:
    seed: int
    seats: int
    chosen: list[Choice]
    #: Why some applicants could not be considered, and targets that could not be met.
    notes: list[str]
    balance: Balance


def suggest(camp, *, seed: int) -> Suggestion:
    """Pick applicants for the free places: targets first, then the best scores.

    Only reviewed applicants (with a score) are considered; minors without guardian consent
    cannot be accepted yet. Ties between equal scores are broken by `seed`, so the same seed
    always gives the same proposal. Nothing is changed here.
    """
    applications = pool_of(camp)
    names = place_names()
    cohort = [a for a in applications if a.status in SEAT_STATUSES]
    seats = max(camp.capacity - len(cohort), 0)
    notes = []
    candidates = []
    for application in applications:
        if application.status not in CANDIDATE_STATUSES:
            continue
        if application.score is None:
            continue
        if application.needs_guardian_consent:
            notes.append(
                _("%(name)s is not included: the guardian's consent is missing.",
                  name=application.applicant.full_name)
            )  # fmt: skip
            continue
        candidates.append(application)
    unscored = sum(1 for a in applications if a.status in CANDIDATE_STATUSES and a.score is None)
    if unscored:
        notes.append(
            _("%(count)d applicants have no score yet and are not included.", count=unscored)
        )
    # Seeded so a proposal can be repeated; only breaks ties, nothing secret.
    rng = random.Random(seed)  # nosec B311
    rng.shuffle(candidates)
    candidates.sort(key=lambda a: -(a.score or 0))  # stable: equal scores keep the seeded order

    final_size = len(cohort) + min(seats, len(candidates))
    bounds = _bounds(camp, final_size)
    counts = {d: Counter(value_of(a, d) for a in cohort) for d in TARGET_DIMENSIONS}
    chosen: list[Choice] = []

    def fits(application) -> bool:
        for dimension, limits in bounds.items():
            value = value_of(application, dimension)
            if value in limits and counts[dimension][value] + 1 > limits[value][1]:
                return False
        return True

    def take(application, reason):
        candidates.remove(application)
        for dimension in TARGET_DIMENSIONS:
            counts[dimension][value_of(application, dimension)] += 1
        chosen.append(Choice(application, reason))

    unreachable = set()
    while len(chosen) < seats:
        gaps = [
            (limits[value][0] - counts[dimension][value], dimension, value)
            for dimension, limits in bounds.items()
            for value in limits
            if counts[dimension][value] < limits[value][0] and (dimension, value) not in unreachable
        ]
        if not gaps:
            break
        _gap, dimension, value = max(gaps)
        match = next((a for a in candidates if value_of(a, dimension) == value and fits(a)), None)
        if match is None:
            unreachable.add((dimension, value))
            continue
        take(
            match,
            _("Score %(score)d; helps reach the minimum for %(group)s.", score=match.score,
              group=label_for(dimension, value, names)),
        )  # fmt: skip
    while len(chosen) < seats:
        match = next((a for a in candidates if fits(a)), None)
        if match is None:
            break
        take(match, _("Score %(score)d: the best score among those left.", score=match.score))
    if len(chosen) < seats and candidates:
        notes.append(
            _("%(count)d places stay free: the remaining applicants would break a maximum target.",
              count=seats - len(chosen))
        )  # fmt: skip
    for dimension, limits in bounds.items():
        for value, (low, _high) in limits.items():
            if counts[dimension][value] < low:
                notes.append(
                    _("The minimum for %(group)s cannot be reached with the reviewed applicants.",
                      group=label_for(dimension, value, names))
                )  # fmt: skip
    chosen_ids = frozenset(choice.application.id for choice in chosen)
    balance = balance_of(camp, applications, also_accepted=chosen_ids)
    return Suggestion(seed=seed, seats=seats, chosen=chosen, notes=notes, balance=balance)


def _bounds(camp, size: int) -> dict[str, dict[str, tuple[int, int]]]:
    """Target percentages turned into head counts for a cohort of `size`."""
    bounds = {}
    for dimension in TARGET_DIMENSIONS:
        limits = {}
        for value, (low, high) in camp.targets.get(dimension, {}).items():
            limits[value] = (math.ceil(size * low / 100), math.floor(size * high / 100))
        if limits:
            bounds[dimension] = limits
    return bounds
