"""The documentation's tooling: the internal-link checker and the API module list.

The Sphinx build itself (docs/build.sh) needs the docs extra and runs in CI's
docs job; these checks need neither Sphinx nor a build.
"""

import ast
import importlib.util
import pkgutil
from pathlib import Path

import netneuro

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _load_checker():
    spec = importlib.util.spec_from_file_location("check_links", DOCS / "check_links.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_link_checker_finds_missing_files_and_anchors(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "index.html").write_text(
        '<a href="sub/b.html#x">ok</a><a href="sub/b.html#nope">bad anchor</a>'
        '<a href="missing.html">bad file</a><a href="https://example.org/x">external</a>'
        '<a href="#top">self</a><p id="top"></p><img src="img.png">')
    (tmp_path / "sub" / "b.html").write_text('<h1 id="x">b</h1><a href="../index.html">up</a>')
    (tmp_path / "img.png").write_bytes(b"")
    broken = _load_checker().check(tmp_path)
    assert len(broken) == 2
    assert any("missing.html" in b for b in broken) and any("#nope" in b for b in broken)
    (tmp_path / "index.html").write_text('<a href="sub/b.html#x">ok</a>')
    assert _load_checker().check(tmp_path) == []


def test_every_public_module_is_in_the_api_reference():
    tree = ast.parse((DOCS / "conf.py").read_text())
    listed = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "API_MODULES":
            listed = {m for mods in ast.literal_eval(node.value).values() for m in mods}
    assert listed is not None
    public = {m.name for m in pkgutil.iter_modules(netneuro.__path__)
              if not m.name.startswith("_")}
    public |= {"compat." + m.name for m in pkgutil.iter_modules(
        [str(Path(netneuro.__path__[0]) / "compat")]) if not m.name.startswith("_")}
    missing = public - listed
    assert not missing, f"add these modules to API_MODULES in docs/conf.py: {sorted(missing)}"
