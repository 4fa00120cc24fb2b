"""The one error base class: a known failure the user can fix.

The CLI turns a :class:`MarketctlError` into ``Error: <message>`` plus its hint on stderr and exit
code 1; anything else that escapes is an internal error (exit code 3). Problems *in the markets*
are findings (:mod:`marketctl.core.diagnostics`), not exceptions.
"""

from __future__ import annotations


class MarketctlError(Exception):
    """A failure with a message that says what went wrong and what to do next."""

    #: The command line's exit code: 1 for a known failure, 2 for a usage error.
    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class RootNotFoundError(MarketctlError):
    """No folder holding ``markets/`` above the current directory."""


class UsageProblem(MarketctlError):
    """The command line (or [tool.marketctl]) asks for something that does not exist: exit 2."""

    exit_code = 2


class UnknownMarketError(UsageProblem):
    """A market named on the command line does not exist."""


class UnknownKeyError(MarketctlError):
    """``explain`` was asked for a key the resolved market does not have."""


class UnknownEnvironmentError(MarketctlError):
    """``--env`` names an environment without a file in ``markets/_environments/``."""
