"""Backups of the whole portal (database and uploads) and restores that prove themselves.

A backup is one tar file:

    manifest.json               format, when, the schema revision, per-table row counts and
                                columns, and the size and SHA-256 of every other member
    database/<table>.jsonl.gz   the table's rows, one JSON object a line, in primary-key order
    uploads/<name>              every file of the upload store (local folder or S3 bucket)

The rows are read in one consistent snapshot (SQLite: a copy made by the online backup API;
PostgreSQL: a REPEATABLE READ transaction), typed values tagged (`{"$datetime": …}`), so a
backup made on SQLite restores into PostgreSQL and the other way round.

A restore never trusts the backup for the schema: in one transaction it builds the schema with
the migrations up to the backup's revision, loads the rows, checks every count, migrates
forward to the code's revision, and compares the constraints and indexes with the models
(which tests/test_config.py keeps equal to the migrations). It refuses a damaged archive, a
revision the code does not know, and a target that already holds data (unless forced), before
changing anything; whatever fails later rolls everything back and removes the files it wrote.
"""

import base64
import enum
import gzip
import hashlib
import io
import json
import os
import tarfile
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from portal.extensions import db
from portal.storage import storage
from portal.storage import valid_name

FORMAT = "jashtar-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
VERSION_TABLE = "alembic_version"
#: Tables the migrations fill themselves (reference data): a database holding rows only there
#: is as empty as a new one. tests/test_backups.py checks this against a fresh migration.
REFERENCE_TABLES = frozenset({"admin_unit"})
BATCH = 1000


class BackupError(Exception):
    """The backup cannot be made or restored; the message says why (for the operator)."""


# -- the code's schema -----------------------------------------------------------------------


def alembic_config():
    return current_app.extensions["migrate"].migrate.get_config()


def _scripts() -> ScriptDirectory:
    scripts = current_app.extensions.get("schema_scripts")
    if scripts is None:
        scripts = current_app.extensions["schema_scripts"] = ScriptDirectory.from_config(
            alembic_config()
        )
    return scripts


def schema_head() -> str | None:
    """The revision the code's migrations end at."""
    return _scripts().get_current_head()


def known_revision(revision: str | None) -> bool:
    if not revision:
        return False
    try:
        return _scripts().get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown or malformed id
        return False


# -- values ----------------------------------------------------------------------------------


def _encode(value):
    if isinstance(value, enum.Enum):
        return value.value  # stored by value (extensions.str_enum)
    if value is None or isinstance(value, bool | int | str | float):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return {"$datetime": value.isoformat()}  # always UTC, as every column of the portal
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, bytes | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dict | list):
        return {"$json": value}
    raise BackupError(f"cannot store a value of type {type(value).__name__}")


def _decode(value, column: sa.Column):
    if not isinstance(value, dict):
        return value
    ((tag, raw),) = value.items()
    if tag == "$datetime":
        moment = datetime.fromisoformat(raw)
        timezone = getattr(column.type, "timezone", False)
        return moment.replace(tzinfo=UTC) if timezone else moment
    if tag == "$date":
        return date.fromisoformat(raw)
    if tag == "$time":
        return time.fromisoformat(raw)
    if tag == "$decimal":
        return Decimal(raw)
    if tag == "$bytes":
        return base64.b64decode(raw)
    if tag == "$json":
        return raw
    raise BackupError(f"unknown value tag {tag!r}")


def _reflect(connection) -> sa.MetaData:
    metadata = sa.MetaData()
    metadata.reflect(connection)
    for table in metadata.tables.values():
        for column in table.columns:
            if isinstance(column.type, sa.JSON):
                column.type.none_as_null = True  # SQL NULL stays NULL, not the JSON 'null'
            if isinstance(column.type, sa.Numeric):
                column.type.asdecimal = True
    return metadata


def _data_tables(metadata: sa.MetaData) -> list[sa.Table]:
    return [table for table in metadata.sorted_tables if table.name != VERSION_TABLE]


def _order(table: sa.Table):
    return list(table.primary_key.columns) or list(table.columns)


# -- making a backup -------------------------------------------------------------------------


def _dump_query(table: sa.Table, revision: str):
    """The table's rows in key order, read by the models' own types when the database is at
    the code's revision (a database whose schema lost its declared types still reads right),
    else by the types its schema declares."""
    model = db.metadata.tables.get(table.name) if revision == schema_head() else None
    columns = [
        sa.type_coerce(column, model.c[column.name].type).label(column.name)
        if model is not None and column.name in model.c
        else column
        for column in table.columns
    ]
    return sa.select(*columns).order_by(*_order(table))


@dataclass
class Summary:
    revision: str
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


@contextmanager
def _snapshot():
    """A connection that sees one moment of the database and changes nothing."""
    engine = db.engine
    if engine.dialect.name == "sqlite":
        source = engine.url.database
        if not source or source == ":memory:":
            raise BackupError("an in-memory SQLite database cannot be backed up")
        import sqlite3

        with tempfile.TemporaryDirectory(prefix="jashtar-backup-") as folder:
            copy = os.path.join(folder, "snapshot.db")
            with sqlite3.connect(source) as live, sqlite3.connect(copy) as target:
                live.backup(target)  # the online backup API: safe while the portal runs
            snapshot = sa.create_engine(f"sqlite:///{copy}")
            try:
                with snapshot.connect() as connection:
                    yield connection
            finally:
                snapshot.dispose()
        return
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        with connection.begin():
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            yield connection


def _add(archive: tarfile.TarFile, name: str, stream, size: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(datetime.now(UTC).timestamp())
    info.mode = 0o600
    archive.addfile(info, stream)


def create_backup(path: str | os.PathLike) -> Summary:
    """Write the backup archive to `path` (a new file; 0600, replaced only once complete)."""
    target = Path(path)
    partial = target.with_name(f".{target.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as output:
            summary = _write_archive(output)
            output.flush()
            os.fsync(output.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return summary


def _write_archive(output) -> Summary:
    store = storage()
    tables: dict[str, dict] = {}
    files: dict[str, dict] = {}
    with tarfile.open(fileobj=output, mode="w:", format=tarfile.PAX_FORMAT) as archive:
        with _snapshot() as connection:
            revision = _revision(connection)
            if not revision:
                raise BackupError("the database is not migrated (no schema revision)")
            dialect = connection.dialect.name
            for table in _data_tables(_reflect(connection)):
                member = f"database/{table.name}.jsonl.gz"
                with tempfile.TemporaryFile() as spool:
                    digest = hashlib.sha256()
                    rows = 0
                    with gzip.GzipFile(fileobj=spool, mode="wb", mtime=0) as packed:
                        result = connection.execution_options(yield_per=BATCH).execute(
                            _dump_query(table, revision)
                        )
                        for row in result.mappings():
                            line = {key: _encode(value) for key, value in row.items()}
                            packed.write(json.dumps(line, ensure_ascii=False).encode() + b"\n")
                            rows += 1
                    size = spool.tell()
                    spool.seek(0)
                    for chunk in _chunks(spool):
                        digest.update(chunk)
                    spool.seek(0)
                    _add(archive, member, spool, size)
                tables[table.name] = {
                    "rows": rows,
                    "columns": [column.name for column in table.columns],
                    "member": member,
                    "bytes": size,
                    "sha256": digest.hexdigest(),
                }
        for name in store.names():
            data = store.get(name)
            if data is None:
                continue  # deleted since it was listed (an erasure committed meanwhile)
            member = f"uploads/{name}"
            _add(archive, member, io.BytesIO(data), len(data))
            files[name] = {
                "member": member,
                "bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "schema_revision": revision,
            "dialect": dialect,
            "tables": tables,
            "uploads": {"backend": store.backend, "files": files},
        }
        encoded = json.dumps(manifest, indent=1, sort_keys=True).encode()
        _add(archive, MANIFEST, io.BytesIO(encoded), len(encoded))
    return Summary(
        revision=revision, rows={k: v["rows"] for k, v in tables.items()}, files=len(files)
    )


# -- reading a backup ------------------------------------------------------------------------


def _chunks(stream):
    if stream is None:
        raise BackupError("a member of the backup is not a file")
    while chunk := stream.read(1 << 20):
        yield chunk


class Archive:
    """An opened backup whose every member has been checked against its manifest."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        try:
            self.tar = tarfile.open(self.path, mode="r:")
        except (tarfile.TarError, OSError) as error:
            raise BackupError(f"{self.path.name} is not a Jashtar backup ({error!r})") from error
        try:
            self.members = {member.name: member for member in self.tar.getmembers()}
            if MANIFEST not in self.members:
                raise BackupError(
                    f"{self.path.name} is not a complete Jashtar backup (it has no manifest): "
                    "it is truncated, or not made by `flask backup`"
                )
            self.manifest = json.loads(self._read(MANIFEST))
            if not isinstance(self.manifest, dict) or self.manifest.get("format") != FORMAT:
                raise BackupError(f"{self.path.name} is not a Jashtar backup")
            if self.manifest.get("version") != FORMAT_VERSION:
                raise BackupError(
                    f"{self.path.name} has backup format {self.manifest.get('version')!r}; "
                    f"this portal reads format {FORMAT_VERSION}"
                )
            self._verify()
        except (tarfile.TarError, OSError, EOFError, ValueError, KeyError, TypeError) as error:
            self.close()
            raise BackupError(
                f"{self.path.name} is damaged or not a Jashtar backup ({error!r})"
            ) from error
        except BackupError:
            self.close()
            raise

    def close(self) -> None:
        self.tar.close()

    def _read(self, name: str) -> bytes:
        stream = self.tar.extractfile(self.members[name])
        if stream is None:
            raise BackupError(f"{name} in the backup is not a file")
        return stream.read()

    def _verify(self) -> None:
        """Every member the manifest names is there, whole, with the bytes it was written with."""
        expected = [*self.manifest["tables"].values(), *self.uploads().values()]
        for entry in expected:
            name = entry["member"]
            member = self.members.get(name)
            if member is None:
                raise BackupError(f"the backup is incomplete: {name} is missing")
            digest = hashlib.sha256()
            size = 0
            try:
                for chunk in _chunks(self.tar.extractfile(member)):
                    digest.update(chunk)
                    size += len(chunk)
            except (tarfile.TarError, OSError, EOFError) as error:
                raise BackupError(f"the backup is damaged at {name} ({error})") from error
            if size != entry["bytes"] or digest.hexdigest() != entry["sha256"]:
                raise BackupError(f"the backup is damaged: {name} is not what was written")
        for name in self.uploads():
            if not valid_name(name):
                raise BackupError(f"the backup names an upload {name!r} the portal never makes")

    @property
    def revision(self) -> str:
        return self.manifest["schema_revision"]

    def tables(self) -> dict[str, dict]:
        return self.manifest["tables"]

    def uploads(self) -> dict[str, dict]:
        return self.manifest["uploads"]["files"]

    def rows(self, table: str):
        """The table's rows as dicts of decoded-later values."""
        entry = self.tables()[table]
        stream = self.tar.extractfile(self.members[entry["member"]])
        try:
            with gzip.GzipFile(fileobj=stream) as lines:
                for line in lines:
                    yield json.loads(line)
        except (OSError, EOFError, ValueError) as error:
            raise BackupError(f"the backup is damaged in {table} ({error})") from error

    def upload(self, name: str) -> bytes:
        return self._read(self.uploads()[name]["member"])


# -- restoring -------------------------------------------------------------------------------


def _counts(connection, metadata: sa.MetaData) -> dict[str, int]:
    return {
        table.name: connection.scalar(sa.select(sa.func.count()).select_from(table))
        for table in _data_tables(metadata)
    }


def holdings(connection) -> dict[str, int]:
    """Rows per table outside the reference data the migrations bring (empty: nothing held)."""
    counts = _counts(connection, _reflect(connection))
    return {name: n for name, n in counts.items() if n and name not in REFERENCE_TABLES}


def _migrate(connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _load(connection, archive: Archive) -> dict[str, int]:
    metadata = _reflect(connection)
    present = {table.name: table for table in _data_tables(metadata)}
    wanted = archive.tables()
    if set(present) != set(wanted):
        raise BackupError(
            f"the backup's tables do not match schema {archive.revision}: missing "
            f"{sorted(set(present) - set(wanted))}, unknown {sorted(set(wanted) - set(present))}"
        )
    for name, table in present.items():
        if {column.name for column in table.columns} != set(wanted[name]["columns"]):
            raise BackupError(
                f"the backup's columns of {name} do not match schema {archive.revision}"
            )
    ordered = _data_tables(metadata)
    for table in reversed(ordered):  # the rows the migrations brought give way to the backup's
        connection.execute(table.delete())
    loaded = {}
    for table in ordered:
        loaded[table.name] = _load_table(connection, table, archive.rows(table.name))
        if loaded[table.name] != wanted[table.name]["rows"]:
            raise BackupError(
                f"the backup is incomplete: {table.name} has {loaded[table.name]} rows, "
                f"its manifest says {wanted[table.name]['rows']}"
            )
    if connection.dialect.name == "postgresql":
        _reset_sequences(connection, ordered)
    else:
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise BackupError(f"the backup's rows break {len(broken)} foreign keys")
    counted = _counts(connection, metadata)
    if counted != {name: entry["rows"] for name, entry in wanted.items()}:
        raise BackupError("the rows in the database after loading differ from the manifest")
    return counted


def _load_table(connection, table: sa.Table, rows) -> int:
    # A row may point at a later row of its own table (a region's districts, a question asked
    # after another): such columns are filled in a second pass.
    later = [
        fk.parent
        for fk in table.foreign_keys
        if fk.column.table is table and fk.parent.nullable and not fk.parent.primary_key
    ]
    keys = list(table.primary_key.columns)
    deferred: list[dict] = []
    batch: list[dict] = []
    count = 0
    for raw in rows:
        row = {name: _decode(value, table.c[name]) for name, value in raw.items()}
        if later and keys:
            links = {column.name: row[column.name] for column in later}
            if any(value is not None for value in links.values()):
                deferred.append({**{f"k_{c.name}": row[c.name] for c in keys}, **links})
                row.update(dict.fromkeys(links))
        batch.append(row)
        count += 1
        if len(batch) >= BATCH:
            connection.execute(table.insert(), batch)
            batch = []
    if batch:
        connection.execute(table.insert(), batch)
    condition = sa.and_(*(column == sa.bindparam(f"k_{column.name}") for column in keys))
    for column in later:
        linked = [
            {**{f"k_{c.name}": row[f"k_{c.name}"] for c in keys}, f"v_{column.name}": value}
            for row in deferred
            if (value := row[column.name]) is not None
        ]
        if linked:
            value = sa.bindparam(f"v_{column.name}", type_=column.type)
            connection.execute(table.update().where(condition).values({column.name: value}), linked)
    return count


def _reset_sequences(connection, tables: list[sa.Table]) -> None:
    """New rows after a restore get ids after the restored ones."""
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, sa.Integer):
            continue
        sequence = connection.scalar(
            sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": f'"{table.name}"', "column": keys[0].name},
        )
        if sequence:
            highest = connection.scalar(sa.select(sa.func.max(keys[0])))
            connection.execute(
                sa.select(sa.func.setval(sequence, highest or 1, highest is not None))
            )


def schema_differences(connection) -> list:
    """What the database's tables, constraints and indexes lack or add against the models."""
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "render_as_batch": True}
    )
    return compare_metadata(context, db.metadata)


@dataclass
class Restored:
    revision: str
    migrated_to: str | None
    rows: dict[str, int]
    files: int


def restore_backup(path: str | os.PathLike, *, force: bool = False) -> Restored:
    """Restore the backup at `path` into this portal's database and upload store.

    Without `force` the target must be empty (no rows beyond the migrations' reference data and
    no uploads); with it, everything there is replaced.
    """
    archive = Archive(path)
    try:
        return _restore(archive, force=force)
    finally:
        archive.close()


def _restore(archive: Archive, *, force: bool) -> Restored:
    head = schema_head()
    if not known_revision(archive.revision):
        raise BackupError(
            f"the backup is at schema revision {archive.revision!r}, which this code does not "
            f"know (it ends at {head}): it was made by a newer version of the portal. "
            "Restore it with that version (or a later one)."
        )
    store = storage()
    db.session.remove()
    db.engine.dispose()  # nothing of the portal's own holds a connection during the restore
    engine = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool, hide_parameters=True)
    written: list[str] = []
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # Tables are rebuilt by the migrations (SQLite's ALTER is a copy), so checks of
                # foreign keys wait for PRAGMA foreign_key_check at the end; it cannot be set
                # inside a transaction, hence on the raw connection before BEGIN.
                _pragma(connection, "foreign_keys=OFF")
            try:
                with connection.begin():
                    _refuse_unless_empty(connection, store, force)
                    _drop_everything(connection)
                    _migrate(connection, archive.revision)
                    rows = _load(connection, archive)
                    _migrate(connection, "head")
                    revision = _revision(connection)
                    differences = schema_differences(connection)
                    if revision != head or differences:
                        raise BackupError(
                            "after the restore the schema does not match the code's "
                            f"(revision {revision}, expected {head}; {differences[:5]})"
                        )
                    if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").all():
                        raise BackupError("after migrating, the rows break foreign keys")
                    for name in archive.uploads():
                        written.append(name)
                        store.put(name, archive.upload(name))
            finally:
                if sqlite:
                    _pragma(connection, "foreign_keys=ON")
    except BaseException:
        for name in written:  # the database was rolled back: its files go too
            try:
                store.delete(name)
            except Exception:  # noqa: BLE001 - the original error matters more
                current_app.logger.warning("a restored upload could not be removed again")
        raise
    finally:
        engine.dispose()
    if force:
        kept = set(archive.uploads())
        for name in store.names():
            if name not in kept:
                store.delete(name)
    return Restored(archive.revision, head, rows, len(written))


def _revision(connection) -> str | None:
    return connection.scalar(sa.text("SELECT version_num FROM alembic_version"))


def _pragma(connection, setting: str) -> None:
    """Outside any transaction (SQLite ignores some pragmas inside one)."""
    raw = connection.connection.driver_connection
    # An open connection always has its driver's.
    assert raw is not None  # nosec B101
    raw.execute(f"PRAGMA {setting}")


def _refuse_unless_empty(connection, store, force: bool) -> None:
    if force:
        return
    held = holdings(connection)
    if held:
        listed = ", ".join(f"{name}: {count}" for name, count in sorted(held.items())[:5])
        raise BackupError(
            f"the database is not empty ({listed}). Restore into an empty database, or pass "
            "--force to replace everything in it."
        )
    if store.names():
        raise BackupError(
            "the upload store is not empty. Restore into an empty one, or pass --force to "
            "replace everything in it."
        )


def _drop_everything(connection) -> None:
    metadata = _reflect(connection)
    metadata.drop_all(connection)
