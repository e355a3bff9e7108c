"""Put every post's picture where its status says (once, after upgrading to private pictures:
pictures of waiting posts move to the private folder, those of rejected and spam posts are
deleted). Safe to run twice: a picture already in place is left alone."""

from django.core.management.base import BaseCommand

from comments import pictures
from comments.models import Comment


class Command(BaseCommand):
    help = "Move or delete comment pictures to match their posts' status."

    def handle(self, *args, **options):
        count = 0
        for comment in Comment.objects.exclude(image="").iterator():
            pictures.sync_visibility(comment)
            count += 1
        self.stdout.write(f"Checked the pictures of {count} posts.")
