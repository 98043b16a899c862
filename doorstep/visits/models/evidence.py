"""Evidence from the visit that the lifecycle's guards check: charges, consents, signature, payment."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChargeLine(models.Model):
    """A charge, always a line of the brand's fee standard at its published price (R-SV-2)."""

    order = models.ForeignKey("orders.WorkOrder", on_delete=models.PROTECT, related_name="charges")
    fee_item = models.ForeignKey("catalog.FeeItem", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField("数量", max_digits=8, decimal_places=2)
    unit_price = models.DecimalField("单价", max_digits=10, decimal_places=2)
    amount = models.DecimalField("金额", max_digits=10, decimal_places=2)
    covered = models.BooleanField("保内免费", default=False)
    note = models.CharField("收费原因", max_length=200, blank=True, default="")  # e.g. the warranty exclusion
    # the reason's catalogue message and parameters (catalog.warranty.explained), so it is shown in the
    # reader's language; the note keeps the Chinese text of the record
    note_detail = models.JSONField("收费原因（消息）", default=dict, blank=True)
    added_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = verbose_name_plural = "收费明细"

    def __str__(self) -> str:
        return f"{self.fee_item_id} × {self.quantity}"

    @property
    def due(self):  # type: ignore[no-untyped-def]
        return 0 if self.covered else self.amount


class Source(models.TextChoices):
    """Who gave a customer-only act and through which channel (R-CO-1, R-SV-2, R-SV-4, R-AN-3, R-AN-6).

    Decided in one place, ``doorstep.visits.consent.channel``; every consent, signature and survey row
    keeps it, with the device the act came from.
    """

    CUSTOMER_LINK = "customer_link", _("客户本人手机（跟踪链接）")
    CUSTOMER_DEVICE = "customer_device", _("工程师设备客户模式（客户本人签名/验证码）")
    PHONE_AGREED = "phone_agreed", _("客户电话同意（员工记录）")
    LEGACY = "legacy", _("来源未记录（早期记录）")


DEVICE_MAX = 200


class Consent(models.Model):
    class Kind(models.TextChoices):
        TAKE_BACK = "take_back", _("同意拉回维修")  # R-AN-6
        DATA_BACKUP = "data_backup", _("数据备份确认")  # R-SV-4
        OPEN_CASING = "open_casing", _("同意开机壳")  # R-SV-4
        QUOTE = "quote", _("同意报价")  # R-SV-2
        CANNIBALISE = "cannibalise", _("同意拆机取件")  # R-AN-3
        INSTALL_ACCEPTANCE = "install_acceptance", _("安装验收（验收卡）")  # R-CO-6

    order = models.ForeignKey("orders.WorkOrder", on_delete=models.PROTECT, related_name="consents")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    given_by = models.CharField("同意人", max_length=50)
    note = models.CharField("说明", max_length=300, blank=True)
    at = models.DateTimeField("时间")
    source = models.CharField("来源", max_length=20, choices=Source.choices)
    recorded_by = models.ForeignKey(
        "network.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="记录人",
    )  # the staff member who recorded a phone agreement, or whose phone the customer used
    device = models.CharField("设备", max_length=DEVICE_MAX, blank=True)
    mark = models.TextField("客户手写签名（PNG data URL）", blank=True)  # customer mode: drawn there (R-SV-4)

    class Meta:
        verbose_name = verbose_name_plural = "客户同意"

    def __str__(self) -> str:
        return f"{self.kind} {self.given_by}"


class Signature(models.Model):
    """The customer's signature, the mark of completion (R-CO-1). Never captured in technician mode.

    One per completion: a reopened order (R-QA-1) is signed again after the return visit; the signature
    of the current completion is ``consent.signature.current_signature``."""

    class Method(models.TextChoices):
        CUSTOMER_LINK = "customer_link", _("客户本人手机（签名链接）")
        CUSTOMER_MODE_CODE = "customer_mode_code", _("工程师设备客户模式（短信验证码）")

    order = models.ForeignKey("orders.WorkOrder", on_delete=models.PROTECT, related_name="signatures")
    method = models.CharField("方式", max_length=30, choices=Method.choices)
    signer_name = models.CharField("签字人", max_length=50)
    image = models.TextField("签名图像（PNG data URL）")
    opinion = models.CharField("客户意见", max_length=300, blank=True)  # R-CO-4
    at = models.DateTimeField("时间")
    source = models.CharField("来源", max_length=20, choices=Source.choices)
    recorded_by = models.ForeignKey(
        "network.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="设备持有人",
    )  # customer mode: the technician whose phone the customer signed on
    device = models.CharField("设备", max_length=DEVICE_MAX, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "客户签字"

    def __str__(self) -> str:
        return f"{self.signer_name} ({self.method})"


class Payment(models.Model):
    class Method(models.TextChoices):
        WECHAT = "wechat", _("微信支付")
        ALIPAY = "alipay", _("支付宝")
        CASH = "cash", _("现金")
        TRANSFER = "transfer", _("转账")  # to the outlet's account: recorded with its reference, like cash
        FREE = "free", _("免费（保内）")

    order = models.OneToOneField("orders.WorkOrder", on_delete=models.PROTECT, related_name="payment")
    method = models.CharField("方式", max_length=20, choices=Method.choices)
    amount = models.DecimalField("金额", max_digits=10, decimal_places=2)
    receipt_no = models.CharField("收据/交易号", max_length=60)
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = verbose_name_plural = "收款"

    def __str__(self) -> str:
        return f"{self.method} ¥{self.amount}"


class PaymentIntent(models.Model):
    """One attempt to collect an electronic payment, written and committed before the provider is called
    (R-CO-2). ``Payment`` is the order's one receipt (one per order, what the lifecycle and the report
    read); an intent is one try at a provider, several per order (a failed try, a retry, another method),
    so the money taken by a charge that no move recorded stays visible until it is applied or refunded.

    pending → charged → applied; pending → failed (the provider refused: nothing was taken);
    charged → needs_refund (the order was paid otherwise, so this charge can never be applied);
    applied / charged / needs_refund → refunding (the provider accepted the refund: WeChat Pay's refunds are
    asynchronous) → refunded (its verified refund notification or query says SUCCESS) or refund_failed
    (ABNORMAL / CLOSED: the desk handles it); Alipay's refund is synchronous: straight to refunded.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("待扣款")  # written, provider not answered yet (or the answer was lost)
        CHARGED = "charged", _("已扣款，未入账")
        APPLIED = "applied", _("已入账")
        FAILED = "failed", _("扣款失败")
        NEEDS_REFUND = "needs_refund", _("需退款")
        REFUNDED = "refunded", _("已退款")
        REFUNDING = "refunding", _("退款处理中")  # accepted by the provider, not confirmed yet
        REFUND_FAILED = "refund_failed", _("退款异常")  # the provider's refund ended ABNORMAL or CLOSED

    OPEN = (State.PENDING, State.CHARGED)

    order = models.ForeignKey("orders.WorkOrder", on_delete=models.PROTECT, related_name="payment_intents")
    method = models.CharField("方式", max_length=20, choices=Payment.Method.choices)
    amount = models.DecimalField("金额", max_digits=10, decimal_places=2)
    quote_version = models.PositiveIntegerField("报价版本")
    key = models.CharField("商户订单号", max_length=32, unique=True)  # sent as out_trade_no: idempotent
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.PENDING)
    provider = models.CharField("支付渠道", max_length=40, blank=True)
    transaction_id = models.CharField("交易号", max_length=60, blank=True)
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="intent"
    )
    last_error = models.TextField("最近错误", blank=True)
    created_at = models.DateTimeField("创建时间")
    updated_at = models.DateTimeField("更新时间")
    charged_at = models.DateTimeField("扣款时间", null=True, blank=True)
    applied_at = models.DateTimeField("入账时间", null=True, blank=True)
    # a live provider: the code the customer scans (WeChat Native code_url, Alipay qr_code) or the H5 link;
    # the order is paid only when the provider's verified notification (or a verified query) says so
    pay_url = models.CharField("支付链接", max_length=500, blank=True)
    refund_no = models.CharField("退款单号", max_length=64, blank=True)
    refund_reason = models.CharField("退款原因", max_length=200, blank=True)
    refunded_at = models.DateTimeField("退款时间", null=True, blank=True)
    refund_id = models.CharField("渠道退款单号", max_length=64, blank=True)
    refund_by = models.CharField("退款经办人", max_length=100, blank=True)
    refund_asked_at = models.DateTimeField("退款申请时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "收款意图"
        constraints = [
            # one open try per order, quote and method: a double tap reuses it instead of charging twice
            models.UniqueConstraint(
                fields=["order", "quote_version", "method"],
                condition=models.Q(state__in=["pending", "charged"]),
                name="payment_intent_one_open",
            ),
            # a provider's transaction is recorded on one intent only: never applied twice (R-CO-2)
            models.UniqueConstraint(
                fields=["provider", "transaction_id"],
                condition=~models.Q(transaction_id=""),
                name="payment_transaction_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.method} ¥{self.amount} {self.state}"


class PaymentNotice(models.Model):
    """Every notification a payment provider posted (R-CO-2), accepted or not: the log of rejections
    (bad signature, amount not the quote, unknown order, replay) that the desk can read."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("已入账")
        DUPLICATE = "duplicate", _("重复通知（未改变任何内容）")
        REJECTED = "rejected", _("已拒绝")

    provider = models.CharField("支付渠道", max_length=20)
    at = models.DateTimeField("接收时间")
    outcome = models.CharField("结果", max_length=20, choices=Outcome.choices)
    reason = models.CharField("原因", max_length=200, blank=True)
    key = models.CharField("商户订单号", max_length=64, blank=True)
    transaction_id = models.CharField("交易号", max_length=64, blank=True)
    amount = models.CharField("通知金额", max_length=20, blank=True)
    body = models.TextField("原文（截断）", blank=True)
    client = models.CharField("来源地址", max_length=64, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "支付通知"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.provider} {self.key} {self.outcome} {self.reason}"


class StatementDiff(models.Model):
    """One difference found by the daily reconciliation of a provider's statement against the intents."""

    class Kind(models.TextChoices):
        MISSING_HERE = "missing_here", _("渠道有交易，系统无入账")
        MISSING_THERE = "missing_there", _("系统已入账，渠道账单无此交易")
        AMOUNT = "amount", _("金额不一致")
        STATE = "state", _("状态不一致")

    provider = models.CharField("支付渠道", max_length=20)
    bill_date = models.DateField("账单日期")
    kind = models.CharField("差异", max_length=20, choices=Kind.choices)
    key = models.CharField("商户订单号", max_length=64, blank=True)
    transaction_id = models.CharField("交易号", max_length=64, blank=True)
    ours = models.CharField("系统记录", max_length=100, blank=True)
    theirs = models.CharField("渠道账单", max_length=100, blank=True)
    found_at = models.DateTimeField("发现时间")

    class Meta:
        verbose_name = verbose_name_plural = "对账差异"
        ordering = ["-bill_date", "provider", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "bill_date", "kind", "key", "transaction_id"], name="statement_diff_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.bill_date} {self.kind} {self.key}"
