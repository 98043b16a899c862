"""Intake channels (R-IN-1): what arrived, from where, and which order it became.

Every channel ends in ``doorstep.orders.intake.order_create``; these tables only keep the channel's own
facts — the raw inbound message, the form token of a self-booking, the partner's order reference and its
delivery list, the report of a bulk import — so a repeated delivery never creates a second order.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class WeChatAccount(models.Model):
    """A brand's WeChat official account (公众号): the server token verifies every callback."""

    brand = models.OneToOneField("network.Brand", on_delete=models.CASCADE, related_name="wechat_account")
    app_id = models.CharField("AppID", max_length=40)
    original_id = models.CharField("原始ID", max_length=40, blank=True, help_text="gh_ 开头，回复消息时使用")
    token = models.CharField("令牌 (Token)", max_length=64, help_text="与公众号后台“服务器配置”一致")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "微信公众号"

    def __str__(self) -> str:
        return f"{self.brand} {self.app_id}"


class InboundMessage(models.Model):
    """One message as received (raw body kept); a repeated delivery of the same id is answered the same."""

    class Outcome(models.TextChoices):
        CREATED = "created", "已建单"
        LINKED = "linked", "已关联工单"
        NEED_PHONE = "need_phone", "缺少电话，未建单"
        REJECTED = "rejected", "无法建单"
        IGNORED = "ignored", "非文字消息"

    channel = models.CharField("渠道", max_length=20, default="wechat")
    account = models.ForeignKey(WeChatAccount, on_delete=models.PROTECT, null=True, related_name="messages")
    external_id = models.CharField("消息ID", max_length=80)
    openid = models.CharField("OpenID", max_length=64, db_index=True)
    raw_body = models.TextField("原始报文")
    parsed = models.JSONField("解析结果", default=dict, blank=True)
    order = models.ForeignKey(
        "orders.WorkOrder", on_delete=models.PROTECT, null=True, blank=True, related_name="inbound_messages"
    )
    outcome = models.CharField("处理结果", max_length=20, choices=Outcome.choices)
    reply = models.TextField("回复内容", blank=True)
    received_at = models.DateTimeField("接收时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "渠道来信"
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="inbound_message_once"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"


class WeChatNonce(models.Model):
    """A signed callback's (timestamp, nonce), accepted once: the signature covers only the token, the
    timestamp and the nonce — not the body — so a captured callback URL could otherwise carry any message
    while its timestamp is fresh. Kept in the database (a unique constraint holds across every web
    process and server, where a per-process cache would not) and pruned once outside the window."""

    account = models.ForeignKey(WeChatAccount, on_delete=models.CASCADE, related_name="+")
    timestamp = models.CharField(max_length=20)
    nonce = models.CharField(max_length=64)
    external_id = models.CharField("消息ID", max_length=80, help_text="同一消息的重发（同一 nonce）照常答复")
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "微信回调 nonce"
        constraints = [
            models.UniqueConstraint(fields=["account", "timestamp", "nonce"], name="wechat_nonce_once"),
        ]

    def __str__(self) -> str:
        return f"{self.timestamp}:{self.nonce}"


class BookingSubmission(models.Model):
    """A self-booking form token: the same form submitted twice is still one order."""

    form_token = models.UUIDField("表单令牌", unique=True)
    order = models.ForeignKey("orders.WorkOrder", on_delete=models.PROTECT, related_name="+")
    product_line = models.ForeignKey("catalog.ProductLine", on_delete=models.PROTECT, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "自助报单"

    def __str__(self) -> str:
        return str(self.form_token)


class PartnerAccount(models.Model):
    """A retailer or partner system pushing orders for one brand; only its token's SHA-256 is stored."""

    brand = models.ForeignKey("network.Brand", on_delete=models.CASCADE, related_name="partners")
    code = models.SlugField("代码", unique=True)
    name = models.CharField("合作方", max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "合作方"

    def __str__(self) -> str:
        return self.name

    @classmethod
    def issue(
        cls, *, brand: object, code: str, name: str, key: str | None = None
    ) -> tuple[PartnerAccount, str]:
        key = key or secrets.token_urlsafe(32)
        return cls.objects.create(brand=brand, code=code, name=name, digest=token_digest(key)), key

    @classmethod
    def lookup(cls, key: str) -> PartnerAccount | None:
        return cls.objects.select_related("brand").filter(digest=token_digest(key), active=True).first()


class PartnerOrder(models.Model):
    """The partner's order reference: a retry with the same reference returns the same work order."""

    partner = models.ForeignKey(PartnerAccount, on_delete=models.PROTECT, related_name="orders")
    external_ref = models.CharField("合作方单号", max_length=80)
    order = models.ForeignKey("orders.WorkOrder", on_delete=models.PROTECT, related_name="partner_refs")
    outcome = models.CharField("受理结果", max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "合作方订单"
        constraints = [
            models.UniqueConstraint(fields=["partner", "external_ref"], name="partner_ref_once"),
        ]

    def __str__(self) -> str:
        return f"{self.partner.code}:{self.external_ref}"


class DeliveryItem(models.Model):
    """Goods the retailer delivered with an installation order (counted on site later, R-CO-6)."""

    order = models.ForeignKey("orders.WorkOrder", on_delete=models.CASCADE, related_name="delivery_items")
    partner_order = models.ForeignKey(PartnerOrder, on_delete=models.CASCADE, related_name="items")
    sku = models.CharField("SKU", max_length=60, blank=True)
    name = models.CharField("品名", max_length=120)
    quantity = models.PositiveIntegerField("数量", default=1)

    class Meta:
        verbose_name = verbose_name_plural = "送货清单"

    def __str__(self) -> str:
        return f"{self.name} ×{self.quantity}"


class ImportBatch(models.Model):
    """One uploaded spreadsheet and its per-row report (kept for the CSV download)."""

    centre = models.ForeignKey("network.ServiceCentre", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField("文件名", max_length=200)
    digest = models.CharField("文件摘要", max_length=64)
    rows = models.JSONField("逐行结果", default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "批量导入"

    def __str__(self) -> str:
        return self.filename
