"""perform, the one answer of every page to a POSTed action: refusal → error message, success → message."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.http import HttpRequest
from django.test import RequestFactory

from doorstep.core.errors import Invalid
from doorstep.orders.pages import perform


def _post(**headers: str) -> HttpRequest:
    request = RequestFactory().post("/x/", headers=headers)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def _said(request: HttpRequest) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(request)]


def _refuse() -> None:
    raise Invalid("note_required", "请填写说明。")


def test_success_shows_done_and_goes_back() -> None:
    request = _post()
    response = perform(request, lambda: object(), "/back/", done="已保存。")
    assert (response.status_code, response["Location"]) == (302, "/back/")
    assert _said(request) == [("success", "已保存。")]


def test_the_text_the_action_returns_is_the_message_and_none_says_nothing() -> None:
    request = _post()
    perform(request, lambda: "已完成：已派工", "/back/")
    perform(request, lambda: None, "/back/")
    assert _said(request) == [("success", "已完成：已派工")]


def test_a_refusal_shows_its_text_and_may_go_elsewhere() -> None:
    request = _post()
    response = perform(request, _refuse, "/done/", done="不会显示", refused_back="/form/?do=quote")
    assert response["Location"] == "/form/?do=quote"
    assert _said(request) == [("error", "请填写说明。")]


def test_a_url_name_is_resolved() -> None:
    response = perform(_post(), lambda: None, "orders:calls")
    assert response["Location"] == "/orders/calls/"


def test_the_offline_queue_gets_json_instead_of_a_redirect() -> None:
    ok = perform(_post(**{"X-Visit-Queue": "1"}), lambda: "好", "/v/1/")
    refused = perform(_post(**{"X-Visit-Queue": "1"}), _refuse, "/v/1/")
    assert ok.status_code == refused.status_code == 200
    assert json.loads(ok.content) == {"ok": True, "redirect": "/v/1/"}
    assert json.loads(refused.content) == {
        "ok": False,
        "redirect": "/v/1/",
        "error": "请填写说明。",
        "field": "",
    }


def test_a_replayed_key_runs_nothing_and_says_so() -> None:
    ran: list[int] = []

    def replay(request: HttpRequest, fn: Callable[[], object]) -> tuple[object, bool]:
        return None, True

    request = _post()
    perform(request, lambda: ran.append(1), "/v/1/", done="已完成", once=replay)
    assert ran == []
    assert _said(request) == [("info", "该操作已提交过（离线重发），未重复执行。")]


def test_a_conflict_answers_htmx_409_with_the_page_to_load_and_the_message() -> None:
    from django.db import IntegrityError

    from doorstep.core.errors import Conflict

    def lost() -> None:
        raise Conflict("stale_order")

    request = _post(**{"HX-Request": "true"})
    response = perform(request, lost, "/back/")
    assert (response.status_code, response["HX-Location"]) == (409, "/back/")
    assert _said(request) == [("error", "工单已被他人更新，请刷新后重试。")]

    def duplicate() -> None:  # a constraint refusing a concurrent duplicate is the same conflict
        raise IntegrityError('duplicate key value violates unique constraint "visits_signature_order_id_key"')

    request = _post(**{"HX-Request": "true"})
    assert perform(request, duplicate, "/back/").status_code == 409
    assert _said(request) == [("error", "该工单已有客户签字，不能重复签字。")]
    plain = _post()  # without htmx: the usual redirect, with the message
    assert perform(plain, lost, "/back/").status_code == 302 and _said(plain)


def test_a_conflict_that_escaped_a_view_is_409_not_500() -> None:
    from django.db import IntegrityError

    from doorstep.core.middleware import ConflictMiddleware

    net = ConflictMiddleware(lambda request: HttpRequest())  # type: ignore[arg-type,return-value]
    page = net.process_exception(RequestFactory().post("/orders/1/"), IntegrityError("exclusion"))
    assert page is not None and page.status_code == 409
    api = net.process_exception(RequestFactory().post("/api/orders"), IntegrityError("unique"))
    assert api is not None and api.status_code == 409 and json.loads(api.content)["code"] == "conflict"
    assert net.process_exception(RequestFactory().get("/"), ValueError("other")) is None
    from django.db import OperationalError

    class Deadlock(Exception):
        sqlstate = "40P01"

    collided = OperationalError("deadlock detected")
    collided.__cause__ = Deadlock()
    answer = net.process_exception(RequestFactory().post("/api/orders"), collided)
    assert answer is not None and answer.status_code == 409
    assert net.process_exception(RequestFactory().get("/"), OperationalError("disk full")) is None
