"""The shipped nginx site (deploy/nginx.conf) in front of the portal, sent forged headers."""

import http.client
import json
import os
import re
import shutil
import socket
import subprocess  # nosec B404 - starts Debian's nginx with a fixed argument list
import threading
import time
from pathlib import Path

import pytest
from flask import request
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import csrf
from tests.helpers import PRODUCTION_SETTINGS

SITE = Path(__file__).resolve().parent.parent / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
HOST = "jashtar.example.org"

if NGINX is None and os.environ.get("JASHTAR_REQUIRE_BROWSER"):
    pytest.fail("nginx is required in CI (apt-get install nginx)", pytrace=False)
pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def site_for_test(app_port: int, http_port: int, https_port: int) -> str:
    """The shipped site with local ports and without TLS (the header handling is the same)."""
    site = SITE.read_text()
    site = site.replace("127.0.0.1:8000", f"127.0.0.1:{app_port}")
    site = re.sub(r"^\s*(ssl_\w+|http2) .*$", "", site, flags=re.M)
    site = site.replace("listen 443 ssl", f"listen 127.0.0.1:{https_port}")
    site = site.replace("listen 80", f"listen 127.0.0.1:{http_port}")
    return site


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    """The production app (PROXY_COUNT=1) behind the sample nginx site; yields nginx's port."""
    folder = tmp_path_factory.mktemp("nginx")
    app = create_app(
        "production", PROXY_COUNT=1, **{**PRODUCTION_SETTINGS, "BASE_URL": f"https://{HOST}"}
    )

    @app.route("/_echo", methods=["GET", "POST"])
    @csrf.exempt
    def echo():
        return {
            "host": request.host,
            "ip": request.remote_addr,
            "scheme": request.scheme,
            "length": request.content_length or 0,
        }

    app_port, http_port, https_port = free_port(), free_port(), free_port()
    server = make_server("127.0.0.1", app_port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    user = "user root;" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(
        f"""{user}
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {folder}/body;
  proxy_temp_path {folder}/proxy;
  fastcgi_temp_path {folder}/fastcgi;
  uwsgi_temp_path {folder}/uwsgi;
  scgi_temp_path {folder}/scgi;
  {site_for_test(app_port, http_port, https_port)}
}}
"""
    )
    nginx = subprocess.Popen(  # nosec B603
        [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
        stderr=subprocess.PIPE,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", https_port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        nginx.kill()
        pytest.fail(nginx.stderr.read().decode())
    yield https_port
    nginx.terminate()
    nginx.wait(10)
    server.shutdown()


def send(port, path, headers, method="GET", body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def test_forged_forwarded_headers_are_overwritten(proxied):
    status, body = send(
        proxied,
        "/_echo",
        {
            "Host": HOST,
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-For": "203.0.113.9",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Port": "8443",
            "Forwarded": "for=203.0.113.9;host=evil.example",
        },
    )
    assert status == 200
    seen = json.loads(body)
    # The host is the one nginx accepted, the address is nginx's own view of the client, and
    # the scheme is how the client really came in (plain HTTP in this test).
    assert seen["host"] == HOST
    assert seen["ip"] == "127.0.0.1"
    assert seen["scheme"] == "http"


def test_an_unknown_host_gets_no_answer(proxied):
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        send(proxied, "/_echo", {"Host": "evil.example"})


def test_uploads_up_to_the_portals_limit_reach_the_portal(proxied):
    body = b"x" * (3 * 1024 * 1024)  # above nginx's default 1 MB, below the portal's 16 MB
    status, answer = send(proxied, "/_echo", {"Host": HOST}, method="POST", body=body)
    assert status == 200 and b'"length":3145728' in answer.replace(b" ", b"")
