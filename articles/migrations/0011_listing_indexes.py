"""The published articles' index in their full order (-published_at, -id: the home page's pages,
feeds, sitemap), one for the admin's list of every article, and the articles' words stored for
full-text search.

The words: on PostgreSQL, each language's weighted vector (title A, summary B, body C, as
0009's indexes had it) becomes a stored generated column, `search_en` and `search_es`, and its
GIN index (the same names as 0009's, article_search_idx and article_search_es_idx) is made on
the column. The expression indexes found the matching articles, but ranking them
(articles/search.py) made each one's vector again from its text: on 2,000 articles, a common
word's 800 matches took 350 ms of to_tsvector per search. A generated column keeps 0008's
reasons: the database keeps it right by itself on every write (publishing, the admin, imports,
COPY), so no code of ours updates it and nothing needs a backfill. Like 0008's and 0009's
indexes it stays out of the models' state (0008 says why; SQLite has neither).

PostgreSQL refuses to change the type of a column a generated column reads: a later migration
that changes the type or length of title_*, summary_* or body_* drops these columns first and
makes them again after (this migration's functions do both).
"""

import importlib

from django.db import migrations, models

# Each language's column and PostgreSQL text-search configuration (articles/search.py CONFIGS).
SEARCHED = {"en": "english", "es": "spanish"}
INDEX_NAMES = {"en": "article_search_idx", "es": "article_search_es_idx"}
WEIGHTS = (("title", "A"), ("summary", "B"), ("body", "C"))


def _words_sql(language, config):
    return " || ".join(
        f"setweight(to_tsvector('{config}'::regconfig, COALESCE({field}_{language}, '')), "
        f"'{weight}')"
        for field, weight in WEIGHTS
    )


def _expression_indexes():
    return importlib.import_module("articles.migrations.0009_article_translations").NEW_INDEXES


def store_the_words(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    Article = apps.get_model("articles", "Article")
    for index in _expression_indexes():
        schema_editor.remove_index(Article, index)
    table = schema_editor.quote_name(Article._meta.db_table)
    for language, config in SEARCHED.items():
        column = schema_editor.quote_name(f"search_{language}")
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN {column} tsvector "
            f"GENERATED ALWAYS AS ({_words_sql(language, config)}) STORED"
        )
        index = schema_editor.quote_name(INDEX_NAMES[language])
        schema_editor.execute(f"CREATE INDEX {index} ON {table} USING gin ({column})")


def index_the_expressions(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    Article = apps.get_model("articles", "Article")
    table = schema_editor.quote_name(Article._meta.db_table)
    for language in SEARCHED:
        column = schema_editor.quote_name(f"search_{language}")
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN {column}")  # and its index
    for index in _expression_indexes():
        schema_editor.add_index(Article, index)


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0010_newsletter_translations'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='article',
            name='article_listing_idx',
        ),
        migrations.AddIndex(
            model_name='article',
            index=models.Index(fields=['status', '-published_at', '-id'], name='article_listing_idx'),
        ),
        migrations.AddIndex(
            model_name='article',
            index=models.Index(fields=['-published_at', '-id'], name='article_admin_order_idx'),
        ),
        migrations.RunPython(store_the_words, index_the_expressions, elidable=False),
    ]
