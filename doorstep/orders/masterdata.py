"""The intake's master data, kept per process (issue 16: the catalogue, the centre, the warranty and urgency
rules and the policy were read for every order). ``IntakeData.read()`` costs one query — the token of
``doorstep.core.masterdata`` — and reads what is missing from the process's copy for that token; a change
saved through the models (the admin, the demo's builders) gives a new token, so every process sees it from
its next intake that starts after the change commits."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django.db.models import F

from doorstep.catalog.models import ProductModel, WarrantyPolicy
from doorstep.core.masterdata import Snapshot, snapshot
from doorstep.core.policy import Policy
from doorstep.customers.parsing.product_match import Catalogue
from doorstep.network.models import Brand, ServiceCentre
from doorstep.network.policy import read_policy
from doorstep.orders.models import UrgencyRule


@dataclass(frozen=True)
class BrandCatalogue:
    """A brand's models by code with their line (the warranty reads it) and the matcher's index of them."""

    models: dict[str, ProductModel]
    index: Catalogue


class IntakeData:
    """Read-only master data for one intake. Brand and centre rows are handed out as copies (an order holds
    them); the catalogue's models and the rules are shared and must not be changed."""

    def __init__(self, kept: Snapshot) -> None:
        self._kept = kept

    @classmethod
    def read(cls) -> IntakeData:
        return cls(snapshot())

    def brand(self, code: str) -> Brand | None:
        row = self._kept.get(("brand", code), lambda: Brand.objects.filter(code=code).first())
        return copy.copy(row) if row is not None else None

    def first_centre(self, brand: Brand) -> ServiceCentre | None:
        """The brand's receiving centre when the caller has none of its own (partners, self-booking)."""
        row = self._kept.get(("centre", brand.pk), lambda: brand.centres.order_by("pk").first())
        return copy.copy(row) if row is not None else None

    def catalogue(self, brand: Brand) -> BrandCatalogue:
        def load() -> BrandCatalogue:
            models = {m.code: m for m in ProductModel.objects.filter(brand=brand).select_related("line")}
            return BrandCatalogue(models, Catalogue({code: m.launched_on for code, m in models.items()}))

        return self._kept.get(("catalogue", brand.pk), load)

    def warranty_policies(self, brand_id: int, line_id: int) -> list[WarrantyPolicy]:
        """R-AN-7: the brand's policies for the line, the latest ``sold_after`` first."""

        latest_first = F("sold_after").desc(nulls_last=True)  # the undated policy is the fallback

        def load() -> dict[int, list[WarrantyPolicy]]:
            by_line: dict[int, list[WarrantyPolicy]] = {}
            for policy in WarrantyPolicy.objects.filter(brand_id=brand_id).order_by(latest_first, "pk"):
                by_line.setdefault(policy.line_id, []).append(policy)
            return by_line

        return self._kept.get(("warranty", brand_id), load).get(line_id, [])

    def urgency_rules(self, brand_id: int) -> list[UrgencyRule]:
        """R-IN-4: the brand's active urgency rules."""
        return self._kept.get(
            ("urgency", brand_id), lambda: list(UrgencyRule.objects.filter(brand_id=brand_id, active=True))
        )

    def policy(self, brand_id: int, centre_id: int | None) -> Policy:
        return self._kept.get(("policy", brand_id, centre_id), lambda: read_policy(brand_id, centre_id))
