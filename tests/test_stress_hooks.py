"""The kill points of `make stress` (portal/stress_hooks.py) do nothing in a real installation."""

import signal

from portal import stress_hooks


def test_the_kill_header_is_ignored_without_the_stress_variable(app, client, db, monkeypatch):
    kills = []
    monkeypatch.setattr(stress_hooks.os, "kill", lambda pid, sig: kills.append(sig))

    response = client.get("/healthz", headers={"X-Stress-Kill": "before-commit"})
    client.get("/healthz", headers={"X-Stress-Kill": "after-commit"})

    assert response.status_code == 200
    assert stress_hooks.ENABLED is False
    assert kills == []


def test_a_stress_run_kills_the_worker_at_the_point_it_names(app, client, db, monkeypatch):
    kills = []
    monkeypatch.setattr(stress_hooks, "ENABLED", True)
    monkeypatch.setattr(stress_hooks.os, "kill", lambda pid, sig: kills.append(sig))

    client.get("/healthz")
    assert kills == []
    client.get("/healthz", headers={"X-Stress-Kill": "before-commit"})
    assert kills == [signal.SIGKILL]
    client.get("/healthz", headers={"X-Stress-Kill": "after-commit"})
    assert kills == [signal.SIGKILL, signal.SIGKILL]
