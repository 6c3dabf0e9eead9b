"""Every row of an import checked: its values read and normalised as registration does, and
every problem named, so the preview, the import and the rejected rows' report agree."""

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from typing import Any

from portal.accounts.forms import MINIMUM_AGE
from portal.accounts.models import Gender
from portal.accounts.validators import is_valid_name
from portal.accounts.validators import normalise_email
from portal.accounts.validators import normalise_name
from portal.accounts.validators import normalise_phone
from portal.ages import age_on
from portal.forms import within_calendar
from portal.i18n import DEFAULT_LOCALE
from portal.i18n import lazy_gettext as _l
from portal.imports.columns import GENDERS
from portal.imports.columns import LANGUAGES
from portal.imports.columns import PlaceIndex
from portal.imports.columns import fold
from portal.imports.columns import parse_date
from portal.imports.models import ImportKind
from portal.spreadsheets import ReadTable

#: Problem code → what it says (parameters stored with the code, so a report made later reads
#: in its reader's language).
PROBLEMS = {
    "name_missing": _l("The name is missing."),
    "name_invalid": _l("The name may hold only letters, spaces, hyphens and apostrophes."),
    "name_too_long": _l("The name is longer than 120 characters."),
    "contact_missing": _l("There is neither a phone number nor an e-mail address."),
    "phone_invalid": _l("The phone number is not a Kyrgyz mobile number."),
    "email_invalid": _l("The e-mail address is not valid."),
    "duplicate": _l("The same phone number or e-mail address as row %(row)d of the file."),
    "two_accounts": _l("The phone number and the e-mail address belong to two different accounts."),
    "staff_account": _l("The phone number or e-mail address belongs to a staff account."),
    "birth_date_missing": _l(
        "The date of birth is missing: without it the portal cannot tell whether the person is "
        "a minor."
    ),
    "birth_date_invalid": _l("The date of birth cannot be read. Write it as DD.MM.YYYY."),
    "birth_date_impossible": _l("The date of birth is in the future or too far in the past."),
    "too_young": _l("The person is younger than %(age)d."),
    "gender_unknown": _l("The gender is not female, male or other (it may also be left empty)."),
    "region_unknown": _l("No region or city of Kyrgyzstan has this name."),
    "district_unknown": _l("No district or town of Kyrgyzstan has this name."),
    "place_ambiguous": _l("Several places have this name. Write it in full, with its kind."),
    "district_elsewhere": _l("The district or town is not in the region given."),
    "community_too_long": _l("The village or community is longer than 120 characters."),
    "language_unknown": _l("The language is not Kyrgyz, Russian or Uzbek."),
    "completed_missing": _l("The completion date is missing."),
    "completed_invalid": _l("The completion date cannot be read. Write it as DD.MM.YYYY."),
    "completed_impossible": _l("The completion date is in the future or too far in the past."),
    "code_invalid": _l(
        "A certificate code has at most 32 characters: Latin letters, digits, hyphens and "
        "underscores."
    ),
    "code_duplicate": _l("The same certificate code as row %(row)d of the file."),
    "code_taken": _l("Another certificate already has this code."),
}
#: What happens to a row.
NEW, MATCHED, RECORDED, REJECTED = "new", "matched", "recorded", "rejected"
OUTCOME_LABELS = {
    NEW: _l("New"),
    MATCHED: _l("Matched"),
    RECORDED: _l("Already there"),
    REJECTED: _l("Rejected"),
}
MAX_TEXT = 120
CODE_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass
class Existing:
    """What the database already holds for the file's contacts (see queries.existing_for)."""

    #: Phone or e-mail → the account's id.
    by_phone: dict[str, int] = dataclass_field(default_factory=dict)
    by_email: dict[str, int] = dataclass_field(default_factory=dict)
    #: Accounts holding a staff role.
    staff: set[int] = dataclass_field(default_factory=set)
    #: Graduates: accounts with a certificate of the programme already.
    certified: set[int] = dataclass_field(default_factory=set)
    #: Graduates: certificate code → the account holding it in this programme (0: a
    #: certificate of another programme).
    codes: dict[str, int] = dataclass_field(default_factory=dict)


@dataclass
class Row:
    number: int
    cells: list
    values: dict[str, Any]
    problems: list[tuple[str, dict]]
    #: The existing account this row names, if any.
    match_id: int | None = None
    outcome: str = NEW

    def messages(self) -> list[str]:
        return [problem_text(code, params) for code, params in self.problems]


def problem_text(code: str, params: dict) -> str:
    return str(PROBLEMS[code]) % params if params else str(PROBLEMS[code])


def contacts(table: ReadTable, mapping: dict[str, int]) -> tuple[set[str], set[str]]:
    """The valid phone numbers and e-mail addresses in the file, to look up in one go."""
    phones, emails = set(), set()
    for _number, cells in table.rows:
        phone = normalise_phone(_text(cells, mapping, "phone"))
        email = normalise_email(_text(cells, mapping, "email") or "")
        phones.update([phone] if phone else [])
        emails.update([email] if email else [])
    return phones, emails


def codes_in(table: ReadTable, mapping: dict[str, int]) -> set[str]:
    return {code for _n, cells in table.rows if (code := _text(cells, mapping, "code"))}


def check_rows(
    kind: ImportKind, table: ReadTable, mapping: dict[str, int], existing: Existing,
    today: date, places: PlaceIndex | None = None,
) -> list[Row]:  # fmt: skip
    """Every row read and checked, in the file's order."""
    places = places or PlaceIndex()
    seen_contacts: dict[str, int] = {}
    seen_codes: dict[str, int] = {}
    rows = []
    for number, cells in table.rows:
        row = Row(number, cells, {}, [])
        _read_person(row, cells, mapping, today, kind, places)
        if kind is ImportKind.GRADUATES:
            _read_graduation(row, cells, mapping, today, seen_codes)
        _match(row, existing, seen_contacts, kind)
        rows.append(row)
    return rows


def _text(cells: list, mapping: dict[str, int], name: str) -> str:
    column = mapping.get(name)
    if column is None or column >= len(cells) or cells[column] is None:
        return ""
    value = cells[column]
    return value.isoformat() if isinstance(value, date) else str(value).strip()


def _cell(cells: list, mapping: dict[str, int], name: str):
    column = mapping.get(name)
    return None if column is None or column >= len(cells) else cells[column]


def _read_person(row: Row, cells, mapping, today: date, kind: ImportKind, places) -> None:
    problems, values = row.problems, row.values
    name = normalise_name(_text(cells, mapping, "full_name"))
    if not name:
        problems.append(("name_missing", {}))
    elif len(name) > MAX_TEXT:
        problems.append(("name_too_long", {}))
    elif not is_valid_name(name):
        problems.append(("name_invalid", {}))
    values["full_name"] = name
    phone_text, email_text = _text(cells, mapping, "phone"), _text(cells, mapping, "email")
    values["phone"] = normalise_phone(phone_text) if phone_text else None
    values["email"] = normalise_email(email_text) if email_text else None
    if not phone_text and not email_text:
        problems.append(("contact_missing", {}))
    if phone_text and values["phone"] is None:
        problems.append(("phone_invalid", {}))
    if email_text and values["email"] is None:
        problems.append(("email_invalid", {}))
    language = fold(_text(cells, mapping, "locale"))
    values["locale"] = LANGUAGES.get(language, DEFAULT_LOCALE)
    if language and language not in LANGUAGES:
        problems.append(("language_unknown", {}))
    if kind is ImportKind.PEOPLE:
        _read_birth_date(row, _cell(cells, mapping, "date_of_birth"), today)
        gender = fold(_text(cells, mapping, "gender"))
        values["gender"] = Gender(GENDERS[gender]) if gender in GENDERS else None
        if gender and gender not in GENDERS:
            problems.append(("gender_unknown", {}))
        _read_place(row, _text(cells, mapping, "region"), _text(cells, mapping, "district"), places)
        community = normalise_name(_text(cells, mapping, "community"))
        values["community"] = community or None
        if len(community) > MAX_TEXT:
            problems.append(("community_too_long", {}))


def _read_birth_date(row: Row, cell, today: date) -> None:
    if cell is None or cell == "":
        row.problems.append(("birth_date_missing", {}))
        return
    born = parse_date(cell)
    if born is None:
        row.problems.append(("birth_date_invalid", {}))
    elif not within_calendar(born) or born > today or age_on(born, today) > 100:
        row.problems.append(("birth_date_impossible", {}))
    elif age_on(born, today) < MINIMUM_AGE:
        row.problems.append(("too_young", {"age": MINIMUM_AGE}))
    else:
        row.values["date_of_birth"] = born


def _read_place(row: Row, region_text: str, district_text: str, places: PlaceIndex) -> None:
    region = district = None
    if region_text:
        region, ambiguous = places.find(region_text, top_level=True)
        if region is None:
            # A district written in the region's column still says where the person lives.
            district, also_ambiguous = places.find(region_text, top_level=False)
            if district is None:
                code = "place_ambiguous" if ambiguous or also_ambiguous else "region_unknown"
                row.problems.append((code, {}))
    if district_text:
        found, ambiguous = places.find(district_text, top_level=False)
        if found is None:
            found, ambiguous = places.find(district_text, top_level=True)
            if found is not None and region is None:
                region, found = found, None  # a city such as Osh in the district's column
            elif found is None:
                row.problems.append(("place_ambiguous" if ambiguous else "district_unknown", {}))
        if found is not None and region is not None and found.parent_code != region.code:
            row.problems.append(("district_elsewhere", {}))
        district = found or district
    if district is not None and region is None:
        region_code: str | None = district.parent_code
    else:
        region_code = region.code if region else None
    row.values["region_code"] = region_code
    row.values["district_code"] = district.code if district else None


def _read_graduation(row: Row, cells, mapping, today: date, seen_codes: dict[str, int]) -> None:
    cell = _cell(cells, mapping, "completed_on")
    if cell is None or cell == "":
        row.problems.append(("completed_missing", {}))
    else:
        day = parse_date(cell)
        if day is None:
            row.problems.append(("completed_invalid", {}))
        elif not within_calendar(day) or day > today:
            row.problems.append(("completed_impossible", {}))
        else:
            row.values["completed_on"] = day
    code = _text(cells, mapping, "code")
    row.values["code"] = code or None
    if code and (len(code) > 32 or not set(code) <= CODE_CHARACTERS):
        row.problems.append(("code_invalid", {}))
    elif code in seen_codes:
        row.problems.append(("code_duplicate", {"row": seen_codes[code]}))
    elif code:
        seen_codes[code] = row.number


def _match(row: Row, existing: Existing, seen: dict[str, int], kind: ImportKind) -> None:
    phone, email = row.values["phone"], row.values["email"]
    earlier = [seen[key] for key in (phone, email) if key and key in seen]
    if earlier:
        row.problems.append(("duplicate", {"row": min(earlier)}))
    for key in (phone, email):
        if key and key not in seen:
            seen[key] = row.number
    ids = {existing.by_phone.get(phone or ""), existing.by_email.get(email or "")} - {None}
    if len(ids) > 1:
        row.problems.append(("two_accounts", {}))
    elif ids:
        row.match_id = ids.pop()
        if kind is ImportKind.GRADUATES and row.match_id in existing.staff:
            row.problems.append(("staff_account", {}))
    code = row.values.get("code")
    if code and code in existing.codes and existing.codes[code] != row.match_id:
        row.problems.append(("code_taken", {}))
    if row.problems:
        row.outcome = REJECTED
    elif row.match_id is None:
        row.outcome = NEW
    elif kind is ImportKind.GRADUATES and row.match_id in existing.certified:
        row.outcome = RECORDED
    else:
        row.outcome = MATCHED
