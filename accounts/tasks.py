"""Background work for accounts: sending mail, answering a subscribe request."""

from django_tasks import task

from accounts import mail, subscriptions


@task()
def deliver_mail(delivery_id):
    mail.deliver(delivery_id)


@task()
def confirm_subscription(subscriber_id, name, guest_key=""):
    subscriptions.ask_for_confirmation(subscriber_id, name, guest_key)
