"""The kernel: what plug-ins (formats, mappings, connectors) may import from the hub.

The exception tree (``errors``), problems found in files (``problems``), the row-line convention
(``rows``), the CIS transaction base (``transactions``), named look-ups and facts (``lookups``) and
the background-thread helper (``background``). Nothing here imports the engine, the ledger or any
plug-in.
"""
