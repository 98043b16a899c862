from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from doorstep.api.api import api
from doorstep.core import observability
from doorstep.web import language

if settings.DOORSTEP_ADMIN_REQUIRE_OTP:
    # only sessions verified with an authenticator code (the login page's, or the admin's own form)
    admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("healthz", observability.healthz, name="healthz"),
    path("readyz", observability.readyz, name="readyz"),
    path("metrics", observability.metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    # the language selector: the profile for signed-in staff, the cookie for visitors (doorstep.web.language)
    path("i18n/setlang/", language.set_language, name="set_language"),
    path("", include("doorstep.channels.urls")),  # before orders/: /orders/import/ is ours
    path("orders/", include("doorstep.web.order_urls")),
    path("dispatch/", include("doorstep.dispatch.urls")),
    path("visits/", include("doorstep.visits.urls")),
    path("quality/", include("doorstep.quality.urls")),
    path("", include("doorstep.web.urls")),
]

# the error pages (doorstep.web.errors): styled, in the user's language, with the request id for support
handler404 = "doorstep.web.errors.not_found"
handler403 = "doorstep.web.errors.forbidden"
handler500 = "doorstep.web.errors.server_error"
