from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "doorstep.quality"
    label = "quality"
    verbose_name = "质量闭环"
    rulebook = "doorstep.quality.moves"  # this capability's rules of the lifecycle moves
