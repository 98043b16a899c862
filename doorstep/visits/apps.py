from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "doorstep.visits"
    label = "visits"
    rulebook = "doorstep.visits.moves"  # this capability's rules of the lifecycle moves
