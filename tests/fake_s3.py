"""A small S3 look-alike on 127.0.0.1 for the tests: buckets in memory, Signature V4 checked.

It answers the five calls the portal makes (PUT, GET, DELETE of an object, ListObjectsV2) the
way S3 does, recomputes each request's signature from what arrived on the wire (so a request
signed differently from how it was sent is refused, as a real store would), and can be told
to fail: `fake.failing = {"PUT": 500}` refuses every PUT, `fake.keep_failed_puts = True` keeps
the object of a PUT it then answers with an error (a reply lost on the way back).
"""

import base64
import hashlib
import hmac
import threading
import urllib.parse
from datetime import UTC
from datetime import datetime
from xml.sax.saxutils import escape

from werkzeug.serving import make_server
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

ACCESS_KEY_ID = "TESTKEYID"
SECRET_ACCESS_KEY = "test-secret-access-key"
REGION = "kg-osh-1"
BUCKET = "jashtar-uploads"


def _signature(request: Request, signed: list[str], stamp: str, scope: str) -> str:
    """Signature V4 as S3 computes it, from the raw request (an implementation of its own)."""
    path = request.environ.get("RAW_URI", request.path).split("?", 1)[0]
    pairs = urllib.parse.parse_qsl(request.query_string.decode(), keep_blank_values=True)
    query = "&".join(
        f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
        for k, v in sorted(pairs)
    )
    values = {name: " ".join(request.headers.get(name, "").split()) for name in signed}
    headers = "".join(f"{name}:{values[name]}\n" for name in signed)
    canonical = "\n".join(
        [
            request.method,
            path,
            query,
            headers,
            ";".join(signed),
            request.headers["x-amz-content-sha256"],
        ]
    )
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = ("AWS4" + SECRET_ACCESS_KEY).encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def _error(status: int, code: str) -> Response:
    body = f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code></Error>'
    return Response(body, status=status, content_type="application/xml")


class FakeS3:
    def __init__(self):
        self.buckets: dict[str, dict[str, bytes]] = {BUCKET: {}}
        #: When each key was last written (tests may set an older time).
        self.written: dict[str, datetime] = {}
        self.failing: dict[str, int] = {}
        self.keep_failed_puts = False
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.url = ""

    @property
    def objects(self) -> dict[str, bytes]:
        return self.buckets[BUCKET]

    def reset(self) -> None:
        with self.lock:
            for bucket in self.buckets.values():
                bucket.clear()
            self.written.clear()
            self.failing = {}
            self.keep_failed_puts = False
            self.requests.clear()

    def config(self, **overrides) -> dict:
        """The portal's settings for this store."""
        return {
            "UPLOADS_BACKEND": "s3",
            "UPLOADS_S3_ENDPOINT_URL": self.url,
            "UPLOADS_S3_BUCKET": BUCKET,
            "UPLOADS_S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "UPLOADS_S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "UPLOADS_S3_REGION": REGION,
            "UPLOADS_S3_TIMEOUT": 5,
            **overrides,
        }

    def __call__(self, environ, start_response):
        return self.answer(Request(environ))(environ, start_response)

    def answer(self, request: Request) -> Response:
        refusal = self.check_signature(request)
        if refusal is not None:
            return refusal
        parts = request.path.lstrip("/").split("/", 1)
        bucket_name, key = parts[0], (urllib.parse.unquote(parts[1]) if len(parts) > 1 else "")
        with self.lock:
            self.requests.append((request.method, key))
            bucket = self.buckets.get(bucket_name)
            if bucket is None:
                return _error(404, "NoSuchBucket")
            failure = self.failing.get(request.method)
            if request.method == "PUT" and key:
                body = request.get_data()
                if hashlib.sha256(body).hexdigest() != request.headers["x-amz-content-sha256"]:
                    return _error(400, "XAmzContentSHA256Mismatch")
                md5 = request.headers.get("Content-MD5")
                if md5 and base64.b64decode(md5) != hashlib.md5(body).digest():  # noqa: S324
                    return _error(400, "BadDigest")
                if failure and not self.keep_failed_puts:
                    return _error(failure, "InternalError")
                bucket[key] = body
                self.written[key] = datetime.now(UTC)
                if failure:
                    return _error(failure, "InternalError")
                return Response(status=200)
            if failure:
                return _error(failure, "ServiceUnavailable")
            if request.method == "GET" and key:
                if key not in bucket:
                    return _error(404, "NoSuchKey")
                return Response(bucket[key], content_type="application/octet-stream")
            if request.method == "DELETE" and key:
                bucket.pop(key, None)
                return Response(status=204)
            if request.method == "GET" and request.args.get("list-type") == "2":
                return self.list_objects(bucket, request)
        return _error(400, "NotImplemented")

    def check_signature(self, request: Request) -> Response | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("AWS4-HMAC-SHA256 "):
            return _error(403, "AccessDenied")
        fields = dict(part.split("=", 1) for part in header[len("AWS4-HMAC-SHA256 ") :].split(","))
        key_id, scope = fields["Credential"].split("/", 1)
        signed = fields["SignedHeaders"].split(";")
        if key_id != ACCESS_KEY_ID:
            return _error(403, "InvalidAccessKeyId")
        if not {"host", "x-amz-date", "x-amz-content-sha256"} <= set(signed):
            return _error(403, "AccessDenied")
        stamp = request.headers["x-amz-date"]
        if scope != f"{stamp[:8]}/{REGION}/s3/aws4_request":
            return _error(403, "AuthorizationHeaderMalformed")
        if not hmac.compare_digest(fields["Signature"], _signature(request, signed, stamp, scope)):
            return _error(403, "SignatureDoesNotMatch")
        return None

    def list_objects(self, bucket: dict[str, bytes], request: Request) -> Response:
        prefix = request.args.get("prefix", "")
        keys = sorted(key for key in bucket if key.startswith(prefix))
        start = int(request.args.get("continuation-token") or 0)
        page = keys[start : start + 2]  # two a page, so paging is always exercised
        more = start + 2 < len(keys)
        now = datetime.now(UTC)
        contents = "".join(
            f"<Contents><Key>{escape(key)}</Key><LastModified>"
            f"{self.written.get(key, now).strftime('%Y-%m-%dT%H:%M:%S.000Z')}</LastModified>"
            "</Contents>"
            for key in page
        )
        token = f"<NextContinuationToken>{start + 2}</NextContinuationToken>" if more else ""
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            f"<IsTruncated>{'true' if more else 'false'}</IsTruncated>{contents}{token}"
            "</ListBucketResult>"
        )
        return Response(body, content_type="application/xml")


class Server:
    """The fake served on 127.0.0.1 at a free port, in a thread of its own."""

    def __init__(self):
        self.fake = FakeS3()
        self.server = make_server("127.0.0.1", 0, self.fake, threaded=True)
        self.fake.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
