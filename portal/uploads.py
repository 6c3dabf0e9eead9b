"""Uploaded files (consent scans): type checked from the content, stored with random names."""

import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
#: File signature → (MIME type, extension).
SIGNATURES = {
    b"%PDF-": ("application/pdf", ".pdf"),
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
}


class UploadError(ValueError):
    """The file is too large or not of an accepted type; the message is translated."""


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


def save_upload(upload: FileStorage) -> tuple[str, str]:
    """Store an accepted file under a random name; return (file name, MIME type)."""
    data = upload.stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(_("The file is larger than 5 MB. Scan it again at a lower resolution."))
    kind = detect_type(data[:16])
    if kind is None:
        raise UploadError(_("Send a PDF, JPEG or PNG file."))
    mime, extension = kind
    name = secrets.token_hex(16) + extension
    (upload_dir() / name).write_bytes(data)
    return name, mime


def upload_path(name: str) -> Path:
    """The stored file; names are ours (random hex), so no path tricks can reach here."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise FileNotFoundError(name)
    return upload_dir() / name
