"""`flask backup` and `flask restore`: the data and the uploads come back whole, into a schema
the migrations built, or nothing changes and the command fails loudly."""

import hashlib
import io
import json
import os
import secrets
import shutil
import tarfile
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade
from flask_migrate import upgrade

from portal import backups
from portal import create_app
from portal.extensions import db
from portal.storage import storage

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
SCANS = {"0123abcd.pdf": b"%PDF-1.4 the first scan", "4567ef01.png": b"\x89PNG a photo"}


def portal(tmp_path, name, database_uri=None, **settings):
    return create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_uri or f"sqlite:///{tmp_path / name}.db",
        UPLOADS_DIR=str(tmp_path / f"{name}-uploads"),
        **settings,
    )


def run(app, *args):
    result = app.test_cli_runner().invoke(args=[str(arg) for arg in args])
    with app.app_context():
        db.engine.dispose()
    return result


def seed(app, revision="head"):
    with app.test_request_context(method="POST"):
        upgrade(revision=revision)
        from portal.demo import seed as seed_demo

        seed_demo()
        db.session.commit()
        for name, data in SCANS.items():
            storage().put(name, data)
        db.session.remove()
        db.engine.dispose()


def snapshot(app) -> dict:
    """Every table's rows as the code reads them (typed: the same on SQLite and PostgreSQL)."""
    with app.app_context():
        result = {
            table.name: sorted(map(tuple, db.session.execute(sa.select(table)).all()), key=repr)
            for table in db.metadata.sorted_tables
        }
        result["uploads"] = {name: storage().get(name) for name in storage().names()}
        db.session.remove()
        db.engine.dispose()
    return result


def state(app) -> dict:
    """What a failed restore must leave as it was: the tables there, their rows, the files."""
    with app.app_context():
        engine = db.engine
        names = sa.inspect(engine).get_table_names()
        with engine.connect() as connection:
            rows = {
                name: connection.scalar(sa.text(f'SELECT count(*) FROM "{name}"'))  # noqa: S608
                for name in names
            }
        files = storage().names()
        engine.dispose()
    return {"tables": rows, "files": files}


@contextmanager
def without_foreign_keys():
    """A connection to the app's SQLite database that does not check foreign keys (the pragma
    works only outside a transaction)."""
    with db.engine.connect() as connection:
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        yield connection
    db.engine.dispose()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A SQLite portal with the demo programme and two scans, made once and copied per test."""
    folder = tmp_path_factory.mktemp("seeded")
    seed(portal(folder, "source"))
    return folder


@pytest.fixture
def source(seeded, tmp_path):
    shutil.copy(seeded / "source.db", tmp_path / "source.db")
    shutil.copytree(seeded / "source-uploads", tmp_path / "source-uploads")
    return portal(tmp_path, "source")


@pytest.fixture
def archive(source, tmp_path):
    path = tmp_path / "jashtar.tar"
    result = run(source, "backup", path)
    assert result.exit_code == 0, result.output
    return path


def rewrite(path, change):
    """Rebuild the archive with `change(members)` applied (members: name → bytes), keeping its
    manifest's checksums right, as a careless or hostile tool would."""
    with tarfile.open(path) as original:
        members = {m.name: original.extractfile(m).read() for m in original.getmembers()}
    manifest = json.loads(members.pop(backups.MANIFEST))
    change(members, manifest)
    for entry in [*manifest["tables"].values(), *manifest["uploads"]["files"].values()]:
        if entry["member"] in members:
            data = members[entry["member"]]
            entry["bytes"], entry["sha256"] = len(data), hashlib.sha256(data).hexdigest()
    members[backups.MANIFEST] = json.dumps(manifest).encode()
    with tarfile.open(path, "w") as rebuilt:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            rebuilt.addfile(info, io.BytesIO(data))


# -- round trips ------------------------------------------------------------------------------


def test_a_backup_restores_into_an_empty_portal_with_its_uploads(source, archive, tmp_path):
    target = portal(tmp_path, "target")
    result = run(target, "restore", archive)
    assert result.exit_code == 0, result.output
    assert "constraints and indexes checked" in result.output
    restored = snapshot(target)
    assert restored == snapshot(source)
    assert restored["uploads"] == SCANS and len(restored["user"]) > 10


def test_the_manifest_records_the_revision_the_counts_and_the_files(source, archive):
    with tarfile.open(archive) as backup:
        manifest = json.loads(backup.extractfile(backups.MANIFEST).read())
        names = backup.getnames()
    with source.app_context():
        head = backups.schema_head()
        users = db.session.scalar(sa.text('SELECT count(*) FROM "user"'))
    assert manifest["format"] == "jashtar-backup" and manifest["schema_revision"] == head
    assert manifest["tables"]["user"]["rows"] == users
    assert sorted(manifest["uploads"]["files"]) == sorted(SCANS)
    assert {f"uploads/{name}" for name in SCANS} <= set(names)
    assert oct(os.stat(archive).st_mode & 0o777) == "0o600"  # minors' data: the owner only


def test_a_backup_made_from_s3_restores_into_a_folder(seeded, tmp_path, fake_s3):
    shutil.copy(seeded / "source.db", tmp_path / "source.db")
    source = portal(tmp_path, "source", **fake_s3.config())
    with source.app_context():
        for name, data in SCANS.items():
            storage().put(name, data)
    assert run(source, "backup", tmp_path / "b.tar").exit_code == 0
    target = portal(tmp_path, "target")
    assert run(target, "restore", tmp_path / "b.tar").exit_code == 0
    assert snapshot(target) == snapshot(source)
    # ... and back into an empty bucket
    fake_s3.reset()
    again = portal(tmp_path, "again", **fake_s3.config())
    assert run(again, "restore", tmp_path / "b.tar").exit_code == 0
    assert {name: fake_s3.objects[name] for name in SCANS} == SCANS


def test_an_older_backup_is_restored_then_migrated_forward(tmp_path):
    source = portal(tmp_path, "old")
    with source.app_context():
        upgrade()
        downgrade(revision="-1")
        older = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        db.session.remove()
        db.engine.dispose()
    assert run(source, "backup", tmp_path / "old.tar").exit_code == 0
    target = portal(tmp_path, "target")
    result = run(target, "restore", tmp_path / "old.tar")
    assert result.exit_code == 0, result.output
    with target.app_context():
        revision = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        db.session.remove()
        assert revision == backups.schema_head() != older
        with db.engine.connect() as connection:
            assert backups.schema_differences(connection) == []
        db.engine.dispose()
    assert target.test_client().get("/healthz").json["status"] == "ok"


def test_a_schema_without_its_constraints_comes_back_with_all_of_them(source, tmp_path):
    """The backup carries rows, not schema: a database that lost its unique constraints and
    foreign keys is restored into the schema the migrations make."""
    with source.app_context(), without_foreign_keys() as connection:
        with connection.begin():
            for table in ("user", "application"):
                connection.exec_driver_sql(f'CREATE TABLE "bare" AS SELECT * FROM "{table}"')
                connection.exec_driver_sql(f'DROP TABLE "{table}"')
                connection.exec_driver_sql(f'ALTER TABLE "bare" RENAME TO "{table}"')
        assert backups.schema_differences(connection) != []
    assert run(source, "backup", tmp_path / "bare.tar").exit_code == 0
    target = portal(tmp_path, "target")
    assert run(target, "restore", tmp_path / "bare.tar").exit_code == 0
    with target.app_context():
        with db.engine.connect() as connection:
            assert backups.schema_differences(connection) == []
            indexes = sa.inspect(connection).get_unique_constraints("user")
            assert any(c["column_names"] == ["email"] for c in indexes)
        db.engine.dispose()


def test_rows_the_schema_forbids_are_refused_and_nothing_is_restored(source, tmp_path):
    with source.app_context(), without_foreign_keys() as connection:
        with connection.begin():
            connection.exec_driver_sql('CREATE TABLE "bare" AS SELECT * FROM "user"')
            connection.exec_driver_sql('DROP TABLE "user"')
            connection.exec_driver_sql('ALTER TABLE "bare" RENAME TO "user"')
            names = [c["name"] for c in sa.inspect(connection).get_columns("user")]
            copied = ", ".join("id + 100000" if name == "id" else name for name in names)
            connection.exec_driver_sql(  # a second account with the same e-mail
                f'INSERT INTO "user" ({", ".join(names)}) SELECT {copied} FROM "user" '
                "WHERE email IS NOT NULL LIMIT 1"
            )
    assert run(source, "backup", tmp_path / "dup.tar").exit_code == 0
    target = portal(tmp_path, "target")
    result = run(target, "restore", tmp_path / "dup.tar")
    assert result.exit_code != 0
    assert "Nothing was restored" in result.output and "UNIQUE" in result.output
    assert state(target) == {"tables": {}, "files": []}


# -- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize("cut", ["half way", "in the manifest", "before the manifest"])
def test_a_truncated_archive_is_refused_and_nothing_changes(archive, tmp_path, cut):
    with tarfile.open(archive) as backup:
        manifest = backup.getmember(backups.MANIFEST)
    end = manifest.offset_data + manifest.size  # what follows is the tar's zero padding
    points = {"half way": end // 2, "in the manifest": end - 1}
    keep = points.get(cut, manifest.offset)
    archive.write_bytes(archive.read_bytes()[:keep])
    target = portal(tmp_path, "target")
    result = run(target, "restore", archive)
    assert result.exit_code != 0
    assert "Nothing was restored" in result.output
    assert state(target) == {"tables": {}, "files": []}


def test_a_corrupted_archive_is_refused(archive, tmp_path):
    data = bytearray(archive.read_bytes())
    with tarfile.open(archive) as backup:
        member = backup.getmember("database/user.jsonl.gz")
    data[member.offset_data + member.size // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    target = portal(tmp_path, "target")
    result = run(target, "restore", archive)
    assert result.exit_code != 0 and "damaged" in result.output
    assert state(target) == {"tables": {}, "files": []}


def test_a_dump_with_fewer_rows_than_its_manifest_is_refused(archive, tmp_path):
    """A dump cut short by whatever wrote it (checksums recomputed): the counts catch it."""
    import gzip

    def cut(members, manifest):
        lines = gzip.decompress(members["database/user.jsonl.gz"]).splitlines(keepends=True)
        members["database/user.jsonl.gz"] = gzip.compress(b"".join(lines[:1]))

    rewrite(archive, cut)
    target = portal(tmp_path, "target")
    result = run(target, "restore", archive)
    assert result.exit_code != 0
    assert "user has 1 rows, its manifest says" in result.output
    assert state(target) == {"tables": {}, "files": []}


def test_a_backup_from_a_newer_portal_is_refused(archive, tmp_path):
    def from_the_future(members, manifest):
        manifest["schema_revision"] = "0099_from_the_future"

    rewrite(archive, from_the_future)
    target = portal(tmp_path, "target")
    result = run(target, "restore", archive)
    assert result.exit_code != 0
    assert "newer version of the portal" in result.output
    assert state(target) == {"tables": {}, "files": []}


def test_what_is_not_a_backup_is_refused(source, tmp_path):
    old_style = tmp_path / "portal.db"
    shutil.copy(tmp_path / "source.db", old_style)  # what `flask backup` used to write
    target = portal(tmp_path, "target")
    result = run(target, "restore", old_style)
    assert result.exit_code != 0 and "not a Jashtar backup" in result.output
    assert state(target) == {"tables": {}, "files": []}


def test_a_portal_holding_data_is_replaced_only_when_forced(source, archive, tmp_path):
    before = snapshot(source)
    with source.app_context():
        db.session.execute(sa.text("DELETE FROM application"))
        db.session.execute(sa.text("UPDATE \"user\" SET full_name = 'changed'"))
        db.session.commit()
        storage().put("99999999.pdf", b"%PDF-1.4 not in the backup")
        db.engine.dispose()
    result = run(source, "restore", archive)
    assert result.exit_code != 0 and "not empty" in result.output and "--force" in result.output
    assert run(source, "restore", archive, "--force").exit_code != 0  # asks, and no one said yes
    result = run(source, "restore", archive, "--force", "--yes")
    assert result.exit_code == 0, result.output
    assert snapshot(source) == before  # the stray file went too


def test_a_freshly_migrated_database_counts_as_empty(tmp_path):
    app = portal(tmp_path, "fresh")
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            assert backups.holdings(connection) == {}
            filled = {
                table.name
                for table in db.metadata.sorted_tables
                if connection.scalar(sa.select(sa.func.count()).select_from(table))
            }
        db.engine.dispose()
    assert filled == backups.REFERENCE_TABLES


def test_a_restore_that_fails_its_last_check_leaves_nothing(archive, tmp_path, monkeypatch):
    monkeypatch.setattr(backups, "schema_differences", lambda connection: [("remove_index", "x")])
    target = portal(tmp_path, "target")
    result = run(target, "restore", archive)
    assert result.exit_code != 0 and "does not match" in result.output
    assert state(target) == {"tables": {}, "files": []}


# -- PostgreSQL -----------------------------------------------------------------------------


@pytest.fixture
def postgres_database():
    """A database of this test's own (random name), dropped afterwards."""
    if not TEST_DATABASE_URL:
        pytest.skip("SKIPPED: needs TEST_DATABASE_URL (the CI run has it)")
    server = TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://")
    name = f"jashtar_backup_{secrets.token_hex(4)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_postgresql_round_trip_and_a_truncated_archive(seeded, tmp_path, postgres_database):
    source = portal(tmp_path, "pg", database_uri=postgres_database)
    seed(source)
    path = tmp_path / "pg.tar"
    assert run(source, "backup", path).exit_code == 0
    before = snapshot(source)

    # Into the same database once it is emptied: every id, sequence and constraint comes back.
    with source.app_context():
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.engine.dispose()
    shutil.rmtree(tmp_path / "pg-uploads")
    cut = tmp_path / "cut.tar"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    result = run(source, "restore", cut)
    assert result.exit_code != 0 and "Nothing was restored" in result.output
    assert state(source) == {"tables": {}, "files": []}

    result = run(source, "restore", path)
    assert result.exit_code == 0, result.output
    assert snapshot(source) == before
    with source.app_context():
        with db.engine.connect() as connection:
            assert backups.schema_differences(connection) == []
        # New rows get new ids: the sequences were moved past the restored ones.
        from tests.factories import UserFactory

        with source.test_request_context(method="POST"):
            user = UserFactory.build()
            db.session.add(user)
            db.session.commit()
            assert user.id > max(row[0] for row in before["user"])
        db.engine.dispose()


def test_a_sqlite_backup_moves_into_postgresql(source, archive, tmp_path, postgres_database):
    target = portal(tmp_path, "pg", database_uri=postgres_database)
    result = run(target, "restore", archive)
    assert result.exit_code == 0, result.output
    assert snapshot(target) == snapshot(source)
