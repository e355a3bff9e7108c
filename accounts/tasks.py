"""The task names that rows queued by earlier releases still carry.

A task lives beside the function it runs, in the module that queues it (accounts/mail.py,
accounts/subscriptions.py): a task's work often queues another task (a confirmation queues its
mail), so a tasks module calling the domain would be imported back by it. With
TASKS_BACKEND=database a queued row names its task by import path, so the old paths stay
importable here; they can go once no row queued before the move is left.
"""

from django_tasks import task

from accounts import subscriptions
from accounts.mail import deliver_mail
from accounts.models import Subscriber
from accounts.subscriptions import send_post_confirmation, send_subscription_confirmation

__all__ = [
    "confirm_subscription",
    "deliver_mail",
    "send_post_confirmation",
    "send_subscription_confirmation",
]


@task()
def confirm_subscription(subscriber_id, name, guest_key=""):
    """The old form of send_subscription_confirmation, with a name and a browser key in its
    arguments: kept so rows queued before the upgrade still run; nothing queues it now."""
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is not None:
        claim = subscriptions.claim_address(subscriber, guest_key, name)
        subscriptions.ask_for_confirmation(claim.pk)
