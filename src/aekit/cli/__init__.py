"""The ``aekit`` command: demo, fit, encode, reconstruct, score, sample, tune, report, info.

Every command lives in its own module in :mod:`aekit.cli.commands` and is found
there at start-up, so a new use (denoise, impute...) adds one module and
touches nothing else. A command module defines::

    NAME = "encode"            # the sub-command
    ORDER = 30                 # position in ``aekit --help``
    HELP = "one line for the command list"
    DESCRIPTION = "what it does, with an example"
    def add_arguments(parser: argparse.ArgumentParser) -> None: ...
    def run(args: argparse.Namespace) -> int: ...   # calls the public Python API

Command modules import only the standard library at module level; numpy,
torch, scikit-learn and pandas are imported inside ``run``, which keeps
``aekit --help`` fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import re
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType

from aekit._version import __version__
from aekit.cli._errors import EXIT_CODES_HELP, USAGE_ERROR, report

__all__ = ["main", "build_parser", "command_modules"]

#: Defaults of the general options (given before or after the command name).
GENERAL_DEFAULTS = {"quiet": False, "seed": 0, "device": "auto", "debug": False}
_REQUIRED = ("NAME", "HELP", "add_arguments", "run")


def command_modules() -> list[ModuleType]:
    """The command modules in :mod:`aekit.cli.commands`, in help order."""
    package = importlib.import_module("aekit.cli.commands")
    found = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        missing = [a for a in _REQUIRED if not hasattr(module, a)]
        if missing:
            raise RuntimeError(f"command module {module.__name__} lacks {', '.join(missing)}")
        found.append(module)
    return sorted(found, key=lambda m: (getattr(m, "ORDER", 100), m.NAME))


def _device(value: str) -> str:
    if not re.fullmatch(r"auto|cpu|mps|cuda(:\d+)?", value):
        raise argparse.ArgumentTypeError(f"expected auto, cpu, cuda or cuda:N, got {value!r}")
    return value


def _seed(value: str) -> int:
    # The range numpy and scikit-learn seed with; checked here, so the message says --seed.
    from aekit._params import SEED_LIMIT

    try:
        seed = int(value)
    except ValueError:
        seed = -1
    if not 0 <= seed < SEED_LIMIT:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to {SEED_LIMIT - 1}, "
                                         f"got {value!r}")  # fmt: skip
    return seed


def _general_options() -> argparse.ArgumentParser:
    """Options every command takes; SUPPRESS lets them go before or after the command."""
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("general options")
    S = argparse.SUPPRESS
    g.add_argument("-q", "--quiet", action="store_true", default=S,
                   help="print only errors: no progress bars, no summaries")
    g.add_argument("--seed", type=_seed, default=S, metavar="N",
                   help="random seed for training, splits and sampling (default: 0)")
    g.add_argument("--device", type=_device, default=S,
                   help="auto (CUDA when present), cpu, cuda or cuda:N (default: auto)")
    g.add_argument("--debug", action="store_true", default=S,
                   help="show the full traceback on errors")  # fmt: skip
    return p


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-parser per command module."""
    general = _general_options()
    parser = argparse.ArgumentParser(
        prog="aekit",
        description="Autoencoders from the command line: train, encode, score, sample, report.\n"
        "Start with `aekit demo`; `aekit COMMAND --help` explains each command.",
        epilog=EXIT_CODES_HELP,
        formatter_class=_Formatter,
        parents=[general],
    )
    parser.add_argument("--version", action="version", version=f"aekit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for module in command_modules():
        p = sub.add_parser(
            module.NAME,
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", module.HELP),
            formatter_class=_Formatter,
            parents=[general],
        )
        module.add_arguments(p)
        p.set_defaults(run=module.run)
    return parser


def _setup_output(quiet: bool) -> None:
    """Log and warn on stderr in one short line each; only errors when quiet."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("aekit: %(message)s"))
    root = logging.getLogger("aekit")
    root.handlers[:] = [handler]
    root.setLevel(logging.ERROR if quiet else logging.WARNING)
    root.propagate = False
    if quiet:
        warnings.simplefilter("ignore")
    else:

        def show(message, category, filename, lineno, file=None, line=None):
            print(f"aekit: warning: {message}", file=sys.stderr)

        warnings.showwarning = show


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``aekit`` command line; returns the exit code.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name; ``sys.argv[1:]`` when None.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    for key, value in GENERAL_DEFAULTS.items():
        if not hasattr(args, key):
            setattr(args, key, value)
    if getattr(args, "run", None) is None:
        parser.print_help(sys.stderr)
        return USAGE_ERROR
    try:
        with warnings.catch_warnings():
            _setup_output(args.quiet)
            from aekit.cli._options import refuse_unused_data_options
            from aekit.cli._outputs import refuse_input_as_output

            refuse_input_as_output(args)
            refuse_unused_data_options(args)
            return int(args.run(args) or 0)
    except BrokenPipeError:
        # The reader of our output went away (`aekit encode ... | head`): stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - every error becomes one line
        return report(exc, args.debug)
