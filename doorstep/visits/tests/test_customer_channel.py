"""Acts only the customer can do (R-CO-1, R-SV-2, R-SV-4, R-AN-3, R-AN-6, R-CO-6, R-QA-2), act by channel:
the customer's link, customer mode on the technician's phone, the order page, the API with a staff token,
and a staff session on the customer's tracking link. Each accepted act keeps its source and device."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from doorstep.api.models import ApiToken
from doorstep.core.errors import DomainError
from doorstep.orders.models import WorkOrder
from doorstep.orders.services import order_transition
from doorstep.orders.tests.helpers import order_in
from doorstep.orders.tracking import tracking_token
from doorstep.quality.models import Survey
from doorstep.quality.services.feedback import survey_submit
from doorstep.visits.consent.channel import Channel, accepted_sources, consent_given
from doorstep.visits.consent.consents import consent_record
from doorstep.visits.consent.drawing import signature_png_data_url
from doorstep.visits.consent.signature import signature_capture
from doorstep.visits.diagnosis.parts import part_use_record
from doorstep.visits.diagnosis.quote import fingerprint, quote_current, quote_line_add, quote_lines
from doorstep.visits.models import Checklist, Consent, Quote, Signature, Source
from doorstep.visits.payment.take import payment_take
from doorstep.visits.phone_agreement import phone_agreement_record
from doorstep.visits.testing import checklist_tick, visit_evidence
from doorstep.web.templatetags.event_tags import event_label

PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"
MARK = signature_png_data_url()


@pytest.fixture
def in_service(world) -> WorkOrder:  # type: ignore[no-untyped-def]
    return order_in(world, "in_service")


def _customer() -> Client:
    return Client(HTTP_USER_AGENT=PHONE_UA)


def _staff(world, role: str = "technician") -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_USER_AGENT="desk-browser")
    client.force_login(world.staff[role].user)
    return client


def _api(world, role: str, number: str, body: dict[str, Any]) -> Any:  # type: ignore[no-untyped-def]
    _token, key = ApiToken.issue(user=world.staff[role].user, name=role)
    return Client().post(
        f"/api/orders/{number}/consents",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )


def _quoted(world, order: WorkOrder) -> str:  # type: ignore[no-untyped-def]
    quote_line_add(order=order, actor=world.actor("technician"), fee_code="L-REPAIR")
    return fingerprint(quote_lines(order))


# --- the decision, in one table -----------------------------------------------------------------------------
def test_which_channels_each_consent_accepts_R_CO_1_R_SV_4() -> None:
    own = {Source.CUSTOMER_LINK, Source.CUSTOMER_DEVICE, Source.LEGACY}
    for kind in (
        Consent.Kind.QUOTE,
        Consent.Kind.CANNIBALISE,
        Consent.Kind.TAKE_BACK,
        Consent.Kind.OPEN_CASING,
    ):
        assert accepted_sources(kind) == own | {Source.PHONE_AGREED}
    for kind in (Consent.Kind.DATA_BACKUP, Consent.Kind.INSTALL_ACCEPTANCE):  # the customer's own mark
        assert accepted_sources(kind) == own


# --- the customer's own link --------------------------------------------------------------------------------
def test_customer_link_quote_and_signature_record_source_and_device_R_CO_1(world, in_service) -> None:  # type: ignore[no-untyped-def]
    seen = _quoted(world, in_service)
    token = tracking_token(in_service)
    customer = _customer()
    customer.post(reverse("visits:track_quote", args=[token]), {"signer_name": "刘女士", "seen": seen})
    quote = quote_current(in_service)
    assert quote is not None and quote.method == Quote.Method.CUSTOMER_LINK
    row = in_service.consents.get(kind=Consent.Kind.QUOTE)
    assert row.source == Source.CUSTOMER_LINK and row.recorded_by is None and "iPhone" in row.device
    checklist_tick(in_service, Checklist.Kind.COMPLETION)
    response = customer.post(
        reverse("web:track_sign", args=[token]), {"signer_name": "刘女士", "image": MARK, "opinion": "满意"}
    )
    assert response.status_code == 302
    signature = Signature.objects.get(order=in_service)
    assert signature.source == Source.CUSTOMER_LINK and "iPhone" in signature.device
    assert WorkOrder.objects.get(pk=in_service.pk).status == "completed"


def test_customer_link_survey_records_source_and_device_R_QA_2(world) -> None:  # type: ignore[no-untyped-def]
    order = order_in(world, "paid")
    scores = {"timeliness": "5", "skill": "5", "attitude": "5", "fees": "4"}
    _customer().post(reverse("quality:track_survey", args=[tracking_token(order)]), scores)
    survey = Survey.objects.get(order=order)
    assert survey.source == Source.CUSTOMER_LINK and "iPhone" in survey.device


# --- a staff session on the customer's tracking link --------------------------------------------------------
@pytest.mark.parametrize("role", ["technician", "agent"])
def test_staff_session_cannot_act_on_the_tracking_link_R_CO_1(world, in_service, role) -> None:  # type: ignore[no-untyped-def]
    seen = _quoted(world, in_service)
    visit_evidence(in_service, "complete")
    token = tracking_token(in_service)
    staff = _staff(world, role)
    page = staff.get(reverse("web:track", args=[token]))
    assert page.status_code == 200  # reading stays possible
    html = page.content.decode()
    assert 'id="staff-viewing"' in html and 'id="sign-form"' not in html
    for name, body in (
        ("visits:track_quote", {"signer_name": "刘女士", "seen": seen}),
        ("web:track_sign", {"signer_name": "刘女士", "image": MARK}),
        ("web:track_pay", {"method": "wechat"}),
        ("quality:track_survey", {"timeliness": "5", "skill": "5", "attitude": "5", "fees": "5"}),
        ("quality:track_complaint", {"category": "attitude", "description": "x"}),
    ):
        response = staff.post(reverse(name, args=[token]), body)
        assert response.status_code == 403, name
        assert 'data-code="customer_link_staff_session"' in response.content.decode()
        assert "请客户在自己的手机上操作" in response.content.decode()
    assert not Signature.objects.filter(order=in_service).exists()
    assert in_service.quotes.count() == 1  # only the evidence's own quote, none from the staff session
    assert WorkOrder.objects.get(pk=in_service.pk).status == "in_service"


def test_the_order_page_shows_the_link_to_the_desk_only_R_CO_1(world, in_service) -> None:  # type: ignore[no-untyped-def]
    url = reverse("orders:detail", args=[in_service.number])
    assert 'id="tracking-link"' in _staff(world, "agent").get(url).content.decode()
    assert 'id="tracking-link"' not in _staff(world, "technician").get(url).content.decode()


# --- customer mode on the technician's phone ----------------------------------------------------------------
def test_customer_mode_needs_the_customers_own_mark_R_SV_4(world, in_service) -> None:  # type: ignore[no-untyped-def]
    tech = _staff(world)
    url = reverse("visits:customer", args=[in_service.number])
    body = {"do": "backup", "agree": "yes", "given_by": "刘女士", "wants_backup": "no"}
    tech.post(url, body)
    assert not in_service.consents.exists()  # no signature drawn: nothing recorded
    tech.post(url, {**body, "image": MARK})
    row = in_service.consents.get(kind=Consent.Kind.DATA_BACKUP)
    assert row.source == Source.CUSTOMER_DEVICE and row.mark == MARK
    assert row.recorded_by == world.staff["technician"] and row.device.endswith("desk-browser")
    seen = _quoted(world, in_service)
    tech.post(url, {"do": "quote", "signer_name": "刘女士", "seen": seen})
    assert quote_current(in_service) is None
    tech.post(url, {"do": "quote", "signer_name": "刘女士", "seen": seen, "image": MARK})
    quote = quote_current(in_service)
    assert quote is not None and quote.method == Quote.Method.CUSTOMER_MODE


def test_customer_mode_is_the_visits_technician_only(world, in_service) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as err:
        consent_record(
            order=in_service,
            channel=Channel.customer_device(world.actor("other_technician"), "刘女士"),
            kind=Consent.Kind.OPEN_CASING,
            given_by="刘女士",
            mark=MARK,
        )
    assert err.value.code == "not_your_visit"


# --- the order page: only an explicit phone agreement -------------------------------------------------------
def test_order_page_records_only_a_labelled_phone_agreement_R_CO_1_R_AN_3(world, in_service) -> None:  # type: ignore[no-untyped-def]
    url = reverse("orders:consent", args=[in_service.number])
    tech = _staff(world)
    for source in ("", Source.CUSTOMER_LINK, Source.CUSTOMER_DEVICE):  # claims to be the customer's own act
        response = tech.post(
            url, {"kind": "cannibalise", "given_by": "刘女士", "source": source}, follow=True
        )
        assert "员工不能以客户本人的名义确认" in response.content.decode()
    assert not in_service.consents.exists()
    tech.post(url, {"kind": "data_backup", "given_by": "刘女士", "source": "phone_agreed"})
    assert not in_service.consents.exists()  # the backup answer is never taken by phone (R-SV-4)
    tech.post(url, {"kind": "cannibalise", "given_by": "刘女士", "source": "phone_agreed", "note": "同意"})
    row = in_service.consents.get()
    assert row.source == Source.PHONE_AGREED and row.recorded_by == world.staff["technician"]
    assert row.device == "127.0.0.1 desk-browser"
    label = event_label(in_service.events.get(kind="consent"))
    assert "同意拆机取件" in label and "客户电话同意，由李师傅记录" in label
    page = _customer().get(reverse("web:track", args=[tracking_token(in_service)])).content.decode()
    assert "客户电话同意，由李师傅记录" in page  # the customer sees it was recorded by staff


def test_the_desk_records_a_phone_agreed_quote_and_it_is_labelled_R_SV_2(world, in_service) -> None:  # type: ignore[no-untyped-def]
    seen = _quoted(world, in_service)
    url = reverse("orders:consent", args=[in_service.number])
    body = {"kind": "quote", "given_by": "刘女士", "source": "phone_agreed", "seen": seen}
    _staff(world, "agent").post(url, body)
    quote = quote_current(in_service)
    assert quote is not None and quote.method == Quote.Method.PHONE_AGREED
    row = in_service.consents.get(kind=Consent.Kind.QUOTE)
    assert row.source == Source.PHONE_AGREED and row.recorded_by == world.staff["agent"]
    assert "客户电话同意" in event_label(in_service.events.get(kind="quote_accepted"))


# --- the API with a staff token -----------------------------------------------------------------------------
def test_api_staff_token_may_only_record_a_phone_agreement_R_CO_1(world, in_service) -> None:  # type: ignore[no-untyped-def]
    number = in_service.number
    for source in ("", "customer_link", "customer_device"):
        response = _api(
            world, "technician", number, {"kind": "take_back", "given_by": "刘女士", "source": source}
        )
        assert response.status_code == 403 and response.json()["code"] == "customer_act_by_staff"
    response = _api(
        world,
        "technician",
        number,
        {"kind": "install_acceptance", "given_by": "刘女士", "source": "phone_agreed"},
    )
    assert response.status_code == 403 and response.json()["code"] == "customer_act_not_by_phone"
    assert not in_service.consents.exists()
    response = _api(
        world, "technician", number, {"kind": "take_back", "given_by": "刘女士", "source": "phone_agreed"}
    )
    assert response.status_code == 201
    row = in_service.consents.get()
    assert row.source == Source.PHONE_AGREED and row.recorded_by == world.staff["technician"]
    assert response.json()["tracking_url"] is None  # the link is the desk's to send
    response = _api(
        world, "quality", number, {"kind": "take_back", "given_by": "刘女士", "source": "phone_agreed"}
    )
    assert response.status_code in (403, 404)  # not a role that records agreements (or sees the order)


# --- the signature and the survey: never by phone, never by staff -----------------------------------------
def test_signature_and_survey_never_from_staff_or_by_phone_R_CO_1_R_QA_2(world, in_service) -> None:  # type: ignore[no-untyped-def]
    visit_evidence(in_service, "complete")
    for channel in (
        Channel.phone_agreed(world.actor("agent")),
        Channel.customer_device(world.actor("technician"), "刘女士"),  # customer mode needs the SMS code
    ):
        with pytest.raises(DomainError) as err:
            signature_capture(order=in_service, channel=channel, image=MARK, signer_name="刘女士")
        assert err.value.code == "signature_by_staff" and err.value.status == 403
    paid = order_in(world, "paid")
    with pytest.raises(DomainError) as err:
        survey_submit(
            order=paid,
            actor=world.actor("agent"),
            scores={"timeliness": 5, "skill": 5, "attitude": 5, "fees": 5},
        )
    assert err.value.code == "survey_customer_only"


# --- guards read a consent only from a channel its kind accepts --------------------------------------------
def _row(order: WorkOrder, kind: str, source: str) -> None:
    Consent.objects.create(order=order, kind=kind, given_by="刘女士", at=order.created_at, source=source)


def test_take_back_accepts_phone_agreement_but_not_a_phone_backup_answer_R_AN_6_R_SV_4(
    world, in_service
) -> None:  # type: ignore[no-untyped-def]
    tech = world.actor("technician")
    params = {"take_back_reason": "board", "items": "室内机主板"}
    phone_agreement_record(
        order=in_service, channel=Channel.phone_agreed(tech), kind=Consent.Kind.TAKE_BACK, given_by="刘女士"
    )
    _row(in_service, Consent.Kind.DATA_BACKUP, Source.PHONE_AGREED)  # as if written around the rules
    assert not consent_given(in_service, Consent.Kind.DATA_BACKUP)
    with pytest.raises(DomainError) as err:
        order_transition(order=in_service, actor=tech, action="take_back", reason="主板", params=params)
    assert err.value.code == "take_back_needs_backup"
    consent_record(
        order=in_service,
        channel=Channel.customer_device(tech, "刘女士"),
        kind=Consent.Kind.DATA_BACKUP,
        given_by="刘女士",
        mark=MARK,
    )
    order = order_transition(order=in_service, actor=tech, action="take_back", reason="主板", params=params)
    assert order.status == "taken_back"


def test_completion_needs_the_customers_own_acceptance_card_and_signature_R_CO_6_R_CO_1(world) -> None:  # type: ignore[no-untyped-def]
    from doorstep.visits.completion.gaps import completion_gaps

    order = order_in(world, "in_service")
    order.service_type = "install"
    order.save(update_fields=["service_type"])
    visit_evidence(order, "complete")
    order.consents.filter(kind=Consent.Kind.INSTALL_ACCEPTANCE).update(source=Source.PHONE_AGREED)
    assert any("R-CO-6" in gap for gap in completion_gaps(order))
    order.consents.filter(kind=Consent.Kind.INSTALL_ACCEPTANCE).update(source=Source.CUSTOMER_LINK)
    assert completion_gaps(order) == []
    Signature.objects.create(
        order=order,
        method="customer_link",
        signer_name="刘女士",
        image=MARK,
        at=order.created_at,
        source="phone_agreed",
    )  # a signature can never be by phone: written around the rules, it does not complete
    with pytest.raises(DomainError) as err:
        order_transition(order=order, actor=world.actor("technician"), action="complete")
    assert err.value.code == "signature_required"


def test_a_phone_agreed_quote_and_cannibalisation_count_for_work_and_payment_R_SV_2_R_AN_3_R_CO_2(
    world, in_service, cap
) -> None:  # type: ignore[no-untyped-def]
    from doorstep.visits.diagnosis.diagnosis import diagnosis_record, work_start

    tech = world.actor("technician")
    quote_line_add(order=in_service, actor=tech, fee_code="P-CAP")
    phone = Channel.phone_agreed(tech)
    phone_agreement_record(order=in_service, channel=phone, kind=Consent.Kind.QUOTE, given_by="刘女士")
    diagnosis_record(order=in_service, actor=tech, notes="电容失效", measurements={}, causes=[])
    checklist_tick(in_service, Checklist.Kind.SAFETY)
    work_start(order=in_service, actor=tech)
    phone_agreement_record(order=in_service, channel=phone, kind=Consent.Kind.CANNIBALISE, given_by="刘女士")
    part_use_record(
        order=in_service,
        actor=tech,
        part_code="CAP-35",
        source="cannibalised_turnover",
        old_part_fate="warranty_claim",
    )
    checklist_tick(in_service, Checklist.Kind.COMPLETION)
    order = signature_capture(
        order=in_service, channel=Channel.customer_link("刘女士"), image=MARK, signer_name="刘女士"
    )
    order = payment_take(order=order, actor=tech, method="cash", receipt_no="R-1")
    assert order.status == "paid" and order.payment.amount == order.quotes.get().due
    assert order.quotes.get().method == Quote.Method.PHONE_AGREED


def test_the_tracking_page_says_a_quote_was_agreed_by_phone_and_lets_the_customer_confirm_R_SV_2(
    world, in_service
) -> None:  # type: ignore[no-untyped-def]
    seen = _quoted(world, in_service)
    phone_agreement_record(
        order=in_service,
        channel=Channel.phone_agreed(world.actor("agent")),
        kind=Consent.Kind.QUOTE,
        given_by="刘女士",
    )
    token = tracking_token(in_service)
    page = _customer().get(reverse("web:track", args=[token])).content.decode()
    assert 'id="quote-by-phone"' in page and 'id="quote-accepted"' not in page and 'id="quote-accept"' in page
    _customer().post(reverse("visits:track_quote", args=[token]), {"signer_name": "刘女士", "seen": seen})
    quote = quote_current(in_service)
    assert quote is not None and quote.method == Quote.Method.CUSTOMER_LINK and quote.version == 2
    page = _customer().get(reverse("web:track", args=[token])).content.decode()
    assert 'id="quote-by-phone"' not in page and 'id="quote-accepted"' in page
