from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "doorstep.orders"
    label = "orders"
    rulebook = "doorstep.orders.moves"  # this capability's rules of the lifecycle moves

    def ready(self) -> None:
        from doorstep.core.masterdata import watch
        from doorstep.core.observability import register_gauges
        from doorstep.orders.metrics import GAUGES
        from doorstep.orders.models import UrgencyRule

        register_gauges(*GAUGES)
        watch(UrgencyRule)  # kept per process by the intake (doorstep.core.masterdata)
