"""Deployment checks of our own (``manage.py check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@checks.register(checks.Tags.caches, deploy=True)
def shared_cache(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.CACHES["default"]["BACKEND"] in PER_PROCESS_CACHES:
        return [
            checks.Warning(
                "The cache is per process: the rate limits are counted by each web worker alone.",
                hint="Set DOORSTEP_CACHE_URL to a Redis URL (redis://host:6379/0).",
                id="doorstep.W001",
            )
        ]
    return []
