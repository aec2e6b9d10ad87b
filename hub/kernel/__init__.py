"""The kernel: what plug-ins (formats, mappings, connectors) may import from the hub.

The exception tree (``errors``), problems found in files (``problems``), the row-line convention
(``rows``), the CIS transaction base (``transactions``), named look-ups and facts (``lookups``),
the background-thread helper (``background``) and the C library for the system calls Python has no
binding for (``libc``). Nothing here imports the engine, the ledger or any plug-in.
"""
