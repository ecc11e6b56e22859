"""The one exception type stylelab raises for bad input or a missing resource.

Its message is a single line that says what went wrong and what to do about it, so that a
notebook cell or the command line can show it as it is (the CLI prints it without a traceback).
"""


class StylelabError(ValueError):
    """A user-facing error with a one-line, actionable message."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))
