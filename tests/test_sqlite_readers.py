"""SQLite: a page view that reads, then must write after another worker committed, is run
again as a writer instead of answering "database is locked" (seen by `make stress` as 503s on
organisers' application pages, which write an audit row for a minor's details)."""

import sqlite3

import sqlalchemy as sa

from portal import create_app
from portal.extensions import db
from portal.transactions import transactional


def race_app(tmp_path):
    """An app on a file database whose one page reads, lets another worker commit, writes."""
    path = tmp_path / "race.db"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    other_worker = sqlite3.connect(path, isolation_level=None)
    other_worker.execute("CREATE TABLE seen (who TEXT)")
    runs = []

    def page():
        runs.append(db.session.execute(sa.text("PRAGMA main.journal_mode")).scalar())
        db.session.execute(sa.text("SELECT count(*) FROM seen")).scalar()  # the snapshot begins
        if len(runs) == 1:
            other_worker.execute("INSERT INTO seen VALUES ('another worker')")
        db.session.execute(sa.text("INSERT INTO seen VALUES ('this page')"))
        return "ok"

    app.add_url_rule("/_seen", "seen", transactional(page))
    return app, other_worker, runs


def test_a_reader_that_must_write_after_another_commit_runs_again_as_a_writer(tmp_path):
    app, other_worker, runs = race_app(tmp_path)

    response = app.test_client().get("/_seen")

    assert response.status_code == 200
    assert runs == ["wal", "wal"]  # refused once as a reader, then run as a writer
    seen = [who for (who,) in other_worker.execute("SELECT who FROM seen ORDER BY rowid")]
    assert seen == ["another worker", "this page"]  # the page's write is kept once
