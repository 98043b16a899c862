"""Measure the staff pages of a populated database: queries per page (in-process, Django's test client)
and median latency over HTTP against the project's own server (gunicorn, 2 workers, as scripts/demo).

Called by ``run.py`` once per size, with DATABASE_URL naming the populated database; prints one JSON
object (page -> queries, median ms, status) on the last line. ``--only TEXT``: the pages whose name has TEXT.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DOORSTEP_ENV", "dev")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

HOST, PORT = "127.0.0.1", 8766
TIMEOUT = 120  # seconds a page may take before it counts as "no answer"
ROUNDS = 5

# (page, user, path): the pages of issue "national scale" — the board, the lists, the KPI dashboard and
# its drill-down and exports
PAGES = [
    ("dispatcher board", "dispatcher", "/dispatch/"),
    ("order list (dispatcher)", "dispatcher", "/orders/"),
    ("order list (outlet manager)", "manager1", "/orders/"),
    ("KPI dashboard", "quality", "/quality/dashboard/"),
    ("KPI drill-down", "quality", "/quality/dashboard/orders/?metric=on_time&group=scope"),
    ("KPI export CSV", "quality", "/quality/dashboard/export.csv"),
    ("KPI export Excel", "quality", "/quality/dashboard/export.xlsx"),
    ("complaints", "quality", "/quality/complaints/"),
    ("callbacks", "agent", "/quality/callbacks/"),
    ("early warnings", "quality", "/quality/warnings/"),
    ("escalation tasks", "dispatcher", "/visits/tasks/"),
    ("call log", "agent", "/orders/calls/"),
    ("technician today", "tech1", "/visits/"),
]


def queries(user: User, path: str) -> tuple[int | None, int]:
    client = Client(raise_request_exception=False, HTTP_HOST="127.0.0.1")
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        try:
            response = client.get(path)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)  # type: ignore[arg-type]
        except Exception:
            return None, 500
    return len(captured), response.status_code


def session_cookie(user: User) -> str:
    from importlib import import_module

    engine = import_module(settings.SESSION_ENGINE)
    session = engine.SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def latency(cookie: str, path: str) -> tuple[float | None, int]:
    times, status = [], 0
    for i in range(ROUNDS + 1):
        conn = http.client.HTTPConnection(HOST, PORT, timeout=TIMEOUT)
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
            response = conn.getresponse()
            response.read()
            status = response.status
        except TimeoutError:
            return None, 0
        finally:
            conn.close()
        if i:  # the first is a warm-up
            times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1), status


def main() -> None:
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else ""  # e.g. --only board
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"{HOST}:{PORT}",
            "--workers",
            "2",
            "--timeout",
            str(TIMEOUT + 30),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, "DOORSTEP_ACCESS_LOG_LEVEL": "WARNING"},
    )
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection(HOST, PORT, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        results: dict[str, Any] = {}
        for name, username, path in PAGES:
            if only and only not in name:
                continue
            user = User.objects.get(username=username)
            count, status = queries(user, path)
            ms, http_status = latency(session_cookie(user), path)
            results[name] = {
                "path": path,
                "user": username,
                "queries": count,
                "median_ms": ms,
                "status": http_status or status,
            }
            print(f"[measure] {name:30} {count!s:>6} queries  {ms!s:>8} ms  {http_status}", flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
