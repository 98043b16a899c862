"""The printable service report (服务报告/维修单) the customer signs and keeps (R-CO-1, R-CO-2, R-CO-5)."""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from reportlab.pdfbase import pdfmetrics

from doorstep.catalog.models import FeeItem
from doorstep.core import clock
from doorstep.customers.models import Address
from doorstep.customers.product_link import product_from_token
from doorstep.orders.models import WorkOrder
from doorstep.orders.tests.helpers import BOUGHT, add_signature, order_in
from doorstep.orders.tracking import tracking_url
from doorstep.visits.models import ChargeLine, Payment, Signature
from doorstep.visits.report import pdf as report


def _track(request: HttpRequest, token: str) -> HttpResponse:
    return HttpResponse(token)


# The report only needs ``web:track`` and ``channels:book_product`` (扫码报修) to reverse; this URLconf keeps
# the tests independent of the views.
urlpatterns = [
    path("", include(([path("t/<str:token>/", _track, name="track")], "web"))),
    path("", include(([path("book/<slug:b>/p/<str:token>/", _track, name="book_product")], "channels"))),
]
pytestmark = pytest.mark.urls(__name__)


def _charge(order: WorkOrder, code: str, quantity: str, covered: bool = False) -> None:
    fee = FeeItem.objects.get(brand=order.brand, code=code)
    qty = Decimal(quantity)
    ChargeLine.objects.create(
        order=order,
        fee_item=fee,
        quantity=qty,
        unit_price=fee.price,
        amount=fee.amount(qty),
        covered=covered,
        added_at=clock.now(),
    )


@pytest.fixture
def done(world) -> WorkOrder:  # type: ignore[no-untyped-def]
    """A completed, signed and paid repair with a covered part and two charged lines."""
    order = order_in(world, "completed")
    order.faults.filter(position=1).update(cause="启动电容失效", resolution="更换启动电容，测试制冷正常")
    order.faults.filter(position=2).update(cause="外机固定螺丝松动", resolution="紧固螺丝并加装减震垫")
    _charge(order, "L-REPAIR", "1")
    _charge(order, "P-CAP", "1", covered=True)
    _charge(order, "M-PIPE", "2.5")
    add_signature(order)
    Signature.objects.filter(order=order).update(opinion="师傅准时，讲解清楚，满意。")
    Payment.objects.create(
        order=order,
        method=Payment.Method.WECHAT,
        amount=Decimal("330.00"),
        receipt_no="WX4200001234",
        at=clock.now(),
    )
    return WorkOrder.objects.get(pk=order.pk)  # drop the cached reverse one-to-ones


def _text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text as a reader would copy it: pdftotext (poppler-utils), else pypdf, else skip."""
    if shutil.which("pdftotext"):
        path = tmp_path / "report.pdf"
        path.write_bytes(pdf)
        return subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    try:
        from pypdf import PdfReader
    except ImportError:
        pytest.skip("text extraction needs pdftotext (apt-get install poppler-utils) or pypdf")
    import io

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_report_is_a_pdf_with_an_embedded_cjk_font(done) -> None:
    pdf = report.service_report_pdf(done)
    assert pdf.startswith(b"%PDF-")
    face = pdfmetrics.getFont(report.cjk_font()).face.name
    assert isinstance(face, bytes) and face in pdf
    assert b"/FontFile2" in pdf  # the TrueType glyphs themselves are embedded, not just referenced


def test_report_lists_what_R_CO_1_asks_for(done, tmp_path) -> None:
    text = _text(report.service_report_pdf(done), tmp_path)
    for expected in (
        done.number,
        "服务报告（维修单）",
        "安可空调",
        "400-800-1234",
        "故障原因",
        "处理措施",
        "启动电容失效",
        "紧固螺丝并加装减震垫",
        "维修人工费",
        "李师傅",
        "GZ-2024-0001",
        "天河网点",
        "KFR-35GW",
        "SN001",
        BOUGHT.isoformat(),
        "维修",
        "完工时间",
        "师傅准时",
    ):
        assert expected in text, expected


def test_customer_phone_and_street_are_masked_R_PV_1(done, tmp_path) -> None:
    """One stored report serves the customer and every member of staff who may open the order, also after
    closure: it carries the district, never the door or the whole number."""
    text = _text(report.service_report_pdf(done), tmp_path)
    digits = done.customer.phone.removeprefix("+86")  # the helper gives each customer their own number
    assert f"{digits[:3]}****{digits[-4:]}" in text and digits not in text
    assert "刘女士" in text and "天河区****" in text and "385" not in text


def test_charges_show_standard_prices_warranty_marker_and_total_R_CO_2(done, tmp_path) -> None:
    text = _text(report.service_report_pdf(done), tmp_path)
    assert "¥100.00/米" in text and "2.5" in text and "¥250.00" in text
    assert "保内免费" in text
    assert "合计 ¥365.00，其中保内免费 ¥35.00" in text and "应付金额 ¥330.00" in text
    assert "微信支付" in text and "WX4200001234" in text


def test_signature_image_is_drawn_and_footer_forbids_proxy_signing(done, tmp_path) -> None:
    pdf = report.service_report_pdf(done)
    assert b"/Subtype /Image" in pdf
    text = _text(pdf, tmp_path)
    assert "工程师不得代客户签字" in text and "客户留存一份" in text


def test_qr_code_points_to_the_orders_tracking_page(done, monkeypatch) -> None:
    seen: list[str] = []
    real_qr = report._qr

    def spy(url: str, *args):  # type: ignore[no-untyped-def]
        seen.append(url)
        return real_qr(url, *args)

    monkeypatch.setattr(report, "_qr", spy)
    report.service_report_pdf(done)
    assert seen[0] == tracking_url(done) and "/t/" in seen[0]
    # 扫码报修: the second code opens self-booking with this product filled in (model, purchase date)
    ref = product_from_token(seen[1].rstrip("/").rsplit("/", 1)[-1])
    assert f"/book/{done.brand.code}/p/" in seen[1] and ref is not None
    assert done.product is not None and done.product.model is not None
    assert (ref.brand, ref.model, ref.purchased) == (
        done.brand.code,
        done.product.model.code,
        done.product.purchase_date,
    )


def test_report_invites_to_scan_for_the_next_repair(done, tmp_path) -> None:
    assert "扫码报修" in _text(report.service_report_pdf(done), tmp_path)


def test_unsigned_unpaid_order_still_prints_with_blanks(world, tmp_path) -> None:
    order = order_in(world, "in_service")
    text = _text(report.service_report_pdf(order), tmp_path)
    assert "客户尚未签字" in text and "未付款" in text and "无收费项目" in text


def test_undecodable_signature_is_reported_not_crashed(world, tmp_path) -> None:
    order = order_in(world, "completed")
    add_signature(order)
    Signature.objects.filter(order=order).update(image="data:image/png;base64,not-a-png")
    order = WorkOrder.objects.get(pk=order.pk)
    assert "签名图像无法显示" in _text(report.service_report_pdf(order), tmp_path)


def test_missing_cjk_font_names_the_package_to_install(done, monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(report, "FONT_CANDIDATES", [(str(tmp_path / "no-such-font.ttc"), 0)])
    with pytest.raises(report.CjkFontMissing, match="apt-get install fonts-wqy-zenhei"):
        report.service_report_pdf(done)


def test_long_order_flows_onto_more_pages_with_every_line(world, tmp_path) -> None:
    order = order_in(world, "completed")
    Address.objects.filter(pk=order.address_id).update(
        detail="天河路 385 号太古汇写字楼二座 38 层 3801 室（请从北门进入，访客需在前台登记并出示身份证）"
    )
    for position in range(3, 15):
        order.faults.create(
            position=position,
            symptom=f"第{position}项：室内机漏水，滴水盘积水严重，排水管弯折",
            cause="排水管安装坡度不足且被家具挤压弯折",
            resolution="重新整理排水管走向并加装保温套",
        )
    for _ in range(20):
        _charge(order, "M-PIPE", "1.5")
    pdf = report.service_report_pdf(WorkOrder.objects.get(pk=order.pk))
    text = _text(pdf, tmp_path)
    assert "第14项" in text and text.count("加长铜管") == 20 and "应付金额 ¥3,000.00" in text
    assert "\f" in text.rstrip("\f")  # a form feed between pages: more than one page


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+8613800138000", "138****8000"),
        ("13912345678", "139****5678"),
        ("+862088886666", "208****6666"),
        ("12345", "*2345"),
    ],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert report.mask_phone(phone) == masked


def test_service_record_is_in_the_system_at_once_R_CO_5(done, tmp_path) -> None:
    """R-CO-5: what was done, the cause, the method, parts, charges and the customer's evaluation are read
    from the live order record: a change is in the next report at once, with no upload step between."""
    text = _text(report.service_report_pdf(done), tmp_path)
    for expected in ("启动电容失效", "更换启动电容", "维修人工费", "师傅准时"):
        assert expected in text, expected
    Signature.objects.filter(order=done).update(opinion="讲解耐心，非常满意。")
    done.faults.filter(position=1).update(resolution="更换主板，测试制冷正常")
    again = _text(report.service_report_pdf(WorkOrder.objects.get(pk=done.pk)), tmp_path)
    assert "讲解耐心" in again and "更换主板" in again and "师傅准时" not in again


def test_r_di_4_the_report_uses_the_model_confirmed_on_site_and_shows_the_difference(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The technician found another model at the door: the report names the confirmed one and says what the
    order had, who confirmed it and how; the phone in the difference stays masked (R-PV-1)."""
    from doorstep.orders.correction import order_correct
    from doorstep.tests.factories import ProductModelFactory

    ProductModelFactory(brand=world.brand, line=world.line, code="KFR-50LW", name="柜机 2 匹")
    order = order_in(world, "in_service")
    order_correct(
        order=order,
        actor=world.actor("technician"),
        values={"product_model": "KFR-50LW", "phone": "13912345678"},
        how="on_site",
    )
    text = _text(report.service_report_pdf(WorkOrder.objects.get(pk=order.pk)), tmp_path)
    assert "KFR-50LW 柜机 2 匹" in text and "现场核实与工单不同之处" in text
    assert "KFR-35GW → KFR-50LW" in text and "上门现场核实" in text
    assert "13912345678" not in text and "139****5678" in text
