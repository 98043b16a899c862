from __future__ import annotations

from doorstep.network.models import Brand
from doorstep.visits.models import VisitPolicy


def visit_policy_for(brand: Brand) -> VisitPolicy:
    """The brand's visit numbers, created with docs/standard.md's defaults on first use."""
    policy, _created = VisitPolicy.objects.get_or_create(brand=brand)
    return policy
