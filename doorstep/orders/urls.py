from django.urls import path

from doorstep.orders import views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("new/", views.order_new, name="new"),
    path("<str:number>/", views.order_detail, name="detail"),
    path("<str:number>/act/<str:action>/", views.order_act, name="act"),
    path("<str:number>/charges/", views.order_charge, name="charge"),
    path("<str:number>/consents/", views.order_consent, name="consent"),
]
