from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "doorstep.dispatch"
    label = "dispatch"
    verbose_name = "派工与预约"

    def ready(self) -> None:
        from doorstep.dispatch import hooks  # noqa: F401  (registers the dispatch guards and effects)
