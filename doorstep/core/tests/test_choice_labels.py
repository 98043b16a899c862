"""``get_FOO_display`` through the kept labels (core.models.ChoiceLabels) says what Django's own does, in
the active language, for every choices field of every model that uses it."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

from doorstep.core.models import ChoiceLabels
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder


def _django_display(instance: models.Model, field: Any) -> Any:
    """What Django's Model._get_FIELD_display answers (its code, spelled out)."""
    value = getattr(instance, field.attname)
    choices = dict(make_hashable(field.flatchoices))
    return force_str(choices.get(make_hashable(value), value), strings_only=True)


def _choice_fields() -> list[tuple[type[models.Model], Any]]:
    return [
        (model, field)
        for model in apps.get_models()
        if issubclass(model, ChoiceLabels)
        for field in model._meta.concrete_fields
        if field.choices
    ]


def test_the_main_tables_use_the_kept_labels() -> None:
    names = {model.__name__ for model, _field in _choice_fields()}
    assert {"WorkOrder", "OrderEvent", "Deadline", "Message"} <= names


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_label_is_the_one_django_gives_in_the_active_language(language: str) -> None:
    with translation.override(language):
        for model, field in _choice_fields():
            instance = model()
            for value, _label in field.flatchoices:
                setattr(instance, field.attname, value)
                display = getattr(instance, f"get_{field.name}_display")()
                assert display == _django_display(instance, field), (model.__name__, field.name, value)
            setattr(instance, field.attname, "not-a-choice")
            assert getattr(instance, f"get_{field.name}_display")() == "not-a-choice"


def test_the_label_follows_the_language_of_the_request() -> None:
    order = WorkOrder(status=Status.TRIAGED)
    with translation.override("zh-hans"):
        chinese = order.get_status_display()
    with translation.override("en"):
        english = order.get_status_display()
    assert chinese != english
    with translation.override("zh-hans"):
        assert order.get_status_display() == chinese
