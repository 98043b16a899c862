from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "doorstep.quality"
    label = "quality"
    verbose_name = "质量闭环"

    def ready(self) -> None:
        from doorstep.quality import hooks  # noqa: F401  (registers the lifecycle guards and effects)
