from django.urls import path

from doorstep.web import views
from doorstep.web.login import StaffLoginView, StaffLogoutView

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", StaffLoginView.as_view(), name="login"),
    path("logout/", StaffLogoutView.as_view(), name="logout"),
    path("t/<str:token>/", views.track, name="track"),
    path("t/<str:token>/sign/", views.track_sign, name="track_sign"),
    path("t/<str:token>/pay/", views.track_pay, name="track_pay"),
    path("t/<str:token>/pay/wechat-jsapi/", views.track_pay_jsapi, name="track_pay_jsapi"),
    path("t/<str:token>/pay/wechat-auth/", views.track_pay_wechat_auth, name="track_pay_wechat_auth"),
    path("t/<str:token>/pay/wechat-auth/back/", views.track_pay_wechat_back, name="track_pay_wechat_back"),
    path("t/<str:token>/confirm/", views.track_confirm, name="track_confirm"),
    path("t/<str:token>/move/", views.track_move, name="track_move"),
    path("t/<str:token>/cancel/", views.track_cancel, name="track_cancel"),
    path("t/<str:token>/photo/", views.track_photo, name="track_photo"),
    path("t/<str:token>/live/", views.track_live, name="track_live"),
    path("t/<str:token>/hurry/", views.track_hurry, name="track_hurry"),
]
