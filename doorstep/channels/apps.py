from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    """Intake channels (R-IN-1): customer self-booking, WeChat messages, partner API, bulk import."""

    name = "doorstep.channels"
    label = "channels"
    verbose_name = "接单渠道"
    rulebook = "doorstep.channels.rules"  # the customer's own changes (R-DI-8), the messages each move causes

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from doorstep.channels import notices
        from doorstep.notify.outbox import message_receipt, message_stuck
        from doorstep.orders.models import OrderEvent

        post_save.connect(notices.on_event_saved, sender=OrderEvent, dispatch_uid="channels.notices")
        message_receipt.connect(notices.on_receipt, dispatch_uid="channels.notices.receipt")
        message_stuck.connect(notices.on_stuck, dispatch_uid="channels.notices.stuck")
