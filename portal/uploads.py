"""Uploaded files (consent scans): type checked from the content, stored with random names.

A file is checked whole in memory first (`check_upload`) and written only once everything else
the request does has been accepted (`store_upload`), so a refused upload leaves nothing on disk.
"""

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from portal.extensions import db

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
#: Session.info key: [(file name, the transaction that let it go)] waiting for the commit.
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


def upload_dir() -> Path:
    path = Path(
        current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path) / "uploads"
    )
    path.mkdir(parents=True, exist_ok=True)
    return path


def detect_type(head: bytes) -> tuple[str, str] | None:
    for signature, kind in SIGNATURES.items():
        if head.startswith(signature):
            return kind
    return None


def check_upload(upload: FileStorage) -> CheckedUpload:
    """Read and check the file, writing nothing; UploadError says why it is refused."""
    data = upload.stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(_("The file is larger than 5 MB. Scan it again at a lower resolution."))
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
    (upload_dir() / checked.name).write_bytes(checked.data)


def upload_path(name: str) -> Path:
    """The stored file; names are ours (random hex), so no path tricks can reach here."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise FileNotFoundError(name)
    return upload_dir() / name


def delete_after_commit(name: str) -> None:
    """Delete the stored file once the current transaction commits; a rollback keeps it."""
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_TO_DELETE, []).append((name, transaction))


def remove_on_rollback(name: str) -> None:
    """A file just written for this transaction: delete it again if the transaction does not
    commit, so a failed request leaves no file without a row."""
    db.session().info.setdefault(_WRITTEN, []).append(name)


@event.listens_for(Session, "after_commit")
def _delete_committed_uploads(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: the outer transaction may still roll back
    session.info.pop(_WRITTEN, None)  # committed: the new files now belong to their rows
    for name, _transaction in session.info.pop(_TO_DELETE, ()):
        try:
            upload_path(name).unlink(missing_ok=True)
        except OSError:  # the row is committed without it; a stray file is the lesser harm
            current_app.logger.warning("an upload could not be deleted", exc_info=True)


@event.listens_for(Session, "after_transaction_end")
def _remove_uncommitted_files(session, transaction) -> None:
    """The outermost transaction ended without a commit (which would have cleared the list):
    rolled back, or closed after an error. Its new files go."""
    if transaction.parent is not None or transaction.nested:
        return  # only a savepoint: the files belong to the outer transaction
    for name in session.info.pop(_WRITTEN, ()):
        upload_path(name).unlink(missing_ok=True)


@event.listens_for(Session, "after_soft_rollback")
def _keep_rolled_back_uploads(session, previous_transaction) -> None:
    waiting = session.info.get(_TO_DELETE)
    if waiting:
        waiting[:] = [
            (name, transaction)
            for name, transaction in waiting
            if not _within(transaction, previous_transaction)
        ]


def _within(transaction, ended) -> bool:
    """`transaction` is `ended` or began inside it (None: before any transaction began)."""
    if transaction is None:
        return ended.parent is None
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False
