"""Cohort balance: the accepted cohort against the pool and the organiser's targets (the
proposal of a balanced cohort is camps/selection.py)."""

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa

from portal import caching
from portal.accounts.labels import GENDER_LABELS
from portal.accounts.models import User
from portal.ages import AGE_BANDS
from portal.ages import age_band
from portal.camps.models import SEAT_STATUSES
from portal.camps.models import Application
from portal.camps.models import ApplicationEthnicity
from portal.camps.models import ApplicationStatus as S
from portal.camps.queries import age_band_clauses
from portal.camps.queries import age_clause
from portal.camps.versions import kept_key
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.i18n import local_today
from portal.places import place_names
from portal.places import top_level_units
from portal.reports.safe import MIN_ETHNICITY_CELL
from portal.reports.safe import Cell
from portal.reports.safe import any_shown
from portal.reports.safe import publish

#: Applications that are, or could still become, part of the cohort.
POOL_STATUSES = (S.SUBMITTED, S.WAITLISTED, *SEAT_STATUSES)
CANDIDATE_STATUSES = (S.SUBMITTED, S.WAITLISTED)
#: Dimensions the organiser can set targets for that a proposal may use; ethnicity targets are
#: set too (ETHNICITY), but shown only beside the published figures and never used to choose.
TARGET_DIMENSIONS = ("region", "district", "gender", "age_band", "language")
ETHNICITY = "ethnicity"
#: Dimensions where everyone has exactly one value (languages and ethnicity may be several).
EXCLUSIVE_DIMENSIONS = frozenset({"region", "district", "gender", "age_band"})
DIMENSION_LABELS = {
    "region": _l("Region or city"),
    "district": _l("District or town"),
    "gender": _l("Gender"),
    "age_band": _l("Age on the first day"),
    "language": _l("Languages spoken"),
}
#: Every dimension with targets, as the targets editor names them.
TARGET_LABELS = {**DIMENSION_LABELS, ETHNICITY: _l("Self-described ethnicity")}


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
    #: Ethnicity of everyone who applied, as (label, figure, target); see ethnicity_table.
    ethnicity: list[tuple[str, Cell, tuple[int, int] | None]] = field(default_factory=list)

    @property
    def ethnicity_hidden(self) -> bool:
        """Some ethnicity figure is "[c]" (the page then explains the mark)."""
        return any(cell.hidden for _label, cell, _target in self.ethnicity)


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


@dataclass
class PoolCounts:
    """What the balance page counts in the database, kept together under the camp's version."""

    cohort_size: int
    pool_size: int
    in_cohort: dict[str, Counter]
    in_pool: dict[str, Counter]
    #: Group → everyone who applied, once applications are closed (None before: not counted).
    ethnicity: dict[str, int] | None


def counts_key(camp) -> str:
    """The key the camp's counts are kept under now (camps/versions.py)."""
    return kept_key(camp.id)


def kept_counts(camp, key: str | None = None) -> PoolCounts:
    """The camp's counts, shared by every app server until the camp's version changes: the
    pool's and, once applications are closed, the ethnicity counts (published only as
    ethnicity_table does). A page that reads them more than once passes their `key`, read once."""
    key = key or counts_key(camp)
    closed = applications_closed(camp)
    kept = caching.remember(key, lambda: _count(camp, closed), timeout=COUNTS_SECONDS)
    if not isinstance(kept, PoolCounts) or (closed and kept.ethnicity is None):
        # Kept by an older release, or before the closing day passed: count again, and keep.
        kept = _count(camp, closed)
        caching.keep(key, kept, timeout=COUNTS_SECONDS)
    return kept


def applications_closed(camp) -> bool:
    return local_today() > camp.applications_close


def _count(camp, closed: bool) -> PoolCounts:
    ethnicity = _count_ethnicity(camp) if closed else None
    return PoolCounts(*_count_pool(camp), ethnicity=ethnicity)


def _count_pool(camp) -> tuple[int, int, dict[str, Counter], dict[str, Counter]]:
    bands = [(sa.and_(*age_band_clauses(camp, label)), label) for label, _low, _high in AGE_BANDS]
    bands.append((age_clause(camp, AGE_BANDS[-1][2] + 1), "26+"))
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


def balance_of(
    camp,
    applications=None,
    *,
    also_accepted: frozenset[int] = frozenset(),
    kept: PoolCounts | None = None,
) -> Balance:
    """The balance now (counted by the database, or the `kept` counts given), or as it would
    be with the `applications` in `also_accepted` accepted (counted here, for a suggestion)."""
    if applications is None:
        kept = kept or kept_counts(camp)
        cohort_size, pool_size = kept.cohort_size, kept.pool_size
        cohort_counts, pool_by_dimension = kept.in_cohort, kept.in_pool
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
    if kept is not None:  # a suggestion's preview never shows ethnicity
        result.ethnicity = ethnicity_table(camp, kept)
    return result


def ethnicity_table(
    camp, kept: PoolCounts | None = None
) -> list[tuple[str, Cell, tuple[int, int] | None]]:
    """Self-described groups of everyone who applied (whatever their status), once
    applications are closed, published by reports/safe.py with the ethnicity threshold, each
    with its target if the organiser set one.

    The organiser decides named applicants one by one, so a figure that moved with one
    decision (the accepted cohort, the pool left undecided, a proposal) would tell that
    applicant's answer; and before the closing day one new application would move it.
    Groups are not exclusive (people may give several) and there is no total. A group is
    listed when its figure is shown, or when it has a target (then "[c]" if small, empty or
    not: the organiser chose the row, so it says nothing about who applied). Rows are ordered
    by the figure shown, then by name, never by the hidden count.
    """
    from portal.camps.forms import ethnicity_choices

    if not applications_closed(camp):
        return []
    counts = (kept or kept_counts(camp)).ethnicity or {}
    targets = camp.targets.get(ETHNICITY, {})
    labels = dict(ethnicity_choices())
    table = []
    for group in set(counts) | set(targets):
        cell = publish(counts.get(group, 0), MIN_ETHNICITY_CELL)
        if any_shown([cell]) or group in targets:
            target = tuple(targets[group]) if group in targets else None
            table.append((str(labels.get(group, group)), cell, target))
    return sorted(table, key=lambda row: (-row[1].chart_value, row[0]))


def _count_ethnicity(camp) -> dict[str, int]:
    """Everyone who applied (sent an application, whatever its status now) by group."""
    rows = db.session.execute(
        sa.select(ApplicationEthnicity.group, sa.func.count(sa.distinct(Application.user_id)))
        .join(Application, Application.id == ApplicationEthnicity.application_id)
        .where(Application.camp_id == camp.id, Application.submitted_at.is_not(None))
        .group_by(ApplicationEthnicity.group)
    ).all()
    return {group: applied for group, applied in rows}


def group_name(dimension: str, value: str, names: dict[str, str]) -> str:
    """One target's group as a sentence names it ("… above 60%", "the minimum for …")."""
    label = label_for(dimension, value, names)
    if dimension == "age_band":
        return _("aged %(band)s", band=label)
    if dimension == "language":
        return _("speakers of %(language)s", language=label)
    return label


def target_rows(camp, kept: PoolCounts | None = None) -> list[tuple[str, str, str]]:
    """(dimension, value, label) of every target the organiser may set, dimension by
    dimension as the balance page shows them. Districts are those the pool comes from (and
    any with a target already), so the form stays short on a phone."""
    from portal.camps.forms import ethnicity_choices
    from portal.camps.forms import spoken_language_choices

    names = place_names()
    regions = camp.eligible_regions or [unit.code for unit in top_level_units()]
    in_pool = (kept or kept_counts(camp)).in_pool
    districts = (set(in_pool["district"]) | set(camp.targets.get("district", {}))) - {"?"}
    rows = [("region", code, names.get(code, code)) for code in regions]
    by_name = sorted(districts, key=lambda code: names.get(code, str(code)).casefold())
    rows += [("district", code, names.get(code, code)) for code in by_name]
    rows += [("gender", value, str(GENDER_LABELS[value])) for value in ("female", "male")]
    bands = [band for band, low, high in AGE_BANDS if high >= camp.min_age and low <= camp.max_age]
    if camp.max_age > AGE_BANDS[-1][2]:
        bands.append("26+")
    rows += [("age_band", band, band) for band in bands]
    rows += [("language", value, str(label)) for value, label in spoken_language_choices()]
    rows += [(ETHNICITY, value, str(label)) for value, label in ethnicity_choices()]
    return rows
