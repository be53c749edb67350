"""Check that every internal link of a built HTML site points to an existing target.

``python docs/check_links.py docs/_build/html``: for each ``href`` / ``src`` of
every ``.html`` file that is not external (no scheme, not ``//host``), the file
must exist and a ``#fragment`` must be an ``id`` (or ``name``) in it.  Prints
each broken link and exits 1 if there is any.
"""

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if value is None:
                continue
            if key in ("id", "name"):
                self.ids.add(value)
            elif key in ("href", "src") and tag != "link" or (tag == "link" and key == "href"):
                self.links.append(value)


def _parse(path, cache):
    if path not in cache:
        p = _Collect()
        p.feed(path.read_text(encoding="utf-8", errors="replace"))
        cache[path] = p
    return cache[path]


def check(root: Path) -> list[str]:
    root = root.resolve()
    cache, broken = {}, []
    pages = sorted(root.rglob("*.html"))
    if not pages:
        return [f"no HTML pages under {root}"]
    for page in pages:
        for link in _parse(page, cache).links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//") or link.startswith("mailto:"):
                continue
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            rel = page.relative_to(root)
            if not target.exists():
                broken.append(f"{rel}: {link} (no file {target})")
            elif parts.fragment and target.suffix == ".html":
                if unquote(parts.fragment) not in _parse(target, cache).ids:
                    broken.append(f"{rel}: {link} (no anchor #{parts.fragment})")
    return broken


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    root = Path(argv[0] if argv else "docs/_build/html")
    broken = check(root)
    for b in broken:
        print("broken internal link:", b)
    n = len(list(root.rglob("*.html")))
    print(f"checked internal links of {n} pages: {len(broken)} broken")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
