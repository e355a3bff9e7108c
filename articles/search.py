"""Searching the published articles: PostgreSQL's full-text search, ranked; plain word matching
on other databases (SQLite in development and in the local test run).

A reader searches what they would read: each article in the language it is shown to them in
(Article.shown_language: theirs when its translation is complete and medically reviewed, else
English). So a Spanish reader's words are matched against the Spanish columns of the translated
articles, with PostgreSQL's 'spanish' configuration (its stemming and stop words), and against
the English columns of the others, with 'english'. One query either way, whatever the language.

On PostgreSQL the articles' words are weighed title (A), summary (B), body (C) and matched with
`websearch_to_tsquery` (what people type into search boxes: quoted phrases, `or`, `-word`;
never a syntax error). Each language's weighted vector is a stored generated column of the
article table, `search_<language>`, with a GIN index (migration 0011_listing_indexes, outside
the models' state, as 0008 says why): the index finds the matching articles and the ranking
reads each match's stored vector, so a search costs its matches' index entries and vectors,
never a to_tsvector of an article's text. tests/articles/test_search.py and
test_translations.py check that PostgreSQL uses the indexes. A language added to LANGUAGES
needs its column (a migration like 0011's); until then its readers search the English words.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import Case, Expression, F, FloatField, IntegerField, Q, Value, When
from modeltranslation.utils import get_language

from articles.models import DEFAULT_LANGUAGE, Article

# PostgreSQL's text-search configuration of each language (its stemming and stop words); a
# language without one here is searched word for word ('simple').
CONFIGS = {"en": "english", "es": "spanish"}
MAX_QUERY_LENGTH = 200
MAX_WORDS = 10  # the SQLite fallback's words, each matched against three columns


def _config(language):
    return CONFIGS.get(language, "simple")


class StoredWords(Expression):
    """An article's weighted words in one language, as PostgreSQL stores them (the generated
    column `search_<language>`, which the model does not name: it exists on PostgreSQL
    only)."""

    output_field = SearchVectorField()

    def __init__(self, language):
        super().__init__()
        self.language = language

    def as_sql(self, compiler, connection):
        return connection.ops.quote_name(f"search_{self.language}"), []


# The languages whose words are stored (migration 0011_listing_indexes makes their columns).
SEARCH_VECTORS = {code: StoredWords(code) for code in ("en", "es")}
ARTICLE_SEARCH_VECTOR = SEARCH_VECTORS[DEFAULT_LANGUAGE]

_SHOWN_FIELDS = ("title", "slug", "summary", "kind", "published_at")


def shown_in(language):
    """The articles shown in `language` (their translation is complete and reviewed)."""
    return Q(reviewed_translations__regex=rf"(^| ){language}( |$)")


def search_articles(query, language=None):
    """The published articles matching `query`, best first (then newest first), searched in
    the language each is shown in to a reader of `language` (the active one)."""
    language = language or get_language()
    articles = Article.objects.published().only(*_SHOWN_FIELDS)
    # Each language the results may be read in, with the articles shown in it.
    if language == DEFAULT_LANGUAGE or language not in SEARCH_VECTORS:
        parts = [(DEFAULT_LANGUAGE, None)]
    else:
        parts = [(language, shown_in(language)), (DEFAULT_LANGUAGE, ~shown_in(language))]
    if connection.vendor == "postgresql":
        return _full_text(articles, query, parts)
    return _plain(articles, query, parts)


def _full_text(articles, query, parts):
    found, ranks = Q(), []
    for language, shown in parts:
        search_query = SearchQuery(query, config=_config(language), search_type="websearch")
        articles = articles.alias(**{f"search_{language}": SEARCH_VECTORS[language]})
        match = Q(**{f"search_{language}": search_query})
        found |= match if shown is None else shown & match
        ranks.append((shown, SearchRank(SEARCH_VECTORS[language], search_query)))
    if len(ranks) == 1:
        rank = ranks[0][1]
    else:
        (shown, first), (_other, second) = ranks
        rank = Case(When(shown, then=first), default=second, output_field=FloatField())
    return articles.filter(found).annotate(rank=rank).order_by("-rank", "-published_at", "-pk")


def _plain(articles, query, parts):
    """Every word somewhere in the title, summary or body; a word in the title counts most."""
    words = query.split()[:MAX_WORDS]
    if not words:
        return articles.none()
    rank = Value(0)
    for word in words:
        found, weight = Q(), []
        for language, shown in parts:
            in_title = Q(**{f"title_{language}__icontains": word})
            in_summary = Q(**{f"summary_{language}__icontains": word})
            in_body = Q(**{f"body_{language}__icontains": word})
            scope = Q() if shown is None else shown
            found |= scope & (in_title | in_summary | in_body)
            weight += [
                When(scope & in_title, then=Value(3)),
                When(scope & in_summary, then=Value(2)),
            ]
        articles = articles.filter(found)
        rank = rank + Case(*weight, default=Value(1), output_field=IntegerField())
    return articles.annotate(rank=rank).order_by(F("rank").desc(), "-published_at", "-pk")
