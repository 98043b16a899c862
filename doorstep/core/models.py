from typing import Any

from django.db import models
from django.utils.hashable import make_hashable
from django.utils.translation import get_language

_LABELS: dict[tuple[Any, str | None], dict[Any, str]] = {}


def choice_labels(field: Any) -> dict[Any, str]:
    """A choices field's labels in the active language, built once per field and language.

    Django's own ``get_FOO_display`` rebuilds the whole choices dict on every call, hashing (and so
    translating) every lazy label: a page of a few hundred orders spent ~10,000 translations on its status
    badges alone (the dispatcher board, docs/benchmarks.md "Pages at 100k open orders")."""
    language = get_language()
    labels = _LABELS.get((field, language))
    if labels is None:
        labels = {make_hashable(value): str(label) for value, label in field.flatchoices}
        _LABELS[(field, language)] = labels
    return labels


class ChoiceLabels:
    """Model mixin: every ``get_FOO_display`` reads :func:`choice_labels` (same answer, no rebuild)."""

    def _get_FIELD_display(self, field: Any) -> Any:
        value = getattr(self, field.attname)
        return choice_labels(field).get(make_hashable(value), value)


class TimeStamped(ChoiceLabels, models.Model):
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


class WorkerBeat(models.Model):
    """A background worker's heartbeat: a task it left RUNNING is orphaned once its beat is stale."""

    worker_id = models.CharField("工作进程", max_length=64, primary_key=True)
    pid = models.PositiveIntegerField("进程号", default=0)
    host = models.CharField("主机", max_length=100, blank=True)
    started_at = models.DateTimeField("启动时间")
    beat_at = models.DateTimeField("最近心跳", db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "后台进程心跳"

    def __str__(self) -> str:
        return f"{self.worker_id} @ {self.host}:{self.pid}"


class ArchivedMonth(models.Model):
    """A month of a big table moved out of the database (doorstep.core.partitions): where its files are."""

    table = models.CharField("数据表", max_length=63)
    month = models.DateField("月份")  # the first day of the month, service time zone
    rows = models.PositiveBigIntegerField("行数", null=True, blank=True)  # empty while the copy is under way
    folder = models.CharField("归档目录", max_length=300, blank=True)
    files = models.JSONField("文件（SHA-256）", default=dict, blank=True)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "已归档月份"
        constraints = [models.UniqueConstraint(fields=["table", "month"], name="archived_month_once")]

    def __str__(self) -> str:
        return f"{self.table} {self.month:%Y-%m}"


class MasterDataVersion(models.Model):
    """One row: a token rewritten by every save or delete of the master data a process keeps in memory
    (doorstep.core.masterdata). A process drops its copy when the token it reads differs."""

    token = models.CharField("版本标记", max_length=32)

    class Meta:
        verbose_name = verbose_name_plural = "主数据版本"

    def __str__(self) -> str:
        return self.token
