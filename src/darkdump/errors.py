"""Exceptions that reach the user as one-line messages.

Anything raised as :class:`DarkdumpInputError` (bad configuration, bad command
line value, out-of-range mass or coupling, malformed file) is printed by the
command line as ``darkdump: error: <message>`` with exit status 2, never as a
traceback. The message must name the offending key or value and say what is
allowed.
"""

from __future__ import annotations

__all__ = ["DarkdumpInputError"]


class DarkdumpInputError(ValueError):
    """Invalid user input: the message names the key or value and what is allowed."""
