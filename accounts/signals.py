"""Hooks into allauth (a third-party app, so a signal is the way in)."""

from allauth.account.signals import email_confirmed, user_logged_in
from django.dispatch import receiver

from accounts import staff
from accounts.subscriptions import link_member_by_email


@receiver(email_confirmed)
def link_subscription_to_member(request, email_address, **kwargs):
    if email_address.user_id:
        link_member_by_email(email_address.user, email_address.email)


@receiver(user_logged_in)
def count_password_sign_in_as_recent(request, user, **kwargs):
    staff.count_sign_in_as_recent_password(request, user)
