"""The intake channels' entry points (R-IN-1); each ends in ``doorstep.orders.intake.order_create``.

* ``book`` — customer self-booking page (channel ``web``), idempotent by the form's token;
* ``wechat_receive`` — WeChat official-account messages (channel ``wechat``), idempotent by MsgId;
* ``partner_push`` — retailer/partner API (channel ``partner``), idempotent by the partner's reference;
* ``run_import`` — Excel/CSV bulk import (channel ``import``), one savepoint per row.
"""

from doorstep.channels.imports import read_rows, report_csv, run_import, template_csv, template_xlsx
from doorstep.channels.partner import push as partner_push
from doorstep.channels.selfbook import Booking, book
from doorstep.channels.wechat import BadMessage, signature_valid
from doorstep.channels.wechat import receive as wechat_receive

__all__ = [
    "BadMessage",
    "Booking",
    "book",
    "partner_push",
    "read_rows",
    "report_csv",
    "run_import",
    "signature_valid",
    "template_csv",
    "template_xlsx",
    "wechat_receive",
]
