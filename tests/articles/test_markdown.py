"""Article bodies are Markdown; whatever an editor pastes, nothing executable reaches readers."""

import pytest

from articles.markdown import plain_excerpt, render_markdown


def test_headings_lists_and_links_render():
    html = render_markdown("## Causes\n\n- one\n- two\n\nSee [MRI](/articles/mri/).")
    assert "<h2>Causes</h2>" in html
    assert "<ul>\n<li>one</li>" in html
    assert '<a href="/articles/mri/" rel="noopener">MRI</a>' in html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        '<img src=x onerror="alert(1)">',
        '<p onclick="alert(1)">hi</p>',
        "<iframe src='https://evil.example'></iframe>",
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        "<svg onload=alert(1)>",
        "<style>body{display:none}</style>",
    ],
)
def test_executable_content_never_survives(hostile):
    html = render_markdown(f"Before\n\n{hostile}\n\nAfter").lower()
    assert "<script" not in html
    assert "javascript:" not in html
    assert "onerror" not in html and "onclick" not in html and "onload" not in html
    assert "<iframe" not in html and "<style" not in html and "<svg" not in html
    assert "after" in html


def test_excerpt_is_plain_text_cut_on_a_word():
    excerpt = plain_excerpt("**Bold** start and a [link](/x/) " + "word " * 50, 40)
    assert excerpt.startswith("Bold start and a link")
    assert excerpt.endswith("…")
    assert len(excerpt) <= 41
    assert "<" not in excerpt
