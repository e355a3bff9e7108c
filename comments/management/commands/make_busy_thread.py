"""`manage.py make_busy_thread <slug>`: signed-in members and a long published thread by them.

What a load test of the article page needs (bench/load): members who are signed in (a session
each), and many published comments by them on one article, a quarter top level and the rest
replies. Every member has posts already, so none of their new posts is held as a new author's.
With --json it prints the session keys and the comments' ids for the load generator.

The members have unusable passwords (nobody can sign in as them) and addresses under
bench.example, a domain that cannot receive mail. It refuses to run where they already exist.
"""

import json
import random
from importlib import import_module

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from articles.models import Article
from comments.models import Comment
from comments.sample_text import sample_comment_text
from comments.text import render_comment_text
from kindred import freshness

EMAIL_DOMAIN = "bench.example"


class Command(BaseCommand):
    help = (
        "Make members with signed-in sessions and a long published thread by them on one "
        "article, for load tests. Refuses to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the article that gets the thread")
        parser.add_argument("--members", type=int, default=50, help="members (50)")
        parser.add_argument("--comments", type=int, default=500, help="comments (500)")
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="print the session keys and comment ids as JSON",
        )

    def handle(self, *args, slug, members, comments, as_json, **options):
        if members < 1 or comments < 0:
            raise CommandError("--members must be at least 1 and --comments at least 0.")
        article = Article.objects.filter(slug=slug).first()
        if article is None:
            raise CommandError(f"No article with the slug {slug!r}.")
        if User.objects.filter(email__iendswith=f"@{EMAIL_DOMAIN}").exists():
            raise CommandError(
                f"Members @{EMAIL_DOMAIN} exist already: the busy thread is made once, on a "
                "fresh database. Nothing was changed."
            )
        with transaction.atomic():
            users = _make_members(members)
            thread = _make_thread(article, users, comments)
            sessions = [_signed_in_session(user) for user in users]
            freshness.thread_changed(article.pk)
        if as_json:
            made = {
                "sessions": sessions,
                "comments": [comment.pk for comment in thread],
                "last_comment": thread[-1].pk if thread else None,
            }
            self.stdout.write(json.dumps(made))
        else:
            self.stdout.write(
                f"Made {members} signed-in members and {comments} published comments by them "
                f"on {article.get_absolute_url()}."
            )


def _make_members(count):
    password = make_password(None)  # unusable: nobody can sign in as them
    users = []
    for n in range(count):
        user = User.objects.create(
            email=f"member{n}@{EMAIL_DOMAIN}", display_name=f"Bench reader {n}", password=password
        )
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        users.append(user)
    return users


def _make_thread(article, users, count):
    """A quarter top level, the others replies spread over the thread (as bench/run.py's)."""
    rng = random.Random(7)  # noqa: S311 - sample text, not secrets; the same thread every time
    thread = []
    for n in range(count):
        body = sample_comment_text(rng)
        comment = Comment(
            article=article,
            author_user=users[n % len(users)],
            body=body,
            body_html=render_comment_text(body),
            status=Comment.Status.PUBLISHED,
        )
        if n % 4 and thread:
            parent = thread[n % len(thread)]
            comment.parent, comment.root_id = parent, parent.root_id or parent.pk
            comment.depth = parent.depth + 1
        comment.save()
        thread.append(comment)
    return thread


def _signed_in_session(user):
    """The key of a session signed in as `user`, as a log-in would leave it."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key
