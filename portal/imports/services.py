"""Every change an import makes: the upload kept for a day, the mapping, and the import itself
(accounts, graduates' certificates, invitations, one audit event), never committed here."""

import secrets
from collections import Counter
from datetime import timedelta

import sqlalchemy as sa

from portal.accounts.models import User
from portal.accounts.services import invite_to_set_password
from portal.accounts.services import new_imported_youth
from portal.audit import audit_event
from portal.database import lock_again
from portal.errors import PortalError
from portal.extensions import db
from portal.extensions import utcnow
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.i18n import local_today
from portal.imports import queries
from portal.imports.checks import MATCHED
from portal.imports.checks import NEW
from portal.imports.checks import RECORDED
from portal.imports.checks import REJECTED
from portal.imports.checks import Row
from portal.imports.checks import check_rows
from portal.imports.checks import codes_in
from portal.imports.checks import contacts
from portal.imports.checks import problem_text
from portal.imports.columns import FIELDS
from portal.imports.columns import guess_mapping
from portal.imports.forms import MAX_ROWS
from portal.imports.models import ImportBatch
from portal.imports.models import ImportKind
from portal.spreadsheets import ReadTable
from portal.spreadsheets import Table
from portal.spreadsheets import read_table
from portal.storage import storage
from portal.training.services import record_past_completion
from portal.uploads import CheckedUpload
from portal.uploads import delete_after_commit
from portal.uploads import store_upload

#: An uploaded file and what its import refused are kept this long, then deleted.
KEEP_FOR = timedelta(days=1)


MIME_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


#: What an import counts (all kept, zeros too, so its page and audit read alike every time).
COUNTED = (NEW, MATCHED, RECORDED, REJECTED, "certificates", "invited_email", "invited_sms")


class ImportRefused(PortalError):
    """An import step the rules do not allow; the message is translated."""


def start(data: bytes, fmt: str, table: ReadTable, kind: ImportKind, programme, *, by):
    """Keep the checked file (under a random name, in the store every server sees) and the
    batch that names it, with a mapping guessed from its header."""
    sweep_expired()  # whatever is over a day old goes now, not only when cron runs
    name = secrets.token_hex(16) + "." + fmt
    store_upload(CheckedUpload(data=data, mime=MIME_TYPES[fmt], name=name))
    batch = ImportBatch(
        kind=kind, programme_id=programme.id if programme else None, uploaded_by_id=by.id,
        file_name=name, file_format=fmt, header=table.header, row_count=len(table.rows),
        mapping=guess_mapping(kind, table.header),
    )  # fmt: skip
    db.session.add(batch)
    db.session.flush()
    return batch


def load_table(batch: ImportBatch) -> ReadTable:
    """The batch's file, read again from the store."""
    data = storage().get(batch.file_name) if batch.file_name else None
    if data is None:
        raise ImportRefused(_l("The file is no longer kept. Upload it again."))
    return read_table(data, batch.file_format, max_rows=MAX_ROWS)


def checked_rows(batch: ImportBatch, mapping: dict[str, int] | None = None) -> list[Row]:
    """Every row of the file checked with `mapping` (the batch's own unless given)."""
    mapping = batch.mapping if mapping is None else mapping
    table = load_table(batch)
    phones, emails = contacts(table, mapping)
    graduates = batch.kind is ImportKind.GRADUATES
    existing = queries.existing_for(
        phones, emails, programme_id=batch.programme_id,
        codes=codes_in(table, mapping) if graduates else set(),
    )  # fmt: skip
    return check_rows(batch.kind, table, mapping, existing, local_today())


def save_mapping(batch: ImportBatch, mapping: dict[str, int]) -> None:
    if batch.imported_at is not None:
        raise ImportRefused(_l("This file has already been imported."))
    batch.mapping = {
        name: column for name, column in mapping.items() if name in _field_names(batch)
    }


def _field_names(batch: ImportBatch) -> set[str]:
    return {field.name for field in FIELDS[batch.kind]}


def run(batch: ImportBatch, programme, *, by) -> Counter[str]:
    """Import the valid rows once: new young people's accounts (an unusable password until they
    follow their invitation), matched accounts left as they are, graduates' completions and
    certificates; keep the refused rows for their report, let the file go, audit the counts."""
    batch = lock_again(batch)  # a second click waits, then finds it imported
    if batch.imported_at is not None:
        raise ImportRefused(_l("This file has already been imported."))
    rows = checked_rows(batch)
    counts: Counter[str] = Counter(dict.fromkeys(COUNTED, 0))
    created: list[User] = []
    people: dict[int, User] = {}
    for row in rows:
        counts[row.outcome] += 1
        if row.outcome == NEW:
            person = new_imported_youth(**_account_details(batch.kind, row.values))
            created.append(person)
            people[row.number] = person
    try:
        db.session.flush()
    except sa.exc.IntegrityError as error:  # another import or a registration took a contact
        raise ImportRefused(
            _l("Some of these people got an account a moment ago. Check the file again.")
        ) from error
    if batch.kind is ImportKind.GRADUATES:
        _record_graduates(rows, people, programme, by=by, counts=counts)
    for person in created:
        counts["invited_" + invite_to_set_password(person)] += 1
    batch.rejected = [_report_row(row) for row in rows if row.outcome == REJECTED]
    batch.counts = dict(counts)
    batch.imported_at = utcnow()
    if batch.file_name:
        delete_after_commit(batch.file_name)
    batch.file_name = None
    audit_event(
        "people.imported", programme, actor=by, kind=batch.kind.value, created=counts[NEW],
        matched=counts[MATCHED], recorded=counts[RECORDED], rejected=counts[REJECTED],
        certificates=counts["certificates"],
    )  # fmt: skip
    return counts


def _account_details(kind: ImportKind, values: dict) -> dict:
    names = ["full_name", "phone", "email", "locale"]
    if kind is ImportKind.PEOPLE:
        names += ["date_of_birth", "gender", "region_code", "district_code", "community"]
    return {name: values.get(name) for name in names}


def _record_graduates(rows, people, programme, *, by, counts) -> None:
    matched_ids = [row.match_id for row in rows if row.outcome == MATCHED]
    matched = {
        user.id: user
        for user in db.session.scalars(sa.select(User).where(User.id.in_(matched_ids)))
    } if matched_ids else {}  # fmt: skip
    for row in rows:
        if row.outcome == NEW:
            person = people[row.number]
        elif row.outcome == MATCHED:
            person = matched[row.match_id]
        else:
            continue
        certificate = record_past_completion(
            programme, person, completed_on=row.values["completed_on"], code=row.values["code"],
            by=by,
        )  # fmt: skip
        counts["certificates"] += certificate is not None


def _report_row(row: Row) -> dict:
    cells = [cell.isoformat() if hasattr(cell, "isoformat") else cell for cell in row.cells]
    return {"row": row.number, "cells": cells, "problems": [[c, p] for c, p in row.problems]}


def rejected_rows(batch: ImportBatch) -> list[dict]:
    """The refused rows: as the import kept them, or as the file reads now before it."""
    if batch.imported_at is not None:
        return batch.rejected
    return [_report_row(row) for row in checked_rows(batch) if row.outcome == REJECTED]


def rejected_table(batch: ImportBatch) -> Table:
    """The refused rows as the file had them, each with its reasons in the reader's language."""
    header = [_("Row"), *batch.header, _("Why it was not imported")]
    rows = [
        [item["row"], *item["cells"], " ".join(problem_text(c, p) for c, p in item["problems"])]
        for item in rejected_rows(batch)
    ]
    return Table(_("Rows not imported"), header, rows)


def discard(batch: ImportBatch) -> None:
    """Delete the upload and what it kept (the import itself stays done)."""
    if batch.file_name:
        delete_after_commit(batch.file_name)
    db.session.delete(batch)


def sweep_expired(now=None) -> int:
    """Delete every batch (and its file) uploaded over a day ago; return how many."""
    cutoff = (now or utcnow()) - KEEP_FOR
    old = db.session.scalars(sa.select(ImportBatch).where(ImportBatch.created_at < cutoff)).all()
    for batch in old:
        discard(batch)
    return len(old)
