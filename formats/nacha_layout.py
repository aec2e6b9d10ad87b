"""NACHA record layouts, record order and routing numbers: the facts the reader checks and the writer
follows, declared with the fixed-width engine (``formats.fixed_width``); the code lists are in
``formats.nacha_codes``.

Positions are 1-based and inclusive, as in the NACHA Operating Rules. Every record is 94 characters
and every position is in a field. Kinds: ``N`` digits only, ``A`` any printable text, ``D`` a YYMMDD
date, ``B`` blank (reserved), ``T`` a trace number (15 digits); and for IAT records
(``formats.nacha_iat_layout``): ``I`` an ISO country or currency code (capital letters filling the
field), ``X`` a foreign exchange indicator (FV, VF, FF), ``R`` a foreign exchange reference indicator
(1, 2, 3), ``Q`` an identification number qualifier (01, 02, 03), ``O`` an OFAC screening indicator
(0, 1) and ``Y`` an IAT transaction type code (ANN, BUS, ...).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from formats.fixed_width.kinds import BLANK, DIGITS, TEXT, date_kind, kinds, pattern_kind
from formats.fixed_width.layout import Field, Kind, Level, Record
from formats.fixed_width.order import FILLER, Grammar, Group, Step
from formats.nacha_codes import CONTESTED_CODES, DISHONORED_CODES

if TYPE_CHECKING:
    import polars as pl

RECORD_LENGTH = 94
BLOCKING_FACTOR = 10
PADDING = "9" * RECORD_LENGTH

# The transaction type codes of an IAT entry's first addenda (10): what the payment is for.
IAT_TRANSACTION_TYPES = (
    *("ANN", "BUS", "DEP", "LOA", "MIS", "MOR", "PEN", "RLS", "REM", "SAL", "TAX"),
    *("TEL", "WEB", "ARC", "BOC", "POP", "RCK"),
)

KINDS = kinds(
    replace(DIGITS, expected=lambda f: f"must be {f.width} digits"),  # NACHA's reports say "1 digits"
    TEXT,
    BLANK,
    date_kind("D", "%y%m%d"),
    pattern_kind("T", r"^[0-9]{15}$", "must be a 15-digit trace number", numeric=True),
    Kind(
        "I",
        lambda col, f: ~col.str.contains(f"^[A-Z]{{{f.width}}}$"),
        lambda f: f"must be a {f.width}-letter ISO code in capitals",
    ),
    pattern_kind("X", "^(FV|VF|FF)$", "must be FV, VF or FF"),
    pattern_kind("R", "^[123]$", "must be 1, 2 or 3"),
    pattern_kind("Q", "^0[123]$", "must be 01, 02 or 03"),
    pattern_kind("O", "^[01]$", "must be 0 or 1 when present"),
    pattern_kind(
        "Y", f"^({'|'.join(IAT_TRANSACTION_TYPES)})$", f"must be one of {', '.join(IAT_TRANSACTION_TYPES)}"
    ),
)


def nacha_record(kind: str, name: str, *fields: Field, level: Level = "file") -> Record:
    """A 94-character NACHA record of NACHA's kinds."""
    return Record(kind, name, fields, KINDS, record_length=RECORD_LENGTH, level=level)


FILE_HEADER = nacha_record(
    "1",
    "file header",
    Field("priority_code", 2, 3, "N"),
    Field("immediate_destination", 4, 13),
    Field("immediate_origin", 14, 23),
    Field("file_creation_date", 24, 29, "D"),
    Field("file_creation_time", 30, 33, "N", optional=True),
    Field("file_id_modifier", 34, 34),
    Field("record_size", 35, 37, "N"),
    Field("blocking_factor", 38, 39, "N"),
    Field("format_code", 40, 40, "N"),
    Field("destination_name", 41, 63, optional=True),
    Field("origin_name", 64, 86, optional=True),
    Field("reference_code", 87, 94, optional=True),
)

BATCH_HEADER = nacha_record(
    "5",
    "batch header",
    Field("service_class", 2, 4, "N"),
    Field("company_name", 5, 20),
    Field("company_discretionary", 21, 40, optional=True),
    Field("company_id", 41, 50),
    Field("sec_code", 51, 53),
    Field("entry_description", 54, 63),
    Field("descriptive_date", 64, 69, optional=True),
    Field("effective_date", 70, 75, "D", optional=True),
    Field("settlement_date", 76, 78, optional=True),
    Field("originator_status", 79, 79),
    Field("odfi", 80, 87, "N"),
    Field("batch_number", 88, 94, "N"),
)

ENTRY = nacha_record(
    "6",
    "entry detail",
    Field("transaction_code", 2, 3, "N"),
    Field("rdfi", 4, 11, "N"),
    Field("check_digit", 12, 12, "N"),
    Field("dfi_account", 13, 29, sensitive=True),
    Field("amount", 30, 39, "N"),
    Field("individual_id", 40, 54, optional=True, sensitive=True),
    Field("individual_name", 55, 76, optional=True),
    Field("discretionary", 77, 78, optional=True),
    Field("addenda_indicator", 79, 79, "N"),
    Field("trace", 80, 94, "T"),
    level="row",
)

ADDENDA_05 = nacha_record(
    "7",
    "addenda 05",
    Field("addenda_type", 2, 3, "N"),
    Field("payment_info", 4, 83, optional=True),
    Field("addenda_sequence", 84, 87, "N"),
    Field("entry_sequence", 88, 94, "N"),
    level="row",
)

ADDENDA_98 = nacha_record(
    "7",
    "addenda 98 (notification of change)",
    Field("addenda_type", 2, 3, "N"),
    Field("change_code", 4, 6),
    Field("original_trace", 7, 21, "T"),
    Field("reserved_1", 22, 27, "B"),
    Field("original_rdfi", 28, 35, "N"),
    Field("corrected_data", 36, 64, sensitive=True),
    Field("reserved_2", 65, 79, "B"),
    Field("trace", 80, 94, "T"),
    level="row",
)

ADDENDA_99 = nacha_record(
    "7",
    "addenda 99 (return)",
    Field("addenda_type", 2, 3, "N"),
    Field("return_code", 4, 6),
    Field("original_trace", 7, 21, "T"),
    Field("date_of_death", 22, 27, "D", optional=True),
    Field("original_rdfi", 28, 35, "N"),
    Field("addenda_info", 36, 79, optional=True),
    Field("trace", 80, 94, "T"),
    level="row",
)

# Dishonored returns (the ODFI refuses the RDFI's return) and contested dishonored returns (the RDFI
# contests that refusal) reuse addenda 99 with their own layout.
ADDENDA_99_DISHONORED = nacha_record(
    "7",
    "addenda 99 (dishonored return)",
    Field("addenda_type", 2, 3, "N"),
    Field("return_code", 4, 6),
    Field("original_trace", 7, 21, "T"),
    Field("reserved_1", 22, 27, "B"),
    Field("original_rdfi", 28, 35, "N"),
    Field("reserved_2", 36, 38, "B"),
    Field("return_trace", 39, 53, "T"),
    Field("return_settlement_date", 54, 56, "N", optional=True),
    Field("return_reason_code", 57, 58, "N"),
    Field("addenda_info", 59, 79, optional=True),
    Field("trace", 80, 94, "T"),
    level="row",
)

ADDENDA_99_CONTESTED = nacha_record(
    "7",
    "addenda 99 (contested dishonored return)",
    Field("addenda_type", 2, 3, "N"),
    Field("return_code", 4, 6),
    Field("original_trace", 7, 21, "T"),
    Field("date_original_returned", 22, 27, "D"),
    Field("original_rdfi", 28, 35, "N"),
    Field("original_settlement_date", 36, 38, "N", optional=True),
    Field("return_trace", 39, 53, "T"),
    Field("return_settlement_date", 54, 56, "N", optional=True),
    Field("return_reason_code", 57, 58, "N"),
    Field("dishonored_return_trace", 59, 73, "T"),
    Field("dishonored_return_settlement_date", 74, 76, "N", optional=True),
    Field("dishonored_return_reason_code", 77, 78, "N"),
    Field("reserved_1", 79, 79, "B"),
    Field("trace", 80, 94, "T"),
    level="row",
)

BATCH_CONTROL = nacha_record(
    "8",
    "batch control",
    Field("service_class", 2, 4, "N"),
    Field("entry_addenda_count", 5, 10, "N"),
    Field("entry_hash", 11, 20, "N"),
    Field("total_debit", 21, 32, "N"),
    Field("total_credit", 33, 44, "N"),
    Field("company_id", 45, 54),
    Field("message_authentication", 55, 73, optional=True),
    Field("reserved_1", 74, 79, "B"),
    Field("odfi", 80, 87, "N"),
    Field("batch_number", 88, 94, "N"),
)

FILE_CONTROL = nacha_record(
    "9",
    "file control",
    Field("batch_count", 2, 7, "N"),
    Field("block_count", 8, 13, "N"),
    Field("entry_addenda_count", 14, 21, "N"),
    Field("entry_hash", 22, 31, "N"),
    Field("total_debit", 32, 43, "N"),
    Field("total_credit", 44, 55, "N"),
    Field("reserved_1", 56, 94, "B"),
)

# Each record's layout by its key: the record type, or for addenda (7) the addenda type and the
# return-code variant (``layout_key``).
LAYOUTS = {
    "1": FILE_HEADER,
    "5": BATCH_HEADER,
    "6": ENTRY,
    "8": BATCH_CONTROL,
    "9": FILE_CONTROL,
    "05": ADDENDA_05,
    "98": ADDENDA_98,
    "99": ADDENDA_99,
    "99D": ADDENDA_99_DISHONORED,
    "99C": ADDENDA_99_CONTESTED,
}

# The keys of return and notification-of-change addenda (an IAT return's is ``I99``): one per entry.
RETURN_ADDENDA = ("98", "99", "99D", "99C", "I99")

RECORD_NAMES = {
    "1": "file header",
    "5": "batch header",
    "6": "entry detail",
    "7": "addenda",
    "8": "batch control",
    "9": "file control",
}


def _misplaced(s: Step) -> str:
    """Why a record cannot come where it stands."""
    name = RECORD_NAMES[s.kind]
    if s.after:
        return f"{name} record after the {'9-padding' if s.after == FILLER else 'file control'} record"
    if s.kind in "59" and "batch" in s.open and s.prev in "67":
        return f"{name} record before the open batch's control record"
    if s.prev == "":
        return f"the file does not start with a file header record (its first record is a {name} record)"
    if s.kind == "8" and s.prev == "5":
        return "batch has no entry detail records"
    if s.kind == "1" and "1" in s.seen:
        return "a second file header record"
    if s.kind in "67" and s.prev in "18":
        return f"{name} record outside a batch (after the {RECORD_NAMES[s.prev]} record)"
    return f"{name} record cannot follow {RECORD_NAMES[s.prev]} record"


# A file header; batches of a header, entries each followed by its addenda, and a control; the file
# control; then 9-padding to a multiple of ten records (checked apart). An entry or addenda outside a
# batch is in no batch (its addenda still follow it); a record after the file control is in none.
ORDER = Grammar(
    follows={
        "1": {""},
        "5": {"1", "8"},
        "6": {"5", "6", "7"},
        "7": {"6", "7"},
        "8": {"6", "7"},
        "9": {"1", "8"},
    },
    groups=(Group("batch", opens="5", joins="8", ends="8"), Group("entry", opens="6", joins="7")),
    within={"6": "batch", "7": "batch"},
    last="9",
    filler=PADDING,
    unknown="unknown record type {kind!r} (expected 1, 5, 6, 7, 8, 9)",
    misplaced=_misplaced,
    missing_first="the file has no file header record",
    missing_last="the file has no file control record",
)


def layout_key(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``layout``: the record type, or for addenda the addenda type (and return-code variant)."""
    import polars as pl

    addenda = pl.col("rec").str.slice(1, 2)
    code = pl.col("rec").str.slice(3, 3)
    return frame.with_columns(
        pl.when(pl.col("kind") != "7")
        .then(pl.col("kind"))
        .when((addenda == "99") & code.is_in(list(DISHONORED_CODES)))
        .then(pl.lit("99D"))
        .when((addenda == "99") & code.is_in(list(CONTESTED_CODES)))
        .then(pl.lit("99C"))
        .otherwise(addenda)
        .alias("layout")
    )


def addenda_99_layout(return_code: str) -> Record:
    """The addenda 99 layout that a return code uses."""
    if return_code in DISHONORED_CODES:
        return ADDENDA_99_DISHONORED
    if return_code in CONTESTED_CODES:
        return ADDENDA_99_CONTESTED
    return ADDENDA_99


ROUTING_WEIGHTS = (3, 7, 1, 3, 7, 1, 3, 7, 1)  # ABA: the weighted sum of all nine digits is a multiple of 10


def routing_check_digit(first8: str) -> int:
    """ABA check digit of the first eight digits of a routing number."""
    total = sum(int(d) * w for d, w in zip(first8, ROUTING_WEIGHTS[:8], strict=True))
    return (10 - total % 10) % 10


def routing_ok(routing: str) -> bool:
    """Nine ASCII digits with a right check digit."""
    return (
        len(routing) == 9
        and routing.isascii()
        and routing.isdigit()
        and (routing_check_digit(routing[:8]) == int(routing[8]))
    )


def check_digit_expr(first8: pl.Expr) -> pl.Expr:
    """``routing_check_digit`` column-wise (null where a digit is not one)."""
    import polars as pl

    digits = [
        first8.str.slice(i, 1).cast(pl.Int32, strict=False) * w for i, w in enumerate(ROUTING_WEIGHTS[:8])
    ]
    return (10 - pl.sum_horizontal(digits) % 10) % 10


def routing_ok_expr(routing: pl.Expr) -> pl.Expr:
    """``routing_ok`` column-wise (False for null)."""
    import polars as pl

    last = routing.str.slice(8, 1).cast(pl.Int32, strict=False)
    nine = routing.str.contains(r"^[0-9]{9}$").fill_null(False)
    return nine & (check_digit_expr(routing.str.slice(0, 8)) == last).fill_null(False)
