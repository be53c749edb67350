"""Run the peers' own test suites against netneuro's shims and report coverage.

    python tests/peers/run.py [PEER ...] [--cache DIR] [--markdown]

For each peer (tests/peers/peers.py) the tests of the installed version are
taken from its source distribution on PyPI (downloaded once into ``--cache``,
checked against the SHA-256 that PyPI publishes; nothing of the peer is kept
in this repository) or from its installed package, then run twice: against
the real peer (the baseline) and with the peer replaced by the shim
(tests/peers/swap.py).  A test is

* ``passed`` / ``failed``: it called into the shim, with that outcome;
* ``peer fails too``: it fails against the real peer as well;
* ``peer bug``: it encodes a documented bug of the peer (peers.py says which);
* ``exempt``: it tests the peer itself, not the API (e.g. a link to its web docs);
* ``not covered``: it uses only functions the shim does not claim;
* ``skipped``: the peer's own test skips it (an optional dependency, ...).

Exit status 1 when a covered test fails against the shim and passes against
the peer (and is not a documented peer bug).  A peer whose tests cannot be
obtained (no network to PyPI, no sdist) is reported and skipped; with
``--strict`` that exits 2.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata as md
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from peers import PEERS  # noqa: E402

CATEGORIES = ("passed", "failed", "peer fails too", "peer bug", "exempt", "not covered",
              "skipped")


def _site_packages(dist: str) -> Path:
    return Path(md.distribution(dist).locate_file(""))


def _sdist_tests(peer, cache: Path) -> Path:
    """Extract the peer's test files from the sdist of its installed version."""
    version = md.version(peer.name)
    root = cache / f"{peer.name}-{version}"
    if all((root / t).exists() for t in peer.tests):
        return root
    with urllib.request.urlopen(f"https://pypi.org/pypi/{peer.name}/json", timeout=60) as r:
        meta = json.load(r)
    sdists = [u for u in meta["releases"].get(version, []) if u["packagetype"] == "sdist"]
    if not sdists:
        raise RuntimeError(f"{peer.name} {version} has no source distribution on PyPI")
    url, sha = sdists[0]["url"], sdists[0]["digests"]["sha256"]
    with urllib.request.urlopen(url, timeout=120) as r:
        data = r.read()
    if hashlib.sha256(data).hexdigest() != sha:
        raise RuntimeError(f"{url}: SHA-256 differs from PyPI's")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(suffix=".tar.gz") as tmp:
        tmp.write(data)
        tmp.flush()
        with tarfile.open(tmp.name) as tar:
            prefix = tar.getnames()[0].split("/")[0]
            for t in peer.tests:
                member = tar.getmember(f"{prefix}/{t}")
                target = root / t
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(tar.extractfile(member).read())
    return root


def _run(peer_key, peer, root: Path, mode: str) -> dict:
    files = [str(root / t) for t in peer.tests if (root / t).exists()]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "records.json"
        env = dict(os.environ, NETNEURO_PEER=peer_key, NETNEURO_PEER_MODE=mode,
                   NETNEURO_PEER_OUT=str(out),
                   PYTHONPATH=os.pathsep.join([str(HERE), *(
                       os.path.abspath(p) for p in
                       os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)]))
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "swap", "-p", "no:cacheprovider",
               "-c", str(HERE / "pytest.ini"), "--rootdir", str(root),
               "--confcutdir", str(Path(files[0]).parent), *files]
        subprocess.run(cmd, env=env, cwd=tmp, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        return json.loads(out.read_text()) if out.exists() else {}


def classify(peer, shim: dict, real: dict) -> dict:
    """Category of every test (see the module docstring)."""
    out = {}
    for nodeid, rec in shim.items():
        bug = next((why for key, why in peer.peer_bugs.items() if key in nodeid), None)
        exempt = next((why for key, why in peer.exempt.items() if key in nodeid), None)
        if exempt is not None:
            cat = "exempt"
        elif rec["outcome"] == "skipped":
            cat = "not covered" if rec["reason"].find("not covered by the shim") >= 0 \
                else "skipped"
        elif not rec["covered"]:
            cat = "not covered"
        elif bug is not None:
            cat = "peer bug"
        elif rec["outcome"] == "failed":
            cat = "peer fails too" if real.get(nodeid, {}).get("outcome") == "failed" \
                else "failed"
        else:
            cat = "passed"
        out[nodeid] = (cat, exempt or bug or rec["reason"])
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("peers", nargs="*", default=list(PEERS))
    ap.add_argument("--cache", type=Path, default=Path(os.environ.get(
        "NETNEURO_PEER_CACHE", Path(__file__).resolve().parents[2] / ".peer-tests")))
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every failed test")
    ap.add_argument("--strict", action="store_true",
                    help="exit 2 when a peer's tests cannot be obtained")
    args = ap.parse_args(argv)
    status, rows = 0, []
    for key in args.peers:
        peer = PEERS[key]
        try:
            version = md.version(peer.name)
            root = (_sdist_tests(peer, args.cache) if peer.source == "sdist"
                    else _site_packages(peer.name))
        except Exception as exc:  # noqa: BLE001 - reported, then the next peer
            print(f"{key}: tests unavailable, skipped ({type(exc).__name__}: {exc})")
            if args.strict:
                status = max(status, 2)
            continue
        cats = classify(peer, _run(key, peer, root, "shim"), _run(key, peer, root, "peer"))
        counts = {c: sum(1 for v in cats.values() if v[0] == c) for c in CATEGORIES}
        rows.append((f"{key} {version}", counts))
        for nodeid, (cat, why) in sorted(cats.items()):
            if cat == "failed" or (args.verbose and cat in ("peer fails too", "peer bug")):
                print(f"  {cat.upper()}: {nodeid}: {why}")
        if counts["failed"]:
            status = max(status, 1)
    header = ["peer", *CATEGORIES]
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for name, c in rows:
            print("| " + " | ".join([name, *(str(c[k]) for k in CATEGORIES)]) + " |")
    else:
        print(f"{'peer':<18}" + "".join(f"{h:>16}" for h in CATEGORIES))
        for name, c in rows:
            print(f"{name:<18}" + "".join(f"{c[k]:>16}" for k in CATEGORIES))
    return status


if __name__ == "__main__":
    sys.exit(main())
