"""What the bench reads back from the database, inside Django in a child process:

    python -m bench.load.django_steps other-articles       # published articles but the busy one
    python -m bench.load.django_steps stored-posts LEDGER  # which accepted posts were stored

Each prints one JSON document. The bench's environment (services.environment) names the database.
"""

import collections
import json
import sys
from pathlib import Path

from bench.load import SLUG
from bench.load.scenario import TOKEN_PATTERN


def other_articles():
    """The addresses the anonymous readers spread the rest of their reads over."""
    from articles.models import Article

    print(
        json.dumps([a.get_absolute_url() for a in Article.objects.published().exclude(slug=SLUG)])
    )


def stored_posts(ledger_file):
    """Which posts are in the database: by the unique token each one carried."""
    from comments.models import Comment

    ledger = json.loads(Path(ledger_file).read_text())
    stored = {}
    rows = Comment.objects.filter(article__slug=SLUG, pk__gt=ledger["last_seeded"])
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
    if step == "other-articles":
        other_articles()
    elif step == "stored-posts":
        stored_posts(sys.argv[2])
    else:
        sys.exit(f"bench/load/django_steps.py: no step {step!r}")
