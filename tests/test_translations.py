"""Every word a person reads is marked for translation, and the catalogs hold all of them.

The template check reads each template as a translator's tool would: what is left after the
template tags, HTML tags, entities and marked blocks are taken out must hold no words, and no
attribute a person reads (alt, title, placeholder, aria-label) may hold unmarked words either.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"

_MARKED_BLOCK = re.compile(
    r"{%\s*(blocktranslate|blocktrans|comment)\b.*?{%\s*end(blocktranslate|blocktrans|comment)\s*%}",
    re.S,
)
# Blocks that hold class names, not words.
_CLASS_BLOCK = re.compile(r"{%\s*block main_class\s*%}.*?{%\s*endblock\s*%}", re.S)
_TEMPLATE_TAG = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_READ_ATTRIBUTE = re.compile(
    r"""\b(alt|title|placeholder|aria-label|aria-description|aria-roledescription)\s*=\s*"([^"]*)\"""",
    re.I,
)
_HTML_TAG = re.compile(r"<[^>]*>", re.S)
_ENTITY = re.compile(r"&[#\w]+;")
_ADDRESS = re.compile(r"\S*/\S*")  # {{ site_url }}/your-data/ in a text mail
_WORD = re.compile(r"[^\W\d_]{2,}")


def unmarked_words(source, *, html):
    """The lines of a template's text that a person would read untranslated."""
    text = _CLASS_BLOCK.sub(" ", _MARKED_BLOCK.sub(" ", source))
    text = _TEMPLATE_TAG.sub(" ", text)
    found = []
    if html:
        text = _SCRIPT_OR_STYLE.sub(" ", text)
        text = _HTML_COMMENT.sub(" ", text)
        found += [
            f'{name}="{value.strip()}"'
            for name, value in _READ_ATTRIBUTE.findall(text)
            if _WORD.search(value)
        ]
        text = _HTML_TAG.sub(" ", text)
    text = _ADDRESS.sub(" ", _ENTITY.sub(" ", text))
    found += [line.strip() for line in text.splitlines() if _WORD.search(line)]
    return found


def _our_templates():
    return sorted(
        path for path in TEMPLATES.rglob("*") if path.suffix in (".html", ".txt") and path.is_file()
    )


@pytest.mark.parametrize("path", _our_templates(), ids=lambda path: str(path.relative_to(ROOT)))
def test_template_has_no_unmarked_words(path):
    assert unmarked_words(path.read_text(), html=path.suffix == ".html") == []


def test_the_check_finds_unmarked_words():
    """The check itself: plain words, a read attribute and a text mail's line are caught;
    marked words, tags, classes and addresses are not."""
    source = """{% load i18n %}<p class="lead">{% translate "Hello" %} world</p>
    <img alt="A cat" src="{{ url }}"> <a href="{{ site_url }}/your-data/">{{ name }}</a>
    {% blocktranslate %}Shared by {{ name }}{% endblocktranslate %} &middot; {{ count }}"""
    assert unmarked_words(source, html=True) == ['alt="A cat"', "world"]
    assert unmarked_words("{% translate 'Hi' %}\nThe team\n", html=False) == ["The team"]
