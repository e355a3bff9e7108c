"""Articles in more than one language: a translation per language, each medically reviewed.

Why django-modeltranslation (and not django-parler): the translations live in the article's own
row, a column per language (title_en, title_es, ...), not in a table of their own joined or
prefetched on every read. So the article page, the lists, the sidebar and the feeds keep their
query counts (tests/comments/test_query_counts.py: an anonymous reader's article page is 4
queries, a member's 8, in either language); PostgreSQL's full-text search can index each
language's columns with that language's own text-search configuration (migration 0009,
articles/search.py); and the admin edits the languages side by side, a row per text. The cost:
a new language needs a migration for its columns, which a language needs anyway for its catalog
(locale/) and its formats (config/formats/).

The rule on top of modeltranslation's columns: an article is shown whole in one language, never
a mix. A reader of Spanish gets the Spanish translation when it is complete (title, summary,
text, and the picture's texts if the English article has them) and has its own medical review
date (Article.clean() refuses anything less in the admin); otherwise the English article, which
its page marks lang="en" with a short note. `article.title`, `article.body_html`,
`article.last_reviewed_at` ... therefore read the language Article.shown_language() picks for
the active language, all of them from the same language (modeltranslation's own fallback goes
field by field, which could put a Spanish title over an English text).

Reading and writing through the unsuffixed names:
- reading `article.title` gives the shown language's text; a query that loaded only the
  unsuffixed column (`Comment.objects.only("article__title")`, from a model that is not
  translated) gets the English text stored there, with no query of its own;
- assigning `article.title = ...` writes the shown language's column; `Article(title=...)`
  writes English, whatever language is active;
- saving writes the unsuffixed columns with the English article's words (Article.save()), and
  each language's body_html from its own body.
Filters and ordering on an unsuffixed name are rewritten by modeltranslation to the active
language's column (`filter(title=...)` under Spanish reads title_es): name the column, as
`last_reviewed_at_en`, wherever the language matters (articles/admin.py, sitemaps.py).

The site's own pages (SitePage: contact, privacy notice, guidelines, terms) follow the same
rule, shown whole in one language: the reader's when the page has both its title and its text
in it (SitePage.shown_language(), from the row's own columns, so no column of its own is
needed), else English; their body_html is made per language on every save (SitePage.save()).
"""

import functools

from django.utils import translation
from modeltranslation.fields import TranslationFieldDescriptor
from modeltranslation.translator import TranslationOptions, translator
from modeltranslation.utils import build_localized_fieldname

from articles.models import DEFAULT_LANGUAGE, Article, SitePage, shown_language, site_page_language


class ArticleTranslation(TranslationOptions):
    # The review date too: each translation has its own medical review.
    fields = (
        "title",
        "summary",
        "body",
        "body_html",
        "hero_alt",
        "hero_caption",
        "last_reviewed_at",
    )


class SitePageTranslation(TranslationOptions):
    # The page's Markdown and its HTML, made from it on every save (SitePage.save()).
    fields = ("title", "body", "body_html")


class WholeTranslation(TranslationFieldDescriptor):
    """An unsuffixed field of Article: the column of the language the whole article is shown in
    (Article.shown_language), with no fallback field by field."""

    # The language a row is shown in, from the columns it holds (never a query).
    language_of = staticmethod(shown_language)

    def __get__(self, instance, owner):
        if instance is None:
            return self
        # `instance` may also be modeltranslation's stand-in for a row of values(): no method.
        column = build_localized_fieldname(self.field.name, self.language_of(instance))
        loaded = instance.__dict__
        if column not in loaded and self.field.attname in loaded:
            # Only the unsuffixed column was read: it holds the English article's words.
            return loaded[self.field.attname]
        value = getattr(instance, column)
        return self.field.get_default() if value is None else value

    def __set__(self, instance, value):
        instance.__dict__[self.field.name] = value
        # While the row is built (from the database or the constructor's arguments) and while
        # modeltranslation cleans the fields, only the unsuffixed value is kept.
        if getattr(instance, "_mt_init", False) or getattr(instance, "_mt_disable", False):
            return
        column = build_localized_fieldname(self.field.name, self.language_of(instance))
        setattr(instance, column, value)


class WholeSitePage(WholeTranslation):
    """An unsuffixed field of SitePage: the column of the language the whole page is shown in
    (SitePage.shown_language: the reader's when the page has its title and text in it)."""

    language_of = staticmethod(site_page_language)


def construct_in_english(model):
    """modeltranslation gives a keyword argument such as title= to the active language's column;
    for `model` it is always the English one's. Rows read from the database come positionally."""
    init_with_translations = model.__init__

    @functools.wraps(init_with_translations)
    def init_in_english(self, *args, **kwargs):
        if not kwargs:
            init_with_translations(self, *args)
            return
        with translation.override(DEFAULT_LANGUAGE):
            init_with_translations(self, *args, **kwargs)

    model.__init__ = init_in_english


translator.register(Article, ArticleTranslation)

for _name in ArticleTranslation.fields:
    setattr(Article, _name, WholeTranslation(Article._meta.get_field(_name)))

construct_in_english(Article)

# The site's own pages (contact, privacy notice, guidelines, terms), by the same rule: shown
# whole in one language, their unsuffixed columns holding the English page's words
# (SitePage.save()). docs/article-translations.md, "Site pages".
translator.register(SitePage, SitePageTranslation)

for _name in SitePageTranslation.fields:
    setattr(SitePage, _name, WholeSitePage(SitePage._meta.get_field(_name)))

construct_in_english(SitePage)
