"""NACHA IAT (international ACH) records, declared like the domestic ones (``formats.nacha_layout``):
the IAT batch header, the IAT entry detail, the seven mandatory addenda 10-16, the optional 17
(payment information, up to 2) and 18 (foreign correspondent banks, up to 5), and the addenda 99 of
an IAT return; and the layout keys that send the records of an IAT batch to them.

An IAT batch is one whose header says SEC code IAT, or, for notifications of change of IAT entries,
SEC code COR with "IATCOR" in its IAT indicator (positions 5-10). Its entries and addenda take the IAT
layouts: ``6IAT`` and ``I10`` ... ``I18``, ``I99``; an IAT NOC's addenda 98 and a dishonored or
contested return's 99 keep the domestic layouts (``98``, ``99D``, ``99C``). An addenda type IAT entries
do not carry gets ``I`` + its type, a key no layout has.

The receiver's and originator's names and addresses, the foreign account number and the DFI
identifications (which may be an IBAN) are sensitive: masked wherever a value is shown. Positions
follow the NACHA Operating Rules (Appendix Three, IAT) as moov-io/ach and dwilkins/nacha implement them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from formats.fixed_width.layout import Field, Record
from formats.nacha_codes import CONTESTED_CODES, DISHONORED_CODES
from formats.nacha_layout import ADDENDA_98, addenda_99_layout, nacha_record

if TYPE_CHECKING:
    import polars as pl

IAT_BATCH_HEADER = nacha_record(
    "5",
    "IAT batch header",
    Field("service_class", 2, 4, "N"),
    Field("iat_indicator", 5, 20, optional=True),  # blank; "IATCOR" for notifications of change
    Field("foreign_exchange_indicator", 21, 22, "X"),
    Field("foreign_exchange_reference_indicator", 23, 23, "R"),
    Field("foreign_exchange_reference", 24, 38, optional=True),
    Field("destination_country", 39, 40, "I"),
    Field("originator_id", 41, 50),  # what the batch control repeats as its company id
    Field("sec_code", 51, 53),
    Field("entry_description", 54, 63),
    Field("originating_currency", 64, 66, "I"),
    Field("destination_currency", 67, 69, "I"),
    Field("effective_date", 70, 75, "D", optional=True),
    Field("settlement_date", 76, 78, optional=True),
    Field("originator_status", 79, 79),
    Field("odfi", 80, 87, "N"),  # inbound: the U.S. gateway operator
    Field("batch_number", 88, 94, "N"),
)

IAT_ENTRY = nacha_record(
    "6",
    "IAT entry detail",
    Field("transaction_code", 2, 3, "N"),
    Field("rdfi", 4, 11, "N"),  # outbound: the gateway operator
    Field("check_digit", 12, 12, "N"),
    Field("addenda_records", 13, 16, "N"),  # how many IAT addenda (10-18) the entry carries
    Field("reserved_1", 17, 29, "B"),
    Field("amount", 30, 39, "N"),
    Field("dfi_account", 40, 74, sensitive=True),  # the foreign receiver's account number
    Field("reserved_2", 75, 76, "B"),
    Field("ofac_screening", 77, 77, "O", optional=True),
    Field("secondary_ofac_screening", 78, 78, "O", optional=True),
    Field("addenda_indicator", 79, 79, "N"),
    Field("trace", 80, 94, "T"),
    level="row",
)

_TYPE = Field("addenda_type", 2, 3, "N")
_ENTRY_SEQUENCE = Field("entry_sequence", 88, 94, "N")  # the last seven digits of the entry's trace


def _addenda(name: str, *fields: Field) -> Record:
    return nacha_record("7", name, _TYPE, *fields, level="row")


def _bank(name: str, prefix: str, reserved_end: int, *after: Field) -> Record:
    """Addenda 13, 14 and 18 name a bank the same way: name, qualifier, identification, country."""
    return _addenda(
        name,
        Field(f"{prefix}_name", 4, 38),
        Field(f"{prefix}_id_qualifier", 39, 40, "Q"),
        Field(f"{prefix}_id", 41, 74, sensitive=True),  # may be an IBAN
        Field(f"{prefix}_branch_country", 75, 77),
        Field("reserved_1", 78, reserved_end, "B"),
        *after,
        _ENTRY_SEQUENCE,
    )


ADDENDA_10 = _addenda(
    "addenda 10 (IAT receiver and payment)",
    Field("transaction_type", 4, 6, "Y"),
    Field("foreign_payment_amount", 7, 24, "N", optional=True),  # inbound: may be blank
    Field("foreign_trace", 25, 46, optional=True),
    Field("receiver_name", 47, 81, sensitive=True),
    Field("reserved_1", 82, 87, "B"),
    _ENTRY_SEQUENCE,
)


def _name_and_place(name: str, first: str, second: str) -> Record:
    """Addenda 11, 12 and 16: two 35-character parts of a name and address."""
    return _addenda(
        name,
        Field(first, 4, 38, sensitive=True),
        Field(second, 39, 73, sensitive=True),
        Field("reserved_1", 74, 87, "B"),
        _ENTRY_SEQUENCE,
    )


ADDENDA_11 = _name_and_place("addenda 11 (IAT originator)", "originator_name", "originator_street")
ADDENDA_12 = _name_and_place(
    "addenda 12 (IAT originator's place)", "originator_city_state", "originator_country_postal"
)
ADDENDA_13 = _bank("addenda 13 (IAT originating DFI)", "odfi", 87)
ADDENDA_14 = _bank("addenda 14 (IAT receiving DFI)", "rdfi", 87)
ADDENDA_15 = _addenda(
    "addenda 15 (IAT receiver)",
    Field("receiver_id", 4, 18, optional=True, sensitive=True),  # the receiver's number at the originator
    Field("receiver_street", 19, 53, sensitive=True),
    Field("reserved_1", 54, 87, "B"),
    _ENTRY_SEQUENCE,
)
ADDENDA_16 = _name_and_place(
    "addenda 16 (IAT receiver's place)", "receiver_city_state", "receiver_country_postal"
)
ADDENDA_17 = _addenda(
    "addenda 17 (IAT payment information)",
    Field("payment_info", 4, 83, optional=True),
    Field("addenda_sequence", 84, 87, "N"),
    _ENTRY_SEQUENCE,
)
ADDENDA_18 = _bank(
    "addenda 18 (IAT foreign correspondent bank)",
    "correspondent",
    83,
    Field("addenda_sequence", 84, 87, "N"),
)

# An IAT return carries the original forward entry's amount where a domestic one has its information.
ADDENDA_99_IAT = _addenda(
    "addenda 99 (IAT return)",
    Field("return_code", 4, 6),
    Field("original_trace", 7, 21, "T"),
    Field("date_of_death", 22, 27, "D", optional=True),
    Field("original_rdfi", 28, 35, "N"),
    Field("original_amount", 36, 45, "N"),
    Field("addenda_info", 46, 79, optional=True),
    Field("trace", 80, 94, "T"),
)

IAT_ADDENDA = {
    "I10": ADDENDA_10,
    "I11": ADDENDA_11,
    "I12": ADDENDA_12,
    "I13": ADDENDA_13,
    "I14": ADDENDA_14,
    "I15": ADDENDA_15,
    "I16": ADDENDA_16,
    "I17": ADDENDA_17,
    "I18": ADDENDA_18,
    "I99": ADDENDA_99_IAT,
}
IAT_LAYOUTS = {"5IAT": IAT_BATCH_HEADER, "6IAT": IAT_ENTRY, **IAT_ADDENDA}
MANDATORY = tuple(f"I{n}" for n in range(10, 17))  # each once, in this order
OPTIONAL_MOST = {"I17": 2, "I18": 5}  # after the mandatory ones, 17s before 18s


def is_iat_header(rec: pl.Expr) -> pl.Expr:
    """True for a batch header of an IAT batch: SEC code IAT, or COR with the IAT indicator IATCOR."""
    sec = rec.str.slice(50, 3)
    return (sec == "IAT") | ((sec == "COR") & (rec.str.slice(4, 6) == "IATCOR"))


def iat_keys(frame: pl.DataFrame) -> pl.DataFrame:
    """``layout`` (from ``formats.nacha_layout.layout_key``) with the IAT keys for the records of IAT
    batches; a file without an IAT batch header comes back as it is."""
    import polars as pl

    heads = frame.filter(pl.col("kind") == "5").filter((pl.col("batch") >= 0) & is_iat_header(pl.col("rec")))
    if heads.is_empty():
        return frame
    kind, layout = pl.col("kind"), pl.col("layout")
    return frame.with_columns(
        pl.when(~pl.col("batch").is_in(heads.get_column("batch").implode()))
        .then(layout)
        .when(kind == "5")
        .then(pl.lit("5IAT"))
        .when(kind == "6")
        .then(pl.lit("6IAT"))
        .when((kind == "7") & ~layout.is_in(["98", "99D", "99C"]))
        .then(pl.lit("I") + pl.col("rec").str.slice(1, 2))
        .otherwise(layout)
        .alias("layout")
    )


def iat_addenda_layout(values: dict[str, str]) -> Record:
    """The layout of an IAT entry's addenda (``addenda_type`` "10" ... "18", "98" or "99"); KeyError
    for a type IAT entries do not carry."""
    kind = values["addenda_type"]
    code = values.get("return_code", "")
    if kind == "98":
        return ADDENDA_98
    if kind == "99" and (code in DISHONORED_CODES or code in CONTESTED_CODES):
        return addenda_99_layout(code)
    return IAT_ADDENDA[f"I{kind}"]
