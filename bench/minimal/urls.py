from django.urls import path

from bench.minimal import views

# The same address as Kindred's article page, so URL resolution costs the same.
urlpatterns = [path("articles/<slug:slug>/", views.page)]
