from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "doorstep.orders"
    label = "orders"
    rulebook = "doorstep.orders.moves"  # this capability's rules of the lifecycle moves
