from django.urls import URLPattern

app_name = "dispatch"
urlpatterns: list[URLPattern] = []
