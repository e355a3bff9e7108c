"""The lists of a member's posts ("Your posts", the public profile) name each article as the
reader is shown it: in Spanish when it has a reviewed translation, else by its English title,
marked lang="en" on a Spanish page; with the same queries in either language."""

import pytest
from django.test import Client

from accounts import profiles
from tests.articles.test_translations import SPANISH, translate
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

ENGLISH_ONLY = "Sleeping with a sample condition"


@pytest.fixture
def posts(article, make_article, member, make_comment):
    """A post under a translated article and one under an article with no translation."""
    translate(article)
    make_comment(article, member, body="Gracias")
    make_comment(make_article(title=ENGLISH_ONLY), member, body="Muy útil")
    return article


def test_your_posts_in_spanish_name_each_article_as_it_is_shown(
    posts, member, django_assert_max_num_queries
):
    member.language = "es"
    member.save(update_fields=["language"])
    browser = signed_in(member)
    with django_assert_max_num_queries(5):
        page = browser.get("/account/posts/").content.decode()
    assert SPANISH["title_es"] in page and posts.title_en not in page
    assert f'<span lang="en">{ENGLISH_ONLY}</span>' in page


def test_your_posts_in_english_show_english_titles_unmarked(posts, member):
    member.language = "en"
    member.save(update_fields=["language"])
    page = signed_in(member).get("/account/posts/").content.decode()
    assert posts.title_en in page and SPANISH["title_es"] not in page
    assert 'lang="en">' not in page.split("<main", 1)[-1]


def test_a_profile_in_spanish_names_each_article_as_it_is_shown(
    posts, member, django_assert_num_queries
):
    member.profile_public = True
    member.save(update_fields=["profile_public"])
    profiles.sync_handle(member)
    member.refresh_from_db()
    with django_assert_num_queries(3):  # the member, the count of posts, the page of posts
        response = Client().get(f"/members/{member.handle}/", HTTP_ACCEPT_LANGUAGE="es")
    page = response.content.decode()
    assert SPANISH["title_es"] in page and posts.title_en not in page
    assert f'<span lang="en">{ENGLISH_ONLY}</span>' in page
    english = Client().get(f"/members/{member.handle}/", HTTP_ACCEPT_LANGUAGE="en")
    assert posts.title_en in english.content.decode()
