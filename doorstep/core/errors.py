"""DomainError: every refusal of a rule is a code plus a translatable (zh-Hans / en) message."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import override


class DomainError(Exception):
    """A business rule refused an action.

    ``code`` is stable (clients switch on it), ``message`` is a lazy translation (Chinese source,
    English translation), ``field`` names the input at fault when there is one. ``status`` is the
    HTTP status the API answers with.
    """

    status = 409

    def __init__(
        self,
        code: str,
        message: str | Promise,
        /,
        *,
        field: str | None = None,
        status: int | None = None,
        **params: Any,
    ) -> None:
        self.code = code
        self.message = message
        self.field = field
        self.params = params
        if status is not None:
            self.status = status
        super().__init__(f"{code}: {self.text()}")

    def text(self, language: str | None = None) -> str:
        if language is None:
            return str(self.message) % self.params if self.params else str(self.message)
        with override(language):
            return self.text()

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.text(), "field": self.field}


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Invalid(DomainError):
    status = 422
