"""What the bench reads from the database (and the sessions it makes on the large set's copy),
inside Django in a child process:

    python -m bench.load.django_steps large-thread MEMBERS  # the big thread, signed-in members
    python -m bench.load.django_steps article-facts SLUG    # its comments, the other articles
    python -m bench.load.django_steps stored-posts LEDGER   # which accepted posts were stored

Each prints one JSON document. The bench's environment (services.environment) names the database.
"""

import collections
import json
import random
import sys
from pathlib import Path

from bench.load.scenario import TOKEN_PATTERN

PARENTS = 500  # posts of the big thread the members reply to


def large_thread(members):
    """On the large set's copy: the published article with the most comments (one of its
    20,000-comment threads), `members` of its members signed in, and posts to reply to.

    The members are ones a post of theirs would be published for at once, as in the demo's
    busy thread: active, never banned, with at least `trusted_after_approved` published posts
    (so none is held as a new author's), and not reading in Spanish (the load finds the comment
    form by its English words). The sessions are made as make_busy_thread makes them."""
    from django.db.models import Count, Q

    from accounts.models import User
    from articles.models import Article
    from comments.management.commands.make_busy_thread import _signed_in_session
    from comments.models import Comment
    from comments.moderation import Rules
    from comments.posting import active_ban

    published = Comment.Status.PUBLISHED
    article = (
        Article.objects.published()
        .filter(comments_open=True)
        .annotate(published_comments=Count("comments", filter=Q(comments__status=published)))
        .order_by("-published_comments", "pk")
        .first()
    )
    candidates = list(
        User.objects.filter(is_active=True, is_staff=False, bans=None)
        .exclude(language="es")
        .annotate(published_posts=Count("comments", filter=Q(comments__status=published)))
        .filter(published_posts__gte=Rules().trusted_after_approved)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rng = random.Random(17)  # noqa: S311 - a repeatable choice, not secrets
    rng.shuffle(candidates)
    users = []
    for user in User.objects.in_bulk(candidates[: members * 2]).values():
        if len(users) < members and active_ban(user=user) is None:
            users.append(user)
    if len(users) < members:
        sys.exit(f"bench/load: only {len(users)} members of the large set may post at once")
    parents = list(
        Comment.objects.filter(article=article, status=published, members_only=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    last = Comment.objects.order_by("-pk").values_list("pk", flat=True).first()
    print(
        json.dumps(
            {
                "slug": article.slug,
                "sessions": [_signed_in_session(user) for user in users],
                "comments": sorted(rng.sample(parents, min(PARENTS, len(parents)))),
                "last_comment": last,
            }
        )
    )


def article_facts(slug):
    """The busy article's published comments, and the addresses of the other published
    articles, which the anonymous readers spread the rest of their reads over."""
    from articles.models import Article
    from comments.models import Comment

    published = Comment.objects.filter(article__slug=slug, status=Comment.Status.PUBLISHED)
    others = (
        Article.objects.published().exclude(slug=slug).order_by("-published_at", "pk").only("slug")
    )
    print(
        json.dumps(
            {
                "published": published.count(),
                "other_articles": [a.get_absolute_url() for a in others],
            }
        )
    )


def stored_posts(ledger_file):
    """Which posts are in the database: by the unique token each one carried."""
    from comments.models import Comment

    ledger = json.loads(Path(ledger_file).read_text())
    stored = {}
    rows = Comment.objects.filter(article__slug=ledger["slug"], pk__gt=ledger["last_seeded"])
    for pk, body, status in rows.values_list("pk", "body", "status"):
        for token in TOKEN_PATTERN.findall(body):
            stored[token] = (pk, status)
    accepted = ledger["accepted"]
    lost = [token for token, pk in accepted if stored.get(token, (None,))[0] != pk]
    statuses = collections.Counter(stored[token][1] for token, _ in accepted if token in stored)
    print(
        json.dumps(
            {
                "accepted": len(accepted),
                "found": len(accepted) - len(lost),
                "lost": lost,
                "statuses": statuses,
                "refused_but_stored": sum(t in stored for t in ledger["refused"]),
                "unconfirmed": len(ledger["unconfirmed"]),
                "unconfirmed_stored": sum(t in stored for t in ledger["unconfirmed"]),
                "new_rows": len(stored),
            }
        )
    )


if __name__ == "__main__":
    import django

    django.setup()
    step = sys.argv[1]
    if step == "large-thread":
        large_thread(int(sys.argv[2]))
    elif step == "article-facts":
        article_facts(sys.argv[2])
    elif step == "stored-posts":
        stored_posts(sys.argv[2])
    else:
        sys.exit(f"bench/load/django_steps.py: no step {step!r}")
