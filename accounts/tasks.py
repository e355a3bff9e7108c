"""Background work for accounts: sending mail, answering a subscribe request.

Tasks take row ids only: with TASKS_BACKEND=database their arguments are kept in the task
table, which must hold no name, address or browser key (what a person typed waits on a row of
ours, deleted with their data; finished task rows go after TASK_RESULT_RETENTION_HOURS).
"""

from django_tasks import task

from accounts import mail, subscriptions
from accounts.models import Subscriber


@task()
def deliver_mail(delivery_id):
    mail.deliver(delivery_id)


@task()
def send_subscription_confirmation(claim_id):
    subscriptions.ask_for_confirmation(claim_id)


@task()
def send_post_confirmation(claim_id):
    subscriptions.mail_post_confirmation(claim_id)


@task()
def confirm_subscription(subscriber_id, name, guest_key=""):
    """The old form of send_subscription_confirmation, with a name and a browser key in its
    arguments: kept so rows queued before the upgrade still run; nothing queues it now."""
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is not None:
        claim = subscriptions.claim_address(subscriber, guest_key, name)
        subscriptions.ask_for_confirmation(claim.pk)
