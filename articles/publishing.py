"""Storing articles, reviewers and the site's own pages, whoever writes them: the admin,
`load_demo`, an import.

Each derived field is rebuilt here from its source (the HTML of the Markdown, the hero
picture's size, kept so a page never opens the picture file), and the pages that show the row
are told (kindred.freshness), as every domain function does after it writes.
"""

import contextlib

from django.core.files.images import get_image_dimensions

from articles.markdown import render_markdown
from kindred import freshness


def save_article(article):
    """Store a new or changed article."""
    article.body_html = render_markdown(article.body)
    _remember_hero_size(article)
    article.save()
    freshness.article_changed(article.pk)


def set_people(article, *, reviewers=None, authors=None):
    """Give the article these reviewers and authors (primary keys or rows; None: unchanged)."""
    if reviewers is not None:
        article.reviewers.set(reviewers)
    if authors is not None:
        article.authors.set(authors)
    freshness.article_changed(article.pk)  # their names and credentials show on its page


def save_reviewer(reviewer):
    """Store a new or changed reviewer (or author) profile."""
    reviewer.bio_html = render_markdown(reviewer.bio)
    reviewer.save()
    freshness.site_changed()  # their name shows on the pages of every article they worked on


def save_site_page(site_page):
    """Store a changed site page (contact, privacy notice, ...)."""
    site_page.body_html = render_markdown(site_page.body)
    site_page.save()
    freshness.site_page_changed(site_page.kind)


def _remember_hero_size(article):
    if not article.hero_image:
        article.hero_width = article.hero_height = None
        return
    # A missing file keeps the last known size; the page never opens the picture itself.
    with contextlib.suppress(OSError):
        article.hero_width, article.hero_height = get_image_dimensions(
            article.hero_image, close=True
        )
