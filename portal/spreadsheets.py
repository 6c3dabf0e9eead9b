"""Tables as CSV or XLSX downloads, shared by every domain's exports."""

import csv
import io
from dataclasses import dataclass

from flask import Response
from openpyxl import Workbook


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
