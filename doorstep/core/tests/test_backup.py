"""Backup and restore (doorstep/core/backup.py): a set made while the system runs puts back exactly the
database and the media of that moment; a damaged or foreign set is refused with nothing touched. Runs on
the database of the run (SQLite, or PostgreSQL with DATABASE_URL: pg_dump / pg_restore)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from doorstep.core import backup as backup_module
from doorstep.core.backup import MEDIA, BackupError, backup, check, restore
from doorstep.core.models import WorkerBeat

pytestmark = pytest.mark.django_db(transaction=True)


def _beat(worker: str) -> WorkerBeat:
    now = timezone.now()
    return WorkerBeat.objects.create(worker_id=worker, started_at=now - timedelta(hours=1), beat_at=now)


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "srv" / "media"
    (root / "photos").mkdir(parents=True)
    (root / "photos" / "a.jpg").write_bytes(b"\xff\xd8 the photo as taken")
    settings.MEDIA_ROOT = root
    return root


def test_restore_puts_back_the_database_and_the_media_of_the_backup(media: Path, tmp_path: Path) -> None:
    _beat("kept")
    folder = backup(tmp_path / "backups")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["migrations"]["core"] and set(manifest["files"]) >= {MEDIA}

    # what happens after the backup: gone again once restored
    WorkerBeat.objects.filter(worker_id="kept").delete()
    _beat("after")
    (media / "photos" / "a.jpg").write_bytes(b"overwritten")
    (media / "photos" / "b.jpg").write_bytes(b"new")

    restore(folder)
    assert list(WorkerBeat.objects.values_list("worker_id", flat=True)) == ["kept"]
    assert (media / "photos" / "a.jpg").read_bytes() == b"\xff\xd8 the photo as taken"
    assert not (media / "photos" / "b.jpg").exists()
    assert not any(p.name.startswith(".restore-") for p in media.parent.iterdir())  # staging cleaned up


def test_a_damaged_set_is_refused_before_anything_is_touched(media: Path, tmp_path: Path) -> None:
    _beat("kept")
    folder = backup(tmp_path / "backups")
    _beat("after")
    dump = next(p for p in folder.iterdir() if p.name.startswith("database."))
    dump.write_bytes(dump.read_bytes()[:-10])  # truncated in transfer
    with pytest.raises(BackupError, match="damaged"):
        restore(folder)
    assert WorkerBeat.objects.count() == 2  # untouched

    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["engine"] = "oracle"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match="oracle backup"):
        check(folder)
    with pytest.raises(BackupError, match="not a backup set"):
        check(tmp_path)


def test_the_commands(media: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _beat("kept")
    call_command("backup", "--into", str(tmp_path / "b"))
    folder = capsys.readouterr().out.strip()
    call_command("restore", folder, "--check")
    assert capsys.readouterr().out.startswith("ok: ")
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", folder)
    _beat("after")
    call_command("restore", folder, "--yes")
    assert list(WorkerBeat.objects.values_list("worker_id", flat=True)) == ["kept"]


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_dump, pg_restore and psql: PostgreSQL only"
)


def _schema_state() -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspowner::regrole::text, nspacl::text FROM pg_namespace WHERE nspname = 'public'"
        )
        schema = cursor.fetchone()
        cursor.execute(
            "SELECT c.relname, c.relkind, count(i.inhrelid) FROM pg_class c"
            " LEFT JOIN pg_inherits i ON i.inhparent = c.oid"
            " WHERE c.relname IN ('orders_orderevent', 'notify_message') GROUP BY 1, 2 ORDER BY 1"
        )
        return schema, cursor.fetchall()


@postgres_only
def test_restore_puts_back_the_partitioned_tables_and_the_schema_as_it_was(
    media: Path, tmp_path: Path
) -> None:
    """pg_restore --clean cannot drop a partition's inherited primary key: the schema is replaced instead."""
    before = _schema_state()
    assert {kind for _, kind, partitions in before[1] if partitions} == {"p"}  # partitioned, with months
    _beat("kept")
    folder = backup(tmp_path / "backups")
    _beat("after")
    restore(folder)
    assert _schema_state() == before  # same owner and grants on public, same partitions
    assert list(WorkerBeat.objects.values_list("worker_id", flat=True)) == ["kept"]


def _reseal(folder: Path, name: str) -> None:
    """Rewrite the manifest for a changed file, so the set passes the check and fails only in the restore."""
    manifest = json.loads((folder / "manifest.json").read_text())
    path = folder / name
    manifest["files"][name] = {
        "bytes": path.stat().st_size,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))


@postgres_only
def test_a_restore_failing_midway_leaves_the_database_as_it_was(
    media: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _beat("kept")
    folder = backup(tmp_path / "backups")
    _beat("after")

    # the dump unreadable to pg_restore (after the schema was dropped in the open transaction)
    dump = folder / "database.dump"
    good = dump.read_bytes()
    dump.write_bytes(good[: len(good) // 2])
    _reseal(folder, "database.dump")
    with pytest.raises(BackupError, match="pg_restore failed"):
        restore(folder)
    assert WorkerBeat.objects.count() == 2

    # psql stopping at an error after the schema was dropped
    dump.write_bytes(good)
    _reseal(folder, "database.dump")
    schema_sql = backup_module._public_schema_sql
    monkeypatch.setattr(backup_module, "_public_schema_sql", lambda: schema_sql() + "SELECT 1 / 0;\n")
    with pytest.raises(BackupError, match=r"psql failed: .*division by zero"):
        restore(folder)
    assert WorkerBeat.objects.count() == 2
