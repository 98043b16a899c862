from django.urls import path

from doorstep.channels import notice_views, payment_views, views

app_name = "channels"
urlpatterns = [
    path("book/<slug:brand_code>/", views.book, name="book"),
    path("book/<slug:brand_code>/slots/", views.book_slots, name="book_slots"),
    path("book/<slug:brand_code>/p/<str:token>/", views.book_product, name="book_product"),  # 扫码报修
    path("hooks/wechat/<slug:brand_code>/", views.wechat_hook, name="wechat"),
    path("orders/import/", views.import_page, name="import"),
    path("orders/import/template.<str:fmt>", views.import_template, name="import_template"),
    path("orders/import/<int:pk>/", views.import_report, name="import_report"),
    path("orders/import/<int:pk>/report.csv", views.import_report_csv, name="import_report_csv"),
    path("orders/<str:number>/hurry/", views.hurry_answer, name="hurry_answer"),  # 催单 reply (R-IN-5)
    path("notices/", notice_views.messages_page, name="messages"),
    path("notices/<int:pk>/retry/", notice_views.message_retry, name="message_retry"),
    path("hooks/sms/<slug:provider>/<str:token>/", notice_views.sms_status, name="sms_status"),
    path("hooks/pay/<slug:method>/", payment_views.pay_notify, name="pay_notify"),
    path("payments/", payment_views.payments_page, name="payments"),
    path("payments/<int:pk>/refund/", payment_views.payment_refund_view, name="payment_refund"),
]
