from django.http import HttpRequest, HttpResponse


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def track(request: HttpRequest, token: str) -> HttpResponse:
    return HttpResponse("ok")
