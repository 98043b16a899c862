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
