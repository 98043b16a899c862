from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "doorstep.visits"
    label = "visits"

    def ready(self) -> None:
        from doorstep.visits import hooks  # noqa: F401  (registers the visit's guards and effects)
