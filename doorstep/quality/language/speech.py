"""Is a matched phrase said BY staff TO the customer as a refusal or disparagement? (R-LG-2, R-LG-3)

Matching finds the characters of a listed phrase; this module reads the sentence around each match
and says why a match is not a forbidden use, or ``None`` when it is one. Every match is judged on its
own, so a harmless use next to a real one never hides the real one. The reasons:

``customer``      the customer's own words: a customer turn of a transcript (客户：/顾客：/用户：…), a
                  quote or report introduced by the customer (客户说…, 用户原话“…”), or the customer
                  as the subject (如果您不清楚型号…, 客户不知道型号).
``mention``       training or review material quoting the list (服务禁语包括“不知道”, 禁止说“我没办法”,
                  “就是这样”等话语要改为…).
``question``      a polite question to the customer (不知道您什么时候方便？, 对吗，是不是就是这样？).
``offer``         an offer of help (有不清楚的地方随时问我; 这个我不清楚，我马上帮您问技术主管).
``surprise``      pleasant surprise or thanks (真不知道会这么快修好！, 没有您的配合我没办法这么快修好).
``agreement``     agreement or instruction (对，就是这样！, 就是这样操作的).
``longer_word``   a longer word that merely contains the characters (看不清楚, 我们不管多晚都来).
``negated``       the phrase is denied (不是您错了, 不会让您凑合着用).
``diagnosed``     a statement made after diagnosis, not before it (经检测，这种现象不正常).
``pending``       an internal note that a cause is still being found (原因暂不清楚，需进一步检测).
``apology``       an apology for not having known the customer's situation (不好意思，我们不知道您不在家).

The functions work on the reading view (:func:`.normalize.fold`): simplified script, ASCII
punctuation, line breaks kept. Pure Python, no Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .normalize import Normalized, fold, is_punctuation

# --- who is speaking ------------------------------------------------------------------------------------
CUSTOMER_WORDS = (
    "客户",
    "顾客",
    "用户",
    "客人",
    "业主",
    "买家",
    "来电人",
    "来电者",
    "机主",
    "住户",
    "消费者",
    "租户",
    "家属",
)
STAFF_WORDS = (
    "工程师",
    "客服",
    "师傅",
    "技术员",
    "技师",
    "坐席",
    "座席",
    "维修员",
    "维修工",
    "安装工",
    "安装员",
    "服务人员",
    "服务员",
    "服务商",
    "网点",
    "话务员",
    "接线员",
    "专员",
    "售后",
    "主管",
    "员工",
    "调度",
    "回访员",
    "质检",
    "中心",
    "店员",
    "我方",
    "我",
    "本人",
)
_LABEL = re.compile(
    r"(?:^|(?<=[\n。!?;]))[ \t]*[(\[]?([^\s:()\[\]\"。!?;,]{1,12}?)(?:\([^()\n]{0,10}\))?[)\]]?[ \t]*:"
)

_CUSTOMER_NOUN = r"(?:客户|顾客|用户|客人|业主|买家|机主|住户|消费者|对方|来电人|他们|她们|他|她|您|你)"
_STAFF_NOUN = r"(?:我们|我|本人|师傅|工程师|技术员|技师|客服|坐席|座席|同事|维修员)"
_SAY = (
    r"(?:说|讲|问|称|表示|反映|反馈|抱怨|提到|认为|觉得|询问|质疑|回答|答复|告知|吐槽|投诉|原话|留言|来电说)"
)
CUSTOMER_SPEECH = re.compile(
    r"(?<![跟对向给和诉知让替帮])" + _CUSTOMER_NOUN + r"[^,。!?;:\"]{0,6}?" + _SAY + r"(?!得|的|明|题|候|好)"
)
STAFF_SPEECH = re.compile(
    _STAFF_NOUN + r"[^,。!?;:\"]{0,6}?(?:说|讲|回答|回复|答复|告诉|解释|答|回)(?!了解|访|来|去|头|家|到)"
)

# --- training material ----------------------------------------------------------------------------------
_META_VERB = re.compile(
    r"(?:禁止|不要|不可|不得|不能|不应该|不应|不准|别|切忌|切勿|避免|严禁|杜绝|勿|忌)"
    r"(?:对[^,。!?;]{1,8}?|向[^,。!?;]{1,8}?|跟[^,。!?;]{1,8}?)?(?:说|讲|使用|用|出现)"
)
_META_WORDS = re.compile(
    r"禁语|忌语|禁用语|服务用语|规范用语|文明用语|习惯用语|专业表达|话术|培训|考核|案例|示例|范例|课件|手册"
)
_META_AFTER = re.compile(
    r"^[\"',\s]*(?:等|之类|这类|这种|这样的|一类|此类)(?:的)?(?:话|话语|用语|说法|禁语|字眼|词|表达)"
    r"|^[\"',\s]*(?:是|属于|都是|均为|均属)(?:服务)?(?:禁语|忌语)"
    r"|^[\"',\s]*(?:是|属于|都是|均为|均属|就是)?(?:不对|错误|不妥|不当|不规范|不礼貌|违规|不允许|不可以|不应该|不合适)"
)
_REWORD = re.compile(r"改为|换为|改成|换成|改用|改说|应说|要说成|替换为")

# --- the customer as subject ----------------------------------------------------------------------------
_OTHER_SUBJECT = re.compile(
    r"(?:您|你|客户|用户|顾客|客人|业主|他|她|他们|她们|对方|家人|老人|孩子|家里人|大家|有些人|很多人"
    r"|很多用户|不少用户|很多客户)(?:们|家)?(?:也|都|还|可能|或许|要是|如果|是否|是不是|暂时|一时|也许|万一|可能还|确实|其实)*$"
)
_DISPARAGING = re.compile(
    r"连|这都|这也|都不知道吗|还不知道吗|怎么会不|难道|笨|常识|别乱|乱按|乱动|瞎|都不会|看不懂|外行"
)
_CONDITIONAL = re.compile(r"(?:如果|要是|若是|若|假如|万一|倘若|一旦|如)[^,。!?;]*$")
_ITEMS = re.compile(r"(?:有|什么|哪里|哪些|任何|其他|其它|还有|如有|哪儿|哪个)[^,。!?;]{0,4}$")
_POLITE_AFTER = re.compile(
    r"^(?:您|你|贵)?[^。!?;]{0,12}?(?:是否|能否|可否|可不可以|能不能|方便|有没有时间|什么时候|哪天|几点|需要|满意|介意"
    r"|愿意|同意|在家|有空)"
)
_PERCEPTION = re.compile(r"(?:看|听|显示|印|写|照|拍|读|认|辨认|模糊|字迹|画面|图像|屏幕|声音)[得]?$")

# --- offers, surprise, agreement ------------------------------------------------------------------------
_OFFER = re.compile(
    r"(?:我|我们|让我|我来|我这边)(?:马上|立即|立刻|现在|这就|先|来|可以|会|再|一定|随后|稍后|今天|明天|下午|去)*"
    r"(?:帮|给|为|替|陪)(?:您|你)"
    r"|(?:帮|给|为|替)(?:您|你)(?:查|问|确认|核实|联系|咨询|申请|看|处理|解决|演示|讲解|说明|解释|安排|登记|记录|反馈|调)"
    r"|随时(?:联系|问|找|咨询|打电话|致电|告诉)"
    r"|(?:欢迎|可以)(?:随时)?(?:联系|咨询|问我|问我们|来电|致电|找我)"
    r"|(?:我|我们)(?:马上|立即|立刻|尽快|这就|先|会)(?:去|来)?(?:查|问|确认|核实|联系|申请|请教|咨询|记录|记下|登记)"
    r"|(?:尽快|马上|第一时间)(?:给|向)?(?:您|你)?(?:回复|答复|回电|反馈)"
)
_REFUSAL_BETWEEN = re.compile(r"自己|别人|厂家|找有关|没办法|吧[,。]|不管|无能为力")
_SURPRISE_AFTER = re.compile(r"原来|竟然|居然|会这么|能这么|这么|那么|还能|还可以|还有|也有|也能|如此")
_POSITIVE = re.compile(
    r"好|快|棒|方便|简单|顺利|省|便宜|划算|漂亮|安静|干净|满意|开心|高兴|惊喜|厉害|神奇|感谢|谢谢|专业|不错|实用|贴心|!"
)
_SURPRISE_SENTENCE = re.compile(r"没想到|想不到|竟然|居然|学到了|长知识|涨知识|才知道|头一回|第一次知道")
_GRATEFUL_BEFORE = re.compile(r"没有您|没有你|要不是|多亏|幸亏|幸好|全靠|要没有|若没有|如果没有")
_AGREEMENT_BEFORE = re.compile(
    r"(?:对|对的|是的|是|没错|对对|正确|完全正确|说得对|说得没错|理解得对|理解得没错|理解正确|好的|没问题|很好|yes|ok)$"
)
_AGREEMENT_AFTER = re.compile(r"^(?:您|你)(?:说得|理解得|讲得|做得|操作得)(?:对|没错|很对|完全正确|很好)")
_INSTRUCTION_AFTER = re.compile(
    r"^(?:操作|设置|安装|连接|接线|接|用|使用|按|拧|调|进行|处理|清洗|拆|装|放|摆|插|拔|打开|关闭|开|关|造成|引起"
    r"|导致|产生|形成|工作|运行|运转|解决|修好|弄好|换|一步|做|走|来的|摆放|固定|清理|保养)"
)
_EXPLANATION_BEFORE = re.compile(r"(?:原理|步骤|方法|流程|过程|操作|用法|原因|做法|顺序|接法|装法)$")
_CONFIRM_QUESTION = re.compile(r"吗|是不是|对吧|对不对|是吧|可以吧|没错吧")
_REGARDLESS_AFTER = re.compile(
    r"^(?:多|什么|怎么|怎样|是否|是不是|是|几|哪|谁|刮风|下雨|白天|晚上|早晚|大小|远近|有没有|能不能|会不会|在不在|如何"
    r"|任何|您|你|多远|多晚|多早|周末|节假日|保内|保外|在保)"
)
_NEGATED_BEFORE = re.compile(
    r"(?:不是|并不是|并非|绝不是|绝对不是|不会让您|不能让您|不会让你|不能让你|不让您|不让你|不会|不能|决不|绝不|不可能"
    r"|而不是|并不|不用|不必|无需|没有说|没说|不说|别让您|别让你|不再让您|不再让你|不再)(?:您|你|是|说|讲|说成)?$"
)
_DIAGNOSED_BEFORE = re.compile(
    r"检查后|检测后|经检测|经检查|经过检查|经过检测|诊断后|测试后|测量后|排查后|拆机后|确认后|检测发现|检查发现|测得|实测"
)
_PENDING_SUBJECT = re.compile(
    r"(?:原因|情况|型号|故障|问题|原理|症状|故障点|漏点|结果|位置|部位|参数|规格|数据|来源|范围)(?:暂时|暂|目前|现在|还|尚|仍)*$"
)
_PENDING_AFTER = re.compile(
    r"需|待|进一步|检测|检查|确认|核实|排查|拆机|测试|拉回|申请|联系|上报|等|技术支持|回复"
)

# Categories whose phrase, asked as a question, is a question and not a statement (这是设计问题吗？).
_ASKABLE = ("blaming_design", "premature_diagnosis", "disparaging_product", "dismissing_fault")

# The spans of a hit's surroundings, all in reading-view coordinates.
_SENTENCE_END = "\n。!?;"
_CLAUSE_END = _SENTENCE_END + ",:"


@dataclass(frozen=True, slots=True)
class Reading:
    """A text prepared for judging the context of its hits."""

    view: Normalized
    position: tuple[int, ...]  # original index -> reading-view index (next kept character)
    speakers: tuple[tuple[int, str], ...]  # (reading-view start, "staff" | "customer"), in order

    @classmethod
    def of(cls, text: str) -> Reading:
        view = fold(text)
        position = [len(view.text)] * (len(text) + 1)
        for folded_index in range(len(view.index) - 1, -1, -1):
            position[view.index[folded_index]] = folded_index
        for i in range(len(text) - 1, -1, -1):
            if position[i] == len(view.text) and position[i + 1] != len(view.text):
                position[i] = position[i + 1]
        return cls(view, tuple(position), tuple(_speaker_turns(view.text)))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original half-open span -> reading-view half-open span."""
        return self.position[start], self.position[end - 1] + 1

    def speaker_at(self, index: int) -> str:
        speaker = "staff"
        for start, who in self.speakers:
            if start > index:
                break
            speaker = who
        return speaker


def _label_speaker(label: str) -> str | None:
    if re.search(r"告诉|告知|通知|回复|答复|跟|向|对|给", label):
        return "staff"
    starts_customer = label.startswith(CUSTOMER_WORDS)
    if not starts_customer and any(word in label for word in STAFF_WORDS):
        return "staff"
    if starts_customer or any(word in label for word in CUSTOMER_WORDS):
        return "customer"
    return None


def _speaker_turns(text: str) -> list[tuple[int, str]]:
    turns: list[tuple[int, str]] = []
    for match in _LABEL.finditer(text):
        who = _label_speaker(match.group(1))
        if who is not None:
            turns.append((match.end(), who))
    return turns


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    left = start
    while left > 0 and text[left - 1] not in _SENTENCE_END:
        left -= 1
    right = end
    while right < len(text) and text[right] not in _SENTENCE_END:
        right += 1
    return left, right


def _clause_before(text: str, sentence_start: int, start: int) -> str:
    left = start
    while left > sentence_start and text[left - 1] not in _CLAUSE_END:
        left -= 1
    return text[left:start].strip(" \"'")


def _squeeze(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace() and not is_punctuation(ch))


def _quote_around(text: str, start: int, end: int, left: int, right: int) -> tuple[int, int] | None:
    """The (open, close) quote positions enclosing [start, end) inside a line, if any."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    quotes = [i for i in range(line_start, line_end) if text[i] == '"']
    for open_, close in zip(quotes[::2], quotes[1::2], strict=False):
        if open_ < start and end <= close:
            return open_, close
    return None


def judge(reading: Reading, start: int, end: int, phrase_id: str, category: str) -> str | None:
    """Why the hit at original [start, end) is NOT a forbidden use, or ``None`` if it is one."""
    text = reading.view.text
    s, e = reading.span(start, end)
    if reading.speaker_at(s) == "customer":
        return "customer"
    left, right = _sentence_bounds(text, s, e)
    quote = _quote_around(text, s, e, left, right)
    if quote is not None:
        open_, close = quote
        intro_start = text.rfind('"', left, open_)
        intro = text[max(left, intro_start + 1) : open_]
        outro = text[close + 1 : right]
        if _META_VERB.search(intro) or _META_WORDS.search(text[left:open_]) or _META_AFTER.search(outro):
            return "mention"
        if _REWORD.search(outro) or _REWORD.search(intro):
            return "mention"
        if _customer_intro(intro):
            return "customer"
        left, right = open_ + 1, close
    before = text[left:s]
    after = text[e:right]
    if _mentions(before, after):
        return "mention"
    if _customer_reported(text, left, s):
        return "customer"
    return _phrase_reason(text, left, s, e, right, phrase_id, category)


def _customer_intro(intro: str) -> bool:
    """The quote is the customer's words, or the customer reporting what someone else said
    (客户反映师傅说“…”): either way not the author speaking to the customer."""
    matches = list(CUSTOMER_SPEECH.finditer(intro))
    staff = list(STAFF_SPEECH.finditer(intro))
    if not matches:
        return False
    if not staff or staff[-1].start() < matches[-1].start():
        return True
    return not re.match(r"我|本人", staff[-1].group(0))


def _mentions(before: str, after: str) -> bool:
    """Training or review material: the phrase is named, not said (禁止说…, 服务禁语包括…, …等话语)."""
    if _META_AFTER.search(after) or _REWORD.search(after):
        return True
    marker = None
    for marker in (*_META_VERB.finditer(before), *_META_WORDS.finditer(before)):
        gap = before[marker.end() :]
        if gap.startswith(("了", "话", "什么", "这些", "那些")) or len(_squeeze(gap)) > 30:
            continue
        if STAFF_SPEECH.search(gap) or re.search(r"但|可是|不过|结果|还是", gap):
            continue
        return True
    return False


def _customer_reported(text: str, left: int, s: int) -> bool:
    """The hit is in words reported from the customer (客户说…/用户反映：…)."""
    line_start = text.rfind("\n", 0, s) + 1
    scope_start = left
    # After "客户反映：" the customer's words run to the end of the line.
    head = text[line_start:left]
    colon = head.rfind(":")
    if (
        colon != -1
        and CUSTOMER_SPEECH.search(head[:colon])
        and not head[:colon].rstrip().endswith(STAFF_WORDS)
    ):
        scope_start = line_start
    before = text[scope_start:s]
    customer = list(CUSTOMER_SPEECH.finditer(before))
    if not customer:
        return False
    last = customer[-1]
    staff = list(STAFF_SPEECH.finditer(before))
    if staff and staff[-1].start() > last.start():
        return False
    tail = before[last.end() :]
    # A new clause where staff speak for themselves (…，我…) is the reply, not the customer's words.
    return not re.search(r"[,:;]\s*(?:我|我们|本人)(?!说|讲)", tail) or ":" in tail[:2]


def _phrase_reason(
    text: str, left: int, s: int, e: int, right: int, phrase_id: str, category: str
) -> str | None:
    sentence = text[left : right + 1]
    before = _squeeze(text[left:s])
    clause = _squeeze(_clause_before(text, left, s))
    after = _squeeze(text[e:right])
    raw_after = text[e:right]
    first_after = raw_after[:1]
    if category == "ignorance":
        return _ignorance(text, left, s, e, right, phrase_id)
    if phrase_id == "LG2-F17":  # 就是这样
        if re.match(r"^的(?:情况|话|原因|前提|条件|场合|时候)", after):
            return "longer_word"  # 就是这样的情况下…
        if (
            _AGREEMENT_BEFORE.search(clause)
            or _AGREEMENT_BEFORE.search(before)
            or _AGREEMENT_AFTER.search(after)
        ):
            return "agreement"
        if first_after not in ",。!?;" and _INSTRUCTION_AFTER.search(after):
            return "agreement"
        if _EXPLANATION_BEFORE.search(before):
            return "agreement"
        if re.search(r"方便|为了|以便|便于|目的是|好处是|这样可以|这样能|更安全|更省", after):
            return "agreement"  # 包装就是这样设计的，方便搬运
        if sentence.rstrip().endswith("?") and _CONFIRM_QUESTION.search(sentence):
            return "question"
    if phrase_id == "LG3-P02" and _REGARDLESS_AFTER.search(after):  # 我们不管多晚…
        return "longer_word"
    if phrase_id == "LG2-F18" or category in ("shirking",):
        if _GRATEFUL_BEFORE.search(before):
            return "surprise"
        if phrase_id != "LG3-P02" and "找有关部门" not in sentence and _offer_after(raw_after):
            return "offer"
    if phrase_id == "LG2-H09" and (
        before.endswith(("让", "我来让", "请让")) or re.match(r"^(?:能不能|能否|可不可以)", after)
    ):
        return "offer"
    if phrase_id == "LG2-F03" and _DIAGNOSED_BEFORE.search(before):
        return "diagnosed"
    asking = sentence.rstrip().endswith("?") and re.search(r"吗|是不是|是否|会不会|难道不|对吧", sentence)
    if category in _ASKABLE and asking and not re.search(r"^(?:吧|呢)", after):
        return "question"
    if category not in ("shirking",) and _NEGATED_BEFORE.search(clause):
        return "negated"
    return None


def _offer_after(after: str) -> bool:
    offer = _OFFER.search(after)
    if offer is None:
        return False
    return not _REFUSAL_BETWEEN.search(after[: offer.start()])


def _ignorance(text: str, left: int, s: int, e: int, right: int, phrase_id: str) -> str | None:
    sentence = text[left : right + 1]
    clause = _squeeze(_clause_before(text, left, s))
    raw_after = text[e:right]
    after = _squeeze(raw_after)
    clause_after = _squeeze(re.split(r"[,:]", raw_after, maxsplit=1)[0])
    first_person = re.search(
        r"(?:我|我们|本人|俺)(?:也|都|还|真|确实|实在|暂时|现在|目前|一时|其实|也还)*$", clause
    )
    if phrase_id == "LG2-F02" and _PERCEPTION.search(clause):
        return "longer_word"
    if _GRATEFUL_BEFORE.search(_squeeze(text[left:s])):
        return "surprise"
    is_question = sentence.rstrip().endswith("?") or re.search(r"[吗呢]\??$", sentence.rstrip())
    polite = is_question and _POLITE_AFTER.search(after)
    if phrase_id == "LG2-F01" and polite and (not first_person or re.match(r"^(?:您|你)", after)):
        return "question"
    if phrase_id == "LG2-F01" and is_question and not first_person and re.search(r"您|你|贵", after):
        return "question"  # 不知道明天下午您家里有人吗？
    if not first_person:
        other = _OTHER_SUBJECT.search(clause)
        if other is not None:
            you = re.match(r"(?:您|你)", other.group(0))
            if you and _DISPARAGING.search(sentence) and not _CONDITIONAL.search(clause):
                return None
            return "customer"
        if _CONDITIONAL.search(clause) or re.match(r"^[^,。!?;]{0,8}的话", raw_after):
            return "customer"
        if _ITEMS.search(clause) and not re.search(r"我(?:也|都|还)?(?:有|什么)", clause):
            return "offer"
        if re.match(r"^(?:的地方|之处|的部分|的内容|的步骤|的问题可以|的可以)", after):
            return "offer"
        if _PENDING_SUBJECT.search(clause) and _PENDING_AFTER.search(after):
            return "pending"
    if re.match(r"^(?:您|你)", after) and re.search(r"不好意思|抱歉|对不起|非常抱歉", sentence):
        return "apology"  # 不好意思，我们不知道您今天不在家
    if re.search(r"以前|之前|原先|本来|过去|一直", clause) and _POSITIVE.search(sentence):
        return "surprise"  # 我以前也不知道这个功能，谢谢您！
    marked = _SURPRISE_SENTENCE.search(sentence) and not _REFUSAL_BETWEEN.search(sentence)
    if marked and _POSITIVE.search(sentence):
        return "surprise"  # 没想到您这么了解，我都不知道这个小技巧，学到了！
    surprised = re.match(r"^(?:会|能|原来|竟然|居然|还|有)", after) or re.search(
        r"(?:真|都|还|竟|也)$", clause
    )
    if surprised and _SURPRISE_AFTER.search(clause_after or after) and _POSITIVE.search(sentence):
        return "surprise"
    if _offer_after(raw_after):
        return "offer"
    return None


def reading_of(text: str) -> Reading:
    return Reading.of(text)
