"""The operator console: a web application the hub serves itself (``hub console``), built on the
engine's public functions. Server-rendered pages, no JavaScript, no CDN."""

from __future__ import annotations
