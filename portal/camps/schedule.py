"""The order a camp's dates keep, one rule read by the camp form and by services.save_camp:
applications open ≤ applications close ≤ confirmation deadline ≤ first day ≤ last day."""

from datetime import date

from portal.forms import calendar_error
from portal.forms import within_calendar
from portal.i18n import lazy_gettext as _l

#: The camp's dates, in the order they come.
DATE_FIELDS = (
    "applications_open",
    "applications_close",
    "confirmation_deadline",
    "start_date",
    "end_date",
)

#: (the earlier date, the later date, the field that says so when they come the wrong way).
ORDER = (
    ("applications_open", "applications_close", "applications_close",
     _l("Applications cannot close before they open.")),
    ("applications_close", "start_date", "applications_close",
     _l("Applications must close before the camp starts.")),
    ("applications_close", "confirmation_deadline", "confirmation_deadline",
     _l("The confirmation deadline cannot be before applications close.")),
    ("confirmation_deadline", "start_date", "confirmation_deadline",
     _l("The confirmation deadline must be before the camp starts.")),
    ("start_date", "end_date", "end_date", _l("The last day cannot be before the first day.")),
)  # fmt: skip


def date_problems(dates: dict[str, date | None]) -> dict[str, str]:
    """Field → why its date is refused: outside the portal's calendar, or out of order with
    another date (the first reason found). A missing date (None) is not compared."""
    problems: dict[str, str] = {}
    known = {}
    for name in DATE_FIELDS:
        value = dates.get(name)
        if value is None:
            continue
        if within_calendar(value):
            known[name] = value
        else:
            problems[name] = calendar_error()
    for earlier, later, field, message in ORDER:
        if earlier in known and later in known and known[earlier] > known[later]:
            problems.setdefault(field, str(message))
    return problems
