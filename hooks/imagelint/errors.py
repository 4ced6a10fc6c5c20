"""Errors that end a run with exit code 2 and one line for the user, never a traceback."""


class UsageError(Exception):
    """Bad arguments or an impossible request; the message is the whole explanation."""
