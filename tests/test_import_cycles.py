"""Dependencies point one way (ARCHITECTURE.md "Shape"): no module of ours imports, however
indirectly, a module that imports it back. Read from the source, so an import tucked inside a
function to dodge a cycle counts as much as one at the top."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("accounts", "articles", "comments", "config", "kindred")


def _our_modules():
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if "migrations" in parts:
                continue
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _imported_names(tree):
    """Every name an import statement in the module reaches, wherever the statement sits,
    except in an AppConfig's ready(): that is the app wiring itself up once its models load."""
    names = set()
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "ready":
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        names |= _imported_names(node)
    return names


def _import_graph():
    modules = _our_modules()
    graph = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imported_names(ast.parse(path.read_text(), str(path))):
            while imported and imported not in modules:  # `from a.b import name` reaches a.b
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def _cycles(graph):
    """Groups of modules that reach each other (Tarjan's strongly connected components)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in graph[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = set()
            while module not in group:
                group.add(stack.pop())
            on_stack.difference_update(group)
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return groups


def test_no_module_imports_one_that_imports_it_back():
    assert _cycles(_import_graph()) == []


def test_the_infrastructure_imports_nothing_above_it():
    """kindred/ is what every app uses (the resilient cache, logs, freshness, the page cache):
    it imports no app and not the wiring in config/."""
    graph = _import_graph()
    above = {"accounts", "articles", "comments", "config"}
    reached = {
        (name, imported)
        for name, targets in graph.items()
        if name.startswith("kindred")
        for imported in targets
        if imported.partition(".")[0] in above
    }
    assert reached == set()


def test_the_check_sees_an_import_hidden_in_a_function():
    tree = ast.parse("def enqueue():\n    from accounts.tasks import deliver_mail\n")
    assert "accounts.tasks" in _imported_names(tree)
    graph = {"accounts.mail": {"accounts.tasks"}, "accounts.tasks": {"accounts.mail"}}
    assert _cycles(graph) == [["accounts.mail", "accounts.tasks"]]
