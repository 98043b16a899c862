"""Backup and restore: the database and the kept uploads (photos, signatures, documents) as one set.

A backup is a folder ``doorstep-<UTC time>/`` holding ``database.dump`` (``pg_dump --format=custom``) or
``database.sqlite3`` (SQLite's online backup, consistent while the system runs), ``media.tar.gz`` and
``manifest.json`` (engine, the migrations applied, size and SHA-256 of each file). ``restore`` checks the
manifest first — a damaged, truncated or foreign set is refused before anything is touched — then
restores the database (PostgreSQL: the ``public`` schema dropped and recreated, then the dump's SQL from
``pg_restore`` loaded into it by ``psql``, in one transaction: all or nothing) and puts
the media folder back (unpacked beside it, then swapped in). ``scripts/backup`` and ``scripts/restore``
call the management commands of the same names.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
DUMP = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
MEDIA = "media.tar.gz"


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason in words."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _vendor() -> str:
    vendor = connections[DEFAULT_DB_ALIAS].vendor
    if vendor not in DUMP:
        raise BackupError(f"backups are made for PostgreSQL and SQLite, not {vendor}")
    return vendor


def _pg(command: str, *args: str, connect: bool = True) -> list[str]:
    db = connections[DEFAULT_DB_ALIAS].settings_dict
    argv = [command, "--no-password"]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            argv += [flag, str(db[key])]
    return [*argv, *args, *(["--dbname", db["NAME"]] if connect else [])]


def _pg_env() -> dict[str, str]:
    password = connections[DEFAULT_DB_ALIAS].settings_dict.get("PASSWORD")
    return {**os.environ, **({"PGPASSWORD": password} if password else {})}


def _run(argv: list[str]) -> None:
    try:
        done = subprocess.run(argv, env=_pg_env(), capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise BackupError(f"{argv[0]} is not installed (Debian: postgresql-client)") from error
    if done.returncode:
        raise BackupError(f"{argv[0]} failed: {done.stderr.strip()[-500:]}")


def _applied_migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connections[DEFAULT_DB_ALIAS]).applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


def backup(into: Path | str) -> Path:
    """Write a backup set into a new folder under ``into``; returns that folder."""
    vendor = _vendor()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = Path(into) / f"doorstep-{stamp}"
    target.mkdir(parents=True, exist_ok=False)
    try:
        dump = target / DUMP[vendor]
        if vendor == "postgresql":
            _run(_pg("pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(dump)))
        else:
            connection = connections[DEFAULT_DB_ALIAS]
            connection.ensure_connection()
            with sqlite3.connect(dump) as copy:
                connection.connection.backup(copy)  # type: ignore[union-attr]
            copy.close()
        media_root = Path(settings.MEDIA_ROOT)
        with tarfile.open(target / MEDIA, "w:gz") as archive:
            if media_root.exists():
                archive.add(media_root, arcname="media")
        files = {p.name: {"bytes": p.stat().st_size, "sha256": _sha256(p)} for p in (dump, target / MEDIA)}
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "engine": vendor,
            "migrations": _applied_migrations(),
            "files": files,
        }
        (target / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)  # no half-written set is left to be trusted later
        raise
    return target


def check(source: Path | str) -> dict[str, Any]:
    """The manifest of a complete, undamaged set made for this database's engine (else BackupError)."""
    folder = Path(source)
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{folder} is not a backup set: manifest.json missing or unreadable") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r} is not {FORMAT}")
    if manifest.get("engine") != _vendor():
        raise BackupError(f"the set is a {manifest.get('engine')} backup; this database is {_vendor()}")
    for name, expected in manifest.get("files", {}).items():
        path = folder / name
        if (
            not path.is_file()
            or path.stat().st_size != expected["bytes"]
            or _sha256(path) != expected["sha256"]
        ):
            raise BackupError(f"{name} is missing or damaged (size or SHA-256 differs from the manifest)")
    if set(manifest.get("files", {})) != {DUMP[_vendor()], MEDIA}:
        raise BackupError("the set does not hold both the database and the media archive")
    return manifest


def _public_schema_sql() -> str:
    """SQL that empties the ``public`` schema by dropping and recreating it with its owner and grants.

    ``pg_restore --clean`` drops object by object and fails on a partitioned table: a partition's primary
    key is inherited from its parent's and cannot be dropped alone. Dropping the schema drops everything
    the dump will put back (tables, partitions, sequences, functions) in one statement."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(pg_get_userbyid(nspowner)) FROM pg_namespace WHERE nspname = 'public'"
        )
        row = cursor.fetchone()
        cursor.execute(
            "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END,"
            " a.privilege_type, a.is_grantable"
            " FROM pg_namespace n, aclexplode(n.nspacl) a"
            " WHERE n.nspname = 'public' AND a.grantee <> n.nspowner ORDER BY 1, 2"
        )
        grants = cursor.fetchall()
    statements = ["DROP SCHEMA IF EXISTS public CASCADE;", "CREATE SCHEMA public;"]
    if row:  # the schema's owner and privileges as before (PostgreSQL 15: pg_database_owner, USAGE to all)
        statements.append(f"ALTER SCHEMA public OWNER TO {row[0]};")
        statements += [
            f"GRANT {privilege} ON SCHEMA public TO {grantee}{' WITH GRANT OPTION' if grantable else ''};"
            for grantee, privilege, grantable in grants
        ]
    else:  # no public schema before: as a new database has it
        statements.append("GRANT USAGE ON SCHEMA public TO PUBLIC;")
    return "\n".join(statements) + "\n"


def _restore_postgres(dump: Path) -> None:
    """Replace the ``public`` schema by the dump's, all or nothing.

    One psql session: ``BEGIN``, the schema dropped and recreated, then the SQL of ``pg_restore -f -``
    streamed in, and ``COMMIT`` only once pg_restore has finished without error. A failure of either
    (psql stops at the first error, ``ON_ERROR_STOP``) ends the session without a commit, so the
    database is left as it was."""
    preamble = (
        b"BEGIN;\nSET client_min_messages = warning;\n" + _public_schema_sql().encode()
    )  # no notice per dropped table
    connections.close_all()
    psql_argv = _pg("psql", "--quiet", "--no-psqlrc", "--set", "ON_ERROR_STOP=1", "--file", "-")
    sql_argv = _pg(  # pg_restore only writes the dump's SQL to its output: no connection
        "pg_restore",
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--file",
        "-",
        str(dump),
        connect=False,
    )
    for command in ("psql", "pg_restore"):
        if shutil.which(command) is None:
            raise BackupError(f"{command} is not installed (Debian: postgresql-client)")
    env = _pg_env()
    with tempfile.TemporaryFile() as psql_err, tempfile.TemporaryFile() as sql_err:
        psql = subprocess.Popen(
            psql_argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_err
        )
        sql = subprocess.Popen(sql_argv, env=env, stdout=subprocess.PIPE, stderr=sql_err)
        assert psql.stdin is not None and sql.stdout is not None
        try:
            psql.stdin.write(preamble)
            shutil.copyfileobj(sql.stdout, psql.stdin, 1 << 16)
            if sql.wait() == 0:
                psql.stdin.write(b"COMMIT;\n")
        except BrokenPipeError:  # psql stopped at an error: its transaction is rolled back
            pass
        finally:
            if sql.poll() is None:  # psql gave up first: pg_restore's output is no longer read
                sql.kill()
            sql.wait()
            with contextlib.suppress(BrokenPipeError):
                psql.stdin.close()  # without COMMIT the session ends and its transaction is rolled back
            psql.wait()
        # pg_restore's own failure first, unless it was only stopped because psql had failed
        for command, process, err in (("pg_restore", sql, sql_err), ("psql", psql, psql_err)):
            if process.returncode and not (command == "pg_restore" and psql.returncode):
                err.seek(0)
                message = err.read().decode(errors="replace").strip()[-500:]
                raise BackupError(f"{command} failed: {message}")


def restore(source: Path | str) -> dict[str, Any]:
    """Put a backup set back: the database, then the media folder. Checked before anything is touched."""
    folder = Path(source)
    manifest = check(folder)
    vendor = manifest["engine"]
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=media_root.parent))
    try:
        with tarfile.open(folder / MEDIA, "r:gz") as archive:
            archive.extractall(staging, filter="data")  # no absolute paths, links out or devices
        connections.close_all()
        if vendor == "postgresql":
            _restore_postgres(folder / DUMP[vendor])
        else:
            connection = connections[DEFAULT_DB_ALIAS]
            connection.ensure_connection()
            with sqlite3.connect(folder / DUMP[vendor]) as saved:
                saved.backup(connection.connection)  # type: ignore[arg-type]
            saved.close()
        old = media_root.with_name(media_root.name + ".before-restore")
        shutil.rmtree(old, ignore_errors=True)
        if media_root.exists():
            media_root.rename(old)
        restored = staging / "media"
        if restored.exists():
            restored.rename(media_root)
        else:
            media_root.mkdir()
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest
