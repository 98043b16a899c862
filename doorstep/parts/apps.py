from django.apps import AppConfig


class PartsConfig(AppConfig):
    name = "doorstep.parts"
    label = "parts"
