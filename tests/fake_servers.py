"""Fake servers on 127.0.0.1 for fault tests (standard library only).

`HangingServer` accepts connections and never says a word (a database host that hangs).
`FakeSMTP` speaks just enough SMTP for smtplib: it can refuse connections with a 421 greeting
(a server down for maintenance), refuse recipients for good (550), take its time over each
message, and it keeps every message it accepted.
"""

import socket
import socketserver
import threading
import time
from email import message_from_bytes
from email.message import Message


class HangingServer:
    """Accepts every connection and answers nothing; lets go of them after `hold` seconds (so
    a client without a timeout of its own is not stuck for ever) or when the server stops."""

    def __init__(self, *, hold: float = 30.0):
        self.hold = hold
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stopped = threading.Event()
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        self._listener.settimeout(0.1)
        while not self._stopped.is_set():
            try:
                connection, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._held.append(connection)
            timer = threading.Timer(self.hold, connection.close)
            timer.daemon = True
            timer.start()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stopped.set()
        self._thread.join(timeout=2)
        self._listener.close()
        for connection in self._held:
            connection.close()


class FakeSMTP:
    def __init__(self, *, delay: float = 0.0):
        #: While True, every connection is greeted with 421 and closed.
        self.refusing = False
        #: Seconds each accepted message takes (to make two runners overlap).
        self.delay = delay
        self.received: list[Message] = []
        self.connections = 0
        self._lock = threading.Lock()
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                with server._lock:
                    server.connections += 1
                if server.refusing:
                    self.reply("421 4.3.2 Service not available, closing transmission channel")
                    return
                self.reply("220 fake.example.org ESMTP")
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    verb = line.decode("ascii", "replace").strip().split(" ")[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 fake.example.org")
                    elif verb == "MAIL":
                        self.reply("250 2.1.0 OK")
                    elif verb == "RCPT":
                        if b"bounce" in line.lower():
                            self.reply("550 5.1.1 <bounce@example.org>: no such user here")
                        else:
                            self.reply("250 2.1.5 OK")
                    elif verb == "DATA":
                        self.reply("354 go ahead")
                        self.take_message()
                    elif verb == "RSET" or verb == "NOOP":
                        self.reply("250 OK")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("502 5.5.2 not implemented")

            def take_message(self):
                lines = []
                while True:
                    line = self.rfile.readline()
                    if not line or line == b".\r\n":
                        break
                    lines.append(line[1:] if line.startswith(b"..") else line)
                time.sleep(server.delay)
                with server._lock:
                    server.received.append(message_from_bytes(b"".join(lines)))
                self.reply("250 2.0.0 queued")

            def reply(self, text):
                self.wfile.write(text.encode() + b"\r\n")
                self.wfile.flush()

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def subjects(self) -> list[str]:
        with self._lock:
            return [str(message["Subject"]) for message in self.received]

    def settings(self) -> dict:
        """The portal's mail settings that point at this server."""
        return {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port}


class FakeProvider:
    """An HTTP message provider on 127.0.0.1: a small WSGI app (wsgiref) in a thread that
    records every request and answers as the test says. It speaks two dialects:

    - the generic SMS gateway: `POST /sms` with {"to", "text", "from"} and a bearer token;
    - the Telegram Bot API: `POST /bot<token>/sendMessage` and `/bot<token>/setWebhook`.

    `answer(status, body)` makes the next requests fail (e.g. 500, or 403 "bot was blocked");
    `delay` makes each answer slow (to trip the client's timeout); `stop_answering()` closes the
    socket so that connections are refused.
    """

    TOKEN = "123456:fake-token"

    def __init__(self):
        import json
        from wsgiref.simple_server import WSGIRequestHandler
        from wsgiref.simple_server import make_server

        self.requests: list[dict] = []
        self.failure: tuple[int, dict] | None = None
        self.delay = 0.0
        provider = self

        def app(environ, start_response):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            try:
                payload = json.loads(body or b"{}")
            except ValueError:
                payload = {}
            provider.requests.append({
                "path": environ["PATH_INFO"], "json": payload,
                "authorization": environ.get("HTTP_AUTHORIZATION", ""),
            })  # fmt: skip
            if provider.delay:
                time.sleep(provider.delay)
            status, answer = provider.failure or (200, provider._ok(environ["PATH_INFO"]))
            reasons = {200: "OK", 400: "Bad Request", 403: "Forbidden", 429: "Too Many Requests",
                       500: "Internal Server Error", 503: "Service Unavailable"}  # fmt: skip
            start_response(f"{status} {reasons.get(status, 'Answer')}",
                           [("Content-Type", "application/json")])  # fmt: skip
            return [json.dumps(answer).encode()]

        class QuietHandler(WSGIRequestHandler):
            def log_message(self, *args):
                pass

        self._server = make_server("127.0.0.1", 0, app, handler_class=QuietHandler)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _ok(self, path: str) -> dict:
        if path.endswith("/sendMessage"):
            return {"ok": True, "result": {"message_id": len(self.requests)}}
        if path.endswith("/setWebhook"):
            return {"ok": True, "result": True, "description": "Webhook was set"}
        return {"id": f"sms-{len(self.requests)}", "status": "queued"}

    def answer(self, status: int, body: dict) -> None:
        self.failure = (status, body)

    def settings(self) -> dict:
        base = f"http://127.0.0.1:{self.port}"
        return {
            "SMS_BACKEND": "http", "SMS_GATEWAY_URL": f"{base}/sms",
            "SMS_GATEWAY_TOKEN": "gateway-secret", "SMS_TIMEOUT": 2,
            "TELEGRAM_BACKEND": "bot", "TELEGRAM_API_URL": base,
            "TELEGRAM_BOT_TOKEN": self.TOKEN, "TELEGRAM_TIMEOUT": 2,
        }  # fmt: skip

    def sms(self) -> list[dict]:
        return [r["json"] for r in self.requests if r["path"] == "/sms"]

    def telegrams(self) -> list[dict]:
        return [r["json"] for r in self.requests if r["path"].endswith("/sendMessage")]

    def stop_answering(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        try:
            self._server.shutdown()
            self._server.server_close()
        except OSError:
            pass
