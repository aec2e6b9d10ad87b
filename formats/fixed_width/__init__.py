"""The fixed-width engine that NACHA and lockbox are declared in: a format states its layouts, kinds,
tolerances and record order as data, and reads and writes through these modules.

- ``layout``: ``Field``, ``Kind``, ``Record`` (checked when built; no polars);
- ``kinds``: the shared kinds (``N``, ``A``, ``B``, dates, patterns) and what each accepts;
- ``split``: bytes -> records with their line numbers, lengths and line breaks (``Tolerances``);
- ``order``: the record order (``Grammar``) and each record's group indexes;
- ``fields``: ``cut`` and the column-wise field and character-set checks;
- ``writer``: values -> a record (``render``).

A reader is split -> order -> the format's own keys -> ``fields.check`` -> the format's own rules.
"""
