"""The people of the stress run: one browser each, with cookies, an address of its own and
never a second try, and the forms a browser would send back (bench/stress.py)."""

import http.client
import re
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass
from dataclasses import field
from html.parser import HTMLParser

from bench.servers import HOST

PASSWORD = "kok-jailoo-2026"  # tests/factories.py's password, hashed cheaply there
#: Requests in flight at once, all people together: 12 threads serve them, and more would only
#: queue (on SQLite, behind the one write lock, until the 5 s busy timeout answers 503 "try
#: again", the designed answer to overload, not what this run is after).
IN_FLIGHT = 8
IN_FLIGHT_SLOTS = threading.BoundedSemaphore(IN_FLIGHT)


@dataclass
class Record:
    kind: str
    method: str
    status: int | str  # an HTTP status, or "connection error"
    seconds: float
    kill: str | None = None
    path: str = ""
    token: str = ""


@dataclass
class Log:
    records: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, record: Record) -> None:
        with self.lock:
            self.records.append(record)


class Forms(HTMLParser):
    """Every <form> of a page: its action and the fields a browser would send unchanged."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"action": a.get("action", ""), "fields": [], "enctype": a.get("enctype")}
            )
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                fields.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            fields.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = a.get("name")
            fields.append((self._textarea, ""))

    def handle_data(self, data):
        if self._textarea and self.forms:
            fields = self.forms[-1]["fields"]
            name, value = fields[-1]
            fields[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea and self.forms:
            fields = self.forms[-1]["fields"]
            name, value = fields[-1]
            # A browser drops the newline right after <textarea>.
            fields[-1] = (name, value[2:] if value.startswith("\r\n") else value.removeprefix("\n"))
            self._textarea = None

    def form(self, path: str) -> dict | None:
        """The form that posts to `path` (an empty action posts to the page itself)."""
        for form in self.forms:
            if urllib.parse.urlsplit(form["action"]).path in (path, ""):
                return form
        return None


class Browser:
    """One person's browser: cookies, an address of its own (the run plays the proxy), one
    new connection a request, and never a second try."""

    def __init__(self, ports: list[int], log: Log, number: int):
        self.ports = ports
        self.log = log
        self.cookies: dict[str, str] = {}
        self.address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
        self.port = ports[number % len(ports)]
        self.csrf = ""
        self.last_token = ""  # the kill token of the last request (one thread a browser)

    def request(self, path, data=None, *, kind="page", kill=None, files=None, port=None):
        headers = {
            "Host": HOST, "X-Forwarded-For": self.address, "X-Forwarded-Proto": "https",
            "Accept-Language": "en",
            # Flask-WTF checks that an HTTPS form post comes from the portal's own pages.
            "Referer": f"https://{HOST}{path}",
        }  # fmt: skip
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        token = self.last_token = ""
        if kill:
            token = self.last_token = secrets.token_hex(6)
            headers["X-Stress-Kill"], headers["X-Stress-Token"] = kill, token
        body = None
        method = "GET" if data is None else "POST"
        if files:
            boundary = secrets.token_hex(12)
            body = multipart(boundary, data, files)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        with IN_FLIGHT_SLOTS:
            started = time.monotonic()
            connection = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=30)
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                text = response.read().decode(errors="replace")
            except (OSError, http.client.HTTPException):
                response = None
            finally:
                connection.close()
        if response is None:
            self.log.add(
                Record(
                    kind, method, "connection error", time.monotonic() - started, kill, token=token
                )
            )
            return 0, "", ""
        self.log.add(
            Record(kind, method, response.status, time.monotonic() - started, kill,
                   path if response.status >= 500 else "")
        )  # fmt: skip
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookie_value = rest.split(";", 1)[0]
                if "expires=thu, 01 jan 1970" in value.lower() or not cookie_value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = cookie_value
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text)
        if match:
            self.csrf = match.group(1)
        location = urllib.parse.urlsplit(response.getheader("Location") or "").path
        return response.status, text, location

    def post(self, path, fields=None, **kwargs):
        return self.request(path, {"csrf_token": self.csrf, **(fields or {})}, **kwargs)

    def sign_in(self, email: str) -> bool:
        self.request("/auth/login", kind="sign-in page")
        status, _text, _location = self.post(
            "/auth/login", {"email": email, "password": PASSWORD}, kind="sign-in"
        )
        self.request("/", kind="page")  # the token of the signed-in session
        return status == 302


def multipart(boundary: str, data: dict, files: dict) -> bytes:
    parts = []
    for name, value in data.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"'
            f"\r\nContent-Type: application/pdf\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    return b"".join(parts) + f"--{boundary}--\r\n".encode()
