"""The process entry point: signals first, then the command line.

Ctrl-C or SIGTERM can arrive while Python is still importing typer and rich;
the default handler would then print a KeyboardInterrupt traceback. So the
handlers are set before anything heavy is imported: both unwind as
SystemExit (130 for SIGINT, 143 for SIGTERM), which prints nothing and still
runs every ``finally`` and ``except BaseException`` cleanup (temporary files).
"""

import signal
import sys


def _exit_on_signal(signum, frame) -> None:
    raise SystemExit(128 + signum)


def _set_handlers() -> None:
    for sig in (signal.SIGINT, getattr(signal, "SIGTERM", None)):
        if sig is None:
            continue
        try:
            signal.signal(sig, _exit_on_signal)
        except (ValueError, OSError):  # not the main thread
            pass


# At import, not in main(): both `sinorus` (the console script) and `python -m sinorus`
# import this module first, so the handlers hold from here on. What runs before it is
# Python's own start (site and any .pth files), which no program can make quiet.
_set_handlers()


def main() -> None:
    try:
        from sinorus.cli.app import main as cli_main
    except KeyboardInterrupt:  # a signal that came before the handler above was set
        sys.exit(130)
    cli_main()
