"""Kyrgyzstan's administrative units (reference data loaded by a migration)."""

import csv
import enum
from importlib import resources
from typing import Optional

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from portal.extensions import db
from portal.extensions import str_enum
from portal.i18n import localized


class UnitKind(enum.Enum):
    REGION = "region"
    CITY = "city"
    DISTRICT = "district"
    TOWN = "town"


class AdminUnit(db.Model):
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
        return localized(
            {
                "ky": self.name_ky,
                "ru": self.name_ru,
                "uz_Cyrl": self.name_uz_cyrl,
                "en": self.name_en,
            }
        )

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


def top_level_units() -> list[AdminUnit]:
    """Regions and cities of republican significance, for the first select."""
    return list(db.session.scalars(sa.select(AdminUnit).where(AdminUnit.parent_code.is_(None))))


def units_by_parent() -> dict[str, list[AdminUnit]]:
    """Districts and towns grouped by their region's code."""
    grouped: dict[str, list[AdminUnit]] = {}
    for unit in db.session.scalars(
        sa.select(AdminUnit).where(AdminUnit.parent_code.is_not(None)).order_by(AdminUnit.code)
    ):
        grouped.setdefault(unit.parent_code, []).append(unit)
    return grouped


def sorted_by_name(units: list[AdminUnit]) -> list[AdminUnit]:
    return sorted(units, key=lambda unit: unit.name.casefold())


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
