from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "doorstep.network"
    label = "network"

    def ready(self) -> None:
        from doorstep.core.masterdata import watch
        from doorstep.network.models import Brand, Policy, ServiceCentre, StarLevelRule

        watch(
            Brand, ServiceCentre, Policy, StarLevelRule
        )  # kept per process by the intake (doorstep.core.masterdata)
