"""Hooks into allauth (a third-party app, so a signal is the way in)."""

from allauth.account.signals import email_confirmed
from django.dispatch import receiver

from accounts.subscriptions import link_member_by_email


@receiver(email_confirmed)
def link_subscription_to_member(request, email_address, **kwargs):
    if email_address.user_id:
        link_member_by_email(email_address.user, email_address.email)
