"""The project's error root. Every package's own tree (``EdgeError``, ``HubError``,
``ConfigError``, ``SimError``, the domain's errors) grows from :class:`InstoreError`, so a
command line shows any of them as one sentence with its exit status, never a traceback.

Only the wire contract's ``ProtocolError`` stands apart: ``protocol`` imports nothing of
ours. Third-party errors are caught where they enter and re-raised as one of these.
"""

from __future__ import annotations


class InstoreError(Exception):
    """Root of every error raised by the project's packages (``protocol`` aside).

    ``exit_code`` is a command line's exit status for it; ``http_status`` what a web
    app answers (domain/web/problems.py)."""

    exit_code: int = 1
    http_status: int = 500


class InputError(InstoreError):
    """Bad input from a user or a file (an unreadable feed, an invalid map): exit status 2."""

    exit_code = 2
    http_status = 422
