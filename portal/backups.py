"""Backups and restores of the whole database."""

import os
import shutil
import sqlite3

# pg_dump and psql run with an argument list from the configuration, never through a shell.
import subprocess  # nosec B404

from portal.extensions import db


def _sqlite_path() -> str | None:
    url = db.engine.url
    return url.database if url.get_backend_name() == "sqlite" else None


def _pg_args() -> tuple[list[str], dict]:
    url = db.engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    args = [
        "-h",
        url.host or "127.0.0.1",
        "-p",
        str(url.port or 5432),
        "-U",
        url.username or "postgres",
    ]
    return [*args, url.database or "postgres"], env


def backup_database(path: str) -> None:
    """SQLite: the online backup API (safe while the portal runs). PostgreSQL: pg_dump."""
    source = _sqlite_path()
    if source is not None:
        with sqlite3.connect(source) as live, sqlite3.connect(path) as copy:
            live.backup(copy)
        return
    args, env = _pg_args()
    command = [shutil.which("pg_dump") or "pg_dump", "--clean", "--if-exists", "--no-owner"]
    subprocess.run([*command, "-f", path, *args], check=True, env=env)  # nosec B603


def restore_database(path: str) -> None:
    """Replace the current data with the backup's."""
    db.session.remove()
    db.engine.dispose()
    target = _sqlite_path()
    if target is not None:
        with sqlite3.connect(path) as copy, sqlite3.connect(target) as live:
            copy.backup(live)
        return
    args, env = _pg_args()
    command = [shutil.which("psql") or "psql", "-q", "-v", "ON_ERROR_STOP=1", "-f", path]
    subprocess.run([*command, *args], check=True, env=env, stdout=subprocess.DEVNULL)  # nosec B603
