"""Where uploaded files live, seen alike by every app server.

Two backends behind one small interface (`put`, `get`, `delete`, `names`, `written`, `check`):

- `LocalStorage`, a folder (`UPLOADS_DIR`, by default `instance/uploads/`): the embedded
  default. Several app servers must all mount the same folder (NFS or alike) to use it.
- `S3Storage`, a bucket of any S3-compatible object store (`UPLOADS_BACKEND=s3`), spoken to
  with plain HTTP and AWS Signature Version 4 from the standard library: five calls need no SDK.

A file is stored whole or not at all: the folder writes a temporary name and renames it, and a
bucket keeps nothing of a PUT it refused. Whatever goes wrong (a full or read-only disk, a
store that does not answer) is a `StorageError` with a translated message, never a 500.
"""

import base64
import errno
import hashlib
import hmac
import http.client
import os
import re
import secrets
import urllib.parse
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Protocol

from defusedxml import ElementTree
from flask import current_app

from portal.errors import PortalError
from portal.i18n import lazy_gettext as _l

#: The names the portal gives its files (random hex and an extension); nothing else is served,
#: listed or backed up, so no path trick or probe file can pass for an upload.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}(\.[A-Za-z0-9]{1,10})?")
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


class StorageError(PortalError):
    """The file store refused or did not answer (full, read-only, unreachable)."""

    def __init__(self, message=None, *, reason: str = "failed"):
        super().__init__(
            message
            or _l("The portal's file store is not answering just now. Try again in a few minutes.")
        )
        #: A short reason for /healthz and the logs, naming no file and no person.
        self.reason = reason


class Storage(Protocol):
    backend: str

    def put(self, name: str, data: bytes) -> None: ...
    def get(self, name: str) -> bytes | None: ...
    def delete(self, name: str) -> None: ...
    def names(self) -> list[str]: ...
    def written(self) -> dict[str, datetime]: ...
    def check(self) -> str | None: ...


def valid_name(name: str) -> bool:
    return bool(name) and NAME.fullmatch(name) is not None


def _checked(name: str) -> str:
    if not valid_name(name):
        raise ValueError("not an upload name")
    return name


class LocalStorage:
    """A folder; writes go to a temporary name first and are renamed into place."""

    backend = "local"

    def __init__(self, root: Path):
        self.root = Path(root)

    def put(self, name: str, data: bytes) -> None:
        self._write(self.root / _checked(name), data)

    def _write(self, target: Path, data: bytes) -> None:
        partial = self.root / f".{secrets.token_hex(8)}.partial"
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(descriptor, view) :]
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
            os.replace(partial, target)  # atomic: readers see the old file or the whole new one
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise StorageError(reason=_reason(error)) from error
        _sync_folder(self.root)

    def get(self, name: str) -> bytes | None:
        if not valid_name(name):
            return None
        try:
            return (self.root / name).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise StorageError(reason=_reason(error)) from error

    def delete(self, name: str) -> None:
        try:
            (self.root / _checked(name)).unlink(missing_ok=True)
        except OSError as error:
            raise StorageError(reason=_reason(error)) from error

    def names(self) -> list[str]:
        try:
            return sorted(p.name for p in self.root.iterdir() if valid_name(p.name))
        except FileNotFoundError:
            return []
        except OSError as error:
            raise StorageError(reason=_reason(error)) from error

    def written(self) -> dict[str, datetime]:
        """Every stored name and when it was written (UTC)."""
        found = {}
        for name in self.names():
            try:
                found[name] = datetime.fromtimestamp((self.root / name).stat().st_mtime, UTC)
            except FileNotFoundError:
                continue  # deleted since it was listed
            except OSError as error:
                raise StorageError(reason=_reason(error)) from error
        return found

    def check(self) -> str | None:
        """None when a file can be written and removed, else why not."""
        probe = self.root / f".healthz-{secrets.token_hex(8)}"
        try:
            self._write(probe, b"ok")
            probe.unlink()
        except StorageError as error:
            return error.reason
        except OSError as error:
            return _reason(error)
        return None


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (a crash right after it keeps the file)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems cannot sync a folder; the data itself is synced
    finally:
        os.close(descriptor)


def _reason(error: OSError) -> str:
    if error.errno == errno.ENOSPC or error.errno == errno.EDQUOT:
        return "full"
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return "not writable"
    return "failed"


# -- S3 ---------------------------------------------------------------------------------------


def _quote(value: str, safe: str = "-_.~") -> str:
    return urllib.parse.quote(value, safe=safe)


def signing_key(secret: str, day: str, region: str, service: str = "s3") -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def authorization(
    *,
    method: str,
    path: str,
    query: dict[str, str],
    headers: dict[str, str],
    access_key_id: str,
    secret_access_key: str,
    region: str,
    service: str = "s3",
) -> str:
    """The Authorization header of AWS Signature Version 4 (header-based, every header given
    signed; `headers` must hold host, x-amz-date and x-amz-content-sha256)."""
    lowered = {name.lower(): " ".join(str(value).split()) for name, value in headers.items()}
    signed = sorted(lowered)
    canonical = "\n".join(
        [
            method,
            _quote(path, safe="/-_.~"),
            "&".join(f"{_quote(k)}={_quote(v)}" for k, v in sorted(query.items())),
            "".join(f"{name}:{lowered[name]}\n" for name in signed),
            ";".join(signed),
            lowered["x-amz-content-sha256"],
        ]
    )
    stamp = lowered["x-amz-date"]
    scope = f"{stamp[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = signing_key(secret_access_key, stamp[:8], region, service)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"AWS4-HMAC-SHA256 Credential={access_key_id}/{scope},"
        f"SignedHeaders={';'.join(signed)},Signature={signature}"
    )


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes


class S3Storage:
    """A bucket of an S3-compatible store, addressed path-style (endpoint/bucket/key)."""

    backend = "s3"

    def __init__(
        self,
        *,
        endpoint_url: str,
        bucket: str,
        access_key_id: str,
        secret_access_key: str,
        region: str = "us-east-1",
        prefix: str = "",
        timeout: float = 10.0,
    ):
        parts = urllib.parse.urlsplit(endpoint_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("UPLOADS_S3_ENDPOINT_URL must be an http:// or https:// address")
        self.https = parts.scheme == "https"
        self.host = parts.netloc
        self.base_path = parts.path.rstrip("/")
        self.bucket = bucket
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.region = region
        self.prefix = prefix
        self.timeout = timeout

    def _request(
        self, method: str, key: str | None = None, *, query=None, body: bytes = b"", extra=None
    ) -> _Answer:
        path = f"{self.base_path}/{self.bucket}" + (f"/{key}" if key is not None else "")
        query = dict(query or {})
        headers = {
            "host": self.host,
            "x-amz-date": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
            "x-amz-content-sha256": hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256,
            **(extra or {}),
        }
        headers["authorization"] = authorization(
            method=method,
            path=path,
            query=query,
            headers=headers,
            access_key_id=self.access_key_id,
            secret_access_key=self.secret_access_key,
            region=self.region,
        )
        target = _quote(path, safe="/-_.~")
        if query:
            target += "?" + "&".join(f"{_quote(k)}={_quote(v)}" for k, v in sorted(query.items()))
        connection_class = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        connection = connection_class(self.host, timeout=self.timeout)
        try:
            if body or method == "PUT":
                headers["content-length"] = str(len(body))
            connection.request(method, target, body=body or None, headers=headers)
            response = connection.getresponse()
            return _Answer(response.status, response.read())
        except (OSError, http.client.HTTPException) as error:
            raise StorageError(reason="unreachable") from error
        finally:
            connection.close()

    def _refused(self, answer: _Answer) -> StorageError:
        current_app.logger.warning("the upload store answered HTTP %d", answer.status)
        return StorageError(reason=f"refused (HTTP {answer.status})")

    def put(self, name: str, data: bytes) -> None:
        key = self.prefix + _checked(name)
        md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        extra = {"content-md5": md5, "content-type": "application/octet-stream"}
        try:
            answer = self._request("PUT", key, body=data, extra=extra)
            if answer.status != 200:
                raise self._refused(answer)
        except StorageError:
            # The store may have kept the object before the answer got lost: take it away again.
            try:
                self._request("DELETE", key)
            except StorageError:
                pass
            raise

    def get(self, name: str) -> bytes | None:
        if not valid_name(name):
            return None
        answer = self._request("GET", self.prefix + name)
        if answer.status == 404:
            return None
        if answer.status != 200:
            raise self._refused(answer)
        return answer.body

    def delete(self, name: str) -> None:
        answer = self._request("DELETE", self.prefix + _checked(name))
        if answer.status not in (200, 204, 404):
            raise self._refused(answer)

    def names(self) -> list[str]:
        return sorted(self.written())

    def written(self) -> dict[str, datetime]:
        """Every stored name and when it was written (UTC), from the bucket's listing."""
        found: dict[str, datetime] = {}
        query = {"list-type": "2", "prefix": self.prefix}
        while True:
            answer = self._request("GET", query=query)
            if answer.status != 200:
                raise self._refused(answer)
            root = ElementTree.fromstring(answer.body)
            space = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
            for entry in root.iter(f"{space}Contents"):
                name = (entry.findtext(f"{space}Key") or "")[len(self.prefix) :]
                if valid_name(name):
                    found[name] = _listed_time(entry.findtext(f"{space}LastModified"))
            token = root.findtext(f"{space}NextContinuationToken")
            if root.findtext(f"{space}IsTruncated") != "true" or not token:
                return dict(sorted(found.items()))
            query["continuation-token"] = token

    def check(self) -> str | None:
        """None when an object can be written and removed, else why not."""
        key = f"{self.prefix}.healthz-{secrets.token_hex(8)}"
        try:
            answer = self._request("PUT", key, body=b"ok")
            if answer.status != 200:
                return f"refused (HTTP {answer.status})"
            self._request("DELETE", key)
        except StorageError as error:
            return error.reason
        return None


def _listed_time(text: str | None) -> datetime:
    """A listing's LastModified (ISO 8601, e.g. 2026-12-02T06:00:00.000Z); now when missing,
    so an object of unknown age is never taken for an old one."""
    try:
        return datetime.fromisoformat((text or "").replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return datetime.now(UTC)


def make_storage(config, instance_path: str) -> Storage:
    backend = (config.get("UPLOADS_BACKEND") or "local").lower()
    if backend == "local":
        folder = config.get("UPLOADS_DIR") or config.get("UPLOAD_FOLDER")
        return LocalStorage(Path(folder) if folder else Path(instance_path) / "uploads")
    if backend == "s3":
        needed = (
            "UPLOADS_S3_ENDPOINT_URL",
            "UPLOADS_S3_BUCKET",
            "UPLOADS_S3_ACCESS_KEY_ID",
            "UPLOADS_S3_SECRET_ACCESS_KEY",
        )
        missing = [name for name in needed if not config.get(name)]
        if missing:
            raise RuntimeError("Refusing to start: UPLOADS_BACKEND=s3 needs " + ", ".join(missing))
        return S3Storage(
            endpoint_url=config["UPLOADS_S3_ENDPOINT_URL"],
            bucket=config["UPLOADS_S3_BUCKET"],
            access_key_id=config["UPLOADS_S3_ACCESS_KEY_ID"],
            secret_access_key=config["UPLOADS_S3_SECRET_ACCESS_KEY"],
            region=config.get("UPLOADS_S3_REGION") or "us-east-1",
            prefix=config.get("UPLOADS_S3_PREFIX") or "",
            timeout=float(config.get("UPLOADS_S3_TIMEOUT") or 10),
        )
    raise RuntimeError("Refusing to start: UPLOADS_BACKEND must be local or s3")


def init_app(app) -> None:
    app.extensions["uploads_storage"] = make_storage(app.config, app.instance_path)


def storage() -> Storage:
    """The current app's upload store."""
    return current_app.extensions["uploads_storage"]


def health():
    """For /healthz: can the store take a file? Uploads failing leaves the rest of the portal
    serving, so this degrades the report rather than taking the server out of rotation."""
    from portal.health import DOWN
    from portal.health import OK
    from portal.health import Check

    reason = storage().check()
    details = {"backend": storage().backend}
    if reason:
        details["reason"] = reason
    return Check(DOWN if reason else OK, details)
