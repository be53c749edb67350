"""The ``netneuro`` command line.

Subcommands register themselves in :data:`COMMANDS` as ``name -> (add_arguments,
run)``; ``run(args)`` returns the exit status: 0 success, 1 damaged store (``verify``),
2 usage or input error, 3 some subjects or steps failed (``analyze``; the
others are stored), 4 every subject failed (``analyze``), 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys


def _add_info(parser: argparse.ArgumentParser) -> None:
    parser.description = "Print the version, compiler, threads and GPU availability."


def _run_info(args) -> int:
    from . import show_config

    show_config()
    return 0


def _add_analyze(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Run the standard pipeline (functional connectome -> graph metrics, persistent "
        "homology, controllability, maximum-entropy model of binarised signals) over a cohort "
        "of time-series files; write a resumable results store (OUT/store) and an HTML report "
        "(OUT/report.html). Inputs are files (.npy .npz .csv .tsv .txt .mat .h5; one subject "
        "each, named after the file, stored (time, regions)), directories of such files, or "
        "one .npz holding a 'subjects' name array and one array per subject."
    )
    parser.add_argument("inputs", nargs="*", metavar="INPUT", help="time-series files or dirs")
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory")
    parser.add_argument("--example", action="store_true",
                        help="analyse the bundled example (12 resting-state scans, Spisak et "
                             "al. 2020, BSD-3) with its pain-sensitivity labels")
    parser.add_argument("--labels", metavar="FILE",
                        help="label table (.csv/.tsv, first column = subject name) for group "
                             "comparisons")
    parser.add_argument("--id-column", metavar="COL", help="subject column of --labels")
    parser.add_argument("--n-jobs", type=int, default=None, metavar="N",
                        help="worker processes (-1 = all CPUs; default 1)")
    parser.add_argument("--dask", metavar="ADDRESS",
                        help="run on a Dask scheduler at ADDRESS ('local' = a LocalCluster "
                             "with --n-jobs workers)")
    parser.add_argument("--steps", default=",".join(_standard_steps()),
                        help="comma-separated subset of the standard steps "
                             "(default: %(default)s)")
    parser.add_argument("--connectivity", default="correlation",
                        choices=("correlation", "partial_correlation", "transfer_entropy"))
    parser.add_argument("--density", type=float, default=0.15,
                        help="edge density kept for graph metrics (default %(default)s)")
    parser.add_argument("--n-null", type=int, default=10,
                        help="random graphs for small-worldness (0 = skip; default %(default)s)")
    parser.add_argument("--maxent-regions", metavar="I,J,...",
                        help="region indices (or names in an .npz 'regions' array) of the "
                             "maximum-entropy model (default: 8 spread evenly)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--key", help="array name inside .npz/.mat/.h5 inputs")
    parser.add_argument("--transpose", action="store_true",
                        help="inputs are stored (regions, time)")
    parser.add_argument("--header", default="infer", type=_header_arg, metavar="ROW",
                        help="text inputs: row number of the header row, or 'none' "
                             "(default: infer; an ambiguous file is an error)")
    parser.add_argument("--index-col", default="infer", type=_index_col_arg, metavar="COL",
                        help="text inputs: position or name of a row-index column to drop, or "
                             "'none' (default: infer; an ambiguous file is an error)")
    parser.add_argument("--no-resume", action="store_true",
                        help="recompute subjects already in OUT/store")
    parser.add_argument("--no-report", action="store_true", help="skip the HTML report")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _standard_steps():
    from .pipelines import STANDARD_STEPS

    return STANDARD_STEPS


def _header_arg(text):
    if text.lower() in ("infer", "none"):
        return None if text.lower() == "none" else "infer"
    if text.isdigit():
        return int(text)
    raise argparse.ArgumentTypeError(f"expected a row number, 'infer' or 'none', got {text!r}")


def _index_col_arg(text):
    if text.lower() in ("infer", "none"):
        return None if text.lower() == "none" else "infer"
    return int(text) if text.isdigit() else text


class _FileLoader:
    """Picklable loader for cohort.run: load_timeseries with the CLI's options."""

    def __init__(self, key=None, transpose=False, header="infer", index_col="infer"):
        self.key, self.transpose = key, transpose
        self.header, self.index_col = header, index_col

    def __call__(self, path):
        from .io import load_timeseries

        return load_timeseries(path, key=self.key, transpose=self.transpose,
                               header=self.header, index_col=self.index_col)


def _collect_inputs(inputs, key, transpose):
    """{name: path or array} and region names from the command-line inputs."""
    import os
    from pathlib import Path

    import numpy as np

    from .io import file_extension

    if len(inputs) == 1 and str(inputs[0]).lower().endswith(".npz") and Path(inputs[0]).is_file():
        with np.load(inputs[0], allow_pickle=False) as z:
            if "subjects" in z.files:
                names = [str(s) for s in z["subjects"]]
                missing = [n for n in names if n not in z.files]
                if missing:
                    raise ValueError(f"{inputs[0]!r}: 'subjects' lists {missing[:3]} but no such "
                                     "arrays are in the file")
                subjects = {n: (z[n].T if transpose else z[n]).astype(np.float64)
                            for n in names}
                regions = [str(r) for r in z["regions"]] if "regions" in z.files else None
                return subjects, regions
    paths = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.is_file() and file_extension(q))
            if not found:
                raise ValueError(f"directory {item!r} holds no supported time-series files")
            paths.extend(found)
        elif p.exists():
            paths.append(p)
        else:
            raise FileNotFoundError(f"no such file or directory: {item!r}")
    return [os.fspath(p) for p in paths], None


def _run_analyze(args) -> int:
    import time
    from pathlib import Path

    from . import cohort
    from .pipelines import STANDARD_STEPS, standard_pipeline

    t0 = time.perf_counter()
    out = Path(args.out)
    labels = args.labels
    regions = None
    region_names = None
    if args.example:
        if args.inputs:
            print("netneuro analyze: give either INPUT files or --example, not both",
                  file=sys.stderr)
            return 2
        from .data import EXAMPLE_MAXENT_REGIONS, load_example

        ex = load_example()
        subjects = ex["timeseries"]
        region_names = ex["regions"]
        regions = list(EXAMPLE_MAXENT_REGIONS)
        if labels is None:
            labels = str(ex["labels_path"])
    else:
        if not args.inputs:
            print("netneuro analyze: give INPUT files (or --example)", file=sys.stderr)
            return 2
        subjects, region_names = _collect_inputs(args.inputs, args.key, args.transpose)
    if args.maxent_regions:
        regions = [r.strip() for r in args.maxent_regions.split(",") if r.strip()]
        if all(r.lstrip("-").isdigit() for r in regions):
            regions = [int(r) for r in regions]
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    bad = [s for s in steps if s not in STANDARD_STEPS]
    if bad:
        print(f"netneuro analyze: unknown steps {bad}; choose from {list(STANDARD_STEPS)}",
              file=sys.stderr)
        return 2
    pipe = standard_pipeline(connectivity=args.connectivity, density=args.density,
                             n_null=args.n_null, maxent_regions=regions,
                             region_names=region_names, seed=args.seed, steps=steps)
    loader = _FileLoader(args.key, args.transpose, args.header, args.index_col)
    client = cluster = None
    try:
        if args.dask:
            from distributed import Client, LocalCluster

            if args.dask == "local":
                cluster = LocalCluster(n_workers=max(1, args.n_jobs or 2), threads_per_worker=1,
                                       dashboard_address=None)
                client = Client(cluster)
            else:
                client = Client(args.dask)
        res = cohort.run(pipe, subjects, out / "store", executor=client,
                         n_jobs=None if client else args.n_jobs, resume=not args.no_resume,
                         progress=not args.quiet, loader=loader)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    msg = (f"{len(res.completed)} subjects analysed, {len(res.skipped)} already done, "
           f"{len(res.failed)} failed, {len(res.partial)} with failed steps "
           f"({res.elapsed_s:.1f} s); results: {out / 'store'}")
    print(msg)
    for name, err in list(res.failed.items())[:10]:
        print(f"  failed: {name}: {err}", file=sys.stderr)
    for name, steps in list(res.partial.items())[:10]:
        for step, err in steps.items():
            print(f"  step failed: {name}: {step}: {err} (other steps kept)", file=sys.stderr)
    if not args.no_report:
        from .report import build_report

        path = build_report(res.store, out / "report.html", labels=labels,
                            id_column=args.id_column, region_names=region_names,
                            title="netneuro example: RPN-signature resting state (Bochum)"
                            if args.example else None)
        print(f"report: {path}")
    print(f"total {time.perf_counter() - t0:.1f} s")
    if res.failed and not res.completed and not res.skipped:
        print("netneuro analyze: every subject failed; nothing was analysed", file=sys.stderr)
        return 4
    return 0 if res.ok and not res.partial else 3


def _add_verify(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Check every subject file of a cohort store against its checksum; exit 1 and list "
        "the damaged, foreign or missing files when the store is not intact (running the "
        "cohort again quarantines and recomputes damaged subjects)."
    )
    parser.add_argument("store", metavar="STORE", help="store directory (e.g. OUT/store)")


def _run_verify(args) -> int:
    from .cohort import open_store

    st = open_store(args.store)
    problems = st.verify()
    for fname, why in problems.items():
        print(f"{fname}: {why}")
    if problems:
        print(f"netneuro verify: {len(problems)} problem(s) in {args.store}", file=sys.stderr)
        return 1
    print(f"{len(st.subjects())} subject files intact")
    return 0


COMMANDS = {
    "info": (_add_info, _run_info, "show build and runtime configuration"),
    "analyze": (_add_analyze, _run_analyze,
                "run the standard pipeline over a cohort; write a store and an HTML report"),
    "verify": (_add_verify, _run_verify, "check a cohort store's files against their checksums"),
}


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="netneuro",
        description="Network neuroscience at compiled speed.",
    )
    parser.add_argument("--version", action="version", version=f"netneuro {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (add, run, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        add(p)
        p.set_defaults(_run=run)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted (finished subjects are kept; run again to resume)", file=sys.stderr)
        return 130
    except (FileNotFoundError, ValueError, TypeError, ImportError) as exc:
        print(f"netneuro {args.command}: error: {exc}", file=sys.stderr)
        return 2
