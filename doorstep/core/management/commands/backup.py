"""``manage.py backup [--into DIR]``: a backup set of the database and the media (doorstep/core/backup.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from doorstep.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "备份数据库与上传文件（照片、签字、文件）到一个带校验的备份集。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--into", default="var/backups", help="备份集所在目录（默认 var/backups）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            folder = backup(options["into"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(folder))
