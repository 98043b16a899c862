from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "doorstep.visits"
    label = "visits"
