from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "doorstep.visits"
    label = "visits"
    rulebook = "doorstep.visits.moves"  # this capability's rules of the lifecycle moves

    def ready(self) -> None:
        from doorstep.core.observability import register_gauges
        from doorstep.visits.metrics import GAUGES

        register_gauges(*GAUGES)
