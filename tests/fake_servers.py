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
