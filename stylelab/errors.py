"""The one exception type stylelab raises for bad input or a missing resource.

Its message is a single line that says what went wrong and what to do about it, so that a
notebook cell or the command line can show it as it is (the CLI prints it without a traceback).
"""

import functools
import sys


class StylelabError(ValueError):
    """A user-facing error with a one-line, actionable message."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


#: exit status of a command that stopped on a StylelabError (argparse uses the same for bad options)
USER_ERROR = 2
#: exit status after Ctrl-C (128 + SIGINT)
INTERRUPTED = 130


def command(main):
    """The one error handler of every command entry point (``python -m stylelab …``, ``… .reproduce``,
    ``… .bench``, ``… site``): a :class:`StylelabError` prints ``error: …`` on one line to stderr and
    returns :data:`USER_ERROR`; Ctrl-C prints how to resume and returns :data:`INTERRUPTED`."""
    @functools.wraps(main)
    def run(*args, **kwargs) -> int:
        try:
            return main(*args, **kwargs)
        except StylelabError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return USER_ERROR
        except KeyboardInterrupt:
            print("interrupted: run the same command again to resume (finished outputs and checkpoints are kept)",
                  file=sys.stderr)
            return INTERRUPTED

    return run
