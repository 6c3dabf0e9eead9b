"""Cron chores run once at a time, whichever host starts them (portal/runlock.py): a second run
while the first holds the chore's lock does nothing, on SQLite (a file lock) and PostgreSQL (an
advisory lock another host's connection would see just the same)."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import runlock
from portal.camps.models import ApplicationStatus as S
from portal.i18n import local_today
from portal.notify import Notification
from tests.factories import ApplicationFactory
from tests.factories import CampFactory

CHORES = [
    ["camps", "expire-offers"],
    ["camps", "remind"],
    ["plans", "remind-progress"],
    ["training", "recheck"],
    ["retention", "apply"],
    ["uploads", "sweep"],
]


def test_a_reminder_run_that_finds_another_under_way_sends_nothing(app, db):
    soon = CampFactory(start_date=local_today() + timedelta(days=1))
    ApplicationFactory(camp=soon, status=S.CONFIRMED)
    runner = app.test_cli_runner()
    with runlock.held("camps-remind") as taken:
        assert taken
        second = runner.invoke(args=["camps", "remind"])
    assert second.exit_code == 0
    assert "Another run of camps-remind is under way; nothing done." in second.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0
    # Once the first run is over, the next one does the work, once.
    assert "Reminded 1 participants " in runner.invoke(args=["camps", "remind"]).output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 1


@pytest.mark.parametrize("chore", CHORES, ids=" ".join)
def test_every_cron_chore_waits_for_its_own_lock(app, db, chore):
    runner = app.test_cli_runner()
    with runlock.held("-".join(chore)):
        result = runner.invoke(args=chore)
    assert "under way; nothing done." in result.output, result.output
    assert "under way" not in runner.invoke(args=chore).output


def test_the_lock_is_taken_once_across_threads_and_released_after(app, db):
    """Each thread has its own connection (PostgreSQL) or file description (SQLite): exactly as
    two hosts or two processes would."""
    barrier = threading.Barrier(2)
    results = []

    def attempt():
        with app.app_context():
            with runlock.held("backup") as taken:
                results.append(taken)
                barrier.wait(timeout=10)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(results) == [False, True]
    with runlock.held("backup") as taken:
        assert taken


def test_different_chores_do_not_wait_for_each_other(app, db):
    with runlock.held("camps-remind") as first, runlock.held("plans-remind-progress") as second:
        assert first and second
