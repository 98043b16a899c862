"""WeChat service-account template messages through ``wechatpy`` (``message/template/send``).

The template id per centre and message comes from ``DOORSTEP_SMS_CENTRES`` (key ``wechat``); the
template's fields are the message's parameters, the link is the message's own. Answer codes
(``errcode``): 0; throttling 45009 / 45047; refused for good 43004 (not following), 40003 (invalid
openid), 43101 (refused by the user) — the outbox then falls back to SMS; -1 (system busy) is ``DOWN``.
"""

from __future__ import annotations

from django.conf import settings
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from doorstep.notify.models import Message
from doorstep.notify.providers.base import Outcome, Result, centre_config

THROTTLED = {45009, 45047, 45011}
INVALID = {43004, 40003, 43101, 40037}


class _Client(WeChatClient):
    """wechatpy's client with the API base from the settings (the real one, or a fake on loopback)."""

    def __init__(self, appid: str, secret: str, base: str) -> None:
        self.API_BASE_URL = base
        super().__init__(appid, secret, timeout=settings.DOORSTEP_NOTIFY["timeout_seconds"])

    def fetch_access_token(self):  # type: ignore[no-untyped-def]
        return self._fetch_access_token(
            url=f"{self.API_BASE_URL}token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


def classify(code: int) -> Result:
    if code == 0:
        return Result.OK
    if code in THROTTLED:
        return Result.THROTTLED
    if code in INVALID:
        return Result.INVALID
    return Result.DOWN


class WeChatTemplate:
    name = "wechat"

    def send(self, message: Message) -> Outcome:
        conf = settings.DOORSTEP_WECHAT_MP
        template = centre_config(message.centre).get("wechat", {}).get(message.template, "")
        if not template:
            return Outcome(Result.DOWN, code="NoTemplate", detail=f"no template id for {message.template}")
        client = _Client(conf["app_id"], conf["app_secret"], conf["api_base"])
        data = {k: {"value": v} for k, v in message.params}
        try:
            res = client.message.send_template(message.to_openid, template, data, url=message.link or None)
        except WeChatClientException as exc:
            code = int(exc.errcode) if exc.errcode is not None else -1
            return Outcome(classify(code), code=str(code), detail=str(exc.errmsg or "")[:200])
        except Exception as exc:  # the network
            return Outcome(Result.DOWN, code=type(exc).__name__, detail=str(exc)[:200])
        return Outcome(Result.OK, code="0", ref=str(res.get("msgid", "")))
