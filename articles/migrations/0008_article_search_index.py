"""A GIN index of the articles' words for PostgreSQL's full-text search (articles/search.py).

A functional index on the same weighted SearchVector the search filters on, rather than a
stored SearchVectorField: nothing to keep up to date on every save (publishing.py, the admin,
imports), no backfill, and the database keeps it right by itself; ranking reads title, summary
and body anyway.

Created on PostgreSQL only, and on purpose left out of the models' state (Meta.indexes): SQLite
has no GIN indexes nor to_tsvector, and when a later migration alters the article table there,
Django rebuilds the table with every index the state names, which would then fail. The
expression must stay identical to articles.search.ARTICLE_SEARCH_VECTOR, or PostgreSQL will not
use the index (tests/articles/test_search.py checks that it does).
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEX_NAME = "article_search_idx"


def _index():
    return GinIndex(
        SearchVector("title", weight="A", config="english")
        + SearchVector("summary", weight="B", config="english")
        + SearchVector("body", weight="C", config="english"),
        name=INDEX_NAME,
    )


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("articles", "Article"), _index())


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("articles", "Article"), _index())


class Migration(migrations.Migration):
    dependencies = [("articles", "0007_site_pages")]

    operations = [migrations.RunPython(add_index, remove_index, elidable=False)]
