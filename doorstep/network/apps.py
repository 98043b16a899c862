from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "doorstep.network"
    label = "network"
