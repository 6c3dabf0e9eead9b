"""The dashboard's tables: aggregates made safe, labelled in the reader's language."""

from dataclasses import dataclass
from dataclasses import field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.accounts.forms import GENDER_LABELS
from portal.camps.forms import ethnicity_choices
from portal.groups.labels import CATEGORY_LABELS
from portal.groups.labels import STATUS_LABELS as PLAN_STATUS_LABELS
from portal.groups.models import PlanStatus
from portal.groups.models import ProblemCategory
from portal.reports import aggregates
from portal.reports.safe import MIN_ETHNICITY_CELL
from portal.reports.safe import Cell
from portal.reports.safe import headline
from portal.reports.safe import protect
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
class Table:
    """A titled table of cells; people counts are protected, activity counts are not."""

    key: str
    title: str
    columns: list[str]
    rows: list[tuple[str, list[Cell]]] = field(default_factory=list)
    totals: list[Cell] | None = None
    note: str = ""

    def as_rows(self) -> list[list[str]]:
        """Plain rows for CSV/XLSX: suppressed cells stay "<5"."""
        body = [[label, *[cell.shown() for cell in cells]] for label, cells in self.rows]
        if self.totals is not None:
            body.append([_("Total"), *[cell.shown() for cell in self.totals]])
        return body


@dataclass
class Report:
    headlines: dict[str, Cell]
    communities: dict[str, Cell]
    tables: list[Table]


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
        headlines={name: headline(value) for name, value in totals.items()},
        communities={key: Cell(value) for key, value in places.items()},
        tables=tables,
    )


def _label(dimension: str, value: str, names: dict[str, str]) -> str:
    if value in (None, "?"):
        return _("Not given")
    if dimension in ("region", "district"):
        return names.get(value, value)
    if dimension == "gender":
        return str(GENDER_LABELS[value])
    return value


def _people_table(dimension, counts, totals, names) -> Table:
    values = sorted(counts, key=lambda v: (-counts[v].get("reached", 0), str(v)))
    table = Table(
        key=dimension,
        title=str(DIMENSION_LABELS[dimension]),
        columns=[str(label) for label in METRIC_LABELS.values()],
    )
    protected = {
        metric: protect([(v, counts[v].get(metric, 0)) for v in values], totals[metric])
        for metric in METRIC_LABELS
    }
    for index, value in enumerate(values):
        table.rows.append(
            (_label(dimension, value, names), [protected[m].rows[index][1] for m in METRIC_LABELS])
        )
    table.totals = [protected[m].total for m in METRIC_LABELS]
    return table


def _camps_table(scope, names) -> Table:
    rows = aggregates.camps_held(scope)
    table = Table(
        key="camps",
        title=_("Camps held"),
        columns=[_("Camps"), _("Participants")],
    )
    participants = protect([(region, people) for region, _camps, people in rows],
                           sum(people for _r, _c, people in rows))  # fmt: skip
    for index, (region, camps, _people) in enumerate(rows):
        table.rows.append((names.get(region, region), [Cell(camps), participants.rows[index][1]]))
    table.totals = [Cell(sum(camps for _r, camps, _p in rows)), participants.total]
    return table


def _sessions_table(scope) -> Table:
    rows = aggregates.sessions_held(scope)
    modes = [mode for mode in DeliveryMode]
    table = Table(
        key="sessions",
        title=_("Training sessions held, by topic and way of teaching"),
        columns=[str(DELIVERY_LABELS[mode]) for mode in modes],
    )
    by_topic: dict[str, dict[str, int]] = {}
    for topic, mode, count in rows:
        by_topic.setdefault(topic, {})[mode] = count
    for topic in Topic:
        if topic.value in by_topic:
            table.rows.append(
                (
                    str(TOPIC_LABELS[topic]),
                    [Cell(by_topic[topic.value].get(m.value, 0)) for m in modes],
                )
            )
    table.totals = [Cell(sum(c for _t, m, c in rows if m == mode.value)) for mode in modes]
    return table


def _plans_table(scope) -> Table:
    rows = aggregates.plans_by_status_and_category(scope)
    statuses = [s for s in PlanStatus if s is not PlanStatus.ARCHIVED]
    table = Table(
        key="plans",
        title=_("Action plans, by problem and status"),
        columns=[str(PLAN_STATUS_LABELS[s]) for s in statuses],
    )
    cells: dict[str, dict[str, int]] = {}
    for status, category, count in rows:
        cells.setdefault(category, {})[status] = count
    for category in ProblemCategory:
        if category.value in cells:
            table.rows.append(
                (
                    str(CATEGORY_LABELS[category]),
                    [Cell(cells[category.value].get(s.value, 0)) for s in statuses],
                )
            )
    table.totals = [Cell(sum(c for s, _cat, c in rows if s == status.value)) for status in statuses]
    return table


def _ethnicity_table(scope, names) -> Table | None:
    """Self-described ethnicity by region, only for regions where every cell has 10 or more.

    No totals are shown and groups are not exclusive, so nothing hidden can be worked out.
    """
    rows = aggregates.ethnicity_by_region(scope)
    if not rows:
        return None
    labels = dict(ethnicity_choices())
    groups = sorted({group for _region, group, _n in rows})
    by_region: dict[str, dict[str, int]] = {}
    for region, group, count in rows:
        by_region.setdefault(region, {})[group] = count
    table = Table(
        key="ethnicity",
        title=_("Self-described ethnicity of applicants, by region"),
        columns=[str(labels.get(group, group)) for group in groups],
        note=_("Only regions where every group has at least %(count)d people are shown.",
               count=MIN_ETHNICITY_CELL),
    )  # fmt: skip
    for region, counts in sorted(by_region.items()):
        values = [counts.get(group, 0) for group in groups]
        if all(value >= MIN_ETHNICITY_CELL for value in values):
            table.rows.append((names.get(region, region), [Cell(value) for value in values]))
    return table
