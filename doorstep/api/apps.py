from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "doorstep.api"
    label = "api"
