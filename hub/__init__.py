"""Utility Exchange Hub: the core (configuration, pipeline, ledger, CIS contract, CLI)."""

from __future__ import annotations

__version__ = "0.1.0"
