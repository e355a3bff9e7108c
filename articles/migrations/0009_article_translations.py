"""Articles in more than one language (articles/translation.py): a column per language for the
translated fields, the English ones filled from the existing columns, and a full-text index per
language on PostgreSQL.

The English index (article_search_idx) is made again over the English columns, title_en, ...
(modeltranslation leaves the unsuffixed columns' value undetermined), and a Spanish one
(article_search_es_idx) over title_es, ... with the 'spanish' configuration. Like 0008's, both
are made outside the models' state, on PostgreSQL only (0008 says why), and their expressions
must stay identical to articles.search.SEARCH_VECTORS (tests/articles/test_search.py and
test_translations.py check that PostgreSQL uses them).

Also the labels marked for translation (verbose names, help texts, choices): no schema change.
"""

import django.db.models.deletion
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Coalesce

TRANSLATED = ("title", "summary", "body", "body_html", "hero_alt", "hero_caption", "last_reviewed_at")


def copy_to_english(apps, schema_editor):
    """The existing articles are English: each translated field's value into its _en column."""
    Article = apps.get_model("articles", "Article")
    Article.objects.update(**{f"{name}_en": F(name) for name in TRANSLATED})


def copy_back_from_english(apps, schema_editor):
    """Back to one language: the English columns' words, as last saved, into the plain ones."""
    Article = apps.get_model("articles", "Article")
    Article.objects.update(**{name: Coalesce(F(f"{name}_en"), F(name)) for name in TRANSLATED})


def _search_index(name, language, config):
    def column(field):
        return f"{field}_{language}" if language else field

    return GinIndex(
        SearchVector(column("title"), weight="A", config=config)
        + SearchVector(column("summary"), weight="B", config=config)
        + SearchVector(column("body"), weight="C", config=config),
        name=name,
    )


# 0008's index over the plain columns, and this migration's, one per language.
OLD_INDEX = _search_index("article_search_idx", None, "english")
NEW_INDEXES = [
    _search_index("article_search_idx", "en", "english"),
    _search_index("article_search_es_idx", "es", "spanish"),
]


def index_per_language(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        Article = apps.get_model("articles", "Article")
        schema_editor.remove_index(Article, OLD_INDEX)
        for index in NEW_INDEXES:
            schema_editor.add_index(Article, index)


def index_plain_columns(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        Article = apps.get_model("articles", "Article")
        for index in NEW_INDEXES:
            schema_editor.remove_index(Article, index)
        schema_editor.add_index(Article, OLD_INDEX)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0013_language'),
        ('articles', '0008_article_search_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='article',
            options={'ordering': ['-published_at', '-pk'], 'verbose_name': 'article', 'verbose_name_plural': 'articles'},
        ),
        migrations.AlterModelOptions(
            name='newsletterrecipient',
            options={'verbose_name': 'newsletter recipient', 'verbose_name_plural': 'newsletter recipients'},
        ),
        migrations.AlterModelOptions(
            name='newslettersend',
            options={'ordering': ['-created_at'], 'verbose_name': 'newsletter send', 'verbose_name_plural': 'newsletter sends'},
        ),
        migrations.AlterModelOptions(
            name='reviewer',
            options={'ordering': ['name'], 'verbose_name': 'reviewer', 'verbose_name_plural': 'reviewers'},
        ),
        migrations.AddField(
            model_name='article',
            name='body_en',
            field=models.TextField(help_text='Markdown. Use ## for section headings.', null=True, verbose_name='body'),
        ),
        migrations.AddField(
            model_name='article',
            name='body_es',
            field=models.TextField(help_text='Markdown. Use ## for section headings.', null=True, verbose_name='body'),
        ),
        migrations.AddField(
            model_name='article',
            name='body_html_en',
            field=models.TextField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='article',
            name='body_html_es',
            field=models.TextField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='article',
            name='hero_alt_en',
            field=models.CharField(blank=True, help_text='What the picture shows.', max_length=250, null=True, verbose_name='image alt text'),
        ),
        migrations.AddField(
            model_name='article',
            name='hero_alt_es',
            field=models.CharField(blank=True, help_text='What the picture shows.', max_length=250, null=True, verbose_name='image alt text'),
        ),
        migrations.AddField(
            model_name='article',
            name='hero_caption_en',
            field=models.CharField(blank=True, max_length=300, null=True, verbose_name='image caption'),
        ),
        migrations.AddField(
            model_name='article',
            name='hero_caption_es',
            field=models.CharField(blank=True, max_length=300, null=True, verbose_name='image caption'),
        ),
        migrations.AddField(
            model_name='article',
            name='last_reviewed_at_en',
            field=models.DateField(blank=True, null=True, verbose_name='last medically reviewed'),
        ),
        migrations.AddField(
            model_name='article',
            name='last_reviewed_at_es',
            field=models.DateField(blank=True, null=True, verbose_name='last medically reviewed'),
        ),
        migrations.AddField(
            model_name='article',
            name='reviewed_translations',
            field=models.CharField(blank=True, default='', editable=False, max_length=60, verbose_name='reviewed translations'),
        ),
        migrations.AddField(
            model_name='article',
            name='summary_en',
            field=models.CharField(help_text='One or two sentences for lists, feeds and search results.', max_length=300, null=True, verbose_name='summary'),
        ),
        migrations.AddField(
            model_name='article',
            name='summary_es',
            field=models.CharField(help_text='One or two sentences for lists, feeds and search results.', max_length=300, null=True, verbose_name='summary'),
        ),
        migrations.AddField(
            model_name='article',
            name='title_en',
            field=models.CharField(max_length=200, null=True, verbose_name='title'),
        ),
        migrations.AddField(
            model_name='article',
            name='title_es',
            field=models.CharField(max_length=200, null=True, verbose_name='title'),
        ),
        migrations.AlterField(
            model_name='article',
            name='authors',
            field=models.ManyToManyField(blank=True, related_name='authored_articles', to='articles.reviewer', verbose_name='authors'),
        ),
        migrations.AlterField(
            model_name='article',
            name='body',
            field=models.TextField(help_text='Markdown. Use ## for section headings.', verbose_name='body'),
        ),
        migrations.AlterField(
            model_name='article',
            name='comments_open',
            field=models.BooleanField(default=True, help_text='Untick to close the conversation under this article.', verbose_name='comments open'),
        ),
        migrations.AlterField(
            model_name='article',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='article',
            name='hero_image',
            field=models.ImageField(blank=True, upload_to='articles/', verbose_name='hero image'),
        ),
        migrations.AlterField(
            model_name='article',
            name='is_sample',
            field=models.BooleanField(default=False, help_text='Demo content.', verbose_name='is sample'),
        ),
        migrations.AlterField(
            model_name='article',
            name='kind',
            field=models.CharField(choices=[('article', 'Article'), ('video', 'Video')], default='article', max_length=10, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='article',
            name='published_at',
            field=models.DateTimeField(blank=True, help_text='A date in the future schedules the article.', null=True, verbose_name='published at'),
        ),
        migrations.AlterField(
            model_name='article',
            name='slug',
            field=models.SlugField(max_length=200, unique=True, verbose_name='slug'),
        ),
        migrations.AlterField(
            model_name='article',
            name='status',
            field=models.CharField(choices=[('draft', 'Draft'), ('published', 'Published')], default='draft', max_length=10, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='article',
            name='summary',
            field=models.CharField(help_text='One or two sentences for lists, feeds and search results.', max_length=300, verbose_name='summary'),
        ),
        migrations.AlterField(
            model_name='article',
            name='title',
            field=models.CharField(max_length=200, verbose_name='title'),
        ),
        migrations.AlterField(
            model_name='article',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, verbose_name='updated at'),
        ),
        migrations.AlterField(
            model_name='newsletterrecipient',
            name='attempts',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='attempts'),
        ),
        migrations.AlterField(
            model_name='newsletterrecipient',
            name='claim',
            field=models.CharField(blank=True, db_index=True, max_length=32, verbose_name='claim'),
        ),
        migrations.AlterField(
            model_name='newsletterrecipient',
            name='claimed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='claimed at'),
        ),
        migrations.AlterField(
            model_name='newsletterrecipient',
            name='last_error',
            field=models.TextField(blank=True, verbose_name='last error'),
        ),
        migrations.AlterField(
            model_name='newsletterrecipient',
            name='next_attempt_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='next attempt at'),
        ),
        migrations.AlterField(
            model_name='newsletterrecipient',
            name='send',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='recipients', to='articles.newslettersend', verbose_name='send'),
        ),
        migrations.AlterField(
            model_name='newsletterrecipient',
            name='sent_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='sent at'),
        ),
        migrations.AlterField(
            model_name='newsletterrecipient',
            name='status',
            field=models.CharField(choices=[('queued', 'Queued'), ('sending', 'Sending'), ('sent', 'Sent'), ('retrying', 'Failed, will retry'), ('failed', 'Failed'), ('interrupted', 'Interrupted (may have been sent)'), ('skipped', 'Skipped (unsubscribed)')], default='queued', max_length=12, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='newsletterrecipient',
            name='subscriber',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='newsletter_copies', to='accounts.subscriber', verbose_name='subscriber'),
        ),
        migrations.AlterField(
            model_name='newslettersend',
            name='article',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='newsletter_send', to='articles.article', verbose_name='article'),
        ),
        migrations.AlterField(
            model_name='newslettersend',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='newslettersend',
            name='finished_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='finished at'),
        ),
        migrations.AlterField(
            model_name='newslettersend',
            name='html_body',
            field=models.TextField(verbose_name='HTML body'),
        ),
        migrations.AlterField(
            model_name='newslettersend',
            name='last_activity_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='last activity at'),
        ),
        migrations.AlterField(
            model_name='newslettersend',
            name='recipients_ready',
            field=models.BooleanField(default=False, verbose_name='recipients ready'),
        ),
        migrations.AlterField(
            model_name='newslettersend',
            name='requested_by',
            field=models.CharField(help_text='What started the send.', max_length=200, verbose_name='requested by'),
        ),
        migrations.AlterField(
            model_name='newslettersend',
            name='started_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='started at'),
        ),
        migrations.AlterField(
            model_name='newslettersend',
            name='subject',
            field=models.CharField(max_length=250, verbose_name='subject'),
        ),
        migrations.AlterField(
            model_name='newslettersend',
            name='text_body',
            field=models.TextField(verbose_name='text body'),
        ),
        migrations.AlterField(
            model_name='reviewer',
            name='bio',
            field=models.TextField(blank=True, help_text='Markdown. Shown on the profile page.', verbose_name='bio'),
        ),
        migrations.AlterField(
            model_name='reviewer',
            name='credentials',
            field=models.CharField(blank=True, help_text='e.g. M.D., Ph.D.', max_length=120, verbose_name='credentials'),
        ),
        migrations.AlterField(
            model_name='reviewer',
            name='headline',
            field=models.CharField(blank=True, help_text="One line under the name, e.g. 'a board-certified neurologist'.", max_length=200, verbose_name='headline'),
        ),
        migrations.AlterField(
            model_name='reviewer',
            name='is_sample',
            field=models.BooleanField(default=False, help_text='Sample data for demonstrations, not a real person.', verbose_name='is sample'),
        ),
        migrations.AlterField(
            model_name='reviewer',
            name='name',
            field=models.CharField(max_length=120, verbose_name='name'),
        ),
        migrations.AlterField(
            model_name='reviewer',
            name='photo',
            field=models.ImageField(blank=True, upload_to='reviewers/', verbose_name='photo'),
        ),
        migrations.AlterField(
            model_name='reviewer',
            name='slug',
            field=models.SlugField(max_length=140, unique=True, verbose_name='slug'),
        ),
        migrations.AlterField(
            model_name='reviewer',
            name='user',
            field=models.OneToOneField(blank=True, help_text="The staff account this reviewer signs in with: their notes on readers' posts are signed with this name.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='reviewer_profile', to=settings.AUTH_USER_MODEL, verbose_name='user'),
        ),
        migrations.RunPython(copy_to_english, copy_back_from_english, elidable=False),
        migrations.RunPython(index_per_language, index_plain_columns, elidable=False),
    ]
