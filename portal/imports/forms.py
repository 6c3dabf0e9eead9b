"""The upload (a file, what it holds, for graduates their programme), the column mapping and
the import's confirmation."""

from pathlib import Path

from flask_wtf.file import FileField
from wtforms import BooleanField
from wtforms import RadioField
from wtforms import SelectField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import ValidationError

from portal.forms import BaseForm
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.imports.columns import FIELDS
from portal.imports.columns import mapping_problem
from portal.imports.models import ImportKind
from portal.spreadsheets import ReadTable
from portal.spreadsheets import SpreadsheetError
from portal.spreadsheets import read_table

#: Far more than any list of people sent as XLSX or CSV (5,000 rows take well under 1 MB).
MAX_FILE_MEGABYTES = 5
MAX_FILE_BYTES = MAX_FILE_MEGABYTES * 1024 * 1024
#: Rows one file may hold under its header; a longer list goes in several files.
MAX_ROWS = 5000
ACCEPTED_FILES = (
    ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"
)


KIND_LABELS = {
    ImportKind.PEOPLE: _l("Young people"),
    ImportKind.GRADUATES: _l("Past graduates of a programme"),
}


def kind_choices():
    return [
        (ImportKind.PEOPLE.value,
         _l("Young people (each new person is invited to choose a password)")),
        (ImportKind.GRADUATES.value, _l("Past graduates of a programme, with their certificates")),
    ]  # fmt: skip


def too_large_message() -> str:
    return _("The file is larger than %(size)d MB. Split it into smaller files.",
             size=MAX_FILE_MEGABYTES)  # fmt: skip


class UploadForm(BaseForm):
    kind = RadioField(
        _l("What the file holds"), choices=kind_choices, default=ImportKind.PEOPLE.value,
        validators=[InputRequired(_l("Choose what the file holds."))],
    )  # fmt: skip
    programme = SelectField(
        _l("Programme (for graduates)"), coerce=str, validate_choice=False,
        description=_l("The programme the people in the file completed."),
    )  # fmt: skip
    file = FileField(
        _l("Spreadsheet"),
        description=_l(
            "Excel (.xlsx) or CSV, up to %(size)d MB and %(rows)d rows, with a header row on top.",
            size=MAX_FILE_MEGABYTES, rows=MAX_ROWS,
        ),
        render_kw={"accept": ACCEPTED_FILES},
    )  # fmt: skip

    #: Set when the form is valid: the file's bytes, its format and its table.
    data_read: bytes = b""
    format_read: str = ""
    table: ReadTable | None = None

    def refuse_unread_file(self) -> None:
        """The form for a body too large to read."""
        self.file.errors = [too_large_message()]

    def validate_programme(self, field):
        if self.kind.data != ImportKind.GRADUATES.value:
            field.data = ""
            return
        if field.data not in {value for value, _label in field.choices if value}:
            raise ValidationError(_l("Choose the programme the graduates completed."))

    def validate_file(self, field):
        upload = field.data
        if not upload or not getattr(upload, "filename", ""):
            raise ValidationError(_l("Choose the file to import."))
        fmt = Path(upload.filename).suffix.lower().lstrip(".")
        if fmt not in ("xlsx", "csv"):
            raise ValidationError(
                _l(
                    "Send an Excel file (.xlsx) or a CSV file. Save an older .xls file as .xlsx "
                    "first."
                )
            )
        data = upload.stream.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise ValidationError(too_large_message())
        try:
            self.table = read_table(data, fmt, max_rows=MAX_ROWS)
        except SpreadsheetError as error:
            raise ValidationError(str(error.args[0])) from error
        self.data_read, self.format_read = data, fmt


class ConfirmImportForm(BaseForm):
    agreed = BooleanField(
        _l("The people in this file agreed that Jashtar keeps their details (on paper or at an "
           "event), and each new person gets a message inviting them to choose a password."),
        validators=[DataRequired(_l("Confirm that the people agreed before you import them."))],
    )  # fmt: skip


def column_choices(header: list[str]) -> list[tuple[str, str]]:
    named = [
        (str(column), text or _("Column %(num)d", num=column + 1))
        for column, text in enumerate(header)
    ]
    return [("", _("Not in the file"))] + named


def mapping_form(kind: ImportKind, header: list[str], mapping: dict[str, int], **kwargs):
    """A select per field of `kind`, offering the file's columns, set to `mapping`."""

    class MappingForm(BaseForm):
        def validate(self, extra_validators=None):
            valid = super().validate(extra_validators)
            chosen = self.mapping()
            columns = list(chosen.values())
            twice = {column for column in columns if columns.count(column) > 1}
            for field in FIELDS[kind]:
                if chosen.get(field.name) in twice:
                    self[field.name].errors.append(
                        _("This column is chosen for another field as well.")
                    )
            problem = mapping_problem(kind, chosen)
            if problem is not None:
                name, message = problem
                self[name].errors.append(str(message))
            return valid and not twice and problem is None

        def mapping(self) -> dict[str, int]:
            return {
                field.name: int(self[field.name].data)
                for field in FIELDS[kind]
                if (self[field.name].data or "").isdigit()
            }

    choices = column_choices(header)
    for field in FIELDS[kind]:
        setattr(MappingForm, field.name, SelectField(field.label, choices=choices, default=""))
    data = {name: str(column) for name, column in mapping.items()}
    return MappingForm(data=data, **kwargs)
