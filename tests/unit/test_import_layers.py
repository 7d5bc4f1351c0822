"""The package's import layers, read statically: which module imports which.

Every `import` and `from ... import` counts, including those inside functions (a lazy import
is still an arrow between layers); only those under `if TYPE_CHECKING:` do not (they exist
for annotations and are never run). Checked:

- the language server (lessonl.lsp) has no import circle: features depend on the server's
  core (server.py and the state it owns), the core imports no feature, and one module
  (lsp/app.py) builds the server and registers the features;
- lessonl.lsp and lessonl.localmodel do not reach into the judge (lessonl.judge);
- lessonl.lsp does not import the CLI (lessonl.cli calls into lsp, never the other way).
"""
from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import pytest

PACKAGE = "lessonl"
# lsp/server.py and the state its LessonLServer owns: none of these may import a feature module.
SERVER_CORE = {"lessonl.lsp", "lessonl.lsp.server", "lessonl.lsp.validation", "lessonl.lsp.jobs",
               "lessonl.lsp.proposals", "lessonl.lsp.settings", "lessonl.lsp.workspaces"}


def _package_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def modules() -> dict[str, Path]:
    """Module name -> file, for every module of the package."""
    root = _package_dir()
    found: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join((PACKAGE, *parts))] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, except those in the body of `if TYPE_CHECKING:`."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            pending.extend(node.orelse)  # the `else:` of TYPE_CHECKING does run
            continue
        pending.extend(ast.iter_child_nodes(node))
    return found


def _known(name: str) -> str | None:
    """`name` if it is one of the package's modules, else its nearest module ancestor."""
    known = modules()
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            is_package = modules()[module].name == "__init__.py"
            anchor = module.split(".")
            anchor = anchor[:len(anchor) - node.level + (1 if is_package else 0)]
            base = ".".join(anchor + ([base] if base else []))
        # `from pkg import name`: a submodule when there is one by that name, else pkg itself.
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules() else base
                 for alias in node.names]
    return {target for name in names
            if (name == PACKAGE or name.startswith(PACKAGE + ".")) and (target := _known(name))}


@cache
def graph() -> dict[str, frozenset[str]]:
    """Module -> the package's modules it imports (itself left out)."""
    edges: dict[str, frozenset[str]] = {}
    for module, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets: set[str] = set()
        for node in _import_nodes(tree):
            targets |= _targets(module, node)
        edges[module] = frozenset(targets - {module})
    return edges


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def cycles(nodes: set[str], graph_: Mapping[str, Iterable[str]] | None = None) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), among `nodes`."""
    full = graph() if graph_ is None else graph_
    edges = {n: [m for m in sorted(full[n]) if m in nodes] for n in nodes}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return found


def imports_of(package: str, target: str) -> dict[str, set[str]]:
    """Module of `package` -> the modules of `target` it imports directly."""
    out = {}
    for module, targets in graph().items():
        if _inside(module, package) and (hits := {t for t in targets if _inside(t, target)}):
            out[module] = hits
    return out


def reachable(start: set[str]) -> set[str]:
    seen, pending = set(start), list(start)
    while pending:
        for nxt in graph()[pending.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                pending.append(nxt)
    return seen


# -- the walker itself -------------------------------------------------------------------------

def test_the_walker_finds_the_package_and_resolves_relative_imports() -> None:
    edges = graph()
    assert {"lessonl", "lessonl.lsp", "lessonl.lsp.server", "lessonl.cli.serve", "lessonl.judge"} <= set(edges)
    # server.py: `from .. import __version__` (the package) and `from . import validation`.
    assert {"lessonl", "lessonl.lsp.validation"} <= edges["lessonl.lsp.server"]
    assert "lessonl.lsp.app" in edges["lessonl.cli.serve"]  # `from ..lsp import app`: a submodule
    # a lazy (function-local) import counts: commands.py imports the engine's request inside a function
    assert "lessonl.engine.request" in edges["lessonl.lsp.commands"]


def test_imports_under_type_checking_do_not_count_and_the_rest_do() -> None:
    tree = ast.parse("from typing import TYPE_CHECKING\n"
                     "if TYPE_CHECKING:\n    from .server import LessonLServer\nelse:\n    import lessonl.errors\n"
                     "def f():\n    from ..judge import procs\n")
    names = {n.module if isinstance(n, ast.ImportFrom) else n.names[0].name for n in _import_nodes(tree)}
    assert names == {"typing", "lessonl.errors", "judge"}


def test_cycles_are_found() -> None:
    made_up = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"d"}}
    assert cycles(set(made_up), made_up) == [["a", "b", "c"]]
    assert cycles({"a", "b", "d", "e"}, made_up) == []  # c is outside: no circle among these


# -- the layers --------------------------------------------------------------------------------

def test_the_language_server_has_no_import_circle() -> None:
    lsp = {m for m in graph() if _inside(m, "lessonl.lsp")}
    assert cycles(lsp) == []


def test_the_server_core_imports_no_feature() -> None:
    """server.py and the state it owns; app.py registers the features on it."""
    lsp_imports = {m for m in graph()["lessonl.lsp.server"] if _inside(m, "lessonl.lsp")}
    assert lsp_imports <= SERVER_CORE, sorted(lsp_imports - SERVER_CORE)
    for module in SERVER_CORE - {"lessonl.lsp", "lessonl.lsp.server"}:
        assert "lessonl.lsp.server" not in graph()[module], f"{module} imports the server at run time"


def test_features_import_the_server_at_run_time_only_where_pygls_needs_it() -> None:
    """For annotations `if TYPE_CHECKING:` is enough, except in modules with command handlers:
    pygls evaluates their annotations when it runs them. progress.py reads a context variable."""
    importers = {m for m, targets in graph().items()
                 if "lessonl.lsp.server" in targets and _inside(m, "lessonl.lsp")}
    assert importers <= {"lessonl.lsp.app", "lessonl.lsp.commands", "lessonl.lsp.merge", "lessonl.lsp.progress",
                         "lessonl.lsp.profiling", "lessonl.lsp.batch"}


def test_the_language_server_does_not_import_the_cli() -> None:
    assert imports_of("lessonl.lsp", "lessonl.cli") == {}
    lsp = {m for m in graph() if _inside(m, "lessonl.lsp")}
    assert not {m for m in reachable(lsp) if _inside(m, "lessonl.cli")}, "lsp reaches the CLI through another module"


def test_the_language_server_and_local_models_do_not_import_the_judge() -> None:
    assert imports_of("lessonl.lsp", "lessonl.judge") == {}
    assert imports_of("lessonl.localmodel", "lessonl.judge") == {}


def test_the_process_helpers_stand_below_the_judge() -> None:
    """lessonl.procs starts every subprocess for everyone: it may not reach back into the judge."""
    assert imports_of("lessonl.procs", "lessonl.judge") == {}
    assert imports_of("lessonl.sandbox", "lessonl.judge") == {}


# -- the store stands on its own ----------------------------------------------------------------

STORE = "lessonl_store"


def _store_dir() -> Path:
    spec = importlib.util.find_spec(STORE)
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations)))


def test_the_store_imports_nothing_from_lessonl() -> None:
    """What the store needs from LessonL is handed in (lessonl_store.hooks, errors.use_error_classes)."""
    files = sorted(_store_dir().rglob("*.py"))
    assert len(files) > 10  # the walker found the store
    offenders = {}
    for path in files:
        for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.level:
                continue
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            bad = [n for n in names if n == PACKAGE or n.startswith(PACKAGE + ".")]
            if bad:
                offenders[path.name] = bad
    assert offenders == {}


def test_the_store_works_where_lessonl_cannot_be_imported(tmp_path: Path) -> None:
    """In a fresh interpreter where `import lessonl` fails: the store opens a bank, adds, selects,
    and raises its own BankError."""
    import subprocess
    import sys
    import textwrap

    child = textwrap.dedent("""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name == "lessonl" or name.startswith("lessonl."):
                    raise ImportError("lessonl is blocked in this test")
        sys.meta_path.insert(0, Block())
        try:
            import lessonl
        except ImportError:
            pass
        else:
            raise SystemExit("lessonl was importable")
        from lessonl_store import BankError, Lesson, make_relevance, open_bank
        from lessonl_store import hooks
        hooks.configure(language_of=lambda f: "cpp" if f.endswith(".cpp") else None)
        bank = open_bank(sys.argv[1])
        bank.add(Lesson(text="loop interchange over matrix rows", outcome="faster", speedup=2.0, round=0,
                        agent="a", model="m", file="k.cpp", qualified_name="other", function_hash="h"))
        chosen = bank.select(2, "void matmul() { /* matrix rows loop */ }", make_relevance(None, bank),
                             function=("k.cpp", "matmul"))
        assert [l.qualified_name for l in chosen] == ["other"], chosen
        bank.close()
        try:
            open_bank("mysql://nowhere/db")
        except BankError as exc:
            raise SystemExit(f"a config error should not be a BankError: {exc}")
        except Exception as exc:
            assert type(exc).__module__ == "lessonl_store.errors", type(exc)
        assert not [m for m in sys.modules if m == "lessonl" or m.startswith("lessonl.")]
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", child, str(tmp_path / "bank")], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
