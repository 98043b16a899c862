"""Playwright driving Debian's Chromium (/usr/bin/chromium) against the live test server.

The live server runs in a thread of this process, so it reads the pinned instant
(doorstep/tests/pinned_time.py) like every other test; each browser context gets the same instant through
Playwright's clock, so the phone's time (``client_at``, the knock timer) agrees with the server's.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from doorstep.core import clock

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


class PinnedBrowser:
    """The Chromium browser whose new contexts start at the server's current instant (``clock.now()``)."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser
        self.opened: list[Any] = []

    def new_context(self, **options: Any) -> Any:
        context = self._browser.new_context(**options)
        context.clock.install(time=clock.now())  # time then ticks on, as it does on the server
        self.opened.append(context)
        return context

    def new_page(self, **options: Any) -> Any:
        return self.new_context(**options).new_page()

    def close_contexts(self) -> None:
        """Closes what a test opened: an open page keeps its keep-alive sockets, and each one keeps a
        live-server thread with its own database connection (on PostgreSQL, held for CONN_MAX_AGE), so a
        long run would exhaust the server's connections."""
        while self.opened:
            context = self.opened.pop()
            with contextlib.suppress(Exception):  # already closed by the test, or the browser went away
                context.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian Chromium is missing: run scripts/test (it installs the chromium package)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield PinnedBrowser(browser)
        browser.close()


@pytest.fixture(autouse=True)
def _close_contexts(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "browser" in request.fixturenames:
        request.getfixturevalue("browser").close_contexts()


class Shots:
    def __init__(self, name: str) -> None:
        self.dir = ARTIFACTS / name
        self.dir.mkdir(parents=True, exist_ok=True)
        for old in self.dir.glob("*.png"):  # screenshots of an earlier run would mislead
            old.unlink()
        self.n = 0

    def __call__(self, page, label: str) -> None:  # type: ignore[no-untyped-def]
        self.n += 1
        page.screenshot(path=str(self.dir / f"{self.n:02d}-{label}.png"), full_page=True)


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    return Shots(request.node.name)


DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "zh-CN"}
