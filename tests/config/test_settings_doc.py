"""docs/settings.md names every environment variable the settings and gunicorn.conf.py read."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Read by the tools around Kindred, not by its own code: gunicorn itself, compose.yaml, the tests.
READ_BY_OTHERS = {"FORWARDED_ALLOW_IPS", "POSTGRES_PASSWORD", "REQUIRE_BROWSER"}


def _is_environ(node):
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _name(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _reads_environ(function):
    return any(_is_environ(node) for node in ast.walk(function))


def _readers(tree):
    """The functions that read the variable their first argument names (env_int, _env_int...)."""
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.args.args and _reads_environ(node)
    }


def names_read(path, readers=frozenset()):
    """Every variable `path` reads: through a reader function or os.environ directly."""
    tree = ast.parse(path.read_text())
    readers = readers | _readers(tree)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            by_reader = isinstance(func, ast.Name) and func.id in readers
            by_environ = isinstance(func, ast.Attribute) and _is_environ(func.value)  # .get()
            if by_reader or by_environ:
                names.add(_name(node.args[0]))
        elif isinstance(node, ast.Subscript) and _is_environ(node.value):  # os.environ[...]
            names.add(_name(node.slice))
        elif isinstance(node, ast.Compare) and any(map(_is_environ, node.comparators)):  # in
            names.add(_name(node.left))
    return names - {None}


def names_read_by_kindred():
    env_helpers = _readers(ast.parse((ROOT / "config/env.py").read_text()))
    return names_read(ROOT / "config/settings.py", env_helpers) | names_read(
        ROOT / "gunicorn.conf.py"
    )


def names_in_the_table():
    text = (ROOT / "docs/settings.md").read_text()
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", text, re.MULTILINE))


def test_every_variable_read_is_in_the_table():
    missing = names_read_by_kindred() - names_in_the_table()

    assert not missing, f"add to docs/settings.md: {', '.join(sorted(missing))}"


def test_every_row_of_the_table_is_read_by_something():
    stale = names_in_the_table() - names_read_by_kindred() - READ_BY_OTHERS

    assert not stale, f"docs/settings.md names what nothing reads: {', '.join(sorted(stale))}"


def test_the_parser_finds_variables_however_they_are_read(tmp_path):
    """So the check above cannot pass by finding nothing."""
    source = tmp_path / "settings.py"
    source.write_text(
        "import os\n"
        "from config.env import env_int\n"
        "A = env_int(\n    'WRAPPED_CALL', 1, minimum=0\n)\n"
        "B = os.environ.get('DIRECT_GET', '')\n"
        "C = os.environ['SUBSCRIPT']\n"
        "D = 'MEMBERSHIP' in os.environ\n"
        "def _own(name):\n    return os.environ.get(name)\n"
        "E = _own('OWN_HELPER')\n"
    )

    assert names_read(source, {"env_int"}) == {
        "WRAPPED_CALL",
        "DIRECT_GET",
        "SUBSCRIPT",
        "MEMBERSHIP",
        "OWN_HELPER",
    }
    assert {"PAGE_CACHE_SECONDS", "DEBUG", "BIND", "GUNICORN_WORKERS"} <= names_read_by_kindred()
