"""The printed paper application form: one form per page (or two, with many questions), the
code large on every page, lines to write on, tick boxes for choices and the consent wording the
online forms show, in the language the organiser chose (drawn with portal/pdf.py)."""

from flask_babel import force_locale

from portal.accounts.services import DATA_PROCESSING_CONSENT_TEXT
from portal.camps.models import QuestionKind
from portal.camps.paper.models import shown_code
from portal.i18n import date_range
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.links import external_url
from portal.pdf import BRAND
from portal.pdf import FONT
from portal.pdf import INK
from portal.pdf import Sheet

#: The lines a written answer gets on paper.
ANSWER_LINES = {QuestionKind.SHORT_TEXT: 1, QuestionKind.LONG_TEXT: 3}
#: The photo consent as the online application form words it (camps/forms/applications.py).
PHOTO_CONSENT = _l(
    "You may take photos and videos of me at the camp and use them about the programme."
)


class PaperFormSheet(Sheet):
    """A Sheet whose every page carries the code of the form being drawn, large, top right."""

    code = ""

    def header(self) -> None:
        if self.code:
            self.set_font(FONT, "B", 22)
            self.set_text_color(*BRAND)
            width = self.get_string_width(shown_code(self.code)) + 4
            self.set_xy(self.w - self.r_margin - width, 8)
            self.cell(width, 10, shown_code(self.code), align="R")
            self.set_text_color(*INK)
            self.set_xy(self.l_margin, 20)
        super().header()


def paper_forms_pdf(camp, forms, locale: str) -> bytes:
    """One PDF with a blank form for each of `forms`, in `locale`."""
    with force_locale(locale):
        pdf = PaperFormSheet(
            camp.display_title, footer=_("Jashtar · paper application form")
        )  # fmt: skip
        for paper in forms:
            pdf.code = paper.code
            pdf.add_page()
            _draw_form(pdf, camp)
        return pdf.bytes()


def _draw_form(pdf: PaperFormSheet, camp) -> None:
    pdf.text_line(f"{date_range(camp.start_date, camp.end_date)} · {camp.display_venue}", size=10)
    pdf.text_line(
        _("Code of this form: %(code)s. Write with a pen, clearly. Give the form to an "
          "organiser; later you can see your application online at %(link)s with this code "
          "and your phone number.", code=shown_code(pdf.code), link=external_url("paper.claim")),
        size=8.5, gap=3,
    )  # fmt: skip
    pdf.text_line(_("About you"), size=11, style="B")
    pdf.writing_lines(_("Full name"))
    pdf.writing_lines(_("Mobile phone"))
    pdf.writing_lines(_("Date of birth (day, month, year)"))
    pdf.writing_lines(_("District or town, village"))
    pdf.writing_lines(_("Why do you want to come to this camp?"), lines=2)
    pdf.text_line(
        _("Under 18 on the camp's first day? Your parent or guardian:"), size=9, style="B"
    )
    pdf.writing_lines(_("Parent or guardian: name"))
    pdf.writing_lines(_("Parent or guardian: phone"))
    if camp.questions:
        pdf.text_line(_("Questions from the organisers"), size=11, style="B")
    for question in camp.questions:
        _draw_question(pdf, question)
    pdf.text_line(_("Consent"), size=11, style="B")
    pdf.tick_options(str(PHOTO_CONSENT), [_("Yes")])
    pdf.text_line(str(DATA_PROCESSING_CONSENT_TEXT), size=8)
    pdf.writing_lines(_("Signature and date"))
    pdf.writing_lines(_("For a minor: signature of the parent or guardian"))


def _draw_question(pdf: Sheet, question) -> None:
    label = question.display_label
    if question.kind is QuestionKind.YES_NO:
        pdf.tick_options(label, [_("Yes"), _("No")])
    elif question.kind is QuestionKind.CHOICE:
        pdf.tick_options(label, [text for _value, text in question.choice_options()])
    else:
        pdf.writing_lines(label, lines=ANSWER_LINES[question.kind])
