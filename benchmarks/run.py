"""Run peer-comparison benchmarks and print a Markdown table of median times and ratios.

    python benchmarks/run.py                 # every benchmarks/bench_*.py
    python benchmarks/run.py topology graph  # selected areas
    python benchmarks/run.py --quick         # small sizes (smoke test)

Paste the table into benchmarks/RESULTS.md with the machine line it prints.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import machine_description, markdown_table, run_case  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("areas", nargs="*", help="areas to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("-k", dest="match", default="",
                        help="only the cases whose name contains this text")
    args = parser.parse_args(argv)
    modules = sorted(HERE.glob("bench_*.py"))
    if args.areas:
        modules = [m for m in modules if m.stem[len("bench_"):] in args.areas]
    all_cases = []
    for path in modules:
        spec = importlib.util.spec_from_file_location(path.stem, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = mod  # importable by name (pickled factories for peak memory)
        spec.loader.exec_module(mod)
        print(f"# {path.stem}", flush=True)
        for case in mod.cases(args.quick):
            if args.match not in case.name:
                continue
            all_cases.append(run_case(case, log=lambda s: print(s, flush=True)))
    print()
    print(f"Machine: {machine_description()}; {time.strftime('%Y-%m-%d')}")
    print(f"Command: python benchmarks/run.py {' '.join(sys.argv[1:])}".rstrip())
    print()
    print(markdown_table(all_cases))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
