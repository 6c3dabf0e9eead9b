"""Kyrgyzstan's administrative units (reference data loaded by a migration)."""

import csv
import enum
from dataclasses import dataclass
from dataclasses import fields
from importlib import resources
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from portal.extensions import Model
from portal.extensions import db
from portal.extensions import str_enum
from portal.i18n import gettext
from portal.i18n import locale_code
from portal.i18n import localized


def name_in_current_language(unit) -> str:
    """A region's or district's name in the reader's language (an AdminUnit row or a Place)."""
    return localized(
        {"ky": unit.name_ky, "ru": unit.name_ru, "uz_Cyrl": unit.name_uz_cyrl, "en": unit.name_en}
    )


class UnitKind(enum.Enum):
    REGION = "region"
    CITY = "city"
    DISTRICT = "district"
    TOWN = "town"


class AdminUnit(Model):
    __tablename__ = "admin_unit"

    #: ISO 3166-2:KG for regions and cities, the project's own codes below.
    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    parent_code: Mapped[Optional[str]] = mapped_column(sa.ForeignKey("admin_unit.code"), index=True)
    kind: Mapped[UnitKind] = mapped_column(str_enum(UnitKind))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    name_ky: Mapped[str] = mapped_column(sa.String(120))
    name_ru: Mapped[str] = mapped_column(sa.String(120))
    name_uz_cyrl: Mapped[str] = mapped_column(sa.String(120))
    #: A native speaker should confirm one of the names.
    needs_check: Mapped[bool] = mapped_column(default=False)

    @property
    def name(self) -> str:
        return name_in_current_language(self)

    @property
    def is_top_level(self) -> bool:
        return self.parent_code is None


def reference_rows() -> list[dict]:
    """Rows of the bundled kg_admin_units.csv, parents first."""
    text = resources.files("portal.data").joinpath("kg_admin_units.csv").read_text("utf-8")
    rows = []
    for row in csv.DictReader(text.splitlines()):
        rows.append(
            {
                "code": row["code"],
                "parent_code": row["parent_code"] or None,
                "kind": UnitKind(row["kind"]).value,
                "name_en": row["name_en"],
                "name_ky": row["name_ky"],
                "name_ru": row["name_ru"],
                "name_uz_cyrl": row["name_uz_cyrl"],
                "needs_check": row["needs_check"] == "y",
            }
        )
    return sorted(rows, key=lambda r: r["parent_code"] is not None)


@dataclass(frozen=True)
class Place:
    """A read-only copy of an AdminUnit row, kept in memory: the reference data never changes
    while the portal runs (a migration loads it), so list pages need not query it."""

    code: str
    parent_code: Optional[str]
    name_en: str
    name_ky: str
    name_ru: str
    name_uz_cyrl: str

    @property
    def name(self) -> str:
        return name_in_current_language(self)


#: Kept per process on purpose, not in the shared cache: the units change only by a migration,
#: and a deploy that migrates restarts every server, so no two servers can hold different
#: copies while they run (and a page needs no cache round trip for them).
_places: list[Place] = []


def all_places() -> list[Place]:
    """Every unit, read from the database once per process."""
    if not _places:
        columns = [getattr(AdminUnit, field.name) for field in fields(Place)]
        rows = db.session.execute(sa.select(*columns).order_by(AdminUnit.code)).all()
        _places[:] = [Place(*row) for row in rows]
    return _places


def place(code: str | None) -> Place | None:
    """The unit with this code, from memory (None for no code or an unknown one)."""
    if code is None:
        return None
    if not _by_code:
        _by_code.update((unit.code, unit) for unit in all_places())
    return _by_code.get(code)


_by_code: dict[str, Place] = {}


def place_names() -> dict[str, str]:
    """Code → name in the current language."""
    return {place.code: place.name for place in all_places()}


def top_level_units() -> list[Place]:
    """Regions and cities of republican significance, for the first select."""
    return [place for place in all_places() if place.parent_code is None]


def units_by_parent() -> dict[str, list[Place]]:
    """Districts and towns grouped by their region's code."""
    grouped: dict[str, list[Place]] = {}
    for place in all_places():
        if place.parent_code is not None:
            grouped.setdefault(place.parent_code, []).append(place)
    return grouped


def sorted_by_name(units: list[Place]) -> list[Place]:
    return sorted(units, key=lambda unit: unit.name.casefold())


def filter_choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(regions, districts and towns) as (code, name) in the reader's language, sorted by name,
    for a list filter's selects: kept per process and language, as the units are."""
    locale = locale_code()
    kept = _filter_choices.get(locale)
    if kept is None:
        districts = [unit for units in units_by_parent().values() for unit in units]
        kept = _filter_choices[locale] = (
            [(unit.code, unit.name) for unit in sorted_by_name(top_level_units())],
            [(unit.code, unit.name) for unit in sorted_by_name(districts)],
        )
    return kept


_filter_choices: dict[str, tuple[list[tuple[str, str]], list[tuple[str, str]]]] = {}


def fill_place_choices(form) -> dict:
    """Give a form with region/district selects its choices; return them for the template."""
    regions = sorted_by_name(top_level_units())
    children = {code: sorted_by_name(units) for code, units in units_by_parent().items()}
    form.region.choices = [("", gettext("Choose…"))] + [(u.code, u.name) for u in regions]
    form.district.choices = [("", gettext("Choose…"))] + [
        (unit.code, unit.name) for units in children.values() for unit in units
    ]
    form.district_parents = {
        unit.code: parent for parent, units in children.items() for unit in units
    }
    return {"regions": regions, "children": children}
