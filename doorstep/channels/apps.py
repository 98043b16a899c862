from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    """Intake channels (R-IN-1): customer self-booking, WeChat messages, partner API, bulk import."""

    name = "doorstep.channels"
    label = "channels"
    verbose_name = "接单渠道"
    rulebook = "doorstep.channels.moves"  # the customer's own changes of the appointment (R-DI-8)
