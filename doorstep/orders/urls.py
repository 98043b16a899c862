from django.urls import path

from doorstep.orders import desk_views, views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("new/", views.order_new, name="new"),
    path("lookup/", desk_views.caller_lookup, name="lookup"),
    path("kb/", desk_views.kb_hints, name="kb"),
    path("calls/", desk_views.calls, name="calls"),
    path("calls/<int:pk>/replied/", desk_views.call_replied_view, name="call_replied"),
    path("<str:number>/verify/", desk_views.verify_info, name="verify"),
    path("<str:number>/handover/", desk_views.hand_over, name="handover"),
    path("<str:number>/faults/<int:position>/cause/", desk_views.fault_cause, name="fault_cause"),
    path("<str:number>/", views.order_detail, name="detail"),
    path("<str:number>/act/<str:action>/", views.order_act, name="act"),
    path("<str:number>/charges/", views.order_charge, name="charge"),
    path("<str:number>/consents/", views.order_consent, name="consent"),
]
