"""Configuration, the database connection settings and the health check."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from config import DEFAULT_SECRET_KEY
from config import database_url
from portal import create_app
from portal.places import AdminUnit
from portal.places import UnitKind
from tests.helpers import PRODUCTION_SETTINGS


def migration_head() -> str:
    """The newest revision in migrations/ (so adding a migration needs no test change)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(Path(__file__).parent.parent / "migrations")).get_current_head()


def production(**changes):
    return create_app("production", **{**PRODUCTION_SETTINGS, **changes})


@pytest.mark.parametrize(
    "secret",
    [DEFAULT_SECRET_KEY, "", "short-but-random-9f8e", "x" * 64, "ab" * 20, "changeme" * 5],
)
def test_production_refuses_a_weak_secret_key(secret):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        production(SECRET_KEY=secret)


def test_production_starts_with_a_real_secret():
    app = production(SECRET_KEY="a-long-random-secret-from-the-environment")
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("base_url", ["", "jashtar.example.org", "https://"])
def test_production_needs_the_public_address(base_url):
    with pytest.raises(RuntimeError, match="BASE_URL"):
        production(BASE_URL=base_url)


def test_production_refuses_per_worker_rate_limits_with_several_workers():
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        production(RATELIMIT_ALLOW_MEMORY=False, WEB_CONCURRENCY=3)
    # One worker, an explicit choice, or shared storage are all fine.
    production(RATELIMIT_ALLOW_MEMORY=False, WEB_CONCURRENCY=1)
    production(RATELIMIT_ALLOW_MEMORY=True, WEB_CONCURRENCY=3)
    production(RATELIMIT_ALLOW_MEMORY=False, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0")


def test_production_trusts_only_the_public_host():
    app = production(EXTRA_TRUSTED_HOSTS="")
    assert app.config["TRUSTED_HOSTS"] == ["portal.example.org"]


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
    assert response.json["schema"] == migration_head()


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
