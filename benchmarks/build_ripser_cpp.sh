#!/usr/bin/env bash
# Build the C++ Ripser 1.2.1 command-line program (Ulrich Bauer, MIT licence;
# Bauer, "Ripser: efficient computation of Vietoris-Rips persistence barcodes",
# J. Appl. Comput. Topol. 2021) as the time and peak-memory reference of
# benchmarks/bench_topology.py.
#
# Source: the upstream release tarball as shipped by Debian bookworm's source
# package `ripser` 1.2.1-3 (ripser_1.2.1.orig.tar.gz, sha256 checked below),
# fetched with `apt-get source --download-only` through a private deb-src list
# under benchmarks/.build/ (the system's apt configuration is not touched).
# Compiled with the upstream Makefile's flags (-O3 -D NDEBUG): `ripser` (Z/2)
# and `ripser-coeff` (-D USE_COEFFICIENTS, for --modulus p).  The only
# addition is a static initialiser, force-included with -include, that makes
# std::cout print 9 significant digits (enough to round-trip float32), so
# that barcodes can be compared exactly; ripser.cpp itself is unchanged.
#
# Output: benchmarks/.build/ripser/bin/{ripser,ripser-coeff} (git-ignored).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE/.build/ripser
ORIG=ripser_1.2.1.orig.tar.gz
SHA256=4be600591dced310550a78b718f3f4019f11049bad0fbf14eea1f85d835b16e1
CXX=${CXX:-c++}

mkdir -p "$OUT/bin" "$OUT/apt/lists/partial" "$OUT/apt/cache/archives/partial"
cd "$OUT"

if ! echo "$SHA256  $ORIG" | sha256sum -c --status - 2>/dev/null; then
    echo "deb-src http://deb.debian.org/debian bookworm main" > apt/sources.list
    APT=(-o "Dir::Etc::SourceList=$OUT/apt/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
         -o "Dir::State::Lists=$OUT/apt/lists" -o "Dir::Cache=$OUT/apt/cache")
    [ "$(id -u)" = 0 ] && APT+=(-o "APT::Sandbox::User=root")
    apt-get "${APT[@]}" update
    # Only the upstream tarball is needed; the Debian patch archive may fail to download.
    apt-get "${APT[@]}" source --download-only ripser=1.2.1-3 || true
    rm -rf apt/lists  # ~20 MB source index, not needed any more
    echo "$SHA256  $ORIG" | sha256sum -c -
fi

tar xzf "$ORIG" ripser-1.2.1/ripser.cpp ripser-1.2.1/COPYING.txt
cat > print_precision.h <<'HDR'
#include <iostream>
// Print 9 significant digits (float32 round-trip) instead of the default 6.
static const struct nn_print_precision {
    nn_print_precision() { std::cout.precision(9); }
} nn_print_precision_init;
HDR
FLAGS=(-std=c++11 -O3 -D NDEBUG -include "$OUT/print_precision.h")
"$CXX" "${FLAGS[@]}" ripser-1.2.1/ripser.cpp -o bin/ripser
"$CXX" "${FLAGS[@]}" -D USE_COEFFICIENTS ripser-1.2.1/ripser.cpp -o bin/ripser-coeff
echo "built $OUT/bin/ripser and $OUT/bin/ripser-coeff"
