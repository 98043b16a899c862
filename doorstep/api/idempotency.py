"""``Idempotency-Key`` for every unsafe API call: one effect per key, the same answer to every retry.

Every POST endpoint of the API is decorated with ``@idempotent`` (a test checks none is missing). A call
without the header runs as before. With it:

- the key is stored per caller (the staff user or the partner account of the bearer token) with the
  request's fingerprint (method, path, SHA-256 of the body) *first*, in the same transaction as the call's
  effect, and the response (status and body) is stored in that transaction too;
- a retry with the same key and the same request gets the stored response again, with
  ``Idempotent-Replayed: true``, and nothing is done a second time;
- the same key with another request → 422 ``idempotency_key_reused``;
- two concurrent calls with one key: the second waits on the first's row (the unique index) and then gets
  its stored response; a call that runs outside one transaction (a payment: its provider is called between
  transactions) has its key committed first, and a concurrent call gets 409 ``idempotency_in_progress``;
- a refused call (4xx) or a server error stores nothing and leaves no key behind, so the same key may be
  sent again once the input is fixed — a refusal changed nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from functools import partial, wraps
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from ninja.decorators import decorate_view
from ninja.operation import Operation
from ninja.utils import contribute_operation_callback

from doorstep.api.models import IdempotentRequest
from doorstep.channels.models import PartnerAccount
from doorstep.core import clock
from doorstep.core.errors import Conflict, ErrorCode, Invalid

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
MAX_KEY = 100
# a call running outside a transaction whose process died leaves its key in progress; after this long a
# retry may take the key over (the payment itself is idempotent on its intent's merchant order number)
IN_PROGRESS_LEASE = timedelta(minutes=10)

Outside = Callable[[dict[str, Any]], bool]
_CLAIM = "_doorstep_idempotent"


class Replay(Exception):  # not an error: the API answers it with the stored response
    """The stored answer to an earlier call with this key."""

    def __init__(self, row: IdempotentRequest) -> None:
        super().__init__(row.key)
        self.row = row


def replay_response(row: IdempotentRequest) -> HttpResponse:
    response = HttpResponse(
        bytes(row.body), status=row.status or 200, content_type=row.content_type or "application/json"
    )
    response[REPLAYED] = "true"
    return response


def idempotent[F: Callable[..., Any]](
    func: F | None = None, *, outside_transaction: Outside | None = None
) -> Any:
    """Make a POST endpoint honour ``Idempotency-Key`` (put it under ``@router.post``).

    ``outside_transaction(path_params)`` says when the call must not run inside one transaction (it commits
    on its own, e.g. a payment's intent before the provider is called).
    """

    def apply(view: F) -> F:
        contribute_operation_callback(view, _claim_after_auth)
        decorate_view(partial(_around, outside=outside_transaction))(view)
        view._doorstep_idempotent = True  # type: ignore[attr-defined]
        return view

    return apply if func is None else apply(func)


def _claim_after_auth(operation: Operation) -> None:
    """The key is claimed once the caller is known (after authentication), just before the view runs."""
    view = operation.view_func

    @wraps(view)
    def claiming(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        state = getattr(request, _CLAIM, None)
        if state is not None:
            state["row"] = _claim(request, key=state["key"])
        return view(request, *args, **kwargs)

    operation.view_func = claiming


def _around(run: Callable[..., HttpResponse], *, outside: Outside | None) -> Callable[..., HttpResponse]:
    @wraps(run)
    def wrapped(request: HttpRequest, *args: Any, **kw: Any) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None:
            return run(request, *args, **kw)
        state: dict[str, Any] = {"key": key, "outside": bool(outside and outside(kw)), "row": None}
        setattr(request, _CLAIM, state)
        if state["outside"]:
            try:
                response = run(request, *args, **kw)
            except BaseException:
                _release(state["row"])
                raise
            if response.status_code >= 400:
                _release(state["row"])
            else:
                _store(state["row"], response)
            return response
        with transaction.atomic():
            response = run(request, *args, **kw)
            if response.status_code >= 400:  # refused: nothing was done, the key goes back with it
                transaction.set_rollback(True)
            else:
                _store(state["row"], response)
        return response

    return wrapped


def _scope(request: HttpRequest) -> str:
    auth = getattr(request, "auth", None)
    if isinstance(auth, PartnerAccount):
        return f"partner:{auth.pk}"
    return f"user:{getattr(auth, 'pk', None) or request.user.pk}"


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method or "", request.path):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def _claim(request: HttpRequest, *, key: str) -> IdempotentRequest:
    """Store the key first; a key already stored answers with its response (or a refusal) instead."""
    key = key.strip()
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise Invalid(ErrorCode.IDEMPOTENCY_KEY_INVALID, field=HEADER)
    scope, fingerprint = _scope(request), _fingerprint(request)
    for _attempt in range(2):
        try:
            with transaction.atomic():  # a savepoint inside the call's transaction, else committed at once
                return IdempotentRequest.objects.create(
                    scope=scope,
                    key=key,
                    method=(request.method or "")[:10],
                    path=request.path[:300],
                    fingerprint=fingerprint,
                    created_at=clock.now(),
                )
        except IntegrityError:  # on PostgreSQL a concurrent first call's row, once it committed
            pass
        row = IdempotentRequest.objects.filter(scope=scope, key=key).first()
        if row is None:  # the first call was refused and took its key back: this one goes ahead
            continue
        if row.fingerprint != fingerprint:
            raise Invalid(ErrorCode.IDEMPOTENCY_KEY_REUSED, field=HEADER)
        if row.status is not None:
            raise Replay(row)
        stale = clock.now() - IN_PROGRESS_LEASE
        if not IdempotentRequest.objects.filter(pk=row.pk, status=None, created_at__lt=stale).delete()[0]:
            raise Conflict(ErrorCode.IDEMPOTENCY_IN_PROGRESS, field=HEADER)
    raise Conflict(ErrorCode.IDEMPOTENCY_IN_PROGRESS, field=HEADER)


def _store(row: IdempotentRequest | None, response: HttpResponse) -> None:
    """The answer, stored with the call's effect (in its transaction when it has one)."""
    if row is None:
        return
    IdempotentRequest.objects.filter(pk=row.pk).update(
        status=response.status_code,
        content_type=response.get("Content-Type", "")[:100],
        body=response.content,
        done_at=clock.now(),
    )


def _release(row: IdempotentRequest | None) -> None:
    if row is not None:
        IdempotentRequest.objects.filter(pk=row.pk, status=None).delete()
