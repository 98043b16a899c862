"""The desk's URLs under /orders/. The URLconf actually included (``doorstep.web.order_urls``, namespace
"orders") adds the order page itself, which is composed in the web layer."""

from django.urls import path

from doorstep.orders import desk_views, views

urlpatterns = [
    path("", views.order_list, name="list"),
    path("new/", views.order_new, name="new"),
    path("search/", views.search, name="search"),
    path("deadlines/", views.my_deadlines, name="deadlines"),
    path("lookup/", desk_views.caller_lookup, name="lookup"),
    path("kb/", desk_views.kb_hints, name="kb"),
    path("date-hint/", desk_views.date_hint, name="date_hint"),
    path("calls/", desk_views.calls, name="calls"),
    path("calls/<int:pk>/replied/", desk_views.call_replied_view, name="call_replied"),
    path("<str:number>/verify/", desk_views.verify_info, name="verify"),
    path("<str:number>/handover/", desk_views.hand_over, name="handover"),
    path("<str:number>/faults/<int:position>/cause/", desk_views.fault_cause, name="fault_cause"),
    path("<str:number>/act/<str:action>/", views.order_act, name="act"),
]
