"""Transitional: the visit's numbers now live in the one policy (``doorstep.network.policy``)."""

from __future__ import annotations

from typing import Any

from doorstep.core.policy import Policy
from doorstep.network.models import Brand
from doorstep.network.policy import policy_for

_RENAMED = {"escalation_due_hours": "apology_visit_hours"}  # R-AR-5: one apology-visit deadline


class _VisitNumbers:
    """The old attribute names over the one policy, for the hook modules until they read it directly."""

    def __init__(self, policy: Policy) -> None:
        self._policy = policy

    def __getattr__(self, name: str) -> Any:
        return getattr(self._policy, _RENAMED.get(name, name))


def visit_policy_for(brand: Brand) -> Any:
    """Transitional alias of ``policy_for(brand=…)`` for ``visits/hooks.py``; new code uses ``policy_of``."""
    return _VisitNumbers(policy_for(brand=brand))
