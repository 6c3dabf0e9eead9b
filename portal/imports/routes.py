"""Imports for organisers: upload a spreadsheet, map its columns, preview every row's problems,
import the valid rows once, download the rows that were refused."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from portal.audit import audit_event
from portal.errors import shows_its_form_when_too_large
from portal.extensions import db
from portal.forms import ActionForm
from portal.i18n import gettext as _
from portal.imports import policy
from portal.imports import queries
from portal.imports import services
from portal.imports.checks import MATCHED
from portal.imports.checks import NEW
from portal.imports.checks import OUTCOME_LABELS
from portal.imports.checks import RECORDED
from portal.imports.checks import REJECTED
from portal.imports.columns import FIELDS
from portal.imports.columns import mapping_problem
from portal.imports.forms import KIND_LABELS
from portal.imports.forms import ConfirmImportForm
from portal.imports.forms import UploadForm
from portal.imports.forms import mapping_form
from portal.imports.models import ImportBatch
from portal.imports.models import ImportKind
from portal.listing import paginate
from portal.security import organisers_only
from portal.security import require
from portal.spreadsheets import send_table
from portal.training.models import Programme

bp = Blueprint("imports", __name__, url_prefix="/manage/imports")
#: Rows the preview shows (the counts cover the whole file).
PREVIEW_ROWS = 20


def _batch(batch_id: int) -> ImportBatch:
    batch = db.get_or_404(ImportBatch, batch_id)
    require(policy.can_see_batch(current_user, batch), 404)
    return batch


def _programme(batch: ImportBatch) -> Programme | None:
    return db.session.get(Programme, batch.programme_id) if batch.programme_id else None


def _upload_form(**kwargs) -> UploadForm:
    form = UploadForm(**kwargs)
    form.programme.choices = [("", _("Choose…"))] + [
        (str(p.id), p.display_title) for p in queries.programmes()
    ]
    return form


@bp.route("", methods=["GET", "POST"])
@organisers_only
def index():
    """Upload a spreadsheet of people or graduates; the organiser's uploads of the last day."""
    form = _upload_form()
    if not form.is_submitted() and request.args.get("kind") == ImportKind.GRADUATES.value:
        form.kind.data = ImportKind.GRADUATES.value  # from a programme's page
        form.programme.data = request.args.get("programme", "")
    if form.validate_on_submit():
        kind = ImportKind(form.kind.data)
        programme = (
            db.session.get(Programme, int(form.programme.data)) if form.programme.data else None
        )
        batch = services.start(form.data_read, form.format_read, form.table, kind, programme,
                               by=current_user)  # fmt: skip
        return redirect(url_for(".batch", batch_id=batch.id))
    return _index_page(form, 400 if form.is_submitted() else 200)


def _index_page(form, status):
    page = paginate(queries.my_batches(current_user))
    return render_template("imports/index.html", form=form, page=page), status


@shows_its_form_when_too_large("imports.index")
@organisers_only
def upload_too_large():
    """The upload page again, its file field saying the file is too large."""
    form = _upload_form(formdata=None)
    form.refuse_unread_file()
    return _index_page(form, 413)


@bp.get("/<int:batch_id>")
@organisers_only
def batch(batch_id):
    """The columns mapped, the first rows with their problems and the counts; or the result."""
    batch = _batch(batch_id)
    if not policy.can_run(batch):
        return render_template(
            "imports/done.html", batch=batch, form=ActionForm(), programme=_programme(batch)
        )
    form = mapping_form(batch.kind, batch.header, batch.mapping, formdata=None)
    return _preview(batch, form)


def _preview(batch, form, status=200, confirm_form=None):
    rows = services.checked_rows(batch, form.mapping()) if form.mapping() else []
    counts = {
        outcome: sum(1 for row in rows if row.outcome == outcome) for outcome in OUTCOME_LABELS
    }
    return render_template(
        "imports/batch.html", batch=batch, form=form, rows=rows[:PREVIEW_ROWS], counts=counts,
        fields=FIELDS[batch.kind], outcome_labels=OUTCOME_LABELS,
        mapping_problem=mapping_problem(batch.kind, batch.mapping), action_form=ActionForm(),
        confirm_form=confirm_form or ConfirmImportForm(formdata=None),
        programme=_programme(batch),
    ), status  # fmt: skip


@bp.post("/<int:batch_id>/mapping")
@organisers_only
def save_mapping(batch_id):
    """Keep the columns chosen for each field."""
    batch = _batch(batch_id)
    require(policy.can_run(batch))
    form = mapping_form(batch.kind, batch.header, {})
    if not form.validate_on_submit():
        return _preview(batch, form, 400)
    services.save_mapping(batch, form.mapping())
    flash(_("The columns are saved. Check the rows below before you import."), "success")
    return redirect(url_for(".batch", batch_id=batch.id))


@bp.post("/<int:batch_id>/run")
@organisers_only
def run(batch_id):
    """Import the valid rows with the saved columns."""
    batch = _batch(batch_id)
    if not policy.can_run(batch):  # a second click: the first one imported it
        flash(_("This file has already been imported."), "info")
        return redirect(url_for(".batch", batch_id=batch.id))
    form = ConfirmImportForm()
    if not form.validate_on_submit() or mapping_problem(batch.kind, batch.mapping):
        mapping = mapping_form(batch.kind, batch.header, batch.mapping, formdata=None)
        return _preview(batch, mapping, 400, confirm_form=form)
    counts = services.run(batch, _programme(batch), by=current_user)
    flash(_("Imported: %(new)d new, %(matched)d already had an account, %(rejected)d not "
            "imported.", new=counts[NEW], matched=counts[MATCHED] + counts[RECORDED],
            rejected=counts[REJECTED]), "success")  # fmt: skip
    return redirect(url_for(".batch", batch_id=batch.id))


@bp.get("/<int:batch_id>/rejected.<any(csv, xlsx):fmt>")
@organisers_only
def rejected(batch_id, fmt):
    """The rows not imported, as the file had them, each with its reasons."""
    batch = _batch(batch_id)
    table = services.rejected_table(batch)
    audit_event("people.report_downloaded", None, format=fmt, count=len(table.rows))
    return send_table(table, fmt, "rows-not-imported")


@bp.post("/<int:batch_id>/discard")
@organisers_only
def discard(batch_id):
    """Delete the upload (and the rows it kept) now rather than after a day."""
    batch = _batch(batch_id)
    services.discard(batch)
    flash(_("The file is deleted."), "success")
    return redirect(url_for(".index"))


@bp.context_processor
def import_helpers():
    return {"kind_label": lambda kind: KIND_LABELS[kind]}
