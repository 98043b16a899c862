from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "doorstep.dispatch"
    label = "dispatch"
    verbose_name = "派工与预约"
    rulebook = "doorstep.dispatch.moves"  # this capability's rules of the lifecycle moves
