"""The dashboard's tables: aggregates made safe, labelled in the reader's language."""

from dataclasses import dataclass
from dataclasses import field

from portal.camps.balance import label_for
from portal.camps.forms import ethnicity_choices
from portal.groups.labels import CATEGORY_LABELS
from portal.groups.labels import STATUS_LABELS as PLAN_STATUS_LABELS
from portal.groups.models import PlanStatus
from portal.groups.models import ProblemCategory
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.i18n import local_today
from portal.i18n import ngettext
from portal.reports import aggregates
from portal.reports.safe import MIN_ETHNICITY_CELL
from portal.reports.safe import Cell
from portal.reports.safe import any_shown
from portal.reports.safe import exact
from portal.reports.safe import publish
from portal.training.labels import DELIVERY_LABELS
from portal.training.labels import TOPIC_LABELS
from portal.training.models import DeliveryMode
from portal.training.models import Topic

METRIC_LABELS = {
    "reached": _l("Young people reached"),
    "camp_participants": _l("Camp participants"),
    "ambassadors": _l("Youth ambassadors trained"),
    "group_members": _l("Members of youth groups"),
}
DIMENSION_LABELS = {
    "region": _l("By region"),
    "district": _l("By district"),
    "gender": _l("By gender"),
    "age_band": _l("By age"),
}


@dataclass
class ReportTable:
    """A titled table of cells; people counts are published by safe.publish, activity counts
    are exact."""

    key: str
    title: str
    columns: list[str]
    rows: list[tuple[str, list[Cell]]] = field(default_factory=list)
    #: The value each row stands for (a region code, a gender…), for tests and exports.
    row_keys: list[str] = field(default_factory=list)
    totals: list[Cell] | None = None
    note: str = ""
    #: The columns split one count (plans by status): the chart stacks them in one bar per row.
    #: Otherwise each column is a figure of its own and the chart draws the first.
    stacked: bool = False

    def as_rows(self) -> list[list[str]]:
        """Plain rows for CSV/XLSX: hidden figures stay "[c]"."""
        body = [[label, *[cell.shown() for cell in cells]] for label, cells in self.rows]
        if self.totals is not None:
            body.append([_("Total"), *[cell.shown() for cell in self.totals]])
        return body


@dataclass
class Report:
    headlines: dict[str, Cell]
    communities: dict[str, Cell]
    tables: list[ReportTable]


def build(scope: aggregates.Scope, names: dict[str, str]) -> Report:
    totals, counts = aggregates.breakdowns(scope)
    tables = [
        _people_table(dimension, counts[dimension], totals, names) for dimension in DIMENSION_LABELS
    ]
    tables.append(_camps_table(scope, names))
    tables.append(_sessions_table(scope))
    tables.append(_plans_table(scope))
    ethnicity = _ethnicity_table(scope, names)
    if ethnicity is not None:
        tables.append(ethnicity)
    places = aggregates.communities(scope)
    return Report(
        headlines={name: publish(value) for name, value in totals.items()},
        communities={key: publish(value) for key, value in places.items()},
        tables=tables,
    )


#: Values that mean "not given": never published, so no table is known to add up (safe.py).
NOT_GIVEN = (None, "?", "unknown")


def _people_table(dimension, counts, totals, names) -> ReportTable:
    values = sorted(
        (v for v in counts if v not in NOT_GIVEN),
        key=lambda v: (-counts[v].get("reached", 0), str(v)),
    )
    table = ReportTable(
        key=dimension,
        title=str(DIMENSION_LABELS[dimension]),
        columns=[str(label) for label in METRIC_LABELS.values()],
    )
    for value in values:
        cells = [publish(counts[value].get(metric, 0)) for metric in METRIC_LABELS]
        if any_shown(cells):
            table.rows.append((label_for(dimension, value, names), cells))
            table.row_keys.append(value)
    table.totals = [publish(totals[metric]) for metric in METRIC_LABELS]
    return table


def _camps_table(scope, names) -> ReportTable:
    """Camps held per region. Their participants are counted by the people tables (by where
    they live): counted here too, by the camp's region, they would add up to a headline."""
    rows = aggregates.camps_held(scope)
    table = ReportTable(key="camps", title=_("Camps held"), columns=[_("Camps")])
    for region, camps, _people in rows:
        table.rows.append((names.get(region, region), [exact(camps)]))
        table.row_keys.append(region)
    table.totals = [exact(sum(camps for _r, camps, _p in rows))]
    return table


def _sessions_table(scope) -> ReportTable:
    rows = aggregates.sessions_held(scope)
    modes = [mode for mode in DeliveryMode]
    table = ReportTable(
        key="sessions",
        title=_("Training sessions held, by topic and way of teaching"),
        columns=[str(DELIVERY_LABELS[mode]) for mode in modes],
        stacked=True,
    )
    by_topic: dict[str, dict[str, int]] = {}
    for topic, mode, count in rows:
        by_topic.setdefault(topic, {})[mode] = count
    for kind in Topic:
        if kind.value in by_topic:
            table.rows.append(
                (
                    str(TOPIC_LABELS[kind]),
                    [exact(by_topic[kind.value].get(m.value, 0)) for m in modes],
                )
            )
            table.row_keys.append(kind.value)
    table.totals = [exact(sum(c for _t, m, c in rows if m == mode.value)) for mode in modes]
    return table


def _plans_table(scope) -> ReportTable:
    rows = aggregates.plans_by_status_and_category(scope)
    statuses = list(PlanStatus)
    table = ReportTable(
        key="plans",
        title=_("Action plans, by problem and status"),
        columns=[str(PLAN_STATUS_LABELS[s]) for s in statuses],
        stacked=True,
    )
    cells: dict[str, dict[str, int]] = {}
    for status, category, count in rows:
        cells.setdefault(category, {})[status] = count
    for problem in ProblemCategory:
        if problem.value in cells:
            table.rows.append(
                (
                    str(CATEGORY_LABELS[problem]),
                    [exact(cells[problem.value].get(s.value, 0)) for s in statuses],
                )
            )
            table.row_keys.append(problem.value)
    table.totals = [
        exact(sum(c for s, _cat, c in rows if s == status.value)) for status in statuses
    ]
    return table


def _ethnicity_table(scope, names) -> ReportTable | None:
    """Self-described ethnicity of applicants by region, for a year that has ended (its
    applicants no longer change, so no figure moves with one new application).

    Each cell is published with the ethnicity threshold; there are no totals, and groups are
    not exclusive (people may give several).
    """
    if scope.end >= local_today():
        return None
    rows = aggregates.ethnicity_by_region(scope)
    if not rows:
        return None
    labels = dict(ethnicity_choices())
    groups = sorted({group for _region, group, _n in rows})
    by_region: dict[str, dict[str, int]] = {}
    for region, group, count in rows:
        if region not in NOT_GIVEN:
            by_region.setdefault(region, {})[group] = count
    table = ReportTable(
        key="ethnicity",
        title=_("Self-described ethnicity of applicants, by region"),
        columns=[str(labels.get(group, group)) for group in groups],
        note=ngettext("Shown only for years that have ended; groups of fewer than %(num)d person "
                      "are hidden.", "Shown only for years that have ended; groups of fewer than "
                      "%(num)d people are hidden.", MIN_ETHNICITY_CELL),
    )  # fmt: skip
    for region, counts in sorted(by_region.items()):
        cells = [publish(counts.get(group, 0), MIN_ETHNICITY_CELL) for group in groups]
        if any_shown(cells):
            table.rows.append((names.get(region, region), cells))
            table.row_keys.append(region)
    return table
