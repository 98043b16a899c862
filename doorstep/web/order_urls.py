"""/orders/ (namespace "orders"): the desk's URLs (``doorstep.orders.urls``) and the order page from web."""

from django.urls import path

from doorstep.orders.urls import urlpatterns as desk_urlpatterns
from doorstep.web import order_page

app_name = "orders"
urlpatterns = [
    *desk_urlpatterns,
    path("<str:number>/", order_page.order_detail, name="detail"),
    path("<str:number>/correct/", order_page.order_correct_view, name="correct"),
    path("<str:number>/charges/", order_page.order_charge, name="charge"),
    path("<str:number>/consents/", order_page.order_consent, name="consent"),
    path("<str:number>/appointment-time/", order_page.order_appointment_time, name="appointment_time"),
]
