from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "doorstep.notify"
    label = "notify"
    verbose_name = "通知"
