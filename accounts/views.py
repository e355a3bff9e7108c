"""Subscribing to new articles by email."""

from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def subscribe(request):
    return render(request, "accounts/subscribe.html")
