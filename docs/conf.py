"""Sphinx configuration of the netneuro documentation (built by docs/build.sh)."""

import importlib
import os
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if [p for p in (ROOT / "python" / "netneuro").glob("_core*") if p.suffix in (".so", ".pyd")]:
    sys.path.insert(0, str(ROOT / "python"))  # a source tree with a built _core: use it
# otherwise the installed netneuro (pip install ".[docs]") is documented
sys.path.insert(0, str(HERE))
os.environ.setdefault("MPLBACKEND", "Agg")

import netneuro  # noqa: E402

project = "netneuro"
author = "netneuro developers"
copyright = "2026, netneuro developers"
release = netneuro.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]
templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.md5",
                    "auto_examples/*.py", "auto_examples/*.ipynb", "auto_examples/*.zip"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"

autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"inherited-members": False}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
myst_heading_anchors = 3

# Cross-references are checked (nitpicky); without network access there is no
# intersphinx, so references into other libraries, and to the private
# implementation modules that package docstrings name, are let through.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(numpy|scipy|pandas|matplotlib|sklearn|torch|cupy|dask)(\..*)?"),
    (r"py:mod", r"netneuro\.(ann|control|maxent|graph|infotheory|cohort|topology)\.\w+"),
    (r"py:data", r"COMMANDS"),
]
suppress_warnings = ["myst.header"]

html_theme = "alabaster"
html_title = f"netneuro {release}"
html_theme_options = {"description": "network neuroscience at compiled speed",
                      "fixed_sidebar": True, "page_width": "1100px"}
html_static_path = []

warnings.filterwarnings("ignore", message="Matplotlib is currently using agg",
                        category=UserWarning)

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples" / "gallery"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "show_memory": False,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
}

# ---------------------------------------------------------------------------
# API reference: one page per public module, a table of its __all__ (one
# generated page per object).  Written here so that a new public name needs no
# edit of the docs.

API_MODULES = {
    "Activity to networks": ["connectivity", "infotheory", "network_inference"],
    "Models of activity": ["maxent"],
    "Topology": ["topology", "distance"],
    "Control": ["control"],
    "Graphs and generative models": ["graph", "generate"],
    "Artificial networks": ["ann"],
    "Cohorts and workflows": ["cohort", "pipelines", "report", "cli"],
    "Input, output, plots, statistics, data": ["io", "plotting", "stats", "data"],
    "Array API (GPU) paths": ["connectivity.array_api", "control.array_api",
                              "control.array_api_gramians", "control.array_api_energy",
                              "graph.array_api"],
    "Compatibility shims": ["compat", "compat.bct", "compat.coniii", "compat.nctpy",
                            "compat.pyinform", "compat.ripser"],
    "Package": [""],
}


def _public_modules():
    return ["netneuro" + (f".{m}" if m else "") for mods in API_MODULES.values() for m in mods]


def _home(obj, name):
    """The documented module an object belongs to (its defining public module)."""
    where = getattr(obj, "__module__", None) or name
    best = name
    for m in _public_modules():
        if m != name and (where == m or where.startswith(m + ".")) and not name.startswith(m):
            if getattr(importlib.import_module(m), obj.__name__, None) is obj and \
                    obj.__name__ in getattr(importlib.import_module(m), "__all__", []):
                best = m
    return best


def _write_api():
    out = HERE / "api"
    out.mkdir(exist_ok=True)
    index = ["API reference", "=============", "",
             "Every public module of :mod:`netneuro`, with the names it exports "
             "(``__all__``).  Generated from the docstrings.", ""]
    for section, mods in API_MODULES.items():
        index += [section, "-" * len(section), "", ".. toctree::", "   :maxdepth: 1", ""]
        for m in mods:
            name = "netneuro" + (f".{m}" if m else "")
            mod = importlib.import_module(name)
            names = list(getattr(mod, "__all__", []))
            if name == "netneuro.cli":
                names = ["main"]
            lines = [name, "=" * len(name), "", f".. automodule:: {name}", "   :no-members:",
                     "", f".. currentmodule:: {name}", ""]
            own, elsewhere, consts = [], [], []
            for n in names:
                obj = getattr(mod, n)
                home = _home(obj, name)
                if home != name:
                    elsewhere.append(f"{home}.{n}")
                elif callable(obj) or isinstance(obj, type):
                    own.append(n)
                else:
                    consts.append(n)
            if own:
                lines += [".. autosummary::", "   :toctree: generated/", "   :nosignatures:", ""]
                lines += [f"   {n}" for n in own] + [""]
            for n in consts:
                value = repr(getattr(mod, n)).replace("\n", " ")
                lines += [f".. py:data:: {n}", f"   :value: {value}", ""]
            if elsewhere:
                lines += ["Also exported here, documented with their home module:", ""]
                lines += [f"* :obj:`{n}`" for n in elsewhere] + [""]
            text = "\n".join(lines)
            page = out / f"{name}.rst"
            if not page.exists() or page.read_text() != text:
                page.write_text(text)
            index.append(f"   {name}")
        index.append("")
    (out / "index.rst").write_text("\n".join(index))


_write_api()
