from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "doorstep.quality"
    label = "quality"
    verbose_name = "质量闭环"
    rulebook = "doorstep.quality.moves"  # this capability's rules of the lifecycle moves

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from doorstep.orders.models import OrderEvent
        from doorstep.quality.services.kpis import on_event_saved

        # the KPIs' facts and daily sums move with the event that changes them, in its transaction (R-QA-4)
        post_save.connect(on_event_saved, sender=OrderEvent, dispatch_uid="quality.kpis")
