"""Exit codes and the one-line error messages of the command-line tool."""

from __future__ import annotations

import sys
import traceback

#: Exit codes (documented in ``aekit --help``).
OK = 0
DATA_ERROR = 1  # a file is missing or unreadable, data or model do not fit, training failed
USAGE_ERROR = 2  # bad command-line options (argparse's own code)
MISSING_DEPENDENCY = 3  # an optional package is needed: the message says which
INTERNAL_ERROR = 4  # a bug in aekit: run again with --debug and report the traceback
INTERRUPTED = 130  # Ctrl-C

EXIT_CODES_HELP = f"""exit codes:
  {OK}    success
  {DATA_ERROR}    data or model error (missing or unreadable file, wrong columns, text in a
       numeric column, a model that cannot do what was asked, training failed)
  {USAGE_ERROR}    usage error (unknown option, bad option value)
  {MISSING_DEPENDENCY}    an optional package is missing (the message says which one to install)
  {INTERNAL_ERROR}    internal error (a bug: run again with --debug and report the traceback)
  {INTERRUPTED}  interrupted"""


class CLIError(Exception):
    """An error the command reports as one line, with its exit code."""

    def __init__(self, message: str, code: int = DATA_ERROR) -> None:
        super().__init__(message)
        self.code = code


def one_line(message: str) -> str:
    """Join a multi-line message into one line."""
    return " ".join(part.strip() for part in str(message).strip().splitlines() if part.strip())


def classify(exc: BaseException) -> tuple[int, str]:
    """Exit code and message for an exception raised by a command."""
    from aekit.readers import MissingDependencyError

    if isinstance(exc, CLIError):
        return exc.code, str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return INTERRUPTED, "interrupted"
    if isinstance(exc, MissingDependencyError):
        return MISSING_DEPENDENCY, str(exc)
    if isinstance(exc, ModuleNotFoundError):
        name = exc.name or str(exc)
        return MISSING_DEPENDENCY, f"this needs the package {name!r}: pip install {name}"
    if isinstance(exc, ImportError):
        return MISSING_DEPENDENCY, str(exc)
    if isinstance(exc, (FileNotFoundError, IsADirectoryError, PermissionError)):
        where = exc.filename if exc.filename is not None else ""
        what = exc.strerror or str(exc)
        return DATA_ERROR, f"{where}: {what}" if where else what
    if isinstance(exc, FloatingPointError):  # NonFiniteLossError: training diverged
        return DATA_ERROR, f"training stopped: {exc}"
    if isinstance(exc, (ValueError, OSError)):
        return DATA_ERROR, str(exc)
    return INTERNAL_ERROR, (
        f"internal error: {type(exc).__name__}: {exc} (run again with --debug for the "
        "traceback, and please report it)"
    )


def report(exc: BaseException, debug: bool, prog: str = "aekit") -> int:
    """Print the error (one line, or the traceback with ``debug``) and return the exit code."""
    code, message = classify(exc)
    if debug and not isinstance(exc, KeyboardInterrupt):
        traceback.print_exception(exc)
    print(f"{prog}: error: {one_line(message)}", file=sys.stderr)
    return code
