"""SMS through Tencent Cloud's official SDK (``tencentcloud-sdk-python-sms``, API ``SendSms`` 2021-01-11).

Signature (``SignName``) and template id (``TemplateId``) per centre from ``DOORSTEP_SMS_CENTRES``; the
template's parameters in order (``TemplateParamSet``); ``SessionContext`` carries the idempotency key.
Per-number answer codes (``SendStatusSet[].Code``): ``Ok``; throttling ``LimitExceeded.*``; refused for
good ``InvalidParameterValue.IncorrectPhoneNumber``, ``FailedOperation.PhoneNumberInBlacklist``,
``UnauthorizedOperation.*``; request errors (``Error.Code``) ``InternalError.*`` are ``DOWN``.
"""

from __future__ import annotations

from django.conf import settings
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from doorstep.notify.models import Message
from doorstep.notify.providers.base import Outcome, Result, centre_config

INVALID = {
    "InvalidParameterValue.IncorrectPhoneNumber",
    "FailedOperation.PhoneNumberInBlacklist",
    "FailedOperation.PhoneNumberParseFail",
    "InvalidParameterValue.TemplateParameterFormatError",
}


def classify(code: str) -> Result:
    if code == "Ok":
        return Result.OK
    if code.startswith("LimitExceeded") or code == "RequestLimitExceeded":
        return Result.THROTTLED
    if code in INVALID:
        return Result.INVALID
    return Result.DOWN


class TencentSms:
    name = "tencent"

    def client(self) -> sms_client.SmsClient:
        conf = settings.DOORSTEP_TENCENT_SMS
        http = HttpProfile(
            endpoint=conf["endpoint"],
            protocol=conf["protocol"],
            reqTimeout=int(settings.DOORSTEP_NOTIFY["timeout_seconds"]),
        )
        cred = credential.Credential(conf["secret_id"], conf["secret_key"])
        return sms_client.SmsClient(cred, conf["region"], ClientProfile(httpProfile=http))

    def send(self, message: Message) -> Outcome:
        conf = centre_config(message.centre)
        template = conf.get("tencent", {}).get(message.template, "")
        if not template or not conf.get("sign"):
            return Outcome(Result.DOWN, code="NoTemplate", detail=f"no template id for {message.template}")
        req = models.SendSmsRequest()
        req.PhoneNumberSet = [message.to_phone]
        req.SmsSdkAppId = settings.DOORSTEP_TENCENT_SMS["sdk_app_id"]
        req.SignName = conf["sign"]
        req.TemplateId = str(template)
        req.TemplateParamSet = [str(v) for _k, v in message.params]
        req.SessionContext = message.key
        try:
            resp = self.client().SendSms(req)
        except TencentCloudSDKException as exc:
            code = str(exc.get_code() or "")
            if code == "ClientNetworkError" and "timed out" in str(exc.get_message()).lower():
                return Outcome(Result.UNKNOWN, code=code, detail=str(exc.get_message())[:200])
            return Outcome(classify(code), code=code, detail=str(exc.get_message())[:200])
        status = resp.SendStatusSet[0]
        code = str(status.Code or "")
        return Outcome(
            classify(code), code=code, detail=str(status.Message or ""), ref=str(status.SerialNo or "")
        )
