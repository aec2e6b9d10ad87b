"""The hub's one exception tree.

Every error the hub raises is a ``HubError``. Errors are grouped by the phase that raised them
(config, connector, parse, validation, mapping, delivery) and by what to do next:

- ``Retryable``: the same call may succeed later (a dropped connection, a locked database).
- ``Rejected``: the input is wrong; retrying it unchanged gives the same answer. Fix it and reprocess.

Third-party exceptions (OS, polars, SQLAlchemy, paramiko) are translated into this tree at the
module boundary that calls them, so callers and the CLI only ever catch ``HubError``.
"""

from __future__ import annotations

from dataclasses import dataclass


class HubError(Exception):
    """Root of every error the hub raises on purpose. ``hint`` is the operator's obvious next
    action, when there is one (shown under the error, and as ``"hint"`` in ``--json``)."""

    hint: str | None = None

    def __init__(self, *args: object, hint: str | None = None) -> None:
        super().__init__(*args)
        if hint is not None:
            self.hint = hint


def os_reason(exc: OSError) -> str:
    """The operating system's reason for an ``OSError``, as a message should end: its text when it
    has one (``No space left on device``), else what the error says of itself, never ``None``."""
    return exc.strerror or str(exc) or type(exc).__name__


class Retryable(HubError):
    """Next action: retry later; nothing is wrong with the input."""


class Rejected(HubError):
    """Next action: fix the input (or the configuration) and reprocess."""


# -- configuration ------------------------------------------------------------------------------


class ConfigError(Rejected):
    """The configuration is invalid; reported with its key path before anything runs."""


class SecretMissing(ConfigError):
    """A secret named by the configuration (environment variable or file) is not available."""


# -- connectors ---------------------------------------------------------------------------------


class ConnectorError(HubError):
    """Moving bytes to or from a partner failed."""


class ConnectorRetryable(ConnectorError, Retryable):
    """A transient transport failure (timeout, reset): retry with backoff."""


class ConnectorFatal(ConnectorError, Rejected):
    """A failure retrying cannot fix (authentication, host key, permissions, hostile file name)."""


class StillChanging(ConnectorError, Retryable):
    """The file changed between listing and download: not complete after all. It is left where it
    is, not retried now, and taken on a later look."""


class HostKeyRefused(ConnectorFatal):
    """The server's host key is not the one pinned for the partner (unknown or changed)."""


class RefusedName(ConnectorFatal):
    """A remote file name that could escape a folder or fool a terminal; the file is not taken."""


# -- ledger -------------------------------------------------------------------------------------


class LedgerError(HubError):
    """The ledger database could not be used."""


class LedgerBusy(LedgerError, Retryable):
    """The ledger is locked by another process; retry."""

    hint = "another hub process held the ledger too long; retry when it is done"


# -- parsing and validation ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Position:
    """Where in a file a problem sits. ``line`` is 1-based; ``column`` is a field name or a 1-based
    character position."""

    file: str
    line: int | None = None
    column: str | None = None


class ParseError(Rejected):
    """The bytes cannot be read as the exchange's format (file-level)."""

    def __init__(
        self,
        message: str,
        *,
        file: str,
        line: int | None,
        column: str | None,
        rule: str,
        value: str | None = None,
    ) -> None:
        self.position = Position(file, line, column)
        self.rule = rule
        self.value = value
        self.detail = message
        where = file if line is None else f"{file}, line {line}"
        if column is not None:
            where += f", {column}"
        shown = "" if value is None else f" (value {value!r})"
        super().__init__(f"{where}: {message} [rule {rule}]{shown}")


class ValidationFailed(Rejected):
    """Rows broke the exchange's rules; the problems are in the ledger and the error report."""


class MappingError(Rejected):
    """Valid rows could not be turned into CIS transactions (e.g. a missing crosswalk entry)."""


# -- delivery -----------------------------------------------------------------------------------


class DeliveryError(HubError):
    """Writing the CIS batch or the partner file failed."""


class DeliveryRetryable(DeliveryError, Retryable):
    """The destination is temporarily unavailable (disk full, folder locked); retry."""


class AlreadyDelivered(DeliveryError, Rejected):
    """An idempotency key the ledger already holds was about to be delivered again."""


# -- OpenPGP ------------------------------------------------------------------------------------


class KeyUnusable(DeliveryError, Rejected):
    """A pinned OpenPGP key is not in the hub's keyring, or is expired or revoked: the partner's
    file is refused (nothing kept or sent); import a good key and reprocess."""


class OpenPgpFailed(DeliveryRetryable):
    """GnuPG could not finish (agent not answering, process killed): nothing was kept; retry."""


# -- operator commands --------------------------------------------------------------------------


class NotFound(HubError):
    """An operator named a file, exchange or path that does not exist."""


class UsageError(NotFound):
    """An operator command was called in a way that cannot work (exit code 2)."""
