"""DomainError: every refusal of a rule is a code plus a translatable (zh-Hans / en) message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, IntegrityError, models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override


class ErrorCode(models.TextChoices):
    """Every refusal the system gives: a stable code (clients switch on it) and its one message.

    The message is the label: a lazy translation (Chinese source, English in the catalogue) whose
    ``%(name)s`` parameters the raise site passes as keyword arguments. A message that only shows a
    text computed at the raise site is ``%(detail)s``.
    """

    ADDRESS_NOT_COVERED = (
        "address_not_covered",
        _(
            "「%(place)s」不在本服务中心的服务范围内（可上门的区：%(areas)s），网上预约无法受理；"
            "请联系当地的服务网点，或拨打服务热线 %(hotline)s 咨询。"
        ),
    )
    ALREADY_SIGNED = "already_signed", _("该工单已有客户签字，不能重复签字。")
    AMOUNT_NOT_QUOTE = "amount_not_quote", _("收款金额与客户确认的报价不符。")
    ANSWER_REQUIRED = "answer_required", _("请记录电话指导的内容。")
    APOLOGY_REQUIRED = "apology_required", "%(detail)s"
    APPOINTMENT_OUTSIDE_HOURS = (
        "appointment_outside_hours",
        _(
            "预约时间不在工程师的服务时间内（%(day)s %(hours)s）。如确系与客户约定的时间，"
            "请勾选「客户约定在服务时间外上门」（R-DI-3）。"
        ),
    )
    APPOINTMENT_OUTSIDE_WINDOW = (
        "appointment_outside_window",
        _("确认的上门时间须在客户预约的时段内（%(start)s–%(end)s）。"),
    )
    APPOINTMENT_PASSED = "appointment_passed", _("预约时间已过，不能再更改上门时间，请改约（R-DI-8）。")
    APPOINTMENT_OVERLAP = (
        "appointment_overlap",
        _("工程师在该时段已有确认的预约（工单 %(number)s），同一工程师的预约不能重叠。"),
    )
    BRAND_UNKNOWN = "brand_unknown", _("品牌不存在：%(code)s")
    BRAND_WITHOUT_CENTRE = "brand_without_centre", _("该品牌没有服务中心。")
    CALL_NOTE_REQUIRED = "call_note_required", _("请填写致电内容（致歉、原因、预计到达时间）。")
    CALLBACK_FEEDBACK_REQUIRED = "callback_feedback_required", _("请记录客户反映的问题。")
    CALLBACK_FOLLOW_UP_UNKNOWN = "callback_follow_up_unknown", _("请选择后续处理方式。")
    CALLBACK_FORBIDDEN = "callback_forbidden", _("只有客服、质量经理或管理员可以回访。")
    CALLBACK_NOT_DUE = "callback_not_due", _("该工单当前不需要回访。")
    CALLBACK_AWAITS_PAYMENT = (
        "callback_awaits_payment",
        _(
            "尚有 ¥%(amount)s 未收款，须由工程师%(who)s收款后才能完成回访（R-CO-2）；"
            "客户反映产品仍有问题时，请选择「重新上门」。"
        ),
    )
    CALLBACK_TOO_EARLY = "callback_too_early", _("完工后最早 %(at)s 才能回访（R-QA-1）。")
    CALLBACK_OUTCOME_UNKNOWN = "callback_outcome_unknown", _("请选择回访结果。")
    CALLBACK_PROBLEM_NEEDS_FOLLOW_UP = (
        "callback_problem_needs_follow_up",
        _("客户反映产品仍有问题：请选择重新上门或转投诉。"),
    )
    CANNIBALISE_NEEDS_CONSENT = (
        "cannibalise_needs_consent",
        _("从故障机或周转机拆取配件须先记录客户同意（R-AN-3）。"),
    )
    CANNOT_ACCEPT = "cannot_accept", _("只有网点可以接单，且工单须处于「已派网点」。")
    CONFIRM_NOTHING_SELECTED = "confirm_nothing_selected", _("请勾选已与客户核实、按原样无误的问题。")
    CONFIRM_NOT_LISTED = "confirm_not_listed", _("所选问题不在本工单的待核实列表中：%(code)s")
    CONFLICT = "conflict", _("该操作与同时进行的另一操作冲突，未执行。请刷新后查看结果。")
    CONTROL_CHARACTER = (
        "control_character",
        _("输入「%(name)s」中含有不可见的控制字符（如 NUL），请删除后重试。"),
    )
    CAUSE_REQUIRED = "cause_required", _("请填写故障原因。")
    CHARGE_NOT_IN_FEE_STANDARD = "charge_not_in_fee_standard", _("收费项目不在品牌公布的收费标准内：%(code)s")
    CHARGE_PRICE_NOT_STANDARD = "charge_price_not_standard", _("单价必须按收费标准 ¥%(price)s 收取。")
    CHARGE_UNKNOWN = "charge_unknown", _("收费项目不存在。")
    CHECKLIST_INCOMPLETE = "checklist_incomplete", _("以下检查项尚未完成：%(items)s")
    CHECKLIST_KIND_INVALID = "checklist_kind_invalid", _("检查清单类型无效：%(kind)s")
    CHOICE_INVALID = "choice_invalid", _("取值无效：%(value)s")
    COMPLAINT_CATEGORY_UNKNOWN = "complaint_category_unknown", _("请选择投诉类别。")
    COMPLAINT_CHANNEL_UNKNOWN = "complaint_channel_unknown", _("请选择投诉渠道。")
    COMPLAINT_DESCRIPTION_REQUIRED = "complaint_description_required", _("请填写投诉内容。")
    COMPLAINT_FORBIDDEN = "complaint_forbidden", _("您不能为该工单登记投诉。")
    COMPLAINT_NOT_FOUND = "complaint_not_found", _("找不到该投诉。")
    COMPLAINT_NOT_YOURS = "complaint_not_yours", _("只有投诉负责人或质量部门可以处理该投诉。")
    COMPLAINT_RESPONSE_REQUIRED = "complaint_response_required", _("请填写答复内容。")
    COMPLAINT_STATE = "complaint_state", _("投诉当前状态为「%(state)s」，不能执行该操作。")
    COMPLETION_INCOMPLETE = "completion_incomplete", _("尚不能完工，缺少：%(gaps)s")
    CONSENT_KIND_INVALID = "consent_kind_invalid", _("同意类型无效：%(kind)s")
    CORRECTION_CLOSED = "correction_closed", _("工单%(state)s，不能再更正信息。")
    CORRECTION_FORBIDDEN = "correction_forbidden", _("只有客服或本单的上门工程师可以更正订单信息。")
    CORRECTION_NOTHING_CHANGED = "correction_nothing_changed", _("没有要更正的内容：所填与工单现有信息相同。")
    CORRECTION_PROBLEM = "correction_problem", "%(detail)s"
    CUSTOMER_ACT_BY_STAFF = (
        "customer_act_by_staff",
        _("员工不能以客户本人的名义确认：只能明确记录为「客户电话同意」，并由您署名记录。"),
    )
    CUSTOMER_ACT_NOT_BY_PHONE = (
        "customer_act_not_by_phone",
        _("「%(act)s」须由客户本人在自己的手机或客户模式下确认，不能以电话同意代替。"),
    )
    CUSTOMER_CHANGE_TOO_LATE = (
        "customer_change_too_late",
        _("距预约时间已不足 %(minutes)s 分钟，不能在线改约或取消；请致电 %(hotline)s 与客服联系。"),
    )
    CUSTOMER_CONFIRM_TOO_LATE = (
        "customer_confirm_too_late",
        _("距该预约时间已不足 %(minutes)s 分钟，不能在线确认；请致电 %(hotline)s 与客服联系。"),
    )
    CUSTOMER_LINK_STAFF_SESSION = (
        "customer_link_staff_session",
        _("请客户在自己的手机上操作：员工登录状态下不能在客户链接上代客户确认、签字、付款或评价。"),
    )
    CUSTOMER_MARK_REQUIRED = "customer_mark_required", _("请客户本人在签名区签字后再确认。")
    DAY_PERIOD_STARTED = (
        "day_period_started",
        _("今天%(period)s的时段（%(hours)s）已经开始，来不及安排上门；请选择之后的时段或日期。"),
    )
    DATE_IMPOSSIBLE = "date_impossible", _("没有这一天：「%(text)s」，请核对年、月、日。")
    DATE_IN_FUTURE = "date_in_future", _("「%(text)s」是 %(said)s，还没有到；这里要填已经过去的日期。")
    DATE_IN_PAST = "date_in_past", _("「%(text)s」是 %(said)s，已经过去；这里要填今后的时间。")
    DATE_NOT_A_DAY = "date_not_a_day", _("「%(text)s」只说到 %(said)s，请问具体是哪一天。")
    DATE_UNREADABLE = (
        "date_unreadable",
        _("看不懂这个日期：「%(text)s」。可以写 2022年5月1日、5月1日、明天下午、下周三 或 三天前。"),
    )
    DIAGNOSIS_EMPTY = "diagnosis_empty", _("请填写诊断说明或故障原因。")
    DIRECTION_INVALID = "direction_invalid", _("通话方向无效。")
    DISMISS_REASON_REQUIRED = "dismiss_reason_required", _("排除标记必须填写理由。")
    ENTRY_NOT_CHECKED = (
        "entry_not_checked",
        _("进门前须完成进门规范（出示证件、经允许进门、穿鞋套，R-AR-4）。"),
    )
    FAULT_CODE_FORBIDDEN = "fault_code_forbidden", _("只有上门工程师或网点经理可以记录故障编码。")
    FAULT_CODE_INCOMPLETE = "fault_code_incomplete", _("故障编码须填写部件、现象、原因和处理。")
    FAULT_CODE_TOO_EARLY = "fault_code_too_early", _("维修开始后才能记录故障编码。")
    FAULT_UNKNOWN = "fault_unknown", _("故障项不属于该工单。")
    FLAG_ALREADY_REVIEWED = "flag_already_reviewed", _("该标记已审核，不能重复审核。")
    FLAG_NOT_FOUND = "flag_not_found", _("找不到该服务用语标记。")
    GIVEN_BY_REQUIRED = "given_by_required", _("请填写同意人姓名。")
    HANDOVER_SUPERVISOR_ONLY = "handover_supervisor_only", _("首问负责只能由客服主管转交。")
    HURRY_NONE = "hurry_none", _("该工单没有待回复的催单。")
    HURRY_NOT_OWNER = "hurry_not_owner", _("催单由首问负责人 %(owner)s 回复（R-IN-5）。")
    HURRY_REPLY_REQUIRED = "hurry_reply_required", _("请填写给客户的回复。")
    HURRY_TOO_SOON = "hurry_too_soon", _("您已催过单，客服正在处理；%(time)s 后可再次催单。")
    IDEMPOTENCY_IN_PROGRESS = (
        "idempotency_in_progress",
        _("使用同一 Idempotency-Key 的请求正在处理中，请稍后用同一键重试以取得结果。"),
    )
    IDEMPOTENCY_KEY_INVALID = "idempotency_key_invalid", _("Idempotency-Key 须为 1–100 个可见字符。")
    IDEMPOTENCY_KEY_REUSED = (
        "idempotency_key_reused",
        _("该 Idempotency-Key 已用于另一请求（方法、路径或内容不同），请为新请求使用新的键。"),
    )
    ILLEGAL_MOVE = "illegal_move", _("工单当前状态为「%(current)s」，不能执行「%(action)s」。")
    IMPORT_COLUMNS = "import_columns", _("文件缺少必需的列：%(columns)s（见模板）")
    IMPORT_EMPTY = "import_empty", _("文件是空的。")
    IMPORT_ENCODING_UNKNOWN = "import_encoding_unknown", _("无法识别文件编码。")
    IMPORT_FORBIDDEN = "import_forbidden", _("只有客服、客服主管和管理员可以批量导入。")
    IMPORT_TOO_MANY = "import_too_many", _("一次最多导入 %(n)s 行。")
    IMPORT_UNREADABLE = "import_unreadable", _("无法读取该 Excel 文件。")
    INFO_PROBLEMS_OPEN = (
        "info_problems_open",
        _("仍有未解决的信息问题：%(items)s。请更正这些信息，或确认其按原样无误（R-IN-2）。"),
    )
    INSIGHT_DEPARTMENT_UNKNOWN = "insight_department_unknown", _("请选择接收部门。")
    INSIGHT_ROUTE_FORBIDDEN = "insight_route_forbidden", _("只有质量经理或管理员可以更新建议状态。")
    INTAKE_REJECTED = "intake_rejected", _("既无有效电话也无可用姓名，无法受理：%(reason)s")  # R-IN-2
    INSIGHT_STAFF_ONLY = "insight_staff_only", _("只有员工可以提交信息增值建议。")
    INSIGHT_STATE_UNKNOWN = "insight_state_unknown", _("未知的建议状态。")
    INSIGHT_TEXT_REQUIRED = "insight_text_required", _("请填写标题和内容。")
    ITEMS_REQUIRED = "items_required", _("请填写带走的物品（整机及附件）。")
    KIT_NOT_CHECKED = "kit_not_checked", _("出发前须完成物品自检清单（R-PR-1）。")
    KNOCK_PROTOCOL_INCOMPLETE = "knock_protocol_incomplete", "%(detail)s"
    LANGUAGE_AUTHOR_NOT_STAFF = "language_author_not_staff", _("只检查员工撰写的文本。")
    LANGUAGE_REVIEW_FORBIDDEN = "language_review_forbidden", _("只有质量经理或管理员可以审核服务用语标记。")
    LANGUAGE_SOURCE_UNKNOWN = "language_source_unknown", _("未知的文本来源。")
    LEVEL_INVALID = "level_invalid", _("请选择升级对象。")
    MEASUREMENT_INVALID = "measurement_invalid", _("%(label)s无效：%(raw)s")
    MINUTES_INVALID = "minutes_invalid", _("请填写预计迟到分钟数。")
    MISSING_ITEMS_REQUIRED = "missing_items_required", _("请列出需要补全的信息项。")
    NO_OPEN_OFFER = "no_open_offer", _("该工单没有待接的派单。")
    NO_OUTLET = "no_outlet", _("工单尚未派网点。")
    NO_OUTLET_COVERS = "no_outlet_covers", _("没有覆盖「%(district)s」且获品牌授权的网点，请手动选择。")
    NO_OUTLET_LEFT = "no_outlet_left", _("所有获授权的网点均已退单，请联系网点协调。")
    NO_TECHNICIAN = "no_technician", _("工单尚未派工程师。")
    NOT_AGREED = "not_agreed", _("客户未同意，未记录。")
    NOT_LATE = "not_late", _("本次上门未迟到，无需致歉记录。")
    NOT_ON_SITE = "not_on_site", _("工单当前不在现场服务中，不能修改或确认报价。")
    NOT_READY_FOR_SIGNATURE = "not_ready_for_signature", _("服务尚未完成，暂不能签字。")
    NOT_STAFF = "not_staff", _("此账号不是服务网络员工，无权操作工单。")
    NOT_YOUR_OUTLET = "not_your_outlet", _("您不能为该网点排线。")
    NOT_YOUR_VISIT = "not_your_visit", _("这不是派给您的工单。")
    NOTE_REQUIRED = "note_required", _("请填写留言条内容（到达时间、离开时间、联系方式，R-AR-2）。")
    NOBODY_HOME_TOO_EARLY = (
        "nobody_home_too_early",
        _("预约时间 %(at)s 还没到，客户此前不在家不算无人在家；请等到预约时间再记录（R-AR-2）。"),
    )
    OLD_PART_FATE_REQUIRED = "old_part_fate_required", _("请记录旧件去向。")
    ON_SITE_NOT_ARRIVED = "on_site_not_arrived", _("尚未到达客户处，不能记录现场核实（R-DI-4）。")
    ORDER_NOT_FOUND = "order_not_found", _("工单不存在或无权查看。")
    OTHER_CENTRE = "other_centre", _("这不是您服务中心的任务。")
    OTHER_OUTLET = "other_outlet", _("这不是您网点的工单。")
    OUTCOME_REQUIRED = "outcome_required", _("请填写处理结果。")
    OUTLET_DECLINED = "outlet_declined", _("该网点已退单，请转派其他网点。")
    OUTLET_NOT_AUTHORISED = "outlet_not_authorised", _("网点「%(name)s」未获该品牌授权。")
    OUTLET_REQUIRED = "outlet_required", _("请选择网点。")
    OUTLET_UNKNOWN = "outlet_unknown", _("网点不存在：%(id)s")
    OWNER_INVALID = "owner_invalid", _("新负责人必须是本中心的客服。")
    PART_NOT_CERTIFIED = "part_not_certified", _("只能使用原厂或认证配件（R-SV-5）。")
    PART_NOT_IN_QUOTE = (
        "part_not_in_quote",
        _("配件「%(part)s」不在客户确认的报价内（或超出数量）：请先更新报价并经客户确认。"),
    )
    PART_QUANTITY_INVALID = "part_quantity_invalid", _("配件数量无效：%(raw)s")
    PART_SOURCE_INVALID = "part_source_invalid", _("请选择配件来源。")
    PART_UNKNOWN = "part_unknown", _("配件不存在：%(code)s")
    PARTNER_BRAND = "partner_brand", _("此合作方只能为品牌 %(code)s 下单。")
    PARTNER_ORDER_NOT_FOUND = "partner_order_not_found", _("没有此合作方单号：%(ref)s")
    PAYMENT_INTENT_NOT_CHARGED = (
        "payment_intent_not_charged",
        _("没有可入账的电子支付（商户订单号 %(key)s）。"),
    )
    PAYMENT_INTENT_STALE = (
        "payment_intent_stale",
        _("扣款时的报价（第 %(charged)s 版，¥%(amount)s）不是客户现在确认的报价：该笔扣款须对账或退款。"),
    )
    PAYMENT_NEEDS_PROVIDER = (
        "payment_needs_provider",
        _("电子支付（%(method)s）须经支付渠道扣款后才能登记：请使用收款功能。"),
    )
    PAYMENT_NOT_APPLIED = (
        "payment_not_applied",
        _(
            "已通过%(method)s扣款 ¥%(amount)s（交易号 %(transaction)s），但收款未能登记：%(reason)s "
            "该笔扣款已记录在工单上待对账或退款，请勿重复收款。"
        ),
    )
    PAYMENT_OUTCOME_UNKNOWN = (
        "payment_outcome_unknown",
        _("支付渠道未返回结果。请重试收款：系统会用同一商户订单号 %(key)s 向渠道确认，不会重复扣款。"),
    )
    PAYMENT_METHOD_INVALID = "payment_method_invalid", _("请选择收款方式。")
    PAYMENT_JSAPI_UNAVAILABLE = (
        "payment_jsapi_unavailable",
        _("暂不能在微信内直接支付：请扫描页面上的支付二维码，或使用工程师手机上的收款码。"),
    )
    WECHAT_AUTH_STATE = (
        "wechat_auth_state",
        _("微信授权链接已过期、已使用或无效，未作任何更改。请返回订单页重新点击“微信支付”。"),
    )
    WECHAT_AUTH_CODE = (
        "wechat_auth_code",
        _("微信授权未通过（%(detail)s），未作任何更改。请返回订单页重新点击“微信支付”。"),
    )
    WECHAT_AUTH_UNAVAILABLE = (
        "wechat_auth_unavailable",
        _("暂不能在微信内授权支付（服务号未配置）：请扫描页面上的支付二维码，或使用工程师手机上的收款码。"),
    )
    PAYMENT_NOT_CONFIGURED = (
        "payment_not_configured",
        _("%(provider)s 未配置（缺少 %(missing)s），请在 DOORSTEP_PAYMENTS 中设置商户凭据，或使用现金收款。"),
    )
    PAYMENT_NOT_IMPLEMENTED = "payment_not_implemented", _("%(provider)s 接口尚未接入，请使用现金收款。")
    PAYMENT_PROVIDER_REFUSED = "payment_provider_refused", _("%(provider)s 拒绝了请求：%(detail)s")
    PAYMENT_NOT_REFUNDABLE = "payment_not_refundable", _("这笔款项不能退款（状态：%(state)s）。")
    PAYMENT_REFUND_REASON = "payment_refund_reason", _("请填写退款原因。")
    PAYMENT_OUTSTANDING = "payment_outstanding", _("尚有未收款项，请先收款。")
    PLAN_NOT_READY = "plan_not_ready", _("该方案尚未完成或已采用。")
    PLAN_STALE = "plan_stale", _("方案已过期（工单 %(number)s：%(why)s），请重新优化。")
    PROBLEM_NEEDS_CORRECTION = (
        "problem_needs_correction",
        _("「%(problem)s」不能按原样确认，请更正%(item)s（R-IN-2）。"),
    )
    PRODUCT_TOKEN_INVALID = "product_token_invalid", _("二维码无效或已损坏，请直接填写报修信息。")
    PROMISE_IN_PAST = "promise_in_past", _("承诺回复时间必须晚于现在。")
    PROXY_REQUIRED = "proxy_required", _("请填写在家人员姓名及与客户的关系。")
    QUANTITY_INVALID = "quantity_invalid", _("数量无效：%(raw)s")
    QUANTITY_NOT_WHOLE = "quantity_not_whole", _("按「%(unit)s」计的项目数量须为整数：%(raw)s")
    QUESTION_REQUIRED = "question_required", _("请记录客户的问题。")
    QUOTE_CHANGED = "quote_changed", _("报价已变更，请重新查看后再确认。")
    QUOTE_METHOD_INVALID = "quote_method_invalid", _("确认方式无效。")
    QUOTE_NOT_ACCEPTED = (
        "quote_not_accepted",
        _("报价尚未经客户确认（或确认后已变更）：请在客户模式下出示收费标准与报价，由客户确认后再施工。"),
    )
    RATE_LIMITED = "rate_limited", _("请求过于频繁，请 %(seconds)s 秒后再试。")
    REASON_REQUIRED = "reason_required", _("「%(action)s」必须填写原因。")
    RECEIPT_REQUIRED = "receipt_required", _("现金或转账收款须填写收据编号（转账填银行流水号）。")
    REQUEST_TOO_LARGE = "request_too_large", _("提交的内容超过 %(limit)s，请缩小文件后重试。")
    ROLE_NOT_ALLOWED = "role_not_allowed", _("您的角色不能执行「%(action)s」。")
    SAME_OUTLET = "same_outlet", _("转派的网点不能与当前网点相同。")
    SAME_TECHNICIAN = "same_technician", _("该工单已派给这位工程师。")
    SATISFACTION_INVALID = "satisfaction_invalid", _("满意度须为 1–5 分。")
    SIGN_CODE_MISSING = "sign_code_missing", _("请先发送验证码到客户手机（验证码已失效或次数用尽）。")
    SIGN_CODE_WRONG = "sign_code_wrong", _("验证码不正确：须由客户本人输入手机收到的验证码。")
    SIGNATURE_BY_STAFF = "signature_by_staff", _("客户签字只能由客户本人在客户模式下完成，工程师不能代签。")
    SIGNATURE_INVALID = "signature_invalid", _("签名图像无效：须为非空的 PNG 图像。")
    SIGNATURE_REQUIRED = "signature_required", _("完工须有客户本人签字（在客户模式下采集），工程师不能代签。")
    SIGNER_REQUIRED = "signer_required", _("请填写签字人（确认人）姓名。")
    SITUATION_NOTE_REQUIRED = "situation_note_required", _("请说明情况（如门牌不符、住户非报修人）。")
    SLOT_NOT_OFFERED = "slot_not_offered", _("所选时间（%(start)s）已不可预约，请重新选择。")
    STAGE_INVALID = "stage_invalid", _("维修进度不能这样变更。")
    STALE_ORDER = "stale_order", _("工单已被他人更新，请刷新后重试。")
    VISIT_REFUSED = (
        "visit_refused",
        _(
            "客户拒绝上门（%(by)s，%(at)s）：请先倾听、沟通，记录客户同意（谁、何时、何种方式）后再出发或到达（R-DI-6）。"
        ),
    )
    CONSENT_HOW_INVALID = "consent_how_invalid", _("请选择客户同意的方式。")
    REFUSED_BY_REQUIRED = "refused_by_required", _("请填写拒绝上门的客户（或在家人员）。")
    NOT_REFUSED = "not_refused", _("客户没有拒绝上门，无需记录同意。")
    ENTRY_REFUSAL_KIND_INVALID = "entry_refusal_kind_invalid", _("请选择：拒绝入户，或质疑资质。")
    STEP_NOT_NOW = "step_not_now", _("工单当前状态为「%(current)s」，不能执行此步骤。")
    STEP_UNKNOWN = "step_unknown", _("未知操作：%(name)s")
    STOCK_INSUFFICIENT = "stock_insufficient", _("库存不足：%(part)s（%(holder)s）可用 %(available)s 件。")
    SURVEY_ALREADY_SUBMITTED = "survey_already_submitted", _("您已评价过本次服务，谢谢。")
    SURVEY_CUSTOMER_ONLY = "survey_customer_only", _("满意度调查只能由客户本人填写，员工不能代填。")
    SURVEY_MISSING = "survey_missing", _("客户尚未填写在线问卷。")
    SURVEY_NOT_OPEN = "survey_not_open", _("服务完成后才能评价。")
    SURVEY_SCORE_INVALID = "survey_score_invalid", _("每一项评分须为 1–5 分。")
    TAKE_BACK_NEEDS_BACKUP = "take_back_needs_backup", _("拉回前须由客户确认数据备份（R-SV-6）。")
    TAKE_BACK_NEEDS_CONSENT = "take_back_needs_consent", _("拉回维修须先记录客户同意。")
    TAKE_BACK_REASON_INVALID = "take_back_reason_invalid", _("请选择规范允许的拉回原因（R-SV-6）。")
    TASK_DONE = "task_done", _("该任务已处理。")
    TECHNICIAN_NOT_ELIGIBLE = "technician_not_eligible", _("工程师不符合派工条件：%(why)s")
    TECHNICIAN_ON_LEAVE = "technician_on_leave", _("工程师该时段请假（%(kind)s），请改派或另约时间。")
    TECHNICIAN_UNKNOWN = "technician_unknown", _("请选择工程师。")
    TIME_REQUIRED = "time_required", _("「%(text)s」是 %(said)s，请写明几点，如 明天下午3点。")
    UNIT_NOT_REPAIRED = "unit_not_repaired", _("车间尚未登记修复，不能送回（R-AN-6）。")
    UNKNOWN_ACTION = "unknown_action", _("未知操作：%(action)s")
    UPLOAD_EMPTY = "upload_empty", _("「%(name)s」是空文件。")
    UPLOAD_TOO_LARGE = "upload_too_large", _("「%(name)s」超过 %(limit)s，请压缩或拆分后重新上传。")
    UPLOAD_TYPE = "upload_type", _("「%(name)s」的文件类型不被接受，只接受 %(allowed)s。")
    VERIFIED_HOW_NOT_YOURS = "verified_how_not_yours", _("您不能以「%(how)s」方式核实。")
    VERIFIED_HOW_UNKNOWN = (
        "verified_how_unknown",
        _("请选择核实方式（与客户电话核实、上门现场核实或客服台当面核实）。"),
    )
    WARNING_FORBIDDEN = "warning_forbidden", _("只有质量经理或管理员可以确认预警。")
    WECHAT_REPLAYED = "wechat_replayed", _("该请求已使用过（重复的 nonce），已拒收。")
    WECHAT_STALE = "wechat_stale", _("消息时间超出允许范围（%(seconds)s 秒），已拒收。")
    WINDOW_IN_PAST = "window_in_past", _("预约时间不能早于现在。")
    WINDOW_INVALID = "window_invalid", _("预约结束时间必须晚于开始时间。")
    WINDOW_REQUIRED = "window_required", _("请填写预约时间段。")
    WORK_NOT_READY = "work_not_ready", _("尚不能开始施工：%(gaps)s")
    WORK_NOT_STARTED = "work_not_started", _("请先开始施工（报价已确认、安全检查已完成）。")


class DomainError(Exception):
    """A business rule refused an action.

    ``code`` is stable (clients switch on it), ``message`` is a lazy translation (Chinese source,
    English translation), ``field`` names the input at fault when there is one. ``status`` is the
    HTTP status the API answers with.
    """

    status = 409

    def __init__(
        self,
        code: ErrorCode | str,
        message: str | Promise | None = None,
        /,
        *,
        field: str | None = None,
        status: int | None = None,
        **params: Any,
    ) -> None:
        if message is None:  # the one message of a known code
            code = ErrorCode(code)
            message = code.label
        self.code = str(code)
        self.message = message
        self.field = field
        self.params = params
        if status is not None:
            self.status = status
        super().__init__(f"{code}: {self.text()}")

    def text(self, language: str | None = None) -> str:
        if language is None:
            return str(self.message) % self.params if self.params else str(self.message)
        with override(language):
            return self.text()

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.text(), "field": self.field}


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Invalid(DomainError):
    status = 422


class Conflict(DomainError):
    """A concurrent request won: the action was not carried out (nothing written) and the caller is told so
    with 409 and a code, never a server error and never a second effect."""

    status = 409

    def __init__(self, code: ErrorCode | str = ErrorCode.CONFLICT, /, **kwargs: Any) -> None:
        super().__init__(code, **kwargs)


# PostgreSQL's answers to writers that collided: deadlock detected, serialization failure
COLLISION_SQLSTATES = frozenset({"40P01", "40001"})


def db_conflict(error: BaseException) -> Conflict | None:
    """The conflict a database error stands for, or None when it is not one (then it is a real fault)."""
    if isinstance(error, IntegrityError):
        return conflict_from(error)
    if isinstance(error, DatabaseError):
        sqlstate = getattr(error.__cause__, "sqlstate", None)
        if sqlstate in COLLISION_SQLSTATES:
            return Conflict(ErrorCode.CONFLICT)
    return None


def conflict_from(error: Exception) -> Conflict:
    """The domain conflict a database refusal (a unique or exclusion constraint, a serialization failure)
    stands for; the constraint's name picks the code when it has one of its own."""
    text = str(error)
    for constraint, conflict in CONSTRAINT_CONFLICTS.items():
        if constraint in text:
            return conflict()
    return Conflict(ErrorCode.CONFLICT)


# constraint name (PostgreSQL's, or SQLite's table.column) → the refusal it stands for
CONSTRAINT_CONFLICTS: dict[str, Callable[[], Conflict]] = {
    "technician_appointments_do_not_overlap": lambda: Conflict(ErrorCode.APPOINTMENT_OVERLAP, number="—"),
    "signature_order_id_key": lambda: Conflict(ErrorCode.ALREADY_SIGNED),
    "visits_signature.order_id": lambda: Conflict(ErrorCode.ALREADY_SIGNED),
}
