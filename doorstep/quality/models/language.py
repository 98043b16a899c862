"""Service-language flags and learned dismissals (docs/standard.md §9, R-LG-2).

A :class:`LanguageFlag` is one forbidden phrase found in a text written by staff; a quality manager
confirms it (it counts in the KPIs, R-QA-4) or dismisses it as a false positive, which stores a
:class:`LanguageRule` so the same phrase in the same context is not flagged again.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.quality.language import ContextRule, Hit


class Source(models.TextChoices):
    ORDER_NOTE = "order_note", _("工单备注")
    SMS = "sms", _("短信")
    WECHAT_REPLY = "wechat_reply", _("微信回复")
    CALL_TRANSCRIPT = "call_transcript", _("通话记录")
    EVENT_REASON = "event_reason", _("事件原因")


class LanguageRule(models.Model):
    """A dismissal learned from a reviewer: a ContextRule stored as JSON (R-LG-2)."""

    key = models.CharField("规则编号", max_length=80, unique=True)
    phrase_id = models.CharField("禁语编号", max_length=40, db_index=True)
    rule = models.JSONField("上下文规则")
    created_by = models.ForeignKey(
        "network.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="创建人",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "用语例外规则"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        rule = self.context_rule()
        return f"{self.phrase_id} · {rule.left}□{rule.right}"

    def context_rule(self) -> ContextRule:
        return ContextRule.from_dict(self.rule)


class LanguageFlag(models.Model):
    """One forbidden phrase in one staff text, waiting for (or after) review."""

    class State(models.TextChoices):
        OPEN = "open", "待审核"
        CONFIRMED = "confirmed", "已确认"
        DISMISSED = "dismissed", "已排除"

    order = models.ForeignKey(
        "orders.WorkOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="language_flags",
        verbose_name="工单",
    )
    centre = models.ForeignKey(
        "network.ServiceCentre",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="服务中心",
    )
    source = models.CharField("来源", max_length=20, choices=Source.choices)
    source_ref = models.CharField("来源引用", max_length=100, blank=True)
    excerpt = models.TextField("文本摘录")
    excerpt_start = models.PositiveIntegerField("摘录起点", default=0)
    start = models.PositiveIntegerField("起始位置")
    end = models.PositiveIntegerField("结束位置")
    matched_text = models.CharField("命中文本", max_length=100)
    phrase_id = models.CharField("禁语编号", max_length=40, db_index=True)
    rule_id = models.CharField("规范条款", max_length=20)
    category = models.CharField("类别", max_length=40, blank=True)
    severity = models.CharField("严重程度", max_length=20, blank=True)
    pattern = models.CharField("匹配模式", max_length=100, blank=True)
    suggestions = models.JSONField("建议用语", default=list, blank=True)
    left_context = models.CharField("左侧上下文", max_length=40, blank=True)
    right_context = models.CharField("右侧上下文", max_length=40, blank=True)
    author = models.ForeignKey(
        "network.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="language_flags",
        verbose_name="作者",
    )
    author_role = models.CharField("作者角色", max_length=20, blank=True)
    author_name = models.CharField("作者姓名", max_length=60, blank=True)
    created_at = models.DateTimeField("创建时间", db_index=True)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.OPEN, db_index=True)
    reviewed_by = models.ForeignKey(
        "network.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审核人",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.CharField("审核说明", max_length=300, blank=True)
    dismissal_rule = models.ForeignKey(
        LanguageRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="flags",
        verbose_name="排除规则",
    )

    class Meta:
        verbose_name = verbose_name_plural = "服务用语标记"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["centre", "state", "created_at"], name="langflag_queue")]

    def __str__(self) -> str:
        return f"{self.matched_text}（{self.get_state_display()}）"

    @property
    def excerpt_span(self) -> tuple[int, int]:
        """The hit's position inside :attr:`excerpt` (``start``/``end`` index the full text)."""
        return self.start - self.excerpt_start, self.end - self.excerpt_start

    def as_hit(self) -> Hit:
        """The matcher's view of this flag (what a dismissal learns from)."""
        return Hit(
            self.start,
            self.end,
            self.matched_text,
            self.phrase_id,
            self.rule_id,
            self.category,
            self.severity,
            self.pattern,
            tuple(self.suggestions),
            "",
            self.left_context,
            self.right_context,
        )

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.pk,
            "text": self.matched_text,
            "phrase_id": self.phrase_id,
            "start": self.start,
            "end": self.end,
        }
