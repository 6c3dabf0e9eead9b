"""Configuration, the database connection settings and the health check."""

import pytest
import sqlalchemy as sa

from config import DEFAULT_SECRET_KEY
from config import database_url
from portal import create_app
from portal.places import AdminUnit
from portal.places import UnitKind


def test_production_refuses_the_default_secret_key(monkeypatch):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", SECRET_KEY=DEFAULT_SECRET_KEY)


def test_production_starts_with_a_real_secret():
    app = create_app("production", SECRET_KEY="a-long-random-secret-from-the-environment")
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_database_url_gets_the_psycopg_driver(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db:5432/jashtar")
    assert database_url("sqlite://") == "postgresql+psycopg://u:p@db:5432/jashtar"
    monkeypatch.delenv("DATABASE_URL")
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_instance_config_overrides_defaults(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text("PER_PAGE = 7\n")
    from flask import Flask

    original = Flask.__init__

    def with_instance(self, *args, **kwargs):
        kwargs["instance_path"] = str(tmp_path)
        original(self, *args, **kwargs)

    monkeypatch.setattr(Flask, "__init__", with_instance)
    assert create_app("testing").config["PER_PAGE"] == 7


def test_sqlite_connections_use_wal_and_a_busy_timeout(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.db'}")
    from portal.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_reference_data_is_loaded_by_the_migration(db):
    units = db.session.scalars(sa.select(AdminUnit)).all()
    assert len(units) == 34
    regions = {u.code for u in units if u.kind is UnitKind.REGION}
    assert {"KG-O", "KG-B", "KG-J"} <= regions
    leilek = db.session.get(AdminUnit, "KG-B-LEILEK")
    assert (leilek.parent_code, leilek.name_ru, leilek.name_uz_cyrl) == (
        "KG-B", "Лейлекский район", "Лайлак тумани",
    )  # fmt: skip


def test_healthz_reports_the_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["database"] == "ok"
    assert response.json["schema"] == "0009_group_invitations"


def test_healthz_reports_a_missing_database(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'empty.db'}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "error"


def test_migrations_match_the_models(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from portal.extensions import db as database

    context = MigrationContext.configure(
        database.engines[None], opts={"compare_type": True, "render_as_batch": True}
    )
    assert compare_metadata(context, database.metadata) == []
