"""Safe people counts (DESIGN §6): the one rule for every figure about people, in every view.

The rule
--------
1. Every people count anybody can see (a cell, a row or column total, a headline, a count of
   villages or districts; on the dashboard with any filter, in its CSV/XLSX export, on the
   public page, on the home page, in the cohort balance) is published by `publish()` from its
   own true count: below the threshold (MIN_CELL = 5 people, MIN_ETHNICITY_CELL = 10 for
   ethnicity) it is the marker "[c]" (also for 0: a "0" beside a "[c]" would say someone is
   there), otherwise it is rounded DOWN to a multiple of ROUND_TO = 5. A total is rounded from
   its own true value, never added up from shown cells, and the same people give the same
   figure in every view. "[c]" is explained by a footnote and never drawn as a bar or as 0.
2. A row is listed only when at least one of its figures is shown (a row of "[c]" alone would
   say that its group is not empty). "Not given" rows (no region, district, gender or age
   band) are never published, so no table's rows are known to add up to its total.
3. People counts are for whole calendar years only (no custom date windows) and for one region
   or all; ethnicity only for years that have ended. The cohort balance shows ethnicity for
   everyone who applied (any status), once applications are closed: no decision moves it.

Why it holds
------------
A figure only says "the true count is in the block [5m, 5m+4]" ("[c]": [0, 4], or [0, 9] for
ethnicity): every block starts at a multiple of 5 and ends one below the next. Subtracting
two figures whose people are nested (a region from everyone, this year's public page from
the dashboard, one view from its export) bounds the difference by
[start_A - end_B, end_A - start_B]: the lower end is 1 more than a multiple of 5 (or below
0), the upper end 4 more, so a difference under 5 always keeps at least four possible values
(1 to 4, or 0 to 4), however many such pairs are combined. Pinning a small count needs a
figure known to equal a sum of others, and rule 2 leaves an unpublished remainder in every
sum; with blocks of 5, even an exact sum needs five figures each at the very edge of its
block. Rounding to the NEAREST 5 would not hold: a "10" (8 to 12) made of two "[c]" (0 to 4)
forces both to be 4. Rule 3 removes the views whose differences are one person: two date
windows one day apart, an aggregate recomputed after one decision or one new application.
`tests/test_reports_disclosure.py` generates small populations and checks every such bound.
"""

from dataclasses import dataclass
from dataclasses import field

from portal.i18n import lazy_gettext as _l
from portal.i18n import number

#: People counts below this are hidden.
MIN_CELL = 5
#: Ethnicity counts below this are hidden.
MIN_ETHNICITY_CELL = 10
#: Every shown people count is rounded down to a multiple of this.
ROUND_TO = 5
#: The mark of a hidden count, the same in every language (explained by FOOTNOTE).
MARK = "[c]"
FOOTNOTE = _l(
    "[c]: fewer than 5 people (for ethnicity, fewer than 10), hidden to protect them. "
    "Other figures are rounded down to a multiple of 5, each on its own, so totals may "
    "differ from the sum of their rows."
)


@dataclass
class Cell:
    """A published figure: `value` is what may be shown (None when hidden)."""

    value: int | None
    #: People counts are published by `publish`; activity counts (camps, sessions, plans) are
    #: shown exactly.
    hidden: bool = False

    def shown(self) -> str:
        """As exports write it: plain digits, so a spreadsheet reads it as a number."""
        return MARK if self.hidden else str(self.value)

    def formatted(self) -> str:
        """As pages show it: digits grouped in the reader's locale ("15 000", "15,000")."""
        return MARK if self.hidden else number(self.value)

    @property
    def chart_value(self) -> int:
        """The bar's length; a hidden figure gets no bar (the template checks `hidden`)."""
        return 0 if self.hidden or self.value is None else self.value


def publish(count: int, threshold: int = MIN_CELL) -> Cell:
    """The figure shown for `count` people: hidden below `threshold`, else rounded down."""
    if count < threshold:
        return Cell(None, hidden=True)
    return Cell(count - count % ROUND_TO)


def exact(count: int) -> Cell:
    """An activity count (camps, sessions, action plans): not about people, shown as it is."""
    return Cell(count)


def any_shown(cells: list[Cell]) -> bool:
    return any(not cell.hidden for cell in cells)


@dataclass
class Breakdown:
    """A people count split by one dimension, with its total, after publication."""

    rows: list[tuple[str, Cell]] = field(default_factory=list)
    total: Cell = field(default_factory=lambda: publish(0))


def protect(pairs: list[tuple[str, int]], total: int, threshold: int = MIN_CELL) -> Breakdown:
    """Publish each count and the total on their own; rows that are hidden are left out."""
    rows = [(label, publish(value, threshold)) for label, value in pairs]
    return Breakdown(rows=[(label, cell) for label, cell in rows if not cell.hidden],
                     total=publish(total, threshold))  # fmt: skip
