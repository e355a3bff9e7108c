"""Anonymous readers get whole pages from the shared cache, refreshed the moment they change."""

import datetime
import time

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from articles import publishing
from articles.models import Article
from comments import moderator_actions
from kindred import freshness, page_cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _thread_visible(settings):
    settings.COMMENTS_READ_GATE = False  # anonymous readers see the thread itself


def _get(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response


def test_second_anonymous_read_comes_from_the_cache(client, article):
    assert _get(client, article)["X-Page-Cache"] == "miss"
    response = _get(client, article)
    assert response["X-Page-Cache"] == "hit"
    assert "public" in response["Cache-Control"] and not response.cookies
    assert "Content-Security-Policy" in response


def test_published_comment_shows_at_once(client, article, member, post_comment):
    _get(client, article)
    writer = Client()
    writer.force_login(member)
    post_comment(writer, article, body="Fresh words here")
    response = _get(client, article)
    assert response["X-Page-Cache"] == "miss"
    assert "Fresh words here" in response.content.decode()


def test_hidden_comment_goes_at_once(client, article, make_comment, make_subscriber, moderator):
    comment = make_comment(article, make_subscriber(), body="Soon to be hidden")
    assert "Soon to be hidden" in _get(client, article).content.decode()
    moderator_actions.reject(comment, moderator, "off_topic")
    assert "Soon to be hidden" not in _get(client, article).content.decode()


def test_article_edit_and_new_article_in_the_sidebar_show_at_once(client, article, make_article):
    _get(client, article)
    Article.objects.filter(pk=article.pk).update(title="unused")  # nobody said: no refresh
    assert _get(client, article)["X-Page-Cache"] == "hit"
    article.title = "A clearer title"
    publishing.save_article(article)
    assert "A clearer title" in _get(client, article).content.decode()
    make_article(title="Newest piece on breathing")
    assert "Newest piece on breathing" in _get(client, article).content.decode()


def test_member_name_change_shows_at_once(client, article, make_comment, member):
    make_comment(article, member, body="Signed by me")
    assert "Sample Member" in _get(client, article).content.decode()
    browser = Client()
    browser.force_login(member)
    form = {"display_name": "Sample Renamed", "bio": "", "notify_replies": "on"}
    assert browser.post("/account/", form).status_code == 302
    assert "Sample Renamed" in _get(client, article).content.decode()


def test_a_login_and_an_unchanged_settings_save_keep_stored_pages(client, article, member):
    from allauth.account.models import EmailAddress
    from django.test import Client

    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    assert _get(client, article)["X-Page-Cache"] == "miss"
    browser = Client()
    response = browser.post(
        "/accounts/login/", {"login": member.email, "password": "a-long-test-password"}
    )
    assert response.status_code == 302 and "_auth_user_id" in browser.session
    assert _get(client, article)["X-Page-Cache"] == "hit"
    form = {"display_name": "Sample Member", "bio": "", "notify_replies": "on"}
    assert browser.post("/account/", form).status_code == 302
    assert _get(client, article)["X-Page-Cache"] == "hit"

    browser.post("/account/", {**form, "display_name": "Sample Renamed"})
    member.refresh_from_db()
    assert member.display_name == "Sample Renamed"
    assert _get(client, article)["X-Page-Cache"] == "miss"


def test_changing_only_what_pages_do_not_show_keeps_stored_pages(client, article, member):
    browser = Client()
    browser.force_login(member)
    _get(client, article)
    form = {"display_name": "Sample Member", "bio": "", "wants_newsletter": ""}
    assert browser.post("/account/", form).status_code == 302  # reply mails off
    assert _get(client, article)["X-Page-Cache"] == "hit"
    browser.post("/account/", {**form, "display_name": "Sample Renamed"})
    assert _get(client, article)["X-Page-Cache"] == "miss"  # a name may show on any page


def test_members_never_get_or_fill_the_shared_page(client, article, member):
    client.force_login(member)
    response = _get(client, article)
    assert "X-Page-Cache" not in response and "private" in response["Cache-Control"]
    client.logout()
    client.cookies.clear()
    assert _get(client, article)["X-Page-Cache"] == "miss"
    client.force_login(member)
    assert "X-Page-Cache" not in _get(client, article)
    assert "Sample Member" in _get(client, article).content.decode()


def test_a_visitor_with_other_cookies_gets_a_fresh_page(client, article):
    _get(client, article)
    client.cookies["messages"] = "something for this visitor"
    assert "X-Page-Cache" not in _get(client, article)


def test_a_stale_page_is_rendered_by_one_request_while_others_get_the_last_copy(
    client, settings, article, make_comment, make_subscriber
):
    from django.core.cache import cache

    _get(client, article)
    make_comment(article, make_subscriber(), body="Arrived while rendering")
    key = page_cache._page_key(article.get_absolute_url() + "?", settings.LANGUAGE_CODE)
    cache.add(f"{key}:lock", 1, 10)  # another request is rendering the new copy right now
    response = _get(client, article)
    assert response["X-Page-Cache"] == "stale"
    assert "Arrived while rendering" not in response.content.decode()
    cache.delete(f"{key}:lock")
    assert "Arrived while rendering" in _get(client, article).content.decode()


def test_a_hit_carries_the_same_headers_as_the_rendered_page(client, article):
    first = _get(client, article)
    second = _get(client, article)
    for header in ("Content-Security-Policy", "Permissions-Policy", "Cache-Control", "Vary"):
        assert second[header] == first[header]
    assert second.content == first.content


def test_made_up_query_strings_are_not_stored(client, article):
    for n in range(3):
        response = client.get(article.get_absolute_url(), {"x": n})
        assert response.status_code == 200 and "X-Page-Cache" not in response
    assert client.get(article.get_absolute_url(), {"order": "oldest"})["X-Page-Cache"] == "miss"


def _cache_keys():
    """Every key the shared cache holds (Redis in CI, local memory otherwise)."""
    from django.core.cache import cache

    if hasattr(cache, "get_many_raw"):  # ResilientRedisCache
        return [key.decode() for key in cache._cache.get_client(write=False).keys("*")]
    return list(cache._cache)


def _stored_pages():
    """How many whole pages the shared cache holds."""
    return len([k for k in _cache_keys() if ":pages:page:" in k and not k.endswith(":lock")])


@pytest.fixture
def three_comment_pages(settings, article, make_comment, make_subscriber):
    settings.COMMENTS_PER_PAGE = 2
    guest = make_subscriber(name="Sample Poster")
    for n in range(6):
        make_comment(article, guest, body=f"Comment number {n}")
    return article


def _made_up_queries(count):
    import random

    rng = random.Random(12)
    fixed = [
        {"cpage": "1"},
        {"cpage": "0"},
        {"cpage": "02"},
        {"cpage": " 2"},
        {"cpage": "+2"},
        {"cpage": "2.0"},
        {"cpage": "٢"},
        {"cpage": "-1"},
        {"cpage": "abc"},
        {"cpage": ""},
        {"cpage": "4"},
        {"cpage": "999999"},
        {"cpage": "2&order=oldest"},
        {"order": "newest"},
        {"order": "OLDEST"},
        {"order": ""},
        {"order": "oldest&cpage=2"},
        {"order": "oldest", "cpage": "1"},
    ]
    made_up = []
    while len(fixed) + len(made_up) < count:
        n = len(made_up)
        if n % 3 == 0:
            made_up.append({"cpage": str(rng.randint(4, 10**9))})
        elif n % 3 == 1:
            made_up.append({"order": "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=8))})
        else:
            made_up.append({"cpage": str(rng.randint(4, 99999)), "order": "oldest"})
    return fixed + made_up


def test_made_up_page_numbers_and_orders_leave_only_the_real_pages_in_the_cache(
    client, three_comment_pages
):
    url = three_comment_pages.get_absolute_url()
    queries = _made_up_queries(200)
    for query in queries:
        response = client.get(url, query)
        assert response.status_code == 200
        assert response.get("X-Page-Cache") != "hit", query
    assert _stored_pages() == 0
    # The page's own addresses are stored, one entry each: 3 pages in 2 orders.
    real = [{}, {"cpage": "2"}, {"cpage": "3"}, {"order": "oldest"}]
    real += [{"order": "oldest", "cpage": "2"}, {"order": "oldest", "cpage": "3"}]
    for query in real:
        assert client.get(url, query)["X-Page-Cache"] == "miss"
        assert client.get(url, query)["X-Page-Cache"] == "hit"
    for query in queries:
        client.get(url, query)
    assert _stored_pages() == len(real)


def test_a_made_up_value_cannot_stand_in_for_another_page(client, three_comment_pages):
    url = three_comment_pages.get_absolute_url()
    client.get(url + "?cpage=2%26order%3Doldest")  # shows page 1, newest first
    second_oldest_first = client.get(url, {"cpage": "2", "order": "oldest"}).content.decode()
    assert "Comment number 2" in second_oldest_first
    assert "Comment number 5" not in second_oldest_first


def test_page_numbers_are_not_stored_while_anonymous_readers_see_no_thread(
    client, settings, three_comment_pages
):
    settings.COMMENTS_READ_GATE = True  # the count and the name + email box only
    url = three_comment_pages.get_absolute_url()
    for query in [{"cpage": "2"}, {"order": "oldest"}, {"cpage": "3"}]:
        assert "X-Page-Cache" not in client.get(url, query)
    assert client.get(url)["X-Page-Cache"] == "miss"
    assert _stored_pages() == 1


def test_made_up_page_numbers_show_members_a_real_page(client, member, three_comment_pages):
    client.force_login(member)
    url = three_comment_pages.get_absolute_url()
    for query in _made_up_queries(200):
        response = client.get(url, query)
        assert response.status_code == 200
        assert "Page " in response.content.decode()


def test_unknown_hosts_get_nothing_from_the_cache(client, article):
    _get(client, article)
    assert client.get(article.get_absolute_url(), HTTP_HOST="evil.example").status_code == 400


def test_an_unpublished_article_does_not_linger(client, article):
    _get(client, article)
    article.status = Article.Status.DRAFT
    publishing.save_article(article)
    assert client.get(article.get_absolute_url()).status_code == 404


def test_a_page_withdrawn_while_rendering_leaves_no_stale_copy(client, settings, article):
    from django.core.cache import cache

    _get(client, article)
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
    freshness.article_changed(article.pk)
    assert client.get(article.get_absolute_url()).status_code == 404
    key = page_cache._page_key(article.get_absolute_url() + "?", settings.LANGUAGE_CODE)
    assert cache.get(key) is None


def test_reply_forms_point_at_their_own_comment_whatever_the_slug(
    client, make_article, make_comment, make_subscriber, member
):
    article = make_article(slug="trial-reply-1-parent-2")
    first = make_comment(article, make_subscriber(), body="First")
    client.force_login(member)
    page = client.get(article.get_absolute_url()).content.decode()
    assert f'name="parent" value="{first.pk}"' in page
    assert f'id="reply-{first.pk}-body"' in page
    assert f'action="/articles/{article.slug}/comments/"' in page


def test_cached_pages_still_go_through_the_https_redirect(article, settings):
    from django.test import Client

    _get(Client(), article)  # stored
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get(article.get_absolute_url())  # a new client loads the new setting
    assert response.status_code == 301 and response["Location"].startswith("https://")


def test_members_see_article_and_reviewer_changes_at_once(client, article, member):
    client.force_login(member)
    first = client.get(article.get_absolute_url()).content.decode()
    reviewer = article.reviewers.get()
    assert reviewer.name in first
    reviewer.name = "Sample Reviewer Renamed"
    publishing.save_reviewer(reviewer)
    assert "Sample Reviewer Renamed" in client.get(article.get_absolute_url()).content.decode()
    article.title = "Retitled while a member reads"
    publishing.save_article(article)
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Retitled while a member reads" in page


def test_a_page_made_before_the_change_commits_is_stale_once_it_does(
    client, article, make_reviewer, django_capture_on_commit_callbacks
):
    newcomer = make_reviewer(name="Sample Newcomer")
    assert "Sample Newcomer" not in _get(client, article).content.decode()
    # As the admin saves: the article, then its reviewers, in one transaction. A page made in
    # between (after the article's save was told, before the reviewers) is stale at commit.
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        publishing.save_article(article)
        assert "Sample Newcomer" not in _get(client, article).content.decode()
        article.reviewers.set([newcomer])
    assert "Sample Newcomer" in _get(client, article).content.decode()


def test_made_up_article_addresses_leave_no_keys(client):
    for n in range(3):
        assert client.get(f"/articles/no-such-article-{n}/").status_code == 404
    assert not [key for key in _cache_keys() if ":pages:" in key or ":fresh:article:" in key]


def test_the_last_good_copy_is_served_when_its_re_render_fails(
    article, make_comment, make_subscriber, monkeypatch
):
    """Issue 13 (8): once a re-render failed (the database gone), readers got a 503 although a
    good copy of the page was stored."""
    from django.db import OperationalError
    from django.test import Client

    from articles import views

    reader = Client(raise_request_exception=False)
    _get(reader, article)
    make_comment(article, make_subscriber(), body="Arrived before the outage")  # now stale

    def database_gone(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(views, "get_object_or_404", database_gone)
    response = reader.get(article.get_absolute_url())
    assert response.status_code == 200
    assert response["X-Page-Cache"] == "stale-if-error"
    assert article.title in response.content.decode()


def test_a_page_is_kept_per_language(client, settings, article):
    """ARCHITECTURE.md "Languages": a copy made in one language is never served in another."""
    _get(client, article)
    assert _get(client, article)["X-Page-Cache"] == "hit"
    settings.LANGUAGE_CODE = "fr"  # what the request's language is without LocaleMiddleware
    assert _get(client, article)["X-Page-Cache"] == "miss"
    settings.LANGUAGE_CODE = "en-us"
    assert _get(client, article)["X-Page-Cache"] == "hit"


def _seconds_left(key):
    from django.core.cache import cache

    full_key = cache.make_key(key)
    if hasattr(cache, "get_many_raw"):  # Redis
        return cache._cache.get_client().ttl(full_key)
    return cache._expire_info[full_key] - time.time()  # local memory


def test_a_page_is_kept_no_longer_than_until_the_next_article_goes_live(
    client, settings, article, make_article
):
    # A scheduled article goes live without any write: the sidebar of every page changes then.
    make_article(title="Coming soon", published_at=timezone.now() + datetime.timedelta(minutes=5))
    assert _get(client, article)["X-Page-Cache"] == "miss"
    key = page_cache._page_key(article.get_absolute_url() + "?", settings.LANGUAGE_CODE)
    assert 0 < _seconds_left(key) <= 5 * 60 + 1


def _posted_ago(make_comment, make_subscriber, article, **ago):
    comment = make_comment(article, make_subscriber(), body="Timed words")
    when = timezone.now() - datetime.timedelta(**ago)
    type(comment).objects.filter(pk=comment.pk).update(created_at=when)


def test_a_page_saying_minutes_ago_is_kept_only_until_the_minute_turns(
    client, settings, article, make_comment, make_subscriber
):
    _posted_ago(make_comment, make_subscriber, article, minutes=4, seconds=58)
    response = _get(client, article)
    assert response["X-Page-Cache"] == "miss" and "4\xa0minutes ago" in response.content.decode()
    key = page_cache._page_key(article.get_absolute_url() + "?", settings.LANGUAGE_CODE)
    assert 0 < _seconds_left(key) <= 2
    time.sleep(2.1)
    response = _get(client, article)
    assert response["X-Page-Cache"] == "miss"  # the copy saying "4 minutes ago" is gone
    assert "5\xa0minutes ago" in response.content.decode()


def test_a_page_whose_newest_post_is_hours_old_is_kept_until_the_hour_turns(
    client, settings, article, make_comment, make_subscriber
):
    _posted_ago(make_comment, make_subscriber, article, hours=3, minutes=50)
    assert _get(client, article)["X-Page-Cache"] == "miss"
    key = page_cache._page_key(article.get_absolute_url() + "?", settings.LANGUAGE_CODE)
    assert 9 * 60 < _seconds_left(key) <= 10 * 60 + 1
    assert _get(client, article)["X-Page-Cache"] == "hit"


def test_a_copy_withdrawn_from_the_shared_cache_never_comes_back_from_a_servers_memory(
    client, settings, article
):
    from django.core.cache import cache

    assert _get(client, article)["X-Page-Cache"] == "miss"  # stored, and kept by this process
    key = page_cache._page_key(article.get_absolute_url() + "?", settings.LANGUAGE_CODE)
    freshness.article_changed(article.pk)  # then the article was withdrawn: another server
    cache.delete(key)  # rendered it, found it gone and deleted the shared copy
    cache.add(f"{key}:lock", 1, 10)  # while a request here is rendering it again

    response = client.get(article.get_absolute_url())

    assert response["X-Page-Cache"] == "miss"  # rendered now, not the withdrawn copy


def test_a_members_bio_which_no_page_shows_keeps_every_stored_page(client, article, member):
    assert _get(client, article)["X-Page-Cache"] == "miss"
    browser = Client()
    browser.force_login(member)
    for n in range(3):
        form = {"display_name": member.display_name, "bio": f"bio {n}", "notify_replies": "on"}
        assert browser.post("/account/", form).status_code == 302

    assert _get(client, article)["X-Page-Cache"] == "hit"


def test_renaming_again_and_again_cannot_keep_flushing_every_page(
    client, settings, article, member
):
    """Each new name refreshes every cached page (it may show on any): a loop of renames
    is refused after a few, with the reason beside the field, and the pages stay."""
    settings.ACCOUNT_RENAME_RATE_LIMIT = (2, 86400)
    browser = Client()
    browser.force_login(member)

    def rename(n):
        form = {"display_name": f"Sample Name {n}", "bio": "", "notify_replies": "on"}
        return browser.post("/account/", form)

    assert rename(1).status_code == 302 and rename(2).status_code == 302
    _get(client, article)
    refused = rename(3)

    assert refused.status_code == 429
    assert "changed your name several times today" in refused.content.decode()
    assert 'value="Sample Name 3"' in refused.content.decode()  # what they typed is kept
    member.refresh_from_db()
    assert member.display_name == "Sample Name 2"
    assert _get(client, article)["X-Page-Cache"] == "hit"


def test_after_a_settings_change_and_forget_cached_pages_no_old_copy_is_served(
    client, settings, article, make_comment, make_subscriber
):
    """Copies live in Redis, which outlives a restart: the deploy steps (docs/deploy.md) run
    forget_cached_pages after migrate, and after a change like turning the read gate on."""
    import io

    from django.core.management import call_command

    make_comment(article, make_subscriber(), body="Words for those who joined")
    assert "Words for those who joined" in _get(client, article).content.decode()
    settings.COMMENTS_READ_GATE = True  # the operator turns the gate on and restarts

    call_command("forget_cached_pages", stdout=io.StringIO())

    page = _get(Client(), article)
    assert page["X-Page-Cache"] == "miss"
    assert "Words for those who joined" not in page.content.decode()
