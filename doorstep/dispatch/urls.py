from django.urls import path

from doorstep.dispatch import views

app_name = "dispatch"
urlpatterns = [
    path("", views.board, name="board"),
    path("optimise/", views.optimise, name="optimise"),
    path("runs/<int:pk>/", views.run_status, name="run"),
    path("runs/<int:pk>/apply/", views.run_apply, name="run_apply"),
    path("replans/<int:pk>/", views.replan_status, name="replan"),
    path("replans/<int:pk>/apply/", views.replan_apply, name="replan_apply"),
    path("replans/<int:pk>/call/<str:number>/", views.replan_call, name="replan_call"),
    path("breaches/", views.breaches, name="breaches"),
    path("slots/", views.slots_preview, name="slots_preview"),
    path("orders/<str:number>/assign/", views.assign, name="assign"),
    path("orders/<str:number>/outlet/", views.to_outlet, name="to_outlet"),
    path("orders/<str:number>/accept/", views.accept, name="accept"),
    path("orders/<str:number>/why/", views.why, name="why"),
    path("orders/<str:number>/slots/", views.slots, name="slots"),
    path("orders/<str:number>/late-call/", views.late_call, name="late_call"),
    path("orders/<str:number>/escalate/", views.escalate, name="escalate"),
]
