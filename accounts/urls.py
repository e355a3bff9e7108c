from django.urls import path

from accounts import staff, views

app_name = "accounts"
urlpatterns = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/sent/", views.subscribe_sent, name="subscribe-sent"),
    path("subscribe/confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:key>/", views.unsubscribe, name="unsubscribe"),
    # Under the unsubscribe link on purpose: every mail that carries one reaches these too.
    path("unsubscribe/<str:key>/your-data/", views.guest_data, name="guest-data"),
    path("unsubscribe/<str:key>/delete-my-data/", views.guest_delete, name="guest-delete"),
    path("account/", views.account_settings, name="settings"),
    path("account/export/", views.export_data, name="export"),
    path("account/delete/", views.delete_account, name="delete"),
    # Setting up a first authenticator: a link mailed to the account's address comes first.
    path("account/authenticator-setup/", staff.enrolment_page, name="staff-enrolment"),
    path(
        "account/authenticator-setup/<str:token>/",
        staff.open_enrolment_link,
        name="staff-enrolment-link",
    ),
]
