"""The policy, as a pure function: each rule on its own."""

import ipaddress
from types import SimpleNamespace

import pytest

from comments.moderation import (
    PENDING,
    PUBLISHED,
    REJECTED,
    AuthorFacts,
    Rules,
    decide,
    find_phrase,
)

OPEN = SimpleNamespace(comments_open=True)
TRUSTED = AuthorFacts(is_member=True, email="trusted@example.org", approved_posts=10)
NEW = AuthorFacts(is_member=True, email="new@example.org", approved_posts=0)


def _decide(text="A kind word.", author=TRUSTED, article=OPEN, **rules):
    return decide(author=author, text=text, article=article, rules=Rules(**rules))


def test_trusted_author_with_plain_text_is_published():
    assert _decide().status == PUBLISHED


def test_new_authors_first_posts_wait():
    decision = _decide(author=NEW, new_author_held_posts=1)
    assert decision.status == PENDING
    assert decision.reasons == ["new author: first posts are reviewed"]
    after_one_approval = AuthorFacts(is_member=True, email="n@example.org", approved_posts=1)
    assert _decide(author=after_one_approval, new_author_held_posts=1).status == PUBLISHED


def test_too_many_links_wait_unless_the_author_is_trusted():
    text = "See https://a.example https://b.example and www.c.example"
    new_but_approved_once = AuthorFacts(is_member=True, email="x@example.org", approved_posts=1)
    held = _decide(text, author=new_but_approved_once, max_links=2, trusted_after_approved=3)
    assert held.status == PENDING and held.reasons == ["3 links (more than 2)"]
    assert _decide(text, max_links=2, trusted_after_approved=3).status == PUBLISHED


@pytest.mark.parametrize(
    "text",
    [
        "Buy CHEAP PILLS now",
        "buy cheap pílls",
        "c h e a p  p i l l s",
        "ch3ap p1lls",
        "cheap.pills",
    ],
)
def test_watched_phrase_is_caught_through_case_accents_spacing_and_lookalikes(text):
    decision = _decide(text, watched=(("cheap pills", "hold"),))
    assert decision.status == PENDING
    assert "cheap pills" in decision.reasons[0]


def test_watched_phrase_matches_whole_words_only():
    assert _decide("A classic assessment", watched=(("ass", "reject"),)).status == PUBLISHED


def test_reject_action_refuses_with_a_neutral_message():
    decision = _decide("you are an idiot", watched=(("idiot", "reject"),))
    assert decision.status == REJECTED
    assert decision.message == "Your post could not be published."


def test_mask_action_replaces_the_word_with_asterisks():
    decision = _decide("What the Heck, and h.e.c.k again", watched=(("heck", "mask"),))
    assert decision.status == PUBLISHED
    assert decision.text == "What the ****, and *.*.*.* again"


def test_blocked_email_domain_and_network_are_rejected():
    by_email = AuthorFacts(is_member=False, email="Spam@Example.org", approved_posts=5)
    by_domain = AuthorFacts(is_member=False, email="a@mail.spam.example", approved_posts=5)
    by_network = AuthorFacts(
        is_member=True, email="b@example.org", ip="203.0.113.9", approved_posts=5
    )
    rules = {
        "blocked_emails": frozenset({"spam@example.org"}),
        "blocked_domains": frozenset({"spam.example"}),
        "blocked_networks": (ipaddress.ip_network("203.0.113.0/24"),),
    }
    for author, reason in [
        (by_email, "blocked email address"),
        (by_domain, "blocked email domain"),
        (by_network, "blocked IP network"),
    ]:
        decision = _decide(author=author, **rules)
        assert decision.status == REJECTED and decision.reasons == [reason]
        assert decision.message == "Your post could not be published."


def test_closed_article_refuses_posts():
    decision = _decide(article=SimpleNamespace(comments_open=False))
    assert decision.status == REJECTED
    assert decision.message == "Comments are closed on this article."


def test_banned_author_is_told_plainly():
    banned = AuthorFacts(is_member=True, email="b@example.org", approved_posts=9, ban_reason="spam")
    decision = _decide(author=banned)
    assert decision.status == REJECTED
    assert decision.message == "You can no longer post comments on this site."


def test_find_phrase_reports_original_positions():
    assert find_phrase("Say Ｓpam!", "spam") == [(4, 8)]
