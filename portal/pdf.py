"""PDFs for paper: one Unicode font (DejaVu, bundled, so Kyrgyz ң ө ү and Uzbek ў қ ғ ҳ print),
a page with a title, the date and page numbers, a table that repeats its header on each page,
tick boxes and a QR code. The certificate, the camp's sheets, badges and the paper
application form are drawn with it; callers render inside `force_locale` for the reader's
language."""

from __future__ import annotations

from collections.abc import Collection
from collections.abc import Sequence
from importlib import resources

import segno
from flask import Response
from fpdf import FPDF

FONT_DIR = resources.files("portal.data").joinpath("fonts")
FONT = "DejaVu"
INK = (27, 27, 27)
BRAND = (11, 94, 85)
#: An empty square in the font (U+2610), for a tick box inside a table's cell.
BALLOT_BOX = "\u2610"


class Sheet(FPDF):
    """An A4 page with the bundled font, a running title and "page n of m" in the footer."""

    def __init__(self, title: str, *, orientation: str = "portrait", footer: str = "") -> None:
        super().__init__(orientation=orientation, format="A4")
        self.sheet_title = title
        self.footer_text = footer
        self.set_title(title)
        self.set_author("Jashtar")
        add_fonts(self)
        self.set_margins(12, 14, 12)
        self.set_auto_page_break(True, margin=16)
        self.alias_nb_pages()

    def header(self) -> None:
        if not self.sheet_title:
            return
        self.set_font(FONT, "B", 13)
        self.set_text_color(*BRAND)
        self.multi_cell(0, 6.5, self.sheet_title, align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*INK)
        self.ln(1)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, f"{self.footer_text}   {self.page_no()}/{{nb}}".strip(), align="R")
        self.set_text_color(*INK)

    def text_line(self, text: str, size: float = 10, style: str = "", gap: float = 1) -> None:
        """A paragraph across the page, wrapped."""
        self.set_font(FONT, style, size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(gap)

    def table(  # type: ignore[override]  # our rows-and-widths table, not fpdf2's context manager
        self,
        headings: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        *,
        size: float = 9,
        row_height: float = 7,
        boxes: Collection[int] = (),
    ) -> None:
        """A table with its headings repeated on every page; a row never splits over pages.
        The columns numbered in `boxes` (from 0) hold an empty tick box in each row."""
        from fpdf.fonts import FontFace

        box_style = FontFace(family=FONT, size_pt=row_height * 1.5)
        self.set_font(FONT, "", size)
        with super().table(
            col_widths=tuple(widths),
            width=sum(widths),
            line_height=row_height * 0.72,
            headings_style=_heading_style(),
            repeat_headings=1,
            text_align="LEFT",
        ) as table:
            table.row(list(headings))
            for values in rows:
                row = table.row()
                for column, value in enumerate(values):
                    if column in boxes:
                        row.cell(BALLOT_BOX, align="CENTER", style=box_style)
                    else:
                        row.cell(str(value))

    def box(self, x: float, y: float, size: float = 5) -> None:
        """An empty square to tick with a pen."""
        self.rect(x, y, size, size)

    def writing_lines(self, label: str, *, lines: int = 1, size: float = 9) -> None:
        """A label and `lines` ruled lines across the page to write on by hand."""
        self.set_font(FONT, "", size)
        self.multi_cell(0, size * 0.5, label, new_x="LMARGIN", new_y="NEXT")
        for _ in range(lines):
            self.ln(6)
            self.set_draw_color(120, 120, 120)
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
            self.set_draw_color(*INK)
        self.ln(2)

    def tick_options(self, label: str, options: Sequence[str], *, size: float = 9) -> None:
        """A label and one tick box per option, side by side, wrapping to the next row."""
        self.set_font(FONT, "", size)
        self.multi_cell(0, size * 0.5, label, new_x="LMARGIN", new_y="NEXT")
        self.ln(1.5)
        for option in options:
            width = 7 + self.get_string_width(option) + 6
            if self.get_x() + width > self.w - self.r_margin:
                self.ln(7)
            self.box(self.get_x(), self.get_y() + 0.5, 4)
            self.set_x(self.get_x() + 6)
            self.cell(width - 6, 5, option)
        self.ln(7)

    def qr(self, data: str, *, x: float, y: float, size: float) -> None:
        draw_qr(self, data, x=x, y=y, size=size)

    def bytes(self) -> bytes:
        return bytes(self.output())


def send_pdf(data: bytes, name: str, *, inline: bool = False) -> Response:
    """A PDF to save as `name`.pdf (or, `inline`, to open in the browser), never kept by a
    cache (sheets and certificates name people)."""
    response = Response(data, mimetype="application/pdf")
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{name}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _heading_style():
    from fpdf.fonts import FontFace

    return FontFace(family=FONT, emphasis="BOLD", fill_color=(228, 240, 238))


def add_fonts(pdf: FPDF) -> None:
    pdf.add_font(FONT, "", str(FONT_DIR.joinpath("DejaVuSans.ttf")))
    pdf.add_font(FONT, "B", str(FONT_DIR.joinpath("DejaVuSans-Bold.ttf")))


def draw_qr(pdf: FPDF, data: str, *, x: float, y: float, size: float) -> None:
    """Draw a QR code as vector squares (no image library needed to read it back)."""
    qr = segno.make(data, error="m")
    matrix = list(qr.matrix_iter(border=2))
    cell = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row, values in enumerate(matrix):
        for col, dark in enumerate(values):
            if dark:
                pdf.rect(x + col * cell, y + row * cell, cell, cell, style="F")
