from django.urls import path

from doorstep.quality.views import customer, dashboard, desk, field

app_name = "quality"
urlpatterns = [
    path("callbacks/", desk.callbacks, name="callbacks"),
    path("callbacks/<str:number>/", desk.callback_post, name="callback"),
    path("callbacks/<str:number>/survey/", desk.callback_survey_post, name="callback_survey"),
    path("complaints/", desk.complaints, name="complaints"),
    path("complaints/<int:pk>/<str:action>/", desk.complaint_post, name="complaint_act"),
    path("orders/<str:number>/complaints/", desk.complaint_new, name="complaint_new"),
    path("orders/<str:number>/fault/", field.fault_post, name="fault"),
    path("orders/<str:number>/insight/", field.insight_post, name="insight_new"),
    path("language/", desk.language_queue, name="language"),
    path("language/suggest/", desk.language_suggest, name="language_suggest"),
    path("language/<int:pk>/<str:action>/", desk.language_review, name="language_review"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/orders/", dashboard.drill, name="drill"),
    path("dashboard/export.<str:fmt>", dashboard.export, name="export"),
    path("warnings/", dashboard.warnings, name="warnings"),
    path("warnings/<int:pk>/ack/", dashboard.warning_ack, name="warning_ack"),
    path("insights/", field.insights, name="insights"),
    path("insights/<int:pk>/", field.insight_state, name="insight_state"),
    path("archive/<str:kind>/<int:pk>/", field.archive, name="archive"),
    path("people/", field.people, name="people"),
    path("t/<str:token>/survey/", customer.survey, name="track_survey"),
    path("t/<str:token>/complaint/", customer.complaint, name="track_complaint"),
    path("t/<str:token>/complaints/<int:pk>/", customer.complaint_answer, name="track_complaint_answer"),
]
