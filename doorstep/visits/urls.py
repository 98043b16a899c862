from django.urls import path

from doorstep.visits.offline import service_worker
from doorstep.visits.views import customer, public, tech

app_name = "visits"
urlpatterns = [
    path("", tech.today, name="today"),
    path("sw.js", service_worker, name="service_worker"),  # its scope is /visits/
    path("tasks/", public.tasks, name="tasks"),
    path("tasks/<int:pk>/done/", public.task_close, name="task_done"),
    path("card/<str:token>/", public.card, name="card"),
    path("card/<str:token>/photo/", public.card_photo, name="card_photo"),
    path("r/<str:token>/quote/", public.track_quote, name="track_quote"),
    path("r/<str:token>/report.pdf", public.track_report, name="track_report"),
    path("r/<str:token>/takeback/", public.track_takeback, name="track_takeback"),
    path("<str:number>/", tech.visit, name="visit"),
    path("<str:number>/move/<str:action>/", tech.move, name="move"),
    path("<str:number>/step/<str:name>/", tech.step, name="step"),
    path("<str:number>/customer/", customer.customer_mode, name="customer"),
    path("<str:number>/report.pdf", public.report, name="report"),
    path("<str:number>/photos/<int:pk>/", public.photo, name="photo"),
    path("<str:number>/takeback/", public.takeback, name="takeback"),
]
