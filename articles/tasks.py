"""Background work for publishing: the newsletter, a batch per task."""

from django_tasks import task

from articles import newsletter


@task()
def send_newsletter_batch(send_id):
    newsletter.send_batch(send_id)
