from django.urls import path

from doorstep.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("t/<str:token>/", views.track, name="track"),
]
