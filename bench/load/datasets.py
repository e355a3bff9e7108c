"""The two data sets the load runs on, each in a database of its own, made fresh for the run:

- demo: an empty database with the demo content (`load_demo`) and a busy thread made by
  `make_busy_thread` (500 published comments by 50 signed-in members);
- large: a copy of the large set (database `kindred_large`, made by `make_large_community`:
  2,000 articles, 1,000,000 comments, 100,000 members), the load pointed at one of its
  20,000-comment threads, signed in as members of the set (bench/load/django_steps.py).

Either way the result is a Thread: the article, the sessions, the posts to reply to, and the
other articles the anonymous readers spread over.
"""

import json
from dataclasses import dataclass

from bench.load import PYTHON
from bench.load.services import manage, reset_services, run_step

DEMO_SLUG = "paraspinal-muscular-atrophy-vs-sma"
SEEDED_COMMENTS = 500
LARGE_TEMPLATE = "kindred_large"


@dataclass
class Thread:
    slug: str
    published: int  # published comments on it before the load
    sessions: list  # session keys of signed-in members, one per client (round robin)
    parents: list  # ids of published comments the members reply to
    last_comment: int  # the highest comment id before the load: the ledger looks past it
    other_articles: list  # addresses of the other published articles
    made: str  # what was done to make it, for the printout

    @property
    def path(self):
        return f"/articles/{self.slug}/"


def database_of(data, options):
    return options.database if data == "demo" else options.large_database


def prepare(data, env, options):
    """Make the set's database afresh (migrated, static files collected) and its Thread."""
    database, members = database_of(data, options), max(50, options.clients)
    template = options.large_template if data == "large" else ""
    waited = reset_services(database, options.redis_db, template=template)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    if data == "demo":
        manage(env, "load_demo", "-v", "0")
        made = manage(
            env, "make_busy_thread", DEMO_SLUG, "--members", str(members),
            "--comments", str(SEEDED_COMMENTS), "--json",
        )  # fmt: skip
        thread = {"slug": DEMO_SLUG, **json.loads(made)}
        how = (
            f"database {database} (migrate, load_demo), {SEEDED_COMMENTS} comments by "
            f"{members} signed-in members (make_busy_thread)"
        )
    else:
        thread = json.loads(django_step(env, "large-thread", str(members)))
        wait = f", after waiting {waited:.0f} s for it to be free" if waited >= 1 else ""
        how = (
            f"database {database} (a copy of {template}{wait}; migrate), {members} of its "
            "members signed in"
        )
    facts = json.loads(django_step(env, "article-facts", thread["slug"]))
    return Thread(
        slug=thread["slug"],
        published=facts["published"],
        sessions=thread["sessions"],
        parents=thread["comments"],
        last_comment=thread["last_comment"] or 0,
        other_articles=facts["other_articles"],
        made=how,
    )


def django_step(env, *args):
    """A step inside Django, in a child process (bench/load/django_steps.py)."""
    return run_step([PYTHON, "-m", "bench.load.django_steps", *args], env, f"step {args[0]}")
