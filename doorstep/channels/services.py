"""The intake channels' entry points (R-IN-1); each ends in ``doorstep.orders.intake.order_create``.

* ``book`` — customer self-booking page (channel ``web``), idempotent by the form's token;
* ``wechat_receive_callback`` — WeChat official-account messages (channel ``wechat``): fresh, each nonce
  once, idempotent by MsgId (``wechat_receive`` is the message handling alone, for the demo data);
* ``partner_push`` — retailer/partner API (channel ``partner``), idempotent by the partner's reference;
* ``run_import`` — Excel/CSV bulk import (channel ``import``), one savepoint per row.
"""

from doorstep.channels.imports import read_rows, report_csv, run_import, template_csv, template_xlsx
from doorstep.channels.partner import push as partner_push
from doorstep.channels.selfbook import Booking, book
from doorstep.channels.wechat import BadMessage, signature_valid
from doorstep.channels.wechat import receive as wechat_receive
from doorstep.channels.wechat import receive_callback as wechat_receive_callback
from doorstep.channels.wechat import stale as wechat_stale
from doorstep.channels.wechat import time_fresh as wechat_time_fresh

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
    "wechat_receive_callback",
    "wechat_stale",
    "wechat_time_fresh",
]
