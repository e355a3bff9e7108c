"""Searching the published articles: PostgreSQL's full-text search, ranked; plain word matching
on other databases (SQLite in development and in the local test run).

On PostgreSQL the articles' words are weighed title (A), summary (B), body (C) and matched with
`websearch_to_tsquery` (what people type into search boxes: quoted phrases, `or`, `-word`;
never a syntax error). The same expression is indexed by a functional GIN index (migration
0008_article_search_index), so `ARTICLE_SEARCH_VECTOR` and that migration must stay identical:
tests/articles/test_search.py checks that PostgreSQL uses the index.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, Value, When

from articles.models import Article

CONFIG = "english"
MAX_QUERY_LENGTH = 200
MAX_WORDS = 10  # the SQLite fallback's words, each matched against three columns

ARTICLE_SEARCH_VECTOR = (
    SearchVector("title", weight="A", config=CONFIG)
    + SearchVector("summary", weight="B", config=CONFIG)
    + SearchVector("body", weight="C", config=CONFIG)
)

_SHOWN_FIELDS = ("title", "slug", "summary", "kind", "published_at")


def search_articles(query):
    """The published articles matching `query`, best first (then newest first)."""
    articles = Article.objects.published().only(*_SHOWN_FIELDS)
    if connection.vendor == "postgresql":
        return _full_text(articles, query)
    return _plain(articles, query)


def _full_text(articles, query):
    search_query = SearchQuery(query, config=CONFIG, search_type="websearch")
    return (
        articles.annotate(search=ARTICLE_SEARCH_VECTOR)
        .filter(search=search_query)
        .annotate(rank=SearchRank(ARTICLE_SEARCH_VECTOR, search_query))
        .order_by("-rank", "-published_at", "-pk")
    )


def _plain(articles, query):
    """Every word somewhere in the title, summary or body; a word in the title counts most."""
    words = query.split()[:MAX_WORDS]
    if not words:
        return articles.none()
    rank = Value(0)
    for word in words:
        found = Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
        articles = articles.filter(found)
        rank = rank + Case(
            When(title__icontains=word, then=Value(3)),
            When(summary__icontains=word, then=Value(2)),
            default=Value(1),
            output_field=IntegerField(),
        )
    return articles.annotate(rank=rank).order_by(F("rank").desc(), "-published_at", "-pk")
