#!/usr/bin/env bash
# Build the documentation (HTML, gallery examples executed) with warnings as
# errors, then check every internal link.  Usage: bash docs/build.sh [sphinx args]
# Needs the docs extra: pip install ".[docs]" (sphinx, numpydoc, sphinx-gallery,
# myst-parser, matplotlib).
set -euo pipefail
cd "$(dirname "$0")/.."
# A source tree with a compiled _core is used as is; otherwise the installed
# netneuro (pip install ".[docs]") is documented.
if compgen -G "python/netneuro/_core*.so" >/dev/null || compgen -G "python/netneuro/_core*.pyd" >/dev/null; then
  export PYTHONPATH="$PWD/python${PYTHONPATH:+:$PYTHONPATH}"
fi
python -c "import netneuro, sys; print('documenting netneuro', netneuro.__version__, 'from', netneuro.__file__)"
export MPLBACKEND=Agg
# The gallery's problems are small (tens to hundreds of regions): one BLAS
# thread each, which also keeps a busy machine from slowing them down many times.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
start=$(date +%s)
python -m sphinx -b html -W --keep-going -q docs docs/_build/html "$@"
python docs/check_links.py docs/_build/html
echo "docs built in $(( $(date +%s) - start )) s: docs/_build/html/index.html"
