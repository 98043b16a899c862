"""The service report (服务报告/维修单) the customer signs and keeps a copy of (R-CO-1, R-CO-2, R-CO-5).

``service_report_pdf(order)`` renders one A4 page (more if the order has many lines) with ReportLab.
Chinese text needs an embeddable CJK TrueType font: ReportLab cannot embed the CFF ("postscript")
outlines of Debian's ``fonts-noto-cjk``, so it is tried first and WenQuanYi Zen Hei (``fonts-wqy-zenhei``)
or AR PL UMing (``fonts-arphic-uming``) are used instead.
"""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from doorstep.core import clock
from doorstep.core.privacy import mask_address, mask_phone
from doorstep.customers.product_link import product_booking_url, product_ref
from doorstep.orders.correction import corrections_of
from doorstep.orders.events import EventKind
from doorstep.orders.models import WorkOrder
from doorstep.orders.tracking import tracking_url
from doorstep.visits.consent.signature import current_signature
from doorstep.visits.models import ChargeLine
from doorstep.visits.selectors import amount_due

# (font file, subfont index in a .ttc), in order of preference.
FONT_CANDIDATES: list[tuple[str, int]] = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # SC; CFF outlines, refused by ReportLab
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
]
FONT_PACKAGE = "fonts-wqy-zenhei"
_UNUSABLE: set[tuple[str, int]] = set()

PAGE_W, PAGE_H = A4
MARGIN = 15 * mm
CONTENT_W = PAGE_W - 2 * MARGIN
GRID = colors.HexColor("#9aa4b1")
SHADE = colors.HexColor("#eef1f5")
DASH = "—"
NO_PROXY_SIGNING = (
    "客户签字为完工确认，须由客户本人签署；工程师不得代客户签字（R-CO-1）。本报告一式两份，客户留存一份。"
)


class CjkFontMissing(RuntimeError):
    """No CJK font ReportLab can embed was found; the message names the Debian package to install."""


def cjk_font() -> str:
    """Register (once) and return the name of the first usable CJK TrueType font."""
    for path, index in FONT_CANDIDATES:
        name = f"{Path(path).stem}-{index}"
        if (path, index) in _UNUSABLE or not Path(path).is_file():
            continue
        if name in pdfmetrics.getRegisteredFontNames():
            return name
        try:
            pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
        except TTFError:  # e.g. Noto CJK's CFF outlines: not embeddable by ReportLab
            _UNUSABLE.add((path, index))
            continue
        return name
    searched = "、".join(path for path, _index in FONT_CANDIDATES)
    raise CjkFontMissing(
        f"未找到可嵌入 PDF 的中文字体，无法生成服务报告。请安装 Debian 软件包 {FONT_PACKAGE}"
        f"（apt-get install {FONT_PACKAGE}）。已查找：{searched}。"
        f" / No embeddable CJK TrueType font found; install the Debian package {FONT_PACKAGE}."
    )


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font, fontSize=9, leading=12.5, wordWrap="CJK")
    return {
        "body": base,
        "label": ParagraphStyle("label", parent=base, textColor=colors.HexColor("#3a4654")),
        "head": ParagraphStyle("head", parent=base, fontSize=9.5, textColor=colors.white),
        "num": ParagraphStyle("num", parent=base, alignment=TA_RIGHT),
        "section": ParagraphStyle(
            "section", parent=base, fontSize=11, leading=15, spaceBefore=5, spaceAfter=3, keepWithNext=1
        ),
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=24, alignment=TA_CENTER),
        "brand": ParagraphStyle("brand", parent=base, fontSize=11, leading=15, alignment=TA_CENTER),
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=10),
    }


# --- small value formatters -------------------------------------------------------------------------------


def _when(dt: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return clock.local(dt).strftime(fmt) if dt else DASH


def _money(value: Decimal | int) -> str:
    return f"¥{Decimal(value):,.2f}"


def _qty(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _esc(text: object) -> str:
    """Paragraph text is mini-HTML: escape what the customer or technician typed."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") or DASH


def _related(obj: Any, name: str) -> Any:
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def _event_at(order: WorkOrder, kind: EventKind) -> datetime | None:
    event = order.events.filter(kind=kind).order_by("-seq").first()
    return event.at if event else None


# --- blocks -----------------------------------------------------------------------------------------------


def _qr(url: str, size: float = 26 * mm) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def _header(order: WorkOrder, st: dict[str, ParagraphStyle]) -> Table:
    brand = order.brand
    middle = [
        Paragraph(f"{_esc(brand.name)} · 售后服务", st["brand"]),
        Paragraph("服务报告（维修单）", st["title"]),
        Paragraph(f"服务/监督热线：{_esc(brand.hotline)}　　客户联", st["brand"]),
    ]
    left = [Paragraph("工单号", st["label"]), Paragraph(_esc(order.number), st["section"])]
    right = _codes(order, st)
    table = Table([[left, middle, right]], colWidths=[38 * mm, CONTENT_W - 38 * mm - 56 * mm, 56 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, 0), 1.2, colors.HexColor("#1f3b5a")),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _kv_rows(pairs: Sequence[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Two label/value pairs a row; a value marked with a leading ``|`` takes a whole row."""
    rows: list[list[tuple[str, str]]] = []
    for label, value in pairs:
        wide = value.startswith("|")
        if wide or not rows or len(rows[-1]) == 2 or rows[-1][0][1].startswith("|"):
            rows.append([])
        rows[-1].append((label, value))
    return rows


def _kv_table(pairs: Sequence[tuple[str, str]], st: dict[str, ParagraphStyle]) -> Table:
    data: list[list[Any]] = []
    style: list[tuple[Any, ...]] = []
    for r, row in enumerate(_kv_rows(pairs)):
        cells: list[Any] = []
        for c, (label, value) in enumerate(row):
            cells += [Paragraph(label, st["label"]), Paragraph(_esc(value.removeprefix("|")), st["body"])]
            style.append(("BACKGROUND", (2 * c, r), (2 * c, r), SHADE))
        if row[0][1].startswith("|"):
            style.append(("SPAN", (1, r), (3, r)))
        data.append(cells + [""] * (4 - len(cells)))
    widths = [22 * mm, CONTENT_W / 2 - 22 * mm] * 2
    return _grid(Table(data, colWidths=widths), style)


def _grid(table: Table, extra: Sequence[tuple[Any, ...]] = ()) -> Table:
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
                *extra,
            ]
        )
    )
    return table


def _order_pairs(order: WorkOrder) -> list[tuple[str, str]]:
    window = DASH
    if order.window_start and order.window_end:
        window = f"{_when(order.window_start)}–{_when(order.window_end, '%H:%M')}"
    signature = current_signature(order)
    finished = _event_at(order, EventKind.COMPLETE) or (signature.at if signature else None)
    return [
        ("服务类型", order.get_service_type_display()),
        ("服务结果", order.get_status_display()),
        ("受理时间", _when(order.created_at)),
        ("预约时间", window),
        ("到达时间", _when(_event_at(order, EventKind.ARRIVE))),
        ("完工时间", _when(finished)),
        ("客户要求", "|" + (order.requirement or DASH)),
    ]


def _customer_pairs(order: WorkOrder) -> list[tuple[str, str]]:
    product = order.product
    model = product.model if product else None
    return [
        ("客户", order.customer.name),
        ("联系电话", mask_phone(order.customer.phone)),
        ("服务地址", mask_address(order.address)),  # R-PV-1: the district, not the door
        ("产品型号", f"{model.code} {model.name}" if model else "未登记"),
        ("机身编码", (product.serial if product else "") or DASH),
        ("购买日期", product.purchase_date.isoformat() if product and product.purchase_date else DASH),
        ("产品线", model.line.name if model else DASH),
    ]


def _corrections(order: WorkOrder, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    """R-DI-4: where the values confirmed on site differ from the order, the report uses the confirmed ones
    (above) and shows the difference: each item, order → confirmed, and who confirmed it how."""
    rows: list[tuple[str, str]] = []
    masks = {"phone": mask_phone, "address": mask_address}  # R-PV-1, as above
    for c in corrections_of(order):
        for change in c["changes"]:
            mask = masks.get(change["field"], str)
            old, new = mask(change["old"]) or DASH, mask(change["new"]) or DASH
            rows.append((str(change["label"]), f"|{old} → {new}（{c['by']} · {c['how']}）"))
    if not rows:
        return []
    return [Paragraph("现场核实与工单不同之处（R-DI-4）", st["small"]), _kv_table(rows, st)]


def _staff_pairs(order: WorkOrder) -> list[tuple[str, str]]:
    tech = order.technician
    outlet = order.outlet
    return [
        ("服务工程师", tech.staff.name if tech else DASH),
        ("上岗证号", tech.permit_no if tech else DASH),
        ("服务网点", outlet.name if outlet else DASH),
        ("网点电话", outlet.phone if outlet else DASH),
    ]


def _faults_table(order: WorkOrder, st: dict[str, ParagraphStyle]) -> Table:
    head = [Paragraph(text, st["head"]) for text in ("序号", "故障现象", "故障原因", "处理措施（维修方案）")]
    rows: list[list[Any]] = [head]
    for fault in order.faults.all():
        texts = (str(fault.position), fault.symptom, fault.cause or "待填写", fault.resolution or "待填写")
        rows.append([Paragraph(_esc(text), st["body"]) for text in texts])
    if len(rows) == 1:
        rows.append([Paragraph(DASH, st["body"]), Paragraph("无故障记录", st["body"]), "", ""])
    widths = [12 * mm, *([(CONTENT_W - 12 * mm) / 3] * 3)]
    return _grid(Table(rows, colWidths=widths, repeatRows=1), _head_style())


def _head_style() -> list[tuple[Any, ...]]:
    return [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1f3b5a"))]


def _charge_row(line: ChargeLine, st: dict[str, ParagraphStyle]) -> list[Paragraph]:
    fee = line.fee_item
    return [
        Paragraph(_esc(fee.name), st["body"]),
        Paragraph(fee.get_kind_display(), st["body"]),
        Paragraph(f"{_money(line.unit_price)}/{_esc(fee.unit)}", st["num"]),
        Paragraph(_qty(line.quantity), st["num"]),
        Paragraph(_money(line.amount), st["num"]),
        Paragraph(
            "保内免费" if line.covered else ("收费：" + _esc(line.note) if line.note else "收费"), st["body"]
        ),
    ]


def _charges_table(order: WorkOrder, st: dict[str, ParagraphStyle]) -> Table:
    labels = ("项目", "类别", "单价", "数量", "金额", "保内/收费")
    lines = list(order.charges.select_related("fee_item").order_by("added_at", "pk"))
    rows: list[list[Any]] = [[Paragraph(text, st["head"]) for text in labels]]
    rows += [_charge_row(line, st) for line in lines] or [[Paragraph("无收费项目", st["body"])] + [""] * 5]
    gross = sum((line.amount for line in lines), Decimal("0.00"))
    due = amount_due(order)
    summary = (
        f"合计 {_money(gross)}，其中保内免费 {_money(gross - due)}，"
        f"<font size='10.5'>应付金额 {_money(due)}</font>"
    )
    rows.append([Paragraph(summary, st["num"]), "", "", "", "", ""])
    widths = [48 * mm, 20 * mm, 30 * mm, 16 * mm, 28 * mm, CONTENT_W - 142 * mm]
    return _grid(
        Table(rows, colWidths=widths, repeatRows=1),
        [*_head_style(), ("SPAN", (0, -1), (-1, -1)), ("BACKGROUND", (0, -1), (-1, -1), SHADE)],
    )


def _parts_table(order: WorkOrder, st: dict[str, ParagraphStyle]) -> Table:
    """Parts fitted, where they came from and the old part's fate (R-SV-5, R-AN-3, R-CO-1)."""
    from doorstep.parts.selectors import parts_used

    head = [Paragraph(text, st["head"]) for text in ("配件", "数量", "来源", "旧件去向")]
    rows: list[list[Any]] = [head]
    for use in parts_used(order):
        texts = (use.part.name, str(use.quantity), use.get_source_display(), use.get_old_part_fate_display())
        rows.append([Paragraph(_esc(text), st["body"]) for text in texts])
    if len(rows) == 1:
        rows.append([Paragraph("未更换配件", st["body"]), "", "", ""])
    widths = [60 * mm, 18 * mm, 50 * mm, CONTENT_W - 128 * mm]
    return _grid(Table(rows, colWidths=widths, repeatRows=1), _head_style())


def _payment_pairs(order: WorkOrder) -> list[tuple[str, str]]:
    payment = _related(order, "payment")
    if payment is None:
        return [("付款状态", f"未付款（应付 {_money(amount_due(order))}）"), ("收据/交易号", DASH)]
    return [
        ("付款方式", payment.get_method_display()),
        ("实收金额", _money(payment.amount)),
        ("收据/交易号", payment.receipt_no),
        ("付款时间", _when(payment.at)),
    ]


def signature_image(data_url: str, max_w: float = 60 * mm, max_h: float = 24 * mm) -> Image | None:
    """The customer's signature from its PNG data URL, scaled to fit; None if it cannot be decoded."""
    _head, sep, payload = data_url.partition(";base64,")
    try:
        raw = base64.b64decode(payload, validate=True) if sep else b""
        width, height = ImageReader(io.BytesIO(raw)).getSize()
    except (binascii.Error, OSError, ValueError):
        return None
    scale = min(max_w / width, max_h / height)
    return Image(io.BytesIO(raw), width=width * scale, height=height * scale)


def _signature_block(order: WorkOrder, st: dict[str, ParagraphStyle]) -> Table:
    signature = current_signature(order)
    opinion = signature.opinion if signature and signature.opinion else "（客户未填写意见）"
    if signature is None:
        mark: Any = Paragraph("客户尚未签字", st["body"])
        signer = DASH
    else:
        mark = signature_image(signature.image) or Paragraph("签名图像无法显示", st["body"])
        signer = "<br/>".join(
            _esc(text)
            for text in (signature.signer_name, _when(signature.at), signature.get_method_display())
        )
    rows = [
        [Paragraph("客户意见", st["label"]), Paragraph(_esc(opinion), st["body"]), "", ""],
        [
            Paragraph("客户签字", st["label"]),
            mark,
            Paragraph("签字人/时间/方式", st["label"]),
            Paragraph(signer, st["body"]),
        ],
    ]
    widths = [22 * mm, 66 * mm, 26 * mm, CONTENT_W - 114 * mm]
    return _grid(
        Table(rows, colWidths=widths, rowHeights=[None, 28 * mm]),
        [
            ("SPAN", (1, 0), (3, 0)),
            ("BACKGROUND", (0, 0), (0, -1), SHADE),
            ("BACKGROUND", (2, 1), (2, 1), SHADE),
        ],
    )


def _footer(canvas: Canvas, doc: SimpleDocTemplate, *, font: str, order: WorkOrder) -> None:
    canvas.saveState()
    canvas.setStrokeColor(GRID)
    canvas.line(MARGIN, 14 * mm, PAGE_W - MARGIN, 14 * mm)
    canvas.setFont(font, 8)
    canvas.drawString(MARGIN, 10 * mm, NO_PROXY_SIGNING)
    canvas.drawString(MARGIN, 6 * mm, f"工单 {order.number}　打印时间 {_when(clock.now())}")
    canvas.drawRightString(PAGE_W - MARGIN, 6 * mm, f"第 {doc.page} 页")
    canvas.restoreState()


def _codes(order: WorkOrder, st: dict[str, ParagraphStyle]) -> Table:
    """Two QR codes: the order's tracking page, and 扫码报修 — self-booking with this product filled in."""
    ref = product_ref(brand_code=order.brand.code, product=_related(order, "product"))
    codes = [_qr(tracking_url(order), 22 * mm), _qr(product_booking_url(ref), 22 * mm)]
    captions = [Paragraph("扫码查看工单进度", st["small"]), Paragraph("扫码报修（产品已填好）", st["small"])]
    table = Table([codes, captions], colWidths=[27 * mm, 27 * mm])
    table.setStyle(TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER"), ("LEFTPADDING", (0, 0), (-1, -1), 1)]))
    return table


def _story(order: WorkOrder, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    def section(title: str) -> Paragraph:
        return Paragraph(title, st["section"])

    return [
        _header(order, st),
        Spacer(1, 3 * mm),
        section("一、工单信息"),
        _kv_table(_order_pairs(order), st),
        section("二、客户与产品"),
        _kv_table(_customer_pairs(order), st),
        *_corrections(order, st),
        section("三、服务人员"),
        _kv_table(_staff_pairs(order), st),
        section("四、故障原因与处理"),
        _faults_table(order, st),
        section(f"五、收费明细（按 {_esc(order.brand.name)} 公布的收费标准）"),
        _charges_table(order, st),
        section("六、更换配件"),
        _parts_table(order, st),
        section("七、付款"),
        _kv_table(_payment_pairs(order), st),
        section("八、客户确认"),
        _signature_block(order, st),
    ]


def service_report_pdf(order: WorkOrder) -> bytes:
    """The printable service report of ``order`` as PDF bytes; raises CjkFontMissing without a CJK font."""
    font = cjk_font()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=12 * mm,
        bottomMargin=18 * mm,
        title=f"服务报告 {order.number}",
        author=order.brand.name,
        subject="服务报告（维修单）",
    )
    on_page: Callable[[Canvas, SimpleDocTemplate], None] = partial(_footer, font=font, order=order)
    doc.build(_story(order, _styles(font)), onFirstPage=on_page, onLaterPages=on_page)
    return buf.getvalue()
