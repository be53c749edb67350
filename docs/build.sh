#!/usr/bin/env bash
# Build the documentation (HTML, gallery examples executed) with warnings as
# errors, then check every internal link.  Usage: bash docs/build.sh [sphinx args]
# Needs the docs extra: pip install ".[docs]" (or sphinx numpydoc sphinx-gallery
# myst-parser matplotlib) and a built netneuro._core in python/netneuro.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD/python${PYTHONPATH:+:$PYTHONPATH}"
export MPLBACKEND=Agg
start=$(date +%s)
python -m sphinx -b html -W --keep-going -q docs docs/_build/html "$@"
python docs/check_links.py docs/_build/html
echo "docs built in $(( $(date +%s) - start )) s: docs/_build/html/index.html"
