"""Searching the articles: the page, its ranking, odd input, and its cost."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from articles.search import ARTICLE_SEARCH_VECTOR, search_articles

pytestmark = pytest.mark.django_db

ON_POSTGRESQL = connection.vendor == "postgresql"


def _titles(response):
    return [article.title for article in response.context["page"].object_list]


def test_search_finds_published_articles_a_title_match_first(client, make_article):
    body_match = make_article(title="Sleep and you", body="Fatigue comes with migraine often.")
    title_match = make_article(title="Migraine at work", body="Some advice for the office.")
    make_article(title="Migraine drafts", status="draft", published_at=None)
    make_article(title="Migraine later", published_at=timezone.now() + datetime.timedelta(days=3))
    make_article(title="Knees", body="Nothing about heads.")

    response = client.get("/search/", {"q": "migraine"})

    assert response.status_code == 200
    assert _titles(response) == [title_match.title, body_match.title]
    page = response.content.decode()
    assert 'value="migraine"' in page  # the query stays in the box
    assert '<meta name="robots" content="noindex">' in page
    assert "2 articles found for “migraine”" in page
    assert title_match.summary in page


def test_search_shows_a_clear_message_when_nothing_matches(client, make_article):
    make_article(title="Knees")
    page = client.get("/search/", {"q": "xylophone"}).content.decode()
    assert "No articles match these words." in page
    assert "0 articles found for “xylophone”" in page


def test_an_empty_search_asks_for_words_without_searching(
    client, make_article, django_assert_num_queries
):
    make_article()
    with django_assert_num_queries(0):
        response = client.get("/search/", {"q": "   "})
    assert response.status_code == 200
    assert response.context["page"] is None
    assert "Type a few words" in response.content.decode()
    assert client.get("/search/").status_code == 200


def test_an_overlong_or_odd_query_is_refused_politely(client, make_article):
    make_article(title="Knees")
    response = client.get("/search/", {"q": "knee " * 100})
    assert response.status_code == 200
    assert "at most 200 characters" in response.content.decode()
    assert response.context["page"] is None
    for odd in ['"unclosed', "!!! & | :* ()", "knee\x00s", "-", "or", "' OR 1=1 --"]:
        assert client.get("/search/", {"q": odd}).status_code == 200, odd


def test_search_results_escape_what_staff_wrote(client, make_article):
    make_article(title="Asthma <script>x</script>", summary="Breathing <b>easy</b>.")
    page = client.get("/search/", {"q": "asthma"}).content.decode()
    assert "<script>x</script>" not in page and "<b>easy</b>" not in page
    assert "Asthma &lt;script&gt;x&lt;/script&gt;" in page


def test_search_results_are_paginated_keeping_the_query(client, make_article, settings):
    settings.ARTICLES_PER_PAGE = 2
    for n in range(5):
        make_article(title=f"Arthritis note {n}")
    first = client.get("/search/", {"q": "arthritis"})
    assert len(_titles(first)) == 2
    assert 'href="?q=arthritis&amp;page=2"' in first.content.decode()
    last = client.get("/search/", {"q": "arthritis", "page": "3"})
    assert len(_titles(last)) == 1
    assert client.get("/search/", {"q": "arthritis", "page": "nonsense"}).status_code == 200


def test_every_page_has_the_search_form_in_its_header(client, article):
    page = client.get(article.get_absolute_url()).content.decode()
    assert 'action="/search/"' in page and 'for="site-search-q"' in page


@pytest.mark.parametrize("count", [3, 30])
def test_search_queries_do_not_grow_with_articles(
    client, make_article, count, django_assert_num_queries
):
    for n in range(count):
        make_article(title=f"Diabetes piece {n}")
    # 1 the paginator's count of matching articles, 2 the page of them.
    with django_assert_num_queries(2):
        response = client.get("/search/", {"q": "diabetes"})
    assert len(_titles(response)) == min(count, 10)


@pytest.mark.skipif(not ON_POSTGRESQL, reason="full-text search is PostgreSQL's")
def test_postgresql_matches_word_forms_and_ranks_by_weight(make_article):
    in_body = make_article(title="Living well", body="Asthma, in children, often eases.")
    in_summary = make_article(title="At school", summary="On being diagnosed with asthma.")
    in_title = make_article(title="Asthma and sport", summary="Inhalers before the match.")
    make_article(title="Knees", summary="Nothing to do with it.")
    assert list(search_articles("asthma")) == [in_title, in_summary, in_body]
    assert list(search_articles("diagnoses")) == [in_summary]  # the same word's other form
    assert list(search_articles('"inhalers before the match"')) == [in_title]
    assert set(search_articles("asthma -diagnosed")) == {in_title, in_body}


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the GIN index exists on PostgreSQL only")
def test_postgresql_uses_the_gin_index(make_article):
    from articles.models import Article
    from articles.search import SearchQuery

    make_article(title="Epilepsy and driving")
    query = (
        Article.objects.annotate(search=ARTICLE_SEARCH_VECTOR)
        .filter(search=SearchQuery("epilepsy", config="english", search_type="websearch"))
        .values("pk")
    )
    with connection.cursor() as cursor:
        # On a table this small any scan would do; the stored words are cheap to test row by
        # row, so a btree index read whole competes too: only the GIN index is left to use.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = query.explain()
    assert "article_search_idx" in plan


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the stored words are PostgreSQL's")
def test_postgresql_keeps_the_stored_words_right_after_an_edit(make_article):
    from articles import publishing

    article = make_article(title="Sleep", body="On resting well.")
    assert list(search_articles("ventilator")) == []
    article.body = "On resting well with a ventilator at night."
    publishing.save_article(article)
    assert list(search_articles("ventilator")) == [article]  # the database made them again
