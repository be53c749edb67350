"""Architecture rules, checked by reading sources (ast) and the compiled module.

* ``python/netneuro/_core.pyi`` describes exactly the public names of
  ``netneuro._core``: every function with the binding's parameter names, order
  and defaults, every submodule, class and constant (so the stub cannot drift);
* a failing import of netneuro is an error, never a skip, and a module-level
  ``pytest.importorskip`` of a peer library only guards tests that use it;
* ``netneuro.compat`` shims are facades over the public API: no ``_core``, no
  ``_``-prefixed name of netneuro;
* no Python module of netneuro is longer than ``MAX_MODULE_LINES``.
"""

from __future__ import annotations

import ast
import inspect
import re
import types
import warnings
from pathlib import Path

import numpy as np
import pytest

import netneuro
from netneuro import _core

REPO = Path(__file__).resolve().parents[1]
# the source tree (the rules are about it), also when the tests run against an
# installed netneuro
PACKAGE = REPO / "python" / "netneuro"
if not PACKAGE.is_dir():
    PACKAGE = Path(netneuro.__file__).resolve().parent
STUB = PACKAGE / "_core.pyi"
TESTS = Path(__file__).resolve().parent
MAX_MODULE_LINES = 700


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------------
# _core.pyi against the compiled module


def _split_top_level(text: str) -> list[str]:
    """Split at commas outside brackets and quotes."""
    parts, depth, quote, cur = [], 0, None, []
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    if "".join(cur).strip():
        parts.append("".join(cur).strip())
    return parts


def _params_of(signature: str) -> list[tuple[str, object]]:
    params = []
    for part in _split_top_level(signature):
        if part in ("*", "/"):
            continue
        name = part.split(":", 1)[0].split("=", 1)[0].strip()
        default = inspect.Parameter.empty
        if "=" in part:
            default = ast.literal_eval(part.rsplit("=", 1)[1].strip())
        params.append((name, default))
    return params


def _runtime_params(fn) -> list[list[tuple[str, object]]]:
    """Per overload, (name, default or inspect.Parameter.empty) from pybind11's signature lines."""
    doc = (fn.__doc__ or "").lstrip()
    first = doc.splitlines()[0] if doc else ""
    if first == f"{fn.__name__}(*args, **kwargs)" and "Overloaded function." in doc:
        sigs = re.findall(rf"^\d+\. {re.escape(fn.__name__)}\((.*)\) -> .*$", doc, re.M)
        assert sigs, f"{fn.__qualname__}: overloaded, but no numbered signatures"
        return [_params_of(sig) for sig in sigs]
    m = re.fullmatch(rf"{re.escape(fn.__name__)}\((.*)\) -> .*", first)
    assert m, f"{fn.__qualname__}: no pybind11 signature on the first docstring line: {first!r}"
    return [_params_of(m.group(1))]


def _stub_params(node: ast.FunctionDef) -> list[tuple[str, object]]:
    args = node.args
    positional = args.posonlyargs + args.args
    defaults = [inspect.Parameter.empty] * (len(positional) - len(args.defaults))
    defaults += [ast.literal_eval(d) for d in args.defaults]
    out = list(zip((a.arg for a in positional), defaults))
    out += [(a.arg, inspect.Parameter.empty if d is None else ast.literal_eval(d))
            for a, d in zip(args.kwonlyargs, args.kw_defaults)]
    return out


def _stub_names(body: list[ast.stmt]) -> dict[str, ast.AST]:
    names = {}
    for node in body:
        if isinstance(node, ast.FunctionDef) and node.name in names:  # @overload variants
            prev = names[node.name]
            names[node.name] = (prev if isinstance(prev, list) else [prev]) + [node]
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
    return {k: v for k, v in names.items() if not k.startswith("_") or k == "__version__"}


def _public(obj) -> list[str]:
    return sorted(n for n in dir(obj) if not n.startswith("_") or n == "__version__")


def _compare(runtime, body: list[ast.stmt], where: str, problems: list[str]) -> None:
    stub = _stub_names(body)
    names = _public(runtime)
    for name in sorted(set(stub) - set(names)):
        problems.append(f"{where}{name}: in the stub, not in the compiled module")
    for name in names:
        obj = getattr(runtime, name)
        node = stub.get(name)
        if node is None:
            problems.append(f"{where}{name}: missing from _core.pyi")
        elif isinstance(obj, types.ModuleType):
            if not isinstance(node, ast.ClassDef):
                problems.append(f"{where}{name}: a submodule; the stub must declare it as a "
                                "namespace class")
            else:
                _compare(obj, node.body, f"{where}{name}.", problems)
        elif isinstance(obj, type):
            bases = [ast.unparse(b) for b in getattr(node, "bases", [])]
            if not isinstance(node, ast.ClassDef):
                problems.append(f"{where}{name}: a class at runtime, not in the stub")
            elif [c.__name__ for c in obj.__bases__] != bases:
                problems.append(f"{where}{name}: bases {obj.__bases__} at runtime, {bases} in "
                                "the stub")
        elif callable(obj):
            variants = node if isinstance(node, list) else [node]
            if not all(isinstance(v, ast.FunctionDef) for v in variants):
                problems.append(f"{where}{name}: a function at runtime, not in the stub")
                continue
            if where and any("staticmethod" not in [ast.unparse(d) for d in v.decorator_list]
                             for v in variants):
                problems.append(f"{where}{name}: a submodule function must be a @staticmethod")
            runtime_params = _runtime_params(obj)
            stub_params = [_stub_params(v) for v in variants]
            if runtime_params != stub_params:
                problems.append(f"{where}{name}: parameters {runtime_params} at runtime, "
                                f"{stub_params} in the stub")
        elif not isinstance(node, ast.AnnAssign):
            problems.append(f"{where}{name}: a {type(obj).__name__} value; the stub must "
                            "annotate it")
        else:
            ann = ast.unparse(node.annotation)
            if not re.match(rf"{type(obj).__name__}\b", ann):
                problems.append(f"{where}{name}: a {type(obj).__name__} at runtime, annotated "
                                f"{ann!r} in the stub")


def test_core_stub_matches_compiled_module():
    problems: list[str] = []
    _compare(_core, _parse(STUB).body, "", problems)
    assert not problems, "python/netneuro/_core.pyi is out of date:\n" + "\n".join(problems)


def test_stub_comparison_detects_drift():
    """The comparison fails on a missing function, a renamed parameter or a new default."""
    good = _parse(STUB).body
    problems: list[str] = []
    _compare(_core, good, "", problems)
    assert problems == []

    text = STUB.read_text()
    for old, new in [("def hardware_threads() -> int:", "def hardware_thread() -> int:"),
                     ("def louvain(W: _F64In, gamma", "def louvain(W: _F64In, resolution"),
                     ('store: str = "auto"', 'store: str = "dense"'),
                     ("    max_exact_units: int\n", "")]:
        assert old in text
        problems = []
        _compare(_core, ast.parse(text.replace(old, new, 1)).body, "", problems)
        assert problems, f"replacing {old!r} was not detected"


# ---------------------------------------------------------------------------
# skips in the test suite


def _call_name(node: ast.AST) -> str:
    return ast.unparse(node.func) if isinstance(node, ast.Call) else ""


def _names_assigned_in_loops(func: ast.AST) -> dict[str, list[str]]:
    """loop variable -> the string constants it iterates over (``for m in ("a", "b")``)."""
    out: dict[str, list[str]] = {}
    for node in ast.walk(func):
        if (isinstance(node, (ast.For, ast.comprehension)) and isinstance(node.target, ast.Name)
                and isinstance(node.iter, (ast.Tuple, ast.List, ast.Set))):
            out.setdefault(node.target.id, []).extend(
                e.value for e in node.iter.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str))
    return out


def _module_names(arg: ast.AST, loops: dict[str, list[str]]) -> list[str]:
    """The module names a call argument can take (constants, loop constants, f-string head)."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if isinstance(arg, ast.Name):
        return loops.get(arg.id, [])
    if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
        return [str(arg.values[0].value)]
    return []


def _is_netneuro(name: str) -> bool:
    return name == "netneuro" or name.startswith("netneuro.")


def _scopes(tree: ast.Module):
    """(scope node, node) for every node, the scope being the outermost def or the module."""
    for top in tree.body:
        scope = top if isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef,
                                         ast.ClassDef)) else tree
        for node in ast.walk(top):
            yield scope, node


def _netneuro_skips(path: Path) -> list[str]:
    tree = _parse(path)
    problems = []
    loops_of: dict[int, dict[str, list[str]]] = {}
    for scope, node in _scopes(tree):
        if id(scope) not in loops_of:
            loops_of[id(scope)] = _names_assigned_in_loops(scope)
        loops = loops_of[id(scope)]
        if _call_name(node) in ("pytest.importorskip", "importorskip") and node.args:
            for mod in _module_names(node.args[0], loops):
                if _is_netneuro(mod):
                    problems.append(f"{_rel(path)}:{node.lineno}: importorskip({mod!r}) turns "
                                    "a broken netneuro import into a skip")
        if isinstance(node, ast.Try):
            imports_netneuro = any(
                (isinstance(n, ast.Import) and any(_is_netneuro(a.name) for a in n.names))
                or (isinstance(n, ast.ImportFrom) and n.module and _is_netneuro(n.module))
                or (isinstance(n, ast.Call) and _call_name(n).endswith("import_module")
                    and n.args and any(_is_netneuro(m)
                                       for m in _module_names(n.args[0], loops)))
                for stmt in node.body for n in ast.walk(stmt))
            for handler in node.handlers:
                caught = ast.unparse(handler.type) if handler.type else "BaseException"
                if not imports_netneuro or not re.search(
                        r"ImportError|ModuleNotFoundError|Exception", caught):
                    continue
                for n in (x for stmt in handler.body for x in ast.walk(stmt)):
                    if _call_name(n) in ("pytest.skip", "skip", "pytest.xfail"):
                        problems.append(f"{_rel(path)}:{n.lineno}: {_call_name(n)}() when "
                                        "netneuro fails to import")
    return problems


def _walk_outside_defs(node: ast.AST):
    """ast.walk that does not enter function or class bodies (module-level code only)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
        return
    yield node
    for child in ast.iter_child_nodes(node):
        yield from _walk_outside_defs(child)


def _loaded_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _peer_skip_problems(path: Path) -> list[str]:
    """Module-level importorskip of a peer that also skips tests which never use the peer."""
    tree = _parse(path)
    guards: list[tuple[int, str, set[str]]] = []  # (line, peer, names bound to it)
    for stmt in tree.body:
        for node in _walk_outside_defs(stmt):
            if _call_name(node) not in ("pytest.importorskip", "importorskip"):
                continue
            if not (node.args and isinstance(node.args[0], ast.Constant)):
                continue
            peer = node.args[0].value
            if _is_netneuro(peer):
                continue  # reported by test_no_skip_when_netneuro_fails_to_import
            bound = set()
            if isinstance(stmt, ast.Assign):
                bound = {t.id for t in stmt.targets if isinstance(t, ast.Name)}
            guards.append((node.lineno, peer, bound))
    if not guards:
        return []
    peer_tops = {peer.split(".")[0] for _, peer, _ in guards}
    # names bound by plain module-level imports of a guarded peer after the importorskip
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            for a in stmt.names:
                if a.name.split(".")[0] in peer_tops:
                    for g in guards:
                        if g[1].split(".")[0] == a.name.split(".")[0]:
                            g[2].add((a.asname or a.name).split(".")[0])
        elif isinstance(stmt, ast.ImportFrom) and stmt.module and \
                stmt.module.split(".")[0] in peer_tops:
            for g in guards:
                if g[1].split(".")[0] == stmt.module.split(".")[0]:
                    g[2].update(a.asname or a.name for a in stmt.names)

    # module-level definitions (helpers, fixtures, constants) and the names they load
    defs: dict[str, set[str]] = {}
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defs[stmt.name] = _loaded_names(stmt)
            if isinstance(stmt, ast.ClassDef) and stmt.name.startswith("Test"):
                defs[stmt.name] = set()  # test classes: checked method by method below
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        defs[n.id] = _loaded_names(stmt.value) if stmt.value else set()

    def tests_of_module():
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                    stmt.name.startswith("test"):
                yield stmt.name, stmt
            elif isinstance(stmt, ast.ClassDef) and stmt.name.startswith("Test"):
                for m in stmt.body:
                    if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                            m.name.startswith("test"):
                        yield f"{stmt.name}.{m.name}", m

    problems = []
    for line, peer, bound in guards:
        if not bound:
            problems.append(f"{_rel(path)}:{line}: module-level importorskip({peer!r}) binds "
                            "no name: it skips every test of the module")
            continue
        needs = set(bound)
        changed = True
        while changed:  # names whose definition (transitively) uses the peer
            changed = False
            for name, loads in defs.items():
                if name not in needs and loads & needs:
                    needs.add(name)
                    changed = True
        top = peer.split(".")[0]

        def imports_peer(fn):  # a test importing the peer itself uses it
            return any((isinstance(n, ast.Import) and any(a.name.split(".")[0] == top
                                                          for a in n.names))
                       or (isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0]
                           == top) for n in ast.walk(fn))

        unused = [name for name, fn in tests_of_module()
                  if not (_loaded_names(fn) | {a.arg for a in fn.args.args}) & needs
                  and not imports_peer(fn)]
        if unused:
            problems.append(f"{_rel(path)}:{line}: module-level importorskip({peer!r}) also "
                            f"skips {len(unused)} test(s) that do not use it: "
                            + ", ".join(unused[:8]) + (" ..." if len(unused) > 8 else ""))
    return problems


TEST_FILES = sorted(TESTS.glob("test_*.py")) + [TESTS / "conftest.py"]


def test_no_skip_when_netneuro_fails_to_import():
    problems = [p for f in TEST_FILES for p in _netneuro_skips(f)]
    assert not problems, ("a failing import of netneuro must be an error, never a skip:\n"
                          + "\n".join(problems))


def test_peer_importorskip_guards_only_tests_that_use_the_peer():
    problems = [p for f in TEST_FILES for p in _peer_skip_problems(f)]
    assert not problems, ("move these importorskip calls into the tests (or fixtures) that "
                          "need the peer:\n" + "\n".join(problems))


def test_skip_checks_catch_what_they_claim(tmp_path):
    """The two checks above fail on the patterns they forbid and pass on good code."""
    bad = tmp_path / "test_bad.py"
    bad.write_text(
        "import importlib\nimport pytest\n"
        "nn = pytest.importorskip('netneuro.topology')\n"
        "sk = pytest.importorskip('sklearn')\n"
        "def test_a():\n    assert sk\n"
        "def test_b():\n    assert 1\n"
        "def test_c():\n"
        "    for m in ('netneuro.graph', 'json'):\n        pytest.importorskip(m)\n"
        "def test_d():\n"
        "    try:\n        importlib.import_module('netneuro.x')\n"
        "    except ImportError:\n        pytest.skip('no')\n")
    skips = _netneuro_skips(bad)
    assert [p.split(":")[1] for p in skips] == ["3", "11", "16"], skips
    peers = _peer_skip_problems(bad)
    assert len(peers) == 1 and "test_b" in peers[0] and "test_a" not in peers[0], peers

    good = tmp_path / "test_good.py"
    good.write_text(
        "import pytest\nfrom netneuro import graph\n"
        "sk = pytest.importorskip('sklearn')\n"
        "REF = sk.metrics\n"
        "@pytest.fixture\ndef ref():\n    return REF\n"
        "def test_a(ref):\n    assert ref\n"
        "class TestB:\n    def test_b(self):\n        assert sk\n"
        "def test_c():\n    pd = pytest.importorskip('pandas')\n    assert pd and sk\n")
    assert _netneuro_skips(good) == [] and _peer_skip_problems(good) == []


# ---------------------------------------------------------------------------
# netneuro.compat: the public API only


def _resolve(module: str | None, level: int, path: Path) -> str:
    """Absolute module name of an import statement in ``path``."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    if level == 0:
        return module or ""
    base = parts[:len(parts) - level] if path.name != "__init__.py" else \
        parts[:len(parts) - level + 1]
    return ".".join(base + ([module] if module else []))


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _compat_problems(path: Path, source: str | None = None) -> list[str]:
    tree = _parse(path) if source is None else ast.parse(source)
    problems = []
    aliases = set()  # names bound to netneuro modules or objects
    where = f"{_rel(path)}"

    def private_part(mod: str) -> bool:
        # a private module of netneuro; compat's own private helpers are compat too
        parts = mod.split(".")
        if parts[:2] == ["netneuro", "compat"]:
            return False
        return any(_is_private(p) for p in parts[1:])

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if _is_netneuro(a.name):
                    if private_part(a.name):
                        problems.append(f"{where}:{node.lineno}: import {a.name}")
                    aliases.add((a.asname or a.name).split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            mod = _resolve(node.module, node.level, path)
            if not _is_netneuro(mod):
                continue
            if private_part(mod):
                problems.append(f"{where}:{node.lineno}: from {mod} import ...")
                continue
            for a in node.names:
                full = f"{mod}.{a.name}"
                if _is_private(a.name) and not full.startswith("netneuro.compat."):
                    problems.append(f"{where}:{node.lineno}: from {mod} import {a.name}")
                aliases.add(a.asname or a.name)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and _is_private(node.attr)
                and isinstance(node.value, ast.Name) and node.value.id in aliases):
            problems.append(f"{where}:{node.lineno}: {ast.unparse(node)}")
    return problems


def test_compat_uses_public_api_only():
    files = sorted((PACKAGE / "compat").glob("*.py"))
    assert files
    problems = [p for f in files for p in _compat_problems(f)]
    assert not problems, ("netneuro.compat must use the public API only (no _core, no "
                          "_-prefixed netneuro name):\n" + "\n".join(problems))


def test_compat_check_catches_private_use():
    bad = ("from .. import _core, graph\nfrom .._validation import check_int\n"
           "from ..infotheory import _check_codes\nimport netneuro._parallel\n"
           "from netneuro import topology as _t\nx = _t._rips\ny = graph.__name__\n"
           "from . import _helpers\nfrom netneuro import __version__\n")
    # read as if it were netneuro/compat/ripser.py (nothing is written)
    problems = _compat_problems(PACKAGE / "compat" / "ripser.py", source=bad)
    lines = sorted(int(p.rsplit(":", 2)[-2]) for p in problems)
    assert lines == [1, 2, 3, 4, 6], problems


# ---------------------------------------------------------------------------
# module size


def test_modules_are_small():
    long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_MODULE_LINES:
            long.append(f"{_rel(path)}: {n} lines")
    assert not long, (f"modules over {MAX_MODULE_LINES} lines (split them into a package "
                      "named for the science):\n" + "\n".join(long))


# ---------------------------------------------------------------------------
# the suite's own configuration: strict, and netneuro's warnings are errors


def _function_in(module: str, body: str):
    """A function whose code belongs to module ``module`` (as warnings sees it)."""
    namespace = {"__name__": module, "np": np, "warnings": warnings}
    exec(compile(f"def f():\n    {body}\n", f"<{module}>", "exec"), namespace)
    return namespace["f"]


def test_pytest_configuration_is_strict(pytestconfig):
    assert pytestconfig.getini("xfail_strict") is True
    assert {"--strict-config", "--strict-markers"} <= set(pytestconfig.getini("addopts"))


@pytest.mark.parametrize("category, body", [
    (RuntimeWarning, "np.array([1.0]) / 0"),  # NumPy's, on a line of netneuro
    (DeprecationWarning, "warnings.warn('old', DeprecationWarning)"),
    (UserWarning, "warnings.warn('look', UserWarning, stacklevel=2)"),  # pointed at the caller
])
def test_warnings_issued_by_netneuro_fail_the_test(category, body):
    with pytest.raises(category):
        _function_in("netneuro.fake", body)()
    with pytest.warns(category):  # ... unless the test expects them
        _function_in("netneuro.fake", body)()
    with warnings.catch_warnings(record=True) as caught:  # other modules' only warn
        warnings.simplefilter("default")
        _function_in("elsewhere", body)()
    assert [w.category for w in caught] == [category]
