from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/sent/", views.subscribe_sent, name="subscribe-sent"),
    path("subscribe/confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:key>/", views.unsubscribe, name="unsubscribe"),
    path("account/", views.account_settings, name="settings"),
    path("account/export/", views.export_data, name="export"),
    path("account/delete/", views.delete_account, name="delete"),
]
