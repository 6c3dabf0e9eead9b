"""Safe aggregates (DESIGN §6): small cells hidden, and no hidden cell derivable from a total."""

from dataclasses import dataclass
from dataclasses import field

#: People counts below this are shown as "<5".
MIN_CELL = 5
#: Ethnicity counts below this are never shown.
MIN_ETHNICITY_CELL = 10


@dataclass
class Cell:
    value: int
    hidden: bool = False

    def shown(self, threshold: int = MIN_CELL) -> str:
        return f"<{threshold}" if self.hidden else str(self.value)

    @property
    def chart_value(self) -> int:
        return 0 if self.hidden else self.value


@dataclass
class Breakdown:
    """A people count split by one dimension, with its total, after suppression."""

    title: str
    rows: list[tuple[str, Cell]] = field(default_factory=list)
    total: Cell = field(default_factory=lambda: Cell(0))


def protect(pairs: list[tuple[str, int]], total: int, threshold: int = MIN_CELL) -> Breakdown:
    """Hide cells under `threshold`; if only one is hidden, hide the next smallest too, or the
    total when there is none, so that the total minus the shown cells never gives it away."""
    cells = [(label, Cell(value, 0 < value < threshold)) for label, value in pairs]
    total_cell = Cell(total, 0 < total < threshold)
    hidden = [cell for _label, cell in cells if cell.hidden]
    if len(hidden) == 1 and not total_cell.hidden:
        others = sorted(
            (c for _l, c in cells if not c.hidden and c.value > 0), key=lambda c: c.value
        )
        if others:
            others[0].hidden = True
        else:
            total_cell.hidden = True
    return Breakdown(title="", rows=cells, total=total_cell)


def headline(value: int, threshold: int = MIN_CELL) -> Cell:
    return Cell(value, 0 < value < threshold)
