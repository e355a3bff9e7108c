"""What changed, said in one place: the counters that cached copies are checked against.

A cached article page (kindred.page_cache), the recent-articles sidebar and members' shared
thread are each made under the values some counters hold at that moment, and used only while
the counters still hold them. The domain functions and the admin call these after they write;
each moves a counter at once and again when the transaction commits, so a copy made in between
(from rows not yet committed) is stale too:

- `site_changed()`: something any page may show (a member's or a guest's name, a reviewer's
  profile, an account gone).
- `article_changed(article_id)`: the article itself (its text, picture, reviewers, whether and
  when it is live). Its title and summary show in every page's sidebar, so the site moves too.
- `thread_changed(article_id)`: a post under the article was written, changed, hidden,
  removed or hugged. The site's feed of latest comments (`COMMENTS`) moves with every thread.
- `site_page_changed(kind)`: one of the site's own pages (contact, privacy, ...), keyed by
  its kind, which is fixed for the page's life as an article's id is.

A counter moves to a value it never had (62 random bits): one that restarted after Redis
evicted it could make old copies look current again. The counters live in the shared cache,
so a change made on one server reaches every other; without Redis each process has its own
(config/settings.py turns the page cache off then).
"""

import secrets

from django.core.cache import cache
from django.db import transaction

SITE = "fresh:site"
# Every thread at once: what the site-wide feed of latest comments shows.
COMMENTS = "fresh:comments"


def article(article_id):
    """The counter of one article: its page, and the thread under it."""
    return f"fresh:article:{article_id}"


def site_page(kind):
    """The counter of one site page (articles.SitePage), by its kind."""
    return f"fresh:site-page:{kind}"


def site_changed():
    _bump(SITE)


def article_changed(article_id):
    _bump(article(article_id))
    _bump(SITE)


def thread_changed(article_id):
    _bump(article(article_id))
    _bump(COMMENTS)


def site_page_changed(kind):
    _bump(site_page(kind))


def _bump(key):
    def bump():
        cache.set(key, secrets.randbits(62), None)

    bump()
    transaction.on_commit(bump)


def read(keys):
    """The counters' values as the cache holds them now, None for any it has not. With Redis,
    their digits as bytes, read without unpickling (this runs on every cached page served)."""
    keys = list(keys)
    read_raw = getattr(cache, "get_many_raw", None)  # kindred.cache.ResilientRedisCache
    if read_raw is not None:
        return tuple(read_raw(keys))
    found = cache.get_many(keys)
    return tuple(found.get(key) for key in keys)


def current(keys):
    """What a copy made now is current for: the counters' values (given one first where the
    cache has none), read before the copy is made. None when the cache has no answer (Redis
    away): then no copy may be kept or reused."""
    keys = list(keys)
    values = read(keys)
    if None in values:
        for key, value in zip(keys, values, strict=True):
            if value is None:
                cache.add(key, secrets.randbits(62), None)
        values = read(keys)
    return None if None in values else values
