"""The certificate as a PDF in the holder's language, with a QR code to its verification page."""

from flask_babel import force_locale
from fpdf import FPDF

from portal.i18n import gettext as _
from portal.i18n import ngettext
from portal.i18n import number
from portal.i18n import short_date
from portal.links import external_url
from portal.pdf import add_fonts
from portal.pdf import draw_qr


def verification_url(certificate) -> str:
    return external_url("training.verify", code=certificate.code)


def certificate_pdf(certificate) -> bytes:
    """Render the certificate in the holder's saved language."""
    enrolment = certificate.enrolment
    with force_locale(enrolment.person.locale):
        return _render(certificate, enrolment)


def _render(certificate, enrolment) -> bytes:
    programme = enrolment.programme
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(_("Certificate"))
    pdf.set_author("Jashtar")
    add_fonts(pdf)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_draw_color(11, 94, 85)
    pdf.set_line_width(1.5)
    pdf.rect(10, 10, 277, 190)

    def line(text, size, style="", gap=4):
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(0, size * 0.5, text, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    pdf.set_y(30)
    pdf.set_text_color(11, 94, 85)
    line(_("Certificate"), 34, "B", gap=8)
    pdf.set_text_color(27, 27, 27)
    line(_("This certifies that"), 14)
    line(certificate.holder_name, 26, "B")
    line(_("has completed the training programme"), 14)
    line(programme.display_title, 20, "B")
    hours = sum(module.hours for module in programme.modules)
    if hours:
        whole = int(hours) if hours == int(hours) else hours
        line(ngettext("%(hours)s hour of training", "%(hours)s hours of training", whole,
                      hours=number(hours)), 12)  # fmt: skip
    if programme.makes_ambassadors:
        line(_("and is a youth ambassador of the programme."), 14, "B")
    line(_("Date: %(date)s", date=short_date(certificate.issued_on)), 12, gap=2)

    url = verification_url(certificate)
    draw_qr(pdf, url, x=236, y=150, size=40)
    pdf.set_xy(20, 172)
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(
        200,
        5,
        _("Check this certificate at %(url)s", url=url)
        + "\n"
        + _("Code: %(code)s", code=certificate.code),
        align="L",
    )
    return bytes(pdf.output())
