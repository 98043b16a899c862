from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "doorstep.web"
    label = "web"

    def ready(self) -> None:
        from doorstep.web import language  # noqa: F401  (the first log-in chooses the language)
