"""Every word a person reads is marked for translation, and the catalogs hold all of them.

The template check reads each template as a translator's tool would: what is left after the
template tags, HTML tags, entities and marked blocks are taken out must hold no words, and no
attribute a person reads (alt, title, placeholder, aria-label) may hold unmarked words either.
"""

import ast
import os
import re
import shutil
import subprocess
import sys
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


# --- The catalogs -----------------------------------------------------------------------------

LOCALE = ROOT / "locale"
CATALOGS = sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))
# What is never translated: the project's name.
SAME_IN_EVERY_LANGUAGE = {"Kindred"}
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def _makemessages_options():
    """The options `make messages` passes (the Makefile's MESSAGES_OPTIONS), so this check
    extracts exactly as the command does."""
    makefile = (ROOT / "Makefile").read_text()
    value = re.search(r"^MESSAGES_OPTIONS := ((?:.*\\\n)*.*)$", makefile, re.M).group(1)
    return value.replace("\\\n", " ").split()


def _entries(path):
    """(msgid, msgstrs, flags) of each entry of a .po file but its header."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text()):
        flags, fields, field = set(), {}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith('"') and field:
                fields[field] += _unquote(line)
            elif line and not line.startswith("#"):
                field, value = line.split(" ", 1)
                fields[field] = _unquote(value)
        if fields.get("msgid"):
            strs = [value for name, value in fields.items() if name.startswith("msgstr")]
            entries.append((fields["msgid"], strs, flags))
    return entries


def _unquote(text):
    return text.strip()[1:-1].replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


@pytest.mark.parametrize("path", CATALOGS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_string_is_translated(path):
    """No entry is left empty or fuzzy, and none is the English copied across (a stub)."""
    entries = _entries(path)
    assert entries, f"{path} holds no strings"
    untranslated = [msgid for msgid, strs, _flags in entries if not all(strs)]
    fuzzy = [msgid for msgid, _strs, flags in entries if "fuzzy" in flags]
    copied = [
        msgid
        for msgid, strs, _flags in entries
        if msgid not in SAME_IN_EVERY_LANGUAGE
        and len(_WORD.findall(_PLACEHOLDER.sub(" ", msgid))) >= 3
        and msgid in strs
    ]
    assert (untranslated, fuzzy, copied) == ([], [], [])


def _copy_of_the_sources(destination):
    ignore = shutil.ignore_patterns(
        ".git",
        ".venv",
        "media",
        "staticfiles",
        "test-artifacts",
        "*.mo",
        "__pycache__",
        "*.sqlite3",
    )
    shutil.copytree(ROOT, destination, ignore=ignore, symlinks=True)


def test_catalogs_hold_every_marked_string_and_nothing_else(tmp_path):
    """`make messages` would change nothing: a string marked since, or one no longer in the
    code, fails here, so a new word cannot ship untranslated."""
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext is missing: `make setup` installs it (make gettext)")
    copy = tmp_path / "project"
    _copy_of_the_sources(copy)
    environment = {**os.environ, "DEBUG": "1"}
    environment.pop("DATABASE_URL", None)
    for domain in ("django", "djangojs"):
        extra = ["--ignore=static/bootstrap"] if domain == "djangojs" else []
        subprocess.run(  # noqa: S603 (our own manage.py, with our options)
            [sys.executable, "manage.py", "makemessages", "-d", domain]
            + _makemessages_options()
            + extra,
            cwd=copy,
            env=environment,
            check=True,
            capture_output=True,
        )
    stale = [
        str(path.relative_to(ROOT))
        for path in CATALOGS
        if _without_date(path.read_text())
        != _without_date((copy / path.relative_to(ROOT)).read_text())
    ]
    assert stale == [], "run `make messages` and translate what is new"


def _without_date(catalog):
    return re.sub(r'^"POT-Creation-Date: .*"\n', "", catalog, flags=re.M)


# --- Python -----------------------------------------------------------------------------------

PACKAGES = ("accounts", "articles", "comments", "config", "kindred")
# Keyword arguments whose value a person reads (labels, help texts, admin descriptions).
_READ_KEYWORDS = {
    "verbose_name",
    "verbose_name_plural",
    "help_text",
    "label",
    "empty_label",
    "description",
    "short_description",
}
_MESSAGE_CALLS = {"success", "error", "info", "warning", "add_message"}


def _is_plain_text(node):
    """A string constant or f-string with words in it: text nobody marked."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(_WORD.search(node.value))
    return isinstance(node, ast.JoinedStr)


def unmarked_python_strings(source):
    """Where a module hands a person words without gettext: labels, help texts, admin
    descriptions, the verbose name a model field takes first, messages and validation errors."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef) and any(
            getattr(base, "attr", getattr(base, "id", "")).endswith("Choices")
            for base in node.bases
        ):
            found += [  # PATIENT = "patient", "Patient"
                f"line {item.lineno}"
                for item in node.body
                if isinstance(item, ast.Assign)
                and isinstance(item.value, ast.Tuple)
                and len(item.value.elts) > 1
                and _is_plain_text(item.value.elts[-1])
            ]
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
        texts = [keyword.value for keyword in node.keywords if keyword.arg in _READ_KEYWORDS]
        owner = getattr(function, "value", None)
        if name.endswith("Field") and isinstance(owner, ast.Name) and owner.id == "models":
            texts += node.args[:1]  # models.CharField("email address", ...)
        if name in _MESSAGE_CALLS and isinstance(owner, ast.Name) and owner.id == "messages":
            texts += node.args[1:2]
        if name == "ValidationError":
            texts += node.args[:1]
        found += [f"line {text.lineno}" for text in texts if _is_plain_text(text)]
    return sorted(found, key=lambda where: int(where.split()[1]))


def _our_python_modules():
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


@pytest.mark.parametrize(
    "path", _our_python_modules(), ids=lambda path: str(path.relative_to(ROOT))
)
def test_python_module_marks_what_people_read(path):
    assert unmarked_python_strings(path.read_text()) == []


def test_the_python_check_finds_unmarked_strings():
    source = """
email = models.EmailField("email address", unique=True)
name = models.CharField(_("name"), help_text="Shown next to your posts.")
messages.success(request, f"Saved {count}")
messages.error(request, _("Nope"))
raise ValidationError("Too long.")
ok = forms.CharField(label=_("Name"), widget=forms.TextInput(attrs={"class": "x"}))
class Kind(models.TextChoices):
    ARTICLE = "article", "Article"
    VIDEO = "video", _("Video")
"""
    assert unmarked_python_strings(source) == ["line 2", "line 3", "line 4", "line 6", "line 9"]
