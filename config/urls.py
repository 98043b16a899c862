from django.contrib import admin
from django.urls import include, path

from doorstep.api.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("doorstep.channels.urls")),  # before orders/: /orders/import/ is ours
    path("orders/", include("doorstep.web.order_urls")),
    path("dispatch/", include("doorstep.dispatch.urls")),
    path("visits/", include("doorstep.visits.urls")),
    path("quality/", include("doorstep.quality.urls")),
    path("", include("doorstep.web.urls")),
]
