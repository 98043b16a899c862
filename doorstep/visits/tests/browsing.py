"""Playwright steps for the technician app's browser tests (tests/browser/test_visit_*.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from doorstep.notify.models import Message
from doorstep.orders.models import WorkOrder

GUANGZHOU = {"latitude": 23.1291, "longitude": 113.2644}


def login(browser: Any, live_server: Any, username: str, device: dict[str, Any], **extra: Any) -> Any:
    context = browser.new_context(**device, **extra)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "doorstep-pass")
    go(page, page.locator("button[type=submit]", has_text="登录"))
    return page


def go(page: Any, button: Any) -> None:
    """Click and wait until a new document has loaded (plain, queued-by-fetch or htmx-boosted submit), or
    the page showed a refusal inside the form it sent (``.form-error``, no reload)."""
    page.evaluate(
        "() => { document.querySelector('main').dataset.stale = '1';"
        " document.querySelectorAll('.form-error').forEach(e => e.remove()); }"
    )
    button.click()
    page.wait_for_function(
        "() => { if (document.querySelector('.form-error')) return true;"
        " const m = document.querySelector('main'); return m && !m.dataset.stale"
        " && document.readyState === 'complete' && !document.querySelector('.htmx-request'); }",
        timeout=20000,
    )
    page.wait_for_load_state("networkidle")


def tick_all(page: Any, form: str) -> None:
    for box in page.locator(f"{form} input[type=checkbox][name=item]").all():
        box.check()
    go(page, page.locator(f"{form} button[type=submit]"))


def status(page: Any) -> str:
    return str(page.locator("#status").inner_text().strip())


def messages(page: Any) -> str:
    """The page's messages, and a refusal shown inside the form that was sent."""
    texts = [str(box.inner_text()) for box in page.locator(".messages, .form-error").all()]
    return "\n".join(texts)


def draw_signature(page: Any) -> None:
    page.locator("#sign-pad").scroll_into_view_if_needed()
    pad = page.locator("#sign-pad").bounding_box()
    page.mouse.move(pad["x"] + 30, pad["y"] + 100)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(pad["x"] + 30 + i * 25, pad["y"] + 100 + (30 if i % 2 else -30))
    page.mouse.up()


def sms_code(order: WorkOrder) -> str:
    """The code as the customer reads it on their own phone: the latest signing-code SMS of the outbox."""
    message = Message.objects.filter(order_id=order.pk, template="sign_code").latest("pk")
    return str(dict(message.params)["code"])


def pdf_to_png(pdf: bytes, target: Path) -> Path:
    """Render every page of a PDF to PNG (<name>-1.png, …) with poppler's pdftoppm (to look at it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = target.with_suffix(".pdf")
    src.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", str(src), str(target.with_suffix(""))], check=True, timeout=60
    )
    return target
