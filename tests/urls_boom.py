"""A URL that fails, to see the 500 page."""

from django.urls import path


def boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", boom)]
handler500 = "config.views.server_error"
