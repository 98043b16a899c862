"""``manage.py restore SET --yes``: put a backup set back (doorstep/core/backup.py). Replaces the database
and the media folder; the set is checked against its manifest before anything is touched."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from doorstep.core.backup import BackupError, check, restore


class Command(BaseCommand):
    help = "从备份集恢复数据库与上传文件（会覆盖现有数据）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("set", help="备份集目录（backup 命令输出的路径）")
        parser.add_argument("--yes", action="store_true", help="确认覆盖现有数据库与上传文件")
        parser.add_argument("--check", action="store_true", help="只校验备份集，不恢复")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["check"]:
                manifest = check(options["set"])
                self.stdout.write(f"ok: {manifest['engine']} backup of {manifest['created_at']}")
                return
            if not options["yes"]:
                raise CommandError("restore replaces the database and the media folder: add --yes to go on")
            manifest = restore(options["set"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"restored: {manifest['engine']} backup of {manifest['created_at']}")
