"""Background work for accounts: sending mail."""

from django_tasks import task

from accounts import mail


@task()
def deliver_mail(delivery_id):
    mail.deliver(delivery_id)
