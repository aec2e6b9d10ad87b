"""The row-line convention: every table of rows read from a file carries each row's 1-based physical
line number in the source file in the column ``LINE``, from the reader through validation and
mapping to delivery, so every problem and every delivered transaction names its line."""

from __future__ import annotations

LINE = "_line"
