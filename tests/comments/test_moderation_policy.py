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


# --- What counts as a link: what readers will see as one -------------------------------------
APPROVED_ONCE = AuthorFacts(is_member=True, email="once@example.org", approved_posts=1)


def test_web_addresses_without_http_or_www_count_as_links():
    """The thread makes bare domains clickable, so the policy counts them too."""
    decision = _decide(
        "see cheap-pills.com and cheap-pills.net and pharma.org/buy",
        author=APPROVED_ONCE,
        max_links=2,
    )
    assert decision.status == PENDING
    assert decision.reasons == ["3 links (more than 2)"]


def test_what_the_thread_does_not_make_a_link_is_not_counted():
    """An email address or an unknown ending stays plain text on the page: no link to count."""
    text = "write to a@example.org or b@example.org, see c.example and notes.txt"
    assert _decide(text, author=APPROVED_ONCE, max_links=1).status == PUBLISHED


def test_the_policy_counts_exactly_the_links_the_thread_shows():
    from comments.text import render_comment_text

    text = "ab.com https://b.example/x (www.c.example) dd.org/buy. e@f.org g.xyz http://h.example"
    shown = render_comment_text(text).count("<a href=")
    assert shown == 5
    assert _decide(text, author=APPROVED_ONCE, max_links=shown).status == PUBLISHED
    held = _decide(text, author=APPROVED_ONCE, max_links=shown - 1)
    assert held.reasons == [f"{shown} links (more than {shown - 1})"]


# --- The picture description is judged with the text -----------------------------------------


def _decide_alt(alt, text="Nice view from my window", author=TRUSTED, **rules):
    return decide(author=author, text=text, alt=alt, article=OPEN, rules=Rules(**rules))


def test_a_refused_word_in_the_picture_description_refuses_the_post():
    decision = _decide_alt("a cheap viagra deal", watched=(("viagra", "reject"),))
    assert decision.status == REJECTED
    assert decision.message == "Your post could not be published."


def test_a_held_word_in_the_picture_description_holds_the_post():
    decision = _decide_alt("my sister's miracle cure", watched=(("miracle cure", "hold"),))
    assert decision.status == PENDING
    assert decision.reasons == [
        "the picture description contains the watched phrase “miracle cure”"
    ]


def test_a_masked_word_in_the_picture_description_is_masked_there():
    decision = _decide_alt("you idiot", text="Idiot view", watched=(("idiot", "mask"),))
    assert decision.status == PUBLISHED
    assert (decision.text, decision.alt) == ("***** view", "you *****")


def test_links_are_counted_across_the_text_and_the_picture_description():
    decision = _decide_alt(
        "http://spam.example/buy and pills.com",
        text="Nice view, see www.view.example",
        author=APPROVED_ONCE,
        max_links=2,
    )
    assert decision.status == PENDING and decision.reasons == ["3 links (more than 2)"]


def test_a_blocked_address_is_blocked_under_any_spelling_of_its_inbox():
    rules = {"blocked_emails": frozenset({"spam@example.org", "bobsmith@gmail.com"})}
    for email in ("spam+1@example.org", "SPAM@example.org", "b.o.b.smith+x@googlemail.com"):
        author = AuthorFacts(is_member=False, email=email, approved_posts=5)
        assert _decide(author=author, **rules).reasons == ["blocked email address"], email
