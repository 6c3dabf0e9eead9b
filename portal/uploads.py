"""Uploaded files (consent scans): type checked from the content, stored with random names.

A file is checked whole in memory first (`check_upload`) and written only once everything else
the request does has been accepted (`store_upload`), so a refused upload leaves nothing behind.
Files live in the upload store (portal/storage.py: a folder or an S3 bucket), which every app
server sees; deletions wait for the commit, and new files go again when it does not come.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from portal.extensions import db
from portal.i18n import gettext as _
from portal.storage import StorageError
from portal.storage import storage
from portal.stress_hooks import kill_point

#: Large enough for a phone's photo of a form (and a multi-page PDF scan); config.py's
#: MAX_CONTENT_LENGTH leaves room above it, so a file a little over still gets the form's message.
MAX_UPLOAD_MEGABYTES = 10
MAX_UPLOAD_BYTES = MAX_UPLOAD_MEGABYTES * 1024 * 1024
#: A stored file this old that no row names was left by a request that died between storing it
#: and committing (a killed worker); a younger one may belong to a request still running.
ORPHAN_AGE = timedelta(hours=1)
#: Session.info keys: [(file name, the transaction that wrote it or let it go)].
_WRITTEN = "uploads_written"
_TO_DELETE = "uploads_to_delete"
#: File signature → (MIME type, extension).
SIGNATURES = {
    b"%PDF-": ("application/pdf", ".pdf"),
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
}
#: The extensions a file of each type may be called by.
EXTENSIONS = {
    "application/pdf": {".pdf"},
    "image/jpeg": {".jpg", ".jpeg", ".jpe", ".jfif"},
    "image/png": {".png"},
}
#: Marks of a second format inside the file (a PDF or an image that is also a web page, or a PDF
#: that runs a script): a browser or a PDF reader could be made to run it, and a scan needs none.
#: Each is five bytes or more, so the compressed bytes of a real scan almost never hold one.
POLYGLOT_MARKERS = re.compile(
    rb"<(?:!doctype|html|head|body|script|iframe|object|embed|meta|svg[\s>/])|/javascript",
    re.IGNORECASE,
)


class UploadError(ValueError):
    """The file is too large or not of an accepted type; the message is translated."""


@dataclass(frozen=True)
class CheckedUpload:
    """An accepted file, still in memory, with the random name it will be stored under."""

    data: bytes
    mime: str
    name: str


def too_large_message() -> str:
    return _(
        "The file is larger than %(size)d MB. Take the photo or scan again at a lower resolution.",
        size=MAX_UPLOAD_MEGABYTES,
    )


def detect_type(head: bytes) -> tuple[str, str] | None:
    for signature, kind in SIGNATURES.items():
        if head.startswith(signature):
            return kind
    return None


def check_upload(upload: FileStorage) -> CheckedUpload:
    """Read and check the file, writing nothing; UploadError says why it is refused."""
    data = upload.stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(too_large_message())
    kind = detect_type(data[:16])
    if kind is None:
        raise UploadError(_("Send a PDF, JPEG or PNG file."))
    mime, extension = kind
    declared = Path(upload.filename or "").suffix.lower()
    if declared and declared not in EXTENSIONS[mime]:
        raise UploadError(
            _("The file's name does not match what is inside. Send the PDF, JPEG or PNG itself.")
        )
    if POLYGLOT_MARKERS.search(data):
        raise UploadError(
            _("The file holds more than a scan (a web page or a script). Scan the form again.")
        )
    return CheckedUpload(data=data, mime=mime, name=secrets.token_hex(16) + extension)


def store_upload(checked: CheckedUpload) -> None:
    """Store the checked file for the current transaction (call it once the rest is accepted).

    It goes again if that transaction, or a savepoint around this call, does not commit; a store
    that fails raises StorageError and keeps nothing.
    """
    remove_on_rollback(checked.name)  # first, so no moment exists with a file nobody owns
    storage().put(checked.name, checked.data)
    kill_point("after-storage-write")


def read_upload(name: str) -> bytes | None:
    """The stored file's bytes, or None when there is none by that name."""
    return storage().get(name)


def delete_after_commit(name: str) -> None:
    """Delete the stored file once the current transaction commits; a rollback keeps it."""
    db.session().info.setdefault(_TO_DELETE, []).append((name, _current_transaction()))


def remove_on_rollback(name: str) -> None:
    """A file just written for this transaction: delete it again if the transaction (or the
    savepoint it was written in) does not commit, so a failed request leaves no file without a
    row."""
    db.session().info.setdefault(_WRITTEN, []).append((name, _current_transaction()))


def _current_transaction():
    session = db.session()
    return session.get_nested_transaction() or session.get_transaction()


def _delete_quietly(name: str) -> None:
    try:
        storage().delete(name)
    except StorageError:  # the row is committed without it; a stray file is the lesser harm
        current_app.logger.warning("an upload could not be deleted", exc_info=True)


@event.listens_for(Session, "after_commit")
def _delete_committed_uploads(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: the outer transaction may still roll back
    session.info.pop(_WRITTEN, None)  # committed: the new files now belong to their rows
    for name, _transaction in session.info.pop(_TO_DELETE, ()):
        _delete_quietly(name)


@event.listens_for(Session, "after_transaction_end")
def _remove_uncommitted_files(session, transaction) -> None:
    """The outermost transaction ended without a commit (which would have cleared the list):
    rolled back, or closed after an error. Its new files go."""
    if transaction.parent is not None or transaction.nested:
        return  # only a savepoint: the files belong to the outer transaction
    for name, _transaction in session.info.pop(_WRITTEN, ()):
        _delete_quietly(name)
    session.info.pop(_TO_DELETE, None)


@event.listens_for(Session, "after_soft_rollback")
def _keep_rolled_back_uploads(session, previous_transaction) -> None:
    """A rolled-back savepoint (or transaction) keeps the files it meant to delete and loses
    the files written inside it."""
    waiting = session.info.get(_TO_DELETE)
    if waiting:
        waiting[:] = [
            (name, transaction)
            for name, transaction in waiting
            if not _within(transaction, previous_transaction)
        ]
    written = session.info.get(_WRITTEN)
    if written:
        for name, transaction in list(written):
            if _within(transaction, previous_transaction):
                written.remove((name, transaction))
                _delete_quietly(name)


def _within(transaction, ended) -> bool:
    """`transaction` is `ended` or began inside it (None: before any transaction began)."""
    if transaction is None:
        return ended.parent is None
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


# --- files no row names ------------------------------------------------------------------------


def upload_columns() -> list[sa.Column]:
    """The columns holding upload names: those marked `info={"upload": True}` in the models."""
    return [
        column
        for table in db.metadata.sorted_tables
        for column in table.columns
        if column.info.get("upload")
    ]


def sweep_orphans(*, older_than: timedelta = ORPHAN_AGE, now: datetime | None = None) -> list[str]:
    """Delete the stored files that no row names and that were written over `older_than` ago;
    return their names. The store is listed before the rows are read, so a file whose row is
    committed meanwhile is seen with its row."""
    columns = upload_columns()
    if not columns:  # without them every file would look unowned
        raise RuntimeError("no column is marked as holding upload names")
    now = now or datetime.now(UTC)
    written = storage().written()
    named: set[str] = set()
    for column in columns:
        named.update(db.session.scalars(sa.select(column).where(column.is_not(None)).distinct()))
    orphans = [name for name, at in written.items() if name not in named and now - at > older_than]
    for name in orphans:
        storage().delete(name)
    return orphans
