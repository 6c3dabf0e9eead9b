"""`flask backup` and `flask restore` give back exactly the data that was saved."""

import os
import shutil

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db

TABLES = ("user", "user_role", "consent", "audit_event", "camp", "application")


def snapshot(app) -> dict:
    with app.app_context():
        result = {
            table: sorted(
                map(tuple, db.session.execute(sa.text(f'SELECT * FROM "{table}"')).all()), key=repr
            )
            for table in TABLES
        }
        db.session.remove()
    return result


def round_trip(app, tmp_path, extension):
    with app.test_request_context(method="POST"):
        upgrade()
        from portal.demo import seed

        seed()
        db.session.commit()
        db.session.remove()
    before = snapshot(app)
    runner = app.test_cli_runner()
    path = tmp_path / f"backup.{extension}"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    with app.app_context():
        db.session.execute(sa.text("DELETE FROM application"))
        db.session.execute(sa.text("UPDATE \"user\" SET full_name = 'changed'"))
        db.session.commit()
        db.session.remove()
    assert snapshot(app) != before
    result = runner.invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert snapshot(app) == before


def test_sqlite_backup_round_trip(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}")
    round_trip(app, tmp_path, "db")


def test_postgresql_backup_round_trip(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url or not shutil.which("pg_dump"):
        pytest.skip("SKIPPED: needs TEST_DATABASE_URL and pg_dump (the CI run has both)")
    admin = sa.create_engine(
        url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(sa.text("DROP DATABASE IF EXISTS jashtar_backup_test"))
        connection.execute(sa.text("CREATE DATABASE jashtar_backup_test"))
    admin.dispose()
    scratch = (
        url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        + "/jashtar_backup_test"
    )
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=scratch)
    try:
        round_trip(app, tmp_path, "sql")
    finally:
        with app.app_context():
            db.engine.dispose()
        admin = sa.create_engine(
            url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as connection:
            connection.execute(sa.text("DROP DATABASE IF EXISTS jashtar_backup_test"))
        admin.dispose()
