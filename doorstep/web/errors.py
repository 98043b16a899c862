"""The error pages (404, 403, 500): styled, in the user's language, never a stack trace; each shows the
request id (``doorstep.core.observability``) so that support finds the request's log lines, and the way
home."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext as _

from doorstep.core.observability import request_id


def _page(request: HttpRequest, status: int, title: str, text: str) -> HttpResponse:
    # rendered without the context processors: a 500 may come from the database the processors read
    html = loader.get_template("web/error.html").render(
        {"status": status, "title": title, "text": text, "request_id": request_id()}
    )
    return HttpResponse(html, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request, 404, _("页面不存在"), _("您要找的页面不存在，或您无权查看。请检查链接，或回到首页。")
    )


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 403, _("无权访问"), _("您的账号无权执行此操作。如需权限，请联系管理员。"))


def server_error(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        500,
        _("服务器出错了"),
        _("系统处理您的请求时出错，我们已记录。请稍后重试；如仍有问题，请联系技术支持并提供请求编号。"),
    )
