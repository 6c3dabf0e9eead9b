"""What changed between two versions of a plan, section by section."""

from dataclasses import dataclass

from portal.groups.models import SECTIONS


@dataclass
class Change:
    section: str
    before: object
    after: object


def changes_between(previous, current) -> list[Change]:
    """The sections whose content differs; every section when there is no previous version."""
    if current is None:
        return []
    before = previous.content if previous is not None else {}
    return [
        Change(section, before.get(section), current.content.get(section))
        for section in SECTIONS
        if previous is None or before.get(section) != current.content.get(section)
    ]
