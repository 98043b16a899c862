"""The interface language is a person's, not a browser's (walk finding 17; doorstep/web/language.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from doorstep.network.models import Staff
from doorstep.orders.tracking import tracking_token
from doorstep.tests.factories import WorkOrderFactory

pytestmark = pytest.mark.django_db
PASSWORD = "doorstep-pass"


def sign_in(client: Client, username: str, **headers: str) -> Any:
    """The log-in form, as a person sends it (not force_login: the first log-in chooses the language)."""
    return client.post("/login/", {"username": username, "password": PASSWORD}, **headers)


def language_of(response: Any) -> str:
    return str(response.get("Content-Language", ""))


def profile(world: Any, key: str) -> str:
    return str(Staff.objects.get(pk=world.staff[key].pk).language)


def test_first_log_in_keeps_the_language_of_the_log_in_page(world: Any) -> None:
    browser = Client()
    browser.post("/i18n/setlang/", {"language": "en", "next": "/login/"})  # chosen on the log-in page
    assert sign_in(browser, "agent").status_code == 302
    assert profile(world, "agent") == "en"
    # a second log-in in another language changes nothing: the profile is the choice
    other = Client()
    sign_in(other, "agent", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert profile(world, "agent") == "en"
    assert language_of(other.get("/orders/", HTTP_ACCEPT_LANGUAGE="zh-CN")) == "en"


def test_the_selector_saves_to_the_profile_and_follows_the_person_to_another_device(world: Any) -> None:
    phone = Client()
    sign_in(phone, "agent", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert profile(world, "agent") == "zh-hans"
    answer = phone.post("/i18n/setlang/", {"language": "en", "next": "/orders/"})
    assert answer.status_code == 302 and answer["Location"] == "/orders/"
    assert profile(world, "agent") == "en"
    assert not answer.cookies[settings.LANGUAGE_COOKIE_NAME].value  # the browser keeps no language of hers
    assert language_of(phone.get("/orders/")) == "en"

    desktop = Client()  # another device, a Chinese browser
    sign_in(desktop, "agent", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert language_of(desktop.get("/orders/", HTTP_ACCEPT_LANGUAGE="zh-CN")) == "en"


def test_the_next_person_on_the_same_browser_gets_their_own_language(world: Any) -> None:
    Staff.objects.filter(pk=world.staff["agent"].pk).update(language="en")
    Staff.objects.filter(pk=world.staff["dispatcher"].pk).update(language="zh-hans")
    browser = Client()
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # left by an earlier visitor
    sign_in(browser, "agent")
    assert language_of(browser.get("/orders/")) == "en"
    browser.post("/logout/")
    sign_in(browser, "dispatcher")
    assert language_of(browser.get("/orders/")) == "zh-hans"


def test_anonymous_customers_read_their_browser_language(world: Any) -> None:
    order = WorkOrderFactory.create(world=world, status="confirmed")
    page = f"/t/{tracking_token(order)}/"
    customer = Client()
    english = customer.get(page, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert language_of(english) == "en" and "Service supervision hotline" in english.content.decode()
    assert language_of(customer.get(page, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")) == "zh-hans"
    # the selector sets the cookie for a visitor, which then wins over the browser's language
    customer.post("/i18n/setlang/", {"language": "en", "next": page})
    assert customer.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert language_of(customer.get(page, HTTP_ACCEPT_LANGUAGE="zh-CN")) == "en"


def test_a_profile_without_a_choice_follows_the_browser_and_a_bad_choice_is_ignored(world: Any) -> None:
    client = Client()
    client.force_login(world.staff["agent"].user)  # no log-in page: nothing chosen
    assert profile(world, "agent") == ""
    assert language_of(client.get("/orders/", HTTP_ACCEPT_LANGUAGE="en")) == "en"
    client.post("/i18n/setlang/", {"language": "fr", "next": "/orders/"})
    assert profile(world, "agent") == ""


def test_the_selector_lists_each_language_under_its_own_name(world: Any) -> None:
    client = Client()
    client.force_login(world.staff["agent"].user)
    html = client.get("/orders/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert ">English</option>" in html and "英语" not in html
    html = client.get("/orders/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">简体中文</option>" in html
