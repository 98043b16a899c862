"""What completion still needs before the customer signs (R-SV-8, R-SV-9, R-SV-2, R-CO-6)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from doorstep.orders.models import WorkOrder
from doorstep.visits.checklists import checklist_done
from doorstep.visits.consent.channel import consent_given
from doorstep.visits.diagnosis.quote import quote_current
from doorstep.visits.models import Checklist, Consent


def completion_gaps(order: WorkOrder) -> list[str]:
    """What completion still needs (R-SV-8, R-SV-9, R-SV-2, R-CO-6); empty when ready to sign."""
    gaps = []
    if not checklist_done(order, Checklist.Kind.COMPLETION):
        gaps.append(str(_("完工检查清单（R-SV-8、R-SV-9）")))
    if quote_current(order) is None:
        gaps.append(str(_("客户确认的报价（R-SV-2）")))
    if order.service_type == "install":
        if not checklist_done(order, Checklist.Kind.INSTALL_GOODS):
            gaps.append(str(_("按送货单清点货物（R-CO-6）")))
        if not consent_given(order, Consent.Kind.INSTALL_ACCEPTANCE):  # the customer's own (R-CO-6)
            gaps.append(str(_("客户安装验收卡（R-CO-6）")))
    return gaps
