"""Static files with content hashes in their names, cached for a year and sent pre-compressed.

`url_for("static", filename="css/portal.css")` gives `/static/css/portal.3f9c0a1b2d.css`. A new
version of the file gets a new name, so browsers may keep each name forever: a phone on 2G
downloads the CSS and JS once. The few files are read, hashed and gzipped once per process
(again when a file changes on disk, for development). CSS and JavaScript are sent without
their comments and indentation (`lean`): the sources stay commented, a phone gets the code.
"""

import gzip
import hashlib
import mimetypes
import os
import re
from dataclasses import dataclass

from flask import Response
from flask import abort
from flask import request

YEAR = 365 * 24 * 3600
COMPRESSIBLE = ("text/", "application/javascript", "image/svg+xml")


_CSS_COMMENT = re.compile(rb"/\*.*?\*/", re.DOTALL)


def lean(body: bytes, extension: str) -> bytes:
    """CSS or JavaScript without comments, indentation and blank lines. Only what cannot be
    code goes: CSS comments, and JavaScript lines that are comments as a whole (a `//` after
    code or inside a string stays)."""
    if extension == "css":
        body = _CSS_COMMENT.sub(b"", body)
    elif extension != "js":
        return body
    lines = (line.strip() for line in body.splitlines())
    kept = [line for line in lines if line and not (extension == "js" and line.startswith(b"//"))]
    return b"\n".join(kept)


@dataclass(frozen=True)
class Asset:
    hashed_name: str
    body: bytes
    gzipped: bytes | None
    mimetype: str
    mtime: float


class Assets:
    def __init__(self, folder: str, watch: bool = True):
        self.folder = folder
        #: Look at the disk on every use (development); otherwise files are read once.
        self.watch = watch
        self.by_name: dict[str, Asset] = {}
        self.by_hashed_name: dict[str, Asset] = {}

    def get(self, filename: str) -> Asset | None:
        """The asset for a plain name, re-read when the file changed on disk."""
        if not self.watch and filename in self.by_name:
            return self.by_name[filename]
        path = os.path.join(self.folder, filename)
        if os.path.commonpath([self.folder, os.path.realpath(path)]) != self.folder:
            return None
        try:
            mtime = os.stat(path).st_mtime
        except OSError:
            return None
        asset = self.by_name.get(filename)
        if asset is None or asset.mtime != mtime:
            asset = self._load(filename, path, mtime)
        return asset

    def _load(self, filename: str, path: str, mtime: float) -> Asset:
        stem, dot, extension = filename.rpartition(".")
        with open(path, "rb") as file:
            body = lean(file.read(), extension)
        digest = hashlib.sha256(body).hexdigest()[:10]
        mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        compressible = mimetype.startswith(COMPRESSIBLE)
        asset = Asset(
            hashed_name=f"{stem}.{digest}.{extension}" if dot else f"{filename}.{digest}",
            body=body,
            gzipped=gzip.compress(body, 9, mtime=0) if compressible else None,
            mimetype=mimetype,
            mtime=mtime,
        )
        self.by_name[filename] = asset
        self.by_hashed_name[asset.hashed_name] = asset
        return asset

    def find(self, requested: str) -> tuple[Asset | None, bool]:
        """The asset a request names, and whether it named the hashed (immutable) version."""
        if requested in self.by_hashed_name:
            return self.by_hashed_name[requested], True
        stem, _dot, extension = requested.rpartition(".")
        plain_stem, _dot, digest = stem.rpartition(".")
        if plain_stem and len(digest) == 10:
            asset = self.get(f"{plain_stem}.{extension}")
            if asset is not None and asset.hashed_name == requested:
                return asset, True
        return self.get(requested), False


def init_app(app) -> None:
    assets = Assets(os.path.realpath(app.static_folder), watch=app.debug)

    @app.url_defaults
    def hashed_static_names(endpoint, values):
        if endpoint == "static" and "filename" in values:
            asset = assets.get(values["filename"])
            if asset is not None:
                values["filename"] = asset.hashed_name

    def static(filename):
        asset, immutable = assets.find(filename)
        if asset is None:
            abort(404)
        etag = asset.hashed_name
        if request.if_none_match.contains(etag):
            response = Response(status=304)
        elif asset.gzipped is not None and "gzip" in request.accept_encodings:
            response = Response(asset.gzipped, mimetype=asset.mimetype)
            response.headers["Content-Encoding"] = "gzip"
        else:
            response = Response(asset.body, mimetype=asset.mimetype)
        response.set_etag(etag)
        response.vary.add("Accept-Encoding")
        if immutable:
            response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        else:  # an old page asking for the plain name: the content may change under it
            response.headers["Cache-Control"] = "public, max-age=300"
        return response

    app.view_functions["static"] = static
