"""40 slow clients (slowloris headers, slow bodies, unread answers) in front of the shipped
nginx site leave an ordinary visitor unaffected (bench/slow_clients.py; `make slowclients`
also shows gunicorn alone stopping under the same clients)."""

import os

import pytest

from bench import slow_clients

if slow_clients.NGINX is None and os.environ.get("JASHTAR_REQUIRE_BROWSER"):
    pytest.fail("nginx is required in CI (apt-get install nginx)", pytrace=False)
pytestmark = pytest.mark.skipif(
    slow_clients.NGINX is None, reason="nginx is not installed (apt-get install nginx)"
)

#: An ordinary visitor's slowest page behind nginx, with 40 slow clients connected.
P99_BOUND = 2.0


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
