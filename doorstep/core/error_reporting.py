"""Error reporting to Sentry or any service that speaks its protocol (GlitchTip, a self-hosted Sentry).

Off unless ``SENTRY_DSN`` is set (config/settings.py calls ``start``). Customers' data stays home (R-PV-1):
no request bodies, cookies, user details or local variables are sent, and phone numbers inside exception
messages and log lines are masked before an event leaves (``core.privacy.mask_phones_in``).
"""

from __future__ import annotations

from typing import Any

from doorstep.core.privacy import mask_phones_in


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return mask_phones_in(value)
    if isinstance(value, dict):
        return {key: _mask(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask(item) for item in value]
    return value


def scrub(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """Sentry's ``before_send``: every string of the event with its phone numbers masked."""
    return _mask(event)


def start(dsn: str, environment: str, traces_sample_rate: float = 0.0) -> None:
    import sentry_sdk

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        max_request_body_size="never",
        include_local_variables=False,
        before_send=scrub,  # type: ignore[arg-type]
        before_send_transaction=scrub,  # type: ignore[arg-type]
        traces_sample_rate=traces_sample_rate,
    )
