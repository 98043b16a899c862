"""Operations: a request id on every log line, structured JSON logs, Prometheus metrics, health checks.

* ``RequestIdMiddleware`` (first in ``MIDDLEWARE``) takes the caller's ``X-Request-ID`` when it is a
  plain token (a load balancer's, say) or makes one, keeps it for the request (``request_id()``, and the
  ``request_id`` field of every log record through ``RequestIdFilter``), answers it in the response
  header, counts the request and times it, and writes one access line (method, route, status,
  duration — never the query string, which may carry a phone number).
* ``/metrics`` (``metrics_view``) is the Prometheus text format: the request counters of this process
  (all web processes when ``PROMETHEUS_MULTIPROC_DIR`` is set, as prometheus_client documents), and the
  figures each app reads from the database when scraped — registered by the app itself with
  ``register_gauges`` (queue depth and workers here; deadline lag in orders; payment callbacks in
  visits; message delivery in notify). It answers only a bearer of ``DOORSTEP_METRICS_TOKEN`` or, with
  no token configured, a client on loopback.
* ``/healthz`` says the process is up (no database); ``/readyz`` says it can serve: the database answers,
  every migration is applied, the cache answers. The workers' heartbeat is reported, not required (a
  web process can serve while the workers restart).
"""

from __future__ import annotations

import contextvars
import hmac
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

log = logging.getLogger("doorstep.request")

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_OK = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("doorstep_request_id", default="-")


def request_id() -> str:
    """The id of the request being served ("-" outside a request)."""
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    """Gives every log record a ``request_id`` field (the request's, or "-" in the worker)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


# --- request metrics ------------------------------------------------------------------------------

# One registry of this process's own counters; the multi-process collector replaces it at scrape time
# when gunicorn's workers share a PROMETHEUS_MULTIPROC_DIR.
REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "doorstep_http_requests",
    "HTTP requests answered, by method, route (URL name) and status",
    ["method", "route", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "doorstep_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route (URL name)",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return (match.view_name or "unnamed") if match else "unmatched"


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        rid = given if _REQUEST_ID_OK.fullmatch(given) else uuid.uuid4().hex
        token = _request_id.set(rid)
        request.request_id = rid  # type: ignore[attr-defined]
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            elapsed = time.perf_counter() - started
            route = _route(request)
            REQUESTS.labels(request.method or "-", route, str(response.status_code)).inc()
            LATENCY.labels(request.method or "-", route).observe(elapsed)
            response[REQUEST_ID_HEADER] = rid
            user = getattr(request, "user", None)
            log.info(
                "%s %s %s %.1f ms",
                request.method,
                route,
                response.status_code,
                elapsed * 1000,
                extra={
                    "method": request.method,
                    "route": route,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1),
                    "user_id": getattr(user, "pk", None),
                },
            )
            return response
        finally:
            _request_id.reset(token)


# --- figures read from the database when scraped ----------------------------------------------------


@dataclass
class Gauge:
    name: str
    documentation: str
    labels: tuple[str, ...] = ()
    read: Callable[[], Iterable[tuple[tuple[str, ...], float]]] = field(default=lambda: ())


GAUGES: dict[str, Gauge] = {}


def register_gauges(*gauges: Gauge) -> None:
    """An app declares the figures it owns (called from its ``AppConfig.ready``; idempotent by name)."""
    for gauge in gauges:
        GAUGES[gauge.name] = gauge


class DatabaseFigures(Collector):
    def collect(self) -> Iterator[Metric]:
        for gauge in GAUGES.values():
            family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=list(gauge.labels))
            try:
                for labels, value in gauge.read():
                    family.add_metric(list(labels), float(value))
            except Exception:  # a figure that cannot be read must not take the others down
                logging.getLogger(__name__).exception("metrics: %s could not be read", gauge.name)
                continue
            yield family


def _scrape_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(DatabaseFigures())
    return registry


class _ThisProcess(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def _metrics_allowed(request: HttpRequest) -> bool:
    token = getattr(settings, "DOORSTEP_METRICS_TOKEN", "")
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return request.META.get("REMOTE_ADDR") in ("127.0.0.1", "::1")


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _metrics_allowed(request):
        return HttpResponse("metrics: forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(generate_latest(_scrape_registry()), content_type=CONTENT_TYPE_LATEST)


# --- health ---------------------------------------------------------------------------------------


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


_migrations_applied: set[str] = set()


def _check_database() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_migrations() -> str:
    if DEFAULT_DB_ALIAS in _migrations_applied:
        return "ok"
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return f"{len(plan)} unapplied"
    _migrations_applied.add(DEFAULT_DB_ALIAS)  # applied migrations do not come undone under a process
    return "ok"


def _check_cache() -> str:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    ok = cache.get(key) == "1"
    cache.delete(key)
    return "ok" if ok else "no answer"


READY_CHECKS: dict[str, Callable[[], str]] = {
    "database": _check_database,
    "migrations": _check_migrations,
    "cache": _check_cache,
}


def _workers() -> dict[str, Any]:
    from datetime import timedelta

    from django.utils import timezone

    from doorstep.core.models import WorkerBeat

    fresh = timezone.now() - timedelta(seconds=settings.DOORSTEP_TASK_LEASE_SECONDS)
    return {"alive": WorkerBeat.objects.filter(beat_at__gte=fresh).count()}


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    for name, check in READY_CHECKS.items():
        try:
            checks[name] = check()
        except Exception as error:  # the check's failure is the answer, not a server error
            checks[name] = f"error: {type(error).__name__}"
    ready = all(v == "ok" for v in checks.values())
    body: dict[str, Any] = {"status": "ready" if ready else "not ready", "checks": checks}
    if checks.get("database") == "ok":
        try:
            body["workers"] = _workers()
        except Exception as error:
            body["workers"] = {"error": type(error).__name__}
    return JsonResponse(body, status=200 if ready else 503)


# --- this app's figures -----------------------------------------------------------------------------


def _queue_depth() -> Iterable[tuple[tuple[str, ...], float]]:
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    rows = (
        DBTaskResult.objects.filter(status__in=("READY", "RUNNING"))
        .values_list("queue_name", "status")
        .annotate(n=Count("id"))
    )
    return [((queue, status), n) for queue, status, n in rows]


def _workers_alive() -> Iterable[tuple[tuple[str, ...], float]]:
    return [((), _workers()["alive"])]


CORE_GAUGES = (
    Gauge(
        "doorstep_task_queue_depth",
        "Background tasks waiting (READY) or being run (RUNNING), by queue",
        ("queue", "status"),
        _queue_depth,
    ),
    Gauge(
        "doorstep_workers_alive",
        "Background workers whose heartbeat is fresher than the task lease",
        (),
        _workers_alive,
    ),
)
