"""The camp on paper, for a venue without signal: the participant list, a check-in sheet for
each day and name badges, drawn with portal/pdf.py in the language of the request (the
organiser's), dates with the portal's short form."""

from datetime import date

from portal.ages import age_on
from portal.camps.labels import consent_label
from portal.i18n import gettext as _
from portal.i18n import local_today
from portal.i18n import short_date
from portal.pdf import BRAND
from portal.pdf import FONT
from portal.pdf import INK
from portal.pdf import Sheet

#: Name badges on an A4 page: columns × rows, each badge cut along dashed lines.
BADGE_COLUMNS, BADGE_ROWS = 2, 4
BADGE_MARGIN = 12  # mm around the grid, inside every printer's reach


def participant_list(camp, applications) -> bytes:
    """Number, name, age, district, phone, a minor's guardian's phone and the consent."""
    sheet = _sheet(_("Participants: %(camp)s", camp=camp.display_title), landscape=True)
    sheet.add_page()
    sheet.text_line(_camp_line(camp), gap=3)
    rows = []
    for number, application in enumerate(applications, start=1):
        person = application.applicant
        age = application.applicant_age
        rows.append(
            [
                number,
                person.full_name,
                "" if age is None else age,
                person.district.name if person.district else "",
                person.phone or "",
                (application.guardian_phone or "") if application.is_minor else "",
                consent_label(application),
            ]
        )
    headings = [
        "№", _("Name"), _("Age on the first day"), _("District or town"), _("Mobile phone"),
        _("Guardian's phone"), _("Guardian consent"),
    ]  # fmt: skip
    if rows:
        sheet.table(headings, rows, widths=(11, 76, 22, 52, 36, 36, 40))
    else:
        sheet.text_line(_("Nobody holds a place at this camp yet."))
    return sheet.bytes()


def checkin_sheet(camp, day: date, rows) -> bytes:
    """One camp day: each person with a box to tick when they are here and a signature."""
    days = camp.days()
    title = _(
        "Check-in, day %(number)d of %(days)d (%(date)s): %(camp)s",
        number=days.index(day) + 1, days=len(days), date=short_date(day), camp=camp.display_title,
    )  # fmt: skip
    sheet = _sheet(title)  # the day and its date head every page
    sheet.add_page()
    sheet.text_line(_camp_line(camp), gap=3)
    table_rows = [
        [index, application.applicant.full_name, _consent_note(application), "", ""]
        for index, (application, _present) in enumerate(rows, start=1)
    ]
    headings = ["№", _("Name"), _("Guardian consent"), _("Here"), _("Signature")]
    if table_rows:
        sheet.table(headings, table_rows, widths=(11, 70, 35, 20, 50), row_height=9, boxes={3})
    else:
        sheet.text_line(_("Nobody has confirmed a place yet."))
    return sheet.bytes()


def _consent_note(application) -> str:
    """Only a minor's consent is worth ink on the check-in sheet."""
    return str(consent_label(application)) if application.is_minor else ""


def badges(camp, applications, *, first_names_of_minors: bool) -> bytes:
    """Name badges, BADGE_COLUMNS × BADGE_ROWS to a page: the name, the camp and the region."""
    sheet = Sheet("")
    sheet.set_title(_("Name badges: %(camp)s", camp=camp.display_title))
    sheet.set_auto_page_break(False)
    width = (sheet.w - 2 * BADGE_MARGIN) / BADGE_COLUMNS
    height = (sheet.h - 2 * BADGE_MARGIN - 6) / BADGE_ROWS
    per_page = BADGE_COLUMNS * BADGE_ROWS
    for index, application in enumerate(applications):
        if index % per_page == 0:
            sheet.add_page()
            _cut_lines(sheet, width, height)
        column, row = index % BADGE_COLUMNS, index % per_page // BADGE_COLUMNS
        x, y = BADGE_MARGIN + column * width, BADGE_MARGIN + row * height
        name = badge_name(application, first_names_of_minors=first_names_of_minors)
        _badge(sheet, camp, application.applicant, name, x, y, width, height)
    if not applications:
        sheet.add_page()
        sheet.text_line(_("Nobody holds a place at this camp yet."))
    return sheet.bytes()


#: How family names and patronymics end in Kyrgyz, Russian and Uzbek (Cyrillic and Latin).
FAMILY_ENDINGS = ("ов", "ова", "ев", "ева", "ёв", "ёва", "вич", "вна", "зода", "заде", "ov", "ova",
                  "ev", "eva", "zoda", "zade")  # fmt: skip
FAMILY_WORDS = ("уулу", "кызы", "кизи", "ўғли", "qizi", "o'g'li", "uulu", "kyzy")


def badge_name(application, *, first_names_of_minors: bool) -> str:
    """The name to print: a minor's first name alone when the organiser asks for it."""
    name = application.applicant.full_name
    if first_names_of_minors and is_minor_at_start(application):
        return first_name(name)
    return name


def first_name(full_name: str) -> str:
    """The given name in a name written in either order ("Айгерим Садыкова", "Садыкова
    Айгерим"): the first word that does not read as a family name or a patronymic."""
    words = full_name.split()
    if not words:
        return full_name
    given = [
        word
        for position, word in enumerate(words)
        if not word.casefold().endswith(FAMILY_ENDINGS)
        and word.casefold() not in FAMILY_WORDS
        and not (position + 1 < len(words) and words[position + 1].casefold() in FAMILY_WORDS)
    ]
    return (given or words)[0]


def is_minor_at_start(application) -> bool:
    """Under 18 on the camp's first day by the guardian rule or by the profile today; an
    unknown age counts as a minor (a badge that shows less harms nobody)."""
    born = application.applicant.date_of_birth
    if application.is_minor or born is None:
        return True
    return age_on(born, application.camp.start_date) < 18


def _badge(sheet, camp, person, name, x, y, width, height) -> None:
    inner = width - 12
    sheet.set_text_color(*BRAND)
    sheet.set_font(FONT, "B", 10)
    sheet.set_xy(x + 6, y + 7)
    sheet.multi_cell(inner, 4.5, camp.display_title, align="C")
    sheet.set_text_color(*INK)
    size = 26.0
    sheet.set_font(FONT, "B", size)
    while size > 12 and sheet.get_string_width(name) > inner - 2 * sheet.c_margin - 1:
        size -= 1
        sheet.set_font(FONT, "B", size)
    line_height = size * 0.45
    lines = sheet.multi_cell(inner, line_height, name, dry_run=True, output="LINES")
    sheet.set_xy(x + 6, y + (height - len(lines) * line_height) / 2)
    sheet.multi_cell(inner, line_height, name, align="C")
    place = ", ".join(unit.name for unit in (person.region, person.district) if unit)
    if place:
        sheet.set_font(FONT, "", 10)
        sheet.set_xy(x + 6, y + height - 14)
        sheet.multi_cell(inner, 4.5, place, align="C")


def _cut_lines(sheet, width, height) -> None:
    """Dashed lines to cut the page into badges."""
    sheet.set_draw_color(150, 150, 150)
    sheet.set_dash_pattern(dash=2, gap=2)
    right = BADGE_MARGIN + BADGE_COLUMNS * width
    bottom = BADGE_MARGIN + BADGE_ROWS * height
    for column in range(BADGE_COLUMNS + 1):
        x = BADGE_MARGIN + column * width
        sheet.line(x, BADGE_MARGIN, x, bottom)
    for row in range(BADGE_ROWS + 1):
        y = BADGE_MARGIN + row * height
        sheet.line(BADGE_MARGIN, y, right, y)
    sheet.set_dash_pattern()
    sheet.set_draw_color(*INK)


def _sheet(title: str, *, landscape: bool = False) -> Sheet:
    printed = _("Printed on %(date)s", date=short_date(local_today()))
    return Sheet(title, orientation="landscape" if landscape else "portrait", footer=printed)


def _camp_line(camp) -> str:
    dates = f"{short_date(camp.start_date)} – {short_date(camp.end_date)}"
    return " · ".join(part for part in (camp.display_venue, dates) if part)


def file_name(camp, sheet: str, day: date | None = None) -> str:
    """A name that says which camp and sheet, and nothing of the people on it."""
    if day is None:
        return f"camp-{camp.id}-{sheet}"
    return f"camp-{camp.id}-{sheet}-day-{camp.days().index(day) + 1}"
