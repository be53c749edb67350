"""The ``netneuro`` command line.

Subcommands register themselves in :data:`COMMANDS` as ``name -> (add_arguments,
run)``; ``run(args)`` returns the exit status.
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


COMMANDS = {
    "info": (_add_info, _run_info, "show build and runtime configuration"),
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
        print("interrupted", file=sys.stderr)
        return 130
