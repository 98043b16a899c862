from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "doorstep.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from doorstep.core import checks  # noqa: F401  (registers the deployment checks)
        from doorstep.core.observability import CORE_GAUGES, register_gauges

        register_gauges(*CORE_GAUGES)
