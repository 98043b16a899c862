"""WeChat web authorisation (网页授权, OAuth2 ``snsapi_base``) for a customer the service account does not
know yet, so they can pay inside WeChat (JSAPI needs their OpenID; R-CO-2).

The tracking page sends the customer to ``open.weixin.qq.com/connect/oauth2/authorize`` (silent: no consent
page for ``snsapi_base``) with a ``state`` signed by us and bound to the tracking token, short-lived and
single use; WeChat sends them back with a ``code``, exchanged for the OpenID at
``api.weixin.qq.com/sns/oauth2/access_token`` through wechatpy's :class:`~wechatpy.oauth.WeChatOAuth`
(its real error codes: 40029 invalid code, 40163 code been used, 40125 invalid appsecret …). The OpenID is
stored on the customer's contact (``Contact``) only when the state and the code are both good.

Settings: ``DOORSTEP_WECHAT_MP`` (``app_id``, ``app_secret``; the same AppID as WeChat Pay's), with
``oauth_base`` / ``oauth_api_base`` to point at a fake on loopback; ``oauth_state_seconds`` (default 600).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from wechatpy.exceptions import WeChatOAuthException
from wechatpy.oauth import WeChatOAuth

from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode
from doorstep.notify.models import Contact

SALT = "doorstep.wechat-oauth"


class AuthRefused(DomainError):
    status = 400


class AuthUnavailable(DomainError):
    status = 409


def _config() -> dict[str, Any]:
    return dict(getattr(settings, "DOORSTEP_WECHAT_MP", {}) or {})


def available() -> bool:
    mp = _config()
    return bool(mp.get("app_id") and mp.get("app_secret"))


def _oauth(redirect_uri: str = "", state: str = "") -> WeChatOAuth:
    mp = _config()
    if not available():
        raise AuthUnavailable(ErrorCode.WECHAT_AUTH_UNAVAILABLE)
    oauth = WeChatOAuth(mp["app_id"], mp["app_secret"], redirect_uri, scope="snsapi_base", state=state)
    oauth.OAUTH_BASE_URL = str(mp.get("oauth_base") or WeChatOAuth.OAUTH_BASE_URL)
    oauth.API_BASE_URL = str(mp.get("oauth_api_base") or WeChatOAuth.API_BASE_URL)
    return oauth


def max_age() -> int:
    return int(_config().get("oauth_state_seconds", 600))


def authorize_url(*, token: str, redirect_uri: str) -> str:
    """Where the pay button sends a customer inside WeChat whose OpenID is unknown: the state is the
    tracking token and a fresh nonce, signed with a timestamp."""
    issued = int(clock.now().timestamp())
    state = signing.dumps({"t": token, "n": secrets.token_hex(8), "at": issued}, salt=SALT, compress=True)
    return str(_oauth(redirect_uri, state).authorize_url)


def state_check(*, state: str, token: str) -> None:
    """The state came from us (signature), for this tracking link, within ``oauth_state_seconds``, and is
    used once (its nonce remembered in the cache as long as it could still be valid)."""
    try:
        data = signing.loads(state, salt=SALT)
    except signing.BadSignature as err:
        raise AuthRefused(ErrorCode.WECHAT_AUTH_STATE) from err
    if not isinstance(data, dict) or data.get("t") != token or not data.get("n"):
        raise AuthRefused(ErrorCode.WECHAT_AUTH_STATE)
    age = clock.now().timestamp() - float(data.get("at") or 0)
    if not 0 <= age <= max_age():  # expired (or issued "in the future": not ours)
        raise AuthRefused(ErrorCode.WECHAT_AUTH_STATE)
    if not cache.add(f"wechat-oauth-state:{data['n']}", 1, timeout=max_age() + 60):
        raise AuthRefused(ErrorCode.WECHAT_AUTH_STATE)  # used before


def openid_from_code(code: str) -> str:
    """The code WeChat sent back, exchanged for the customer's OpenID."""
    if not code:
        raise AuthRefused(ErrorCode.WECHAT_AUTH_CODE, detail="缺少 code")
    try:
        answer = _oauth().fetch_access_token(code)
    except WeChatOAuthException as err:
        raise AuthRefused(ErrorCode.WECHAT_AUTH_CODE, detail=f"{err.errcode} {err.errmsg}"[:100]) from err
    except Exception as err:  # WeChat unreachable: nothing stored, the customer may try again
        raise AuthRefused(ErrorCode.WECHAT_AUTH_CODE, detail=type(err).__name__) from err
    openid = str(answer.get("openid") or "")
    if not openid:
        raise AuthRefused(ErrorCode.WECHAT_AUTH_CODE, detail="no openid")
    return openid


def openid_store(*, phone: str, openid: str) -> None:
    """The OpenID on the customer's contact; an OpenID already known is kept (it is the one the service
    account's messages go to)."""
    contact, _ = Contact.objects.get_or_create(phone=phone)
    if not contact.wechat_openid:
        Contact.objects.filter(pk=contact.pk, wechat_openid="").update(wechat_openid=openid[:64])
