"""Operations: request ids on responses and log lines, JSON logs, /metrics, /healthz and /readyz, and
error reporting to a Sentry-compatible service (a fake one on loopback that reads the real envelope)."""

from __future__ import annotations

import gzip
import json
import logging
import threading
import zlib
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client
from django.urls import path

from doorstep.core import clock, observability
from doorstep.orders.models import Deadline


def test_health_answers_without_the_database(client: Client) -> None:
    response = client.get("/healthz")  # no db fixture: a query would fail the test
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_ready_checks_database_migrations_and_cache(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"] == {"database": "ok", "migrations": "ok", "cache": "ok"}
    assert body["workers"] == {"alive": 0}  # reported, not required


@pytest.mark.django_db
def test_not_ready_names_the_failing_check(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def down() -> str:
        raise ConnectionError("cache down")

    monkeypatch.setitem(observability.READY_CHECKS, "cache", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "error: ConnectionError"
    assert response.json()["status"] == "not ready"


def test_every_response_carries_a_request_id(client: Client) -> None:
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and first != second
    # a load balancer's id is kept; anything that is not a plain token is replaced
    assert client.get("/healthz", headers={"X-Request-ID": "lb-42.a:b"})["X-Request-ID"] == "lb-42.a:b"
    odd = client.get("/healthz", headers={"X-Request-ID": "x\u202ey<script>"})["X-Request-ID"]
    assert odd != "x\u202ey<script>" and len(odd) == 32


def _view_that_logs(request: Any) -> Any:
    from django.http import HttpResponse

    logging.getLogger("doorstep.tests").warning("inside the view")
    return HttpResponse("ok")


urlpatterns = [path("logs/", _view_that_logs, name="logs"), *__import__("config.urls").urls.urlpatterns]


@pytest.mark.urls(__name__)
def test_log_lines_of_a_request_carry_its_id_and_the_access_line_no_query(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="doorstep.request")
    response = client.get("/logs/?phone=13912345678", headers={"X-Request-ID": "req-7"})
    assert response.status_code == 200
    inside = [r for r in caplog.records if r.getMessage() == "inside the view"]
    assert inside and observability.RequestIdFilter().filter(inside[0]) and inside[0].request_id == "req-7"  # type: ignore[attr-defined]
    access = [r for r in caplog.records if r.name == "doorstep.request"]
    assert len(access) == 1
    assert access[0].route == "logs" and access[0].status == 200  # type: ignore[attr-defined]
    assert "13912345678" not in access[0].getMessage() and access[0].path == "/logs/"  # type: ignore[attr-defined]
    assert observability.request_id() == "-"  # reset after the request


def test_json_log_lines() -> None:
    from django.conf import settings
    from pythonjsonlogger.json import JsonFormatter

    options = dict(settings.LOGGING["formatters"]["json"])
    options.pop("()")
    formatter = JsonFormatter(**options)
    record = logging.LogRecord("doorstep.x", logging.ERROR, __file__, 1, "sweep failed %s", ("once",), None)
    observability.RequestIdFilter().filter(record)
    line = json.loads(formatter.format(record))
    assert line["level"] == "ERROR" and line["logger"] == "doorstep.x" and line["request_id"] == "-"
    assert line["message"] == "sweep failed once" and "time" in line


@pytest.mark.django_db
def test_metrics_counts_requests_and_reads_the_figures(client: Client, world: Any) -> None:
    Deadline.objects.create(
        kind=Deadline.Kind.CALLBACK, rule="R-QA-1", due_at=clock.now() - timedelta(seconds=90)
    )
    client.get("/healthz")
    text = client.get("/metrics").content.decode()
    assert 'doorstep_http_requests_total{method="GET",route="healthz",status="200"}' in text
    assert "doorstep_http_request_duration_seconds_bucket" in text
    lag = next(line for line in text.splitlines() if line.startswith("doorstep_deadline_sweep_lag_seconds"))
    assert 90 <= float(lag.split()[-1]) < 120
    assert 'doorstep_deadlines_open{kind="callback"} 1.0' in text
    assert "doorstep_workers_alive 0.0" in text
    assert "# TYPE doorstep_task_queue_depth gauge" in text
    assert "# TYPE doorstep_payment_intents gauge" in text


@pytest.mark.django_db
def test_metrics_only_for_loopback_or_the_token(client: Client, settings: Any) -> None:
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    settings.DOORSTEP_METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 403  # loopback no longer enough once a token is set
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    ok = client.get("/metrics", REMOTE_ADDR="203.0.113.9", headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status_code == 200


@pytest.mark.django_db
def test_a_figure_that_fails_does_not_take_the_others_down(client: Client, monkeypatch: Any) -> None:
    def broken() -> list[Any]:
        raise RuntimeError("no table")

    monkeypatch.setitem(
        observability.GAUGES, "doorstep_broken", observability.Gauge("doorstep_broken", "x", (), broken)
    )
    text = client.get("/metrics").content.decode()
    assert "doorstep_broken" not in text and "doorstep_workers_alive" in text


def test_error_reporting_is_off_by_default() -> None:
    import sentry_sdk

    assert not sentry_sdk.get_client().is_active()


class _FakeSentry(BaseHTTPRequestHandler):
    """Sentry's ingestion endpoint as the SDK calls it: POST /api/<project>/envelope/ with an envelope."""

    received: list[bytes] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            pytest.skip("brotli envelope")
        elif encoding == "deflate":
            body = zlib.decompress(body)
        assert self.path == "/api/1/envelope/", self.path
        assert "sentry_key=public" in self.headers.get("X-Sentry-Auth", "")
        type(self).received.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


def _boom(request: Any) -> Any:
    raise RuntimeError("sweep exploded for 13912345678")


@pytest.mark.urls(__name__)
def test_errors_reach_a_sentry_compatible_service_without_personal_data() -> None:
    import sentry_sdk

    from doorstep.core import error_reporting

    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeSentry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _FakeSentry.received = []
    try:
        error_reporting.start(f"http://public@127.0.0.1:{server.server_port}/1", environment="test")
        Client(raise_request_exception=False).post(
            "/boom/",
            {"phone": "13800001111", "address": "体育西路 191 号"},
            headers={"Cookie": "sessionid=abc"},
        )
        sentry_sdk.flush(timeout=5)
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init(dsn=None)  # off again for the rest of the run
        server.shutdown()
    assert _FakeSentry.received, "no envelope arrived"
    envelope = b"\n".join(_FakeSentry.received).decode()
    events = [
        json.loads(line) for line in envelope.splitlines() if line.startswith("{") and '"exception"' in line
    ]
    assert events and events[0]["exception"]["values"][0]["type"] == "RuntimeError"
    assert "13800001111" not in envelope and "体育西路" not in envelope and "sessionid" not in envelope
    assert "13912345678" not in envelope and "139****5678" in envelope  # masked inside the message too


urlpatterns.append(path("boom/", _boom, name="boom"))
