"""One answer to "is this the same inbox?" (accounts.addresses.inbox_of)."""

import pytest

from accounts.addresses import inbox_of


@pytest.mark.parametrize(
    "spelling",
    [
        "target@example.org",
        "Target@Example.ORG",
        " target@example.org ",
        '"target"@example.org',
        '"tar\\get"@example.org',
        "target+news@example.org",
        '"target+x"@example.org',
    ],
)
def test_spellings_of_one_inbox_are_one_inbox(spelling):
    assert inbox_of(spelling) == "target@example.org"


def test_gmail_ignores_dots_and_googlemail_is_gmail():
    assert inbox_of("J.o.e+1@GoogleMail.com") == "joe@gmail.com"
    assert inbox_of('"j.o.e"@gmail.com') == "joe@gmail.com"


def test_dots_count_elsewhere():
    assert inbox_of("j.o.e@example.org") != inbox_of("joe@example.org")


def test_unicode_and_idna_domains_agree():
    assert inbox_of("ann@exämple.org") == inbox_of("ann@xn--exmple-cua.org")


def test_garbage_does_not_raise():
    assert inbox_of("") == ""
    assert inbox_of("no-at-sign") == "no-at-sign"
