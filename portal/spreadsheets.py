"""Tables as CSV or XLSX downloads, shared by every domain's exports, and tables read from
uploaded CSV or XLSX files (imports)."""

import csv
import io
from dataclasses import dataclass
from datetime import date
from datetime import datetime

from flask import Response
from openpyxl import Workbook
from openpyxl import load_workbook

from portal.i18n import lazy_gettext as _l
from portal.i18n import lazy_ngettext as _nl


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list]


def send_table(tables: "Table | list[Table]", fmt: str, name: str) -> Response:
    """One table, or several (XLSX: a sheet each; CSV: one after another under their titles)."""
    tables = [tables] if isinstance(tables, Table) else tables
    body: str | bytes
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for number, table in enumerate(tables):
            if len(tables) > 1:
                if number:
                    writer.writerow([])
                writer.writerow([table.title])
            writer.writerow([_safe_cell(cell) for cell in table.header])
            writer.writerows([_safe_cell(cell) for cell in row] for row in table.rows)
        # A BOM lets spreadsheet programs read Cyrillic correctly.
        body = "\ufeff" + buffer.getvalue()
        mimetype = "text/csv; charset=utf-8"
    else:
        workbook = Workbook()
        workbook.remove(workbook.active)
        used: set[str] = set()
        for table in tables:
            sheet = workbook.create_sheet(_sheet_title(table.title, used))
            sheet.append([_safe_cell(cell) for cell in table.header])
            for row in table.rows:
                sheet.append([_safe_cell(cell) for cell in row])
        stream = io.BytesIO()
        workbook.save(stream)
        body = stream.getvalue()
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _sheet_title(title: str, used: set) -> str:
    """Sheet names: at most 31 characters, none of []:*?/\\, and unique in the workbook."""
    clean = "".join(ch for ch in title if ch not in "[]:*?/\\")[:28] or "Sheet"
    candidate, number = clean, 2
    while candidate in used:
        candidate, number = f"{clean} {number}", number + 1
    used.add(candidate)
    return candidate


#: What makes a spreadsheet program read a cell as a formula (OWASP's CSV injection list):
#: a leading tab or carriage return is skipped by some, and the formula after it runs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(value):
    """Keep text that starts like a formula from running in a spreadsheet program."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# --- reading ----------------------------------------------------------------------------------

#: What a read cell holds: text as typed, a date for a spreadsheet's date cell, or None.
Cell = str | date | None
#: The columns a read table keeps at most (a sheet of thousands of empty columns is not refused,
#: only cut); nobody maps more than this.
MAX_COLUMNS = 50
#: The separators a CSV file may use (Excel in Russian and Kyrgyz writes ";").
CSV_SEPARATORS = ",;\t"
#: A table ends after this many empty rows in a row (a sheet formatted down to its millionth
#: row is read in a moment, not to its end).
MAX_EMPTY_RUN = 1000


class SpreadsheetError(ValueError):
    """The file cannot be read as a table; the message is translated for the person."""


@dataclass
class ReadTable:
    """A file's header row and the rows under it (empty rows left out), each with its number
    in the file as a spreadsheet program shows it."""

    header: list[str]
    rows: list[tuple[int, list[Cell]]]


def read_table(data: bytes, fmt: str, *, max_rows: int) -> ReadTable:
    """The first sheet of an XLSX file or a CSV file (UTF-8 with or without a BOM, or
    Windows-1251), its first non-empty row taken as the header. More than `max_rows` rows under
    it, an empty file or one that is not what its name says is a SpreadsheetError."""
    lines = _xlsx_rows(data) if fmt == "xlsx" else _csv_rows(data)
    header: list[str] | None = None
    rows: list[tuple[int, list[Cell]]] = []
    empty_run = 0
    for number, raw in lines:
        cells = [_clean(cell) for cell in raw[:MAX_COLUMNS]]
        if all(cell is None for cell in cells):
            empty_run += 1
            if empty_run > MAX_EMPTY_RUN:
                break
            continue
        empty_run = 0
        if header is None:
            header = ["" if cell is None else str(cell) for cell in cells]
            continue
        if len(rows) == max_rows:
            raise SpreadsheetError(
                _nl(
                    "The file has more than %(num)d row. Split it into smaller files.",
                    "The file has more than %(num)d rows. Split it into smaller files.",
                    max_rows,
                )
            )
        rows.append((number, cells))
    if header is None or not rows:
        raise SpreadsheetError(
            _l("The file has no rows under its header row. Check that it is the right file.")
        )
    # As wide as the cells used: a read-only XLSX sheet pads every row to MAX_COLUMNS, and
    # blank cells on the right are no columns to map or to give back in the refused rows.
    width = max(_used_width(header), *(_used_width(cells) for _number, cells in rows))
    header = (header + [""] * width)[:width]
    return ReadTable(header, [(n, (c + [None] * width)[:width]) for n, c in rows])


def _used_width(cells: list) -> int:
    """How many cells up to the last one that is not empty."""
    return next((len(cells) - i for i, cell in enumerate(reversed(cells)) if cell), 0)


def _unreadable() -> SpreadsheetError:
    return SpreadsheetError(
        _l(
            "The file cannot be read. Save it again from your spreadsheet program as Excel "
            "(.xlsx) or CSV and send it again."
        )
    )


def _xlsx_rows(data: bytes):
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # a damaged zip, XML or workbook: openpyxl raises many kinds
        raise _unreadable() from error
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), 1):
            yield number, list(row)
    except SpreadsheetError:
        raise
    except Exception as error:  # a sheet damaged past its first rows
        raise _unreadable() from error
    finally:
        workbook.close()


def _csv_rows(data: bytes):
    if data.startswith(b"PK\x03\x04") or b"\x00" in data[:4096]:
        raise _unreadable()  # an Excel file (or another binary) called .csv
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1251", errors="replace")  # Excel's "CSV" in Russian Windows
    first = next((line for line in text.splitlines() if line.strip()), "")
    separator = max(CSV_SEPARATORS, key=first.count) if first else ","
    try:
        yield from enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=separator), 1)
    except csv.Error as error:
        raise _unreadable() from error


def _clean(value) -> Cell:
    """A cell as text (numbers without a trailing .0, as typed), a date, or None when empty."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None
