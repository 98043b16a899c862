"""The notification outbox: one row per message to send, written in the transaction of its cause.

A :class:`Message` is written in the same transaction as the domain event that causes it (never sent
from inside a request) and delivered by the background worker (``doorstep.notify.outbox``). Its key
(order, template, recipient, occasion) is unique, so an event processed twice queues one message.
Every attempt, provider answer and delivery-status callback is a :class:`Receipt` of its message.

This app knows no order, customer or centre model (it sits below them): an order is named by its id and
number, a centre by its code; the layers above decide what is sent and read the rows back.
"""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.core.models import ChoiceLabels


def _key() -> str:
    return uuid.uuid4().hex


def _secret() -> str:
    return secrets.token_hex(32)


class Channel(models.TextChoices):
    SMS = "sms", _("短信")
    WECHAT = "wechat", _("微信服务号")
    WEBHOOK = "webhook", _("合作方回调")


class State(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("发送失败（不重试）")  # the provider refused it for good (invalid number …)
    DEAD = "dead", _("多次失败，已停止重试")  # dead letter: retries exhausted, staff must look


OPEN_STATES = (State.QUEUED, State.SENDING)
STUCK_STATES = (State.FAILED, State.DEAD)


class Message(ChoiceLabels, models.Model):
    """One message (SMS, WeChat template message or partner webhook) and where its delivery stands."""

    order_id = models.BigIntegerField("工单ID", null=True, blank=True, db_index=True)
    order_number = models.CharField("工单号", max_length=30, blank=True)
    template = models.CharField("模板", max_length=40)
    recipient = models.CharField("接收方", max_length=200)  # the customer's phone, or a webhook endpoint
    occasion = models.CharField("事由", max_length=60)  # what caused it, e.g. the order event "event:17"
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    to_phone = models.CharField("手机", max_length=20, blank=True)
    to_openid = models.CharField("OpenID", max_length=64, blank=True)
    to_url = models.CharField("回调地址", max_length=300, blank=True)
    centre = models.CharField("服务中心", max_length=20, blank=True)  # its code: signature and templates
    urgent = models.BooleanField("紧急（不受免打扰时段限制）", default=False)
    quiet_from = models.TimeField("免打扰开始", null=True, blank=True)
    quiet_until = models.TimeField("免打扰结束", null=True, blank=True)
    params = models.JSONField("模板参数", default=dict, blank=True)
    text = models.TextField("内容")
    link = models.CharField("链接", max_length=300, blank=True)
    rule = models.CharField("规范条款", max_length=20, blank=True)
    key = models.CharField("幂等键", max_length=32, default=_key, unique=True)  # sent to the provider
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    next_at = models.DateTimeField("下次发送", db_index=True)
    lease_until = models.DateTimeField("占用至", null=True, blank=True)
    lease_owner = models.CharField("占用进程", max_length=64, blank=True)
    provider = models.CharField("服务商", max_length=20, blank=True)
    provider_ref = models.CharField("服务商消息号", max_length=100, blank=True, db_index=True)
    last_error = models.CharField("最近错误", max_length=300, blank=True)
    desk_told = models.BooleanField("已通知客服", default=False)
    created_at = models.DateTimeField("创建时间")
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "通知消息"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order_number", "template", "recipient", "occasion"], name="notify_message_once"
            )
        ]
        indexes = [models.Index(fields=["state", "next_at"], name="notify_due_idx")]

    def __str__(self) -> str:
        return f"{self.order_number} {self.template} → {self.recipient} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def shown_text(self) -> str:
        """The text as staff and the record show it: the customer's own secret (``link``: a signed tracking
        or survey link, or the one-time signing code) goes to their phone only, never onto what staff read
        (R-CO-1)."""
        if not self.link:
            return self.text
        return self.text.replace(self.link, "〔链接〕" if "://" in self.link else "〔验证码〕")


class Receipt(models.Model):
    """One thing that happened to a message: an attempt's answer, a retry planned, a status callback."""

    class Kind(models.TextChoices):
        SENT = "sent", _("服务商已受理")
        RETRY = "retry", _("发送失败，稍后重试")
        FAILOVER = "failover", _("切换服务商")
        FAILED = "failed", _("发送失败（不重试）")
        DEAD = "dead", _("多次失败，已停止重试")
        DELIVERED = "delivered", _("用户已收到")
        UNDELIVERED = "undelivered", _("未能送达")
        DEFERRED = "deferred", _("免打扰时段，顺延发送")

    # no database constraint: messages are partitioned by month on PostgreSQL (core.partitions), and a
    # foreign key cannot point into such a table; receipts are archived with their message
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="receipts", db_constraint=False
    )
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    provider = models.CharField("服务商", max_length=20, blank=True)
    code = models.CharField("返回码", max_length=80, blank=True)
    detail = models.CharField("说明", max_length=300, blank=True)
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = verbose_name_plural = "发送回执"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.message_id} {self.kind} {self.code}"


class Contact(models.Model):
    """How a customer (by phone) prefers to be told: WeChat when they follow the service account."""

    phone = models.CharField("手机（E.164）", max_length=20, unique=True)
    wechat_openid = models.CharField("OpenID", max_length=64, blank=True)
    follows_account = models.BooleanField("已关注服务号", default=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "客户通知偏好"

    def __str__(self) -> str:
        return self.phone

    @property
    def prefers_wechat(self) -> bool:
        return bool(self.follows_account and self.wechat_openid)


class WebhookEndpoint(models.Model):
    """A partner's URL told of its orders' status changes, signed with the endpoint's own secret (HMAC)."""

    name = models.CharField("名称", max_length=60)
    partner_ref = models.CharField("合作方", max_length=60, db_index=True)  # who receives (e.g. partner id)
    url = models.URLField("回调地址", max_length=300)
    secret = models.CharField(
        "签名密钥", max_length=128, default=_secret
    )  # generated; shown to staff once set
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "合作方回调地址"

    def __str__(self) -> str:
        return f"{self.name} {self.url}"
