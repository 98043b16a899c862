"""The channels' rules of the lifecycle moves, as the rulebook reads them (``ChannelsConfig.rulebook``):
the customer's own changes of the appointment (``moves``, R-DI-8), then the messages each move causes and
the partners' webhooks (``notices``, R-CO-4)."""

from doorstep.channels import moves, notices
from doorstep.orders.rulebook import Rule

RULES: list[Rule] = [*moves.RULES, *notices.RULES]
