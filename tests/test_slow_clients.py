"""40 slow clients (slowloris headers, slow bodies, unread answers) in front of the shipped
nginx site leave an ordinary visitor unaffected (bench/slow_clients.py; `make slowclients`
also shows gunicorn alone stopping under the same clients)."""

import os
import re

import gunicorn.config
import pytest

from bench import slow_clients

if slow_clients.NGINX is None and os.environ.get("JASHTAR_REQUIRE_BROWSER"):
    pytest.fail("nginx is required in CI (apt-get install nginx)", pytrace=False)
needs_nginx = pytest.mark.skipif(
    slow_clients.NGINX is None, reason="nginx is not installed (apt-get install nginx)"
)

#: An ordinary visitor's slowest page behind nginx, with 40 slow clients connected.
P99_BOUND = 2.0


@needs_nginx
def test_forty_slow_clients_leave_other_users_unaffected_behind_nginx(tmp_path, capsys):
    with (
        slow_clients.gunicorn_app(tmp_path) as app,
        slow_clients.nginx(tmp_path, app.port) as port,
    ):
        visits = slow_clients.under_slow_clients(port, seconds=4)

    with capsys.disabled():
        print(f"\n  behind nginx, {slow_clients.SLOW} slow clients: {visits}")
    assert visits.failed == 0
    assert visits.p99 < P99_BOUND


def test_nginx_drops_idle_upstream_connections_before_gunicorn_does():
    """Else a POST sent on a connection gunicorn has just closed is answered 502."""
    site = slow_clients.SITE.read_text()
    upstream = re.search(r"upstream jashtar_app \{(.*?)\}", site, re.S).group(1)
    nginx_idle = int(re.search(r"keepalive_timeout (\d+)s;", upstream).group(1))
    shipped = (slow_clients.ROOT / "gunicorn.conf.py").read_text()
    match = re.search(r"^keepalive = (\d+)", shipped, re.M)
    gunicorn_idle = int(match.group(1)) if match else gunicorn.config.Config().keepalive
    assert nginx_idle < gunicorn_idle
