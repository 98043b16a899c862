from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "doorstep.dispatch"
    label = "dispatch"
    verbose_name = "派工与预约"
    rulebook = "doorstep.dispatch.moves"  # this capability's rules of the lifecycle moves

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from doorstep.dispatch.models import Leave
        from doorstep.dispatch.replanning import leave_saved

        post_save.connect(leave_saved, sender=Leave, dispatch_uid="dispatch.replan.sick")
