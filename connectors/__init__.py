"""Connectors: how bytes arrive and leave. One module per transport behind ``connectors.base``."""

from __future__ import annotations
