from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the JSON API; only its SHA-256 digest is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("名称", max_length=60)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "API 令牌"

    def __str__(self) -> str:
        return self.name

    @classmethod
    def issue(cls, *, user: object, name: str, key: str | None = None) -> tuple[ApiToken, str]:
        key = key or secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, digest=_digest(key))
        return token, key

    @classmethod
    def lookup(cls, key: str) -> ApiToken | None:
        return cls.objects.select_related("user__staff").filter(digest=_digest(key)).first()


class IdempotentRequest(models.Model):
    """An unsafe API call made with an ``Idempotency-Key``: who sent it, what it was, what it answered.

    ``scope`` is the caller (``user:<pk>`` for a staff token, ``partner:<pk>`` for a partner's), so two
    callers never share a key. ``fingerprint`` is the SHA-256 of method, path and body: the same key with
    another request is refused. The response (``status``, ``body``) is stored in the same transaction as
    the call's effect; ``status`` is empty only while a call that runs outside one (a payment, whose
    provider is called between transactions) is in progress.
    """

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=100)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "幂等请求"
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotent_request_once")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
