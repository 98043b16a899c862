"""Prepare a benchmark database: migrate, then a small master-data set and an API token (idempotent).

Usage (the database comes from DATABASE_URL, as for the server)::

    DATABASE_URL=... .venv/bin/python benchmarks/intake/setup_data.py
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402

from doorstep.api.models import ApiToken  # noqa: E402
from doorstep.catalog.models import ProductLine, ProductModel, WarrantyPolicy  # noqa: E402
from doorstep.channels.models import PartnerAccount  # noqa: E402
from doorstep.network.models import Brand, Coverage, Outlet, Role, ServiceCentre, Staff  # noqa: E402

BRAND = "bench"
TOKEN = "bench-intake-token-loopback-only"  # a throw-away database on 127.0.0.1
DISTRICTS = ("天河区", "越秀区", "海珠区", "白云区", "番禺区", "荔湾区")
MODELS = (
    ("ac", "空调", ("KFR-26GW", "KFR-35GW", "KFR-50LW", "KFR-72LW")),
    ("wh", "热水器", ("JSQ25-13", "F60-21")),
)


def master_data() -> None:
    brand, _ = Brand.objects.get_or_create(
        code=BRAND, defaults={"name": "基准品牌", "hotline": "400-800-0000"}
    )
    centre, _ = ServiceCentre.objects.get_or_create(
        brand=brand,
        name="广州服务中心",
        defaults={"province": "广东省", "city": "广州市", "hotline": "020-1"},
    )
    for i, district in enumerate(DISTRICTS):
        outlet, _ = Outlet.objects.get_or_create(
            centre=centre,
            code=f"bench-{i}",
            defaults={"name": f"{district}网点", "address": district, "phone": "020-2"},
        )
        outlet.brands.add(brand)
        Coverage.objects.get_or_create(outlet=outlet, province="广东省", city="广州市", district=district)
    for code, name, models in MODELS:
        line, _ = ProductLine.objects.get_or_create(code=f"bench-{code}", defaults={"name": name})
        WarrantyPolicy.objects.get_or_create(brand=brand, line=line, defaults={"whole_unit_years": 6})
        for model in models:
            ProductModel.objects.get_or_create(
                brand=brand,
                code=model,
                defaults={"line": line, "name": model, "launched_on": date(2020, 1, 1)},
            )
    user, created = User.objects.get_or_create(username="bench-agent")
    if created:
        user.set_unusable_password()
        user.save()
        Staff.objects.create(user=user, name="基准客服", role=Role.AGENT, centre=centre)
    if ApiToken.lookup(TOKEN) is None:
        ApiToken.issue(user=user, name="intake benchmark", key=TOKEN)
    partner_key = os.environ.get(
        "BENCH_PARTNER_TOKEN"
    )  # benchmarks/scale/intake.py: POST /api/partner/orders
    if partner_key and PartnerAccount.lookup(partner_key) is None:
        PartnerAccount.issue(brand=brand, code="bench-partner", name="基准零售商", key=partner_key)


if __name__ == "__main__":
    call_command("migrate", verbosity=0, interactive=False)
    master_data()
    print(TOKEN)
