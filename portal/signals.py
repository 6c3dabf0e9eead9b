"""Events that cross domains: accounts, the bottom domain, sends them and knows no other domain.

Each domain connects receivers from its own privacy.py (its `connect()`, called by create_app)
and answers for its own tables, as Indico's modules answer `signals.users.merged`.
"""

from datetime import date
from datetime import datetime
from typing import Any

from blinker import Namespace

_signals = Namespace()

data_requested = _signals.signal(
    "data-requested",
    doc="""A person downloads their data. Sender: the user. Each receiver returns
    {section name: JSON-ready data} for its own tables (two receivers naming one section is an
    error); accounts merges them with its own sections in alphabetical order.""",
)

user_erased = _signals.signal(
    "user-erased",
    doc="""A person is being erased. Sender: the user, still as they were (contacts and name
    set: accounts anonymises the profile after every receiver ran); keyword `by`: who erases, or
    None. Each receiver erases or anonymises its own rows in the current transaction, never
    commits (files go through uploads.delete_after_commit), and may return
    {audit object type: [ids]}: the objects about the person whose audit events forget where
    from and why.""",
)

birth_date_changing = _signals.signal(
    "birth-date-changing",
    doc="""A person asks to change their date of birth. Sender: the user, still with the old
    date; keyword `new`: the date asked for. Each receiver returns a translated reason why the
    change cannot be made now (an application whose age rule was fixed on the old date is
    still open), or None; accounts refuses the change when any receiver gives a reason.""",
)

#: What an erasure leaves of a column that only points at whoever did something.
ACTOR_KEPT = "kept: who did it; their own erasure anonymises that account"

#: "table.column" of every column pointing at a user → what export and erasure do with it.
#: Filled by each domain's connect(); a test fails on any such column missing here.
person_columns: dict[str, str] = {}


def answer_for(columns: dict[str, str]) -> None:
    """Record that the calling domain answers for these columns (see `person_columns`)."""
    person_columns.update(columns)


def plain(value: Any):
    """A value as an export holds it: dates in ISO format, enums by value."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value
