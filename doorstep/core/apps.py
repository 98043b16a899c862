from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "doorstep.core"
    label = "core"
    verbose_name = "核心"
