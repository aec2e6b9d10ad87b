"""NACHA record layouts and code lists: the facts the reader checks and the writer follows.

Positions are 1-based and inclusive, as in the NACHA Operating Rules. Kinds: ``N`` digits only,
``A`` any printable text, ``D`` a YYMMDD date, ``B`` blank (reserved), ``T`` a trace number (15 digits).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from formats.fixed_width import Field as Field
from formats.fixed_width import Kind as Kind

if TYPE_CHECKING:
    import polars as pl

RECORD_LENGTH = 94
BLOCKING_FACTOR = 10
PADDING = "9" * RECORD_LENGTH


def _layout(*fields: Field) -> dict[str, Field]:
    return {f.name: f for f in fields}


FILE_HEADER = _layout(
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

BATCH_HEADER = _layout(
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

ENTRY = _layout(
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
)

ADDENDA_05 = _layout(
    Field("addenda_type", 2, 3, "N"),
    Field("payment_info", 4, 83, optional=True),
    Field("addenda_sequence", 84, 87, "N"),
    Field("entry_sequence", 88, 94, "N"),
)

ADDENDA_98 = _layout(
    Field("addenda_type", 2, 3, "N"),
    Field("change_code", 4, 6),
    Field("original_trace", 7, 21, "T"),
    Field("reserved_1", 22, 27, "B"),
    Field("original_rdfi", 28, 35, "N"),
    Field("corrected_data", 36, 64, sensitive=True),
    Field("reserved_2", 65, 79, "B"),
    Field("trace", 80, 94, "T"),
)

ADDENDA_99 = _layout(
    Field("addenda_type", 2, 3, "N"),
    Field("return_code", 4, 6),
    Field("original_trace", 7, 21, "T"),
    Field("date_of_death", 22, 27, "D", optional=True),
    Field("original_rdfi", 28, 35, "N"),
    Field("addenda_info", 36, 79, optional=True),
    Field("trace", 80, 94, "T"),
)

# Dishonored returns (the ODFI refuses the RDFI's return) and contested dishonored returns (the RDFI
# contests that refusal) reuse addenda 99 with their own layout.
ADDENDA_99_DISHONORED = _layout(
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
)

ADDENDA_99_CONTESTED = _layout(
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
)

BATCH_CONTROL = _layout(
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

FILE_CONTROL = _layout(
    Field("batch_count", 2, 7, "N"),
    Field("block_count", 8, 13, "N"),
    Field("entry_addenda_count", 14, 21, "N"),
    Field("entry_hash", 22, 31, "N"),
    Field("total_debit", 32, 43, "N"),
    Field("total_credit", 44, 55, "N"),
    Field("reserved_1", 56, 94, "B"),
)

RECORD_NAMES = {
    "1": "file header",
    "5": "batch header",
    "6": "entry detail",
    "7": "addenda",
    "8": "batch control",
    "9": "file control",
}

SERVICE_CLASSES = {
    "200": "mixed debits and credits",
    "220": "credits only",
    "225": "debits only",
    "280": "ACH advices",
}

# Second digit 1-4: credit, 5-9: debit. Prenotes (3, 8) and zero-dollar entries (4, 9) carry no money.
TRANSACTION_CODES = frozenset(
    {21, 22, 23, 24, 26, 27, 28, 29, 31, 32, 33, 34, 36, 37, 38, 39}
    | {41, 42, 43, 44, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56}
)
ZERO_AMOUNT_CODES = frozenset(c for c in TRANSACTION_CODES if c % 10 in (3, 4, 8, 9))

DISHONORED_CODES = frozenset({"R61", "R62", "R67", "R68", "R69", "R70"})
CONTESTED_CODES = frozenset({"R71", "R72", "R73", "R74", "R75", "R76", "R77"})

RETURN_CODES = {
    "R01": "insufficient funds",
    "R02": "account closed",
    "R03": "no account / unable to locate account",
    "R04": "invalid account number structure",
    "R05": "unauthorized debit to consumer account using corporate SEC code",
    "R06": "returned per ODFI's request",
    "R07": "authorization revoked by customer",
    "R08": "payment stopped",
    "R09": "uncollected funds",
    "R10": "customer advises originator is not known or not authorized",
    "R11": "customer advises entry not in accordance with the terms of the authorization",
    "R12": "account sold to another DFI",
    "R13": "invalid ACH routing number",
    "R14": "representative payee deceased or unable to continue",
    "R15": "beneficiary or account holder deceased",
    "R16": "account frozen / entry returned per OFAC instruction",
    "R17": "file record edit criteria / questionable entry",
    "R18": "improper effective entry date",
    "R19": "amount field error",
    "R20": "non-transaction account",
    "R21": "invalid company identification",
    "R22": "invalid individual ID number",
    "R23": "credit entry refused by receiver",
    "R24": "duplicate entry",
    "R25": "addenda error",
    "R26": "mandatory field error",
    "R27": "trace number error",
    "R28": "routing number check digit error",
    "R29": "corporate customer advises not authorized",
    "R30": "RDFI not participant in check truncation program",
    "R31": "permissible return entry (CCD and CTX only)",
    "R32": "RDFI non-settlement",
    "R33": "return of XCK entry",
    "R34": "limited participation DFI",
    "R35": "return of improper debit entry",
    "R36": "return of improper credit entry",
    "R37": "source document presented for payment",
    "R38": "stop payment on source document",
    "R39": "improper source document / source document presented for payment",
    "R40": "return of ENR entry by federal government agency",
    "R41": "invalid transaction code (ENR)",
    "R42": "routing number / check digit error (ENR)",
    "R43": "invalid DFI account number (ENR)",
    "R44": "invalid individual ID number / identification number (ENR)",
    "R45": "invalid individual name / company name (ENR)",
    "R46": "invalid representative payee indicator (ENR)",
    "R47": "duplicate enrollment (ENR)",
    "R50": "state law affecting RCK acceptance",
    "R51": "item related to RCK entry is ineligible or RCK entry is improper",
    "R52": "stop payment on item related to RCK entry",
    "R53": "item and RCK entry presented for payment",
    "R61": "misrouted return",
    "R62": "return of erroneous or reversing debit",
    "R67": "duplicate return",
    "R68": "untimely return",
    "R69": "field error(s)",
    "R70": "permissible return entry not accepted / return not requested by ODFI",
    "R71": "misrouted dishonored return",
    "R72": "untimely dishonored return",
    "R73": "timely original return",
    "R74": "corrected return",
    "R75": "return not a duplicate",
    "R76": "no errors found",
    "R77": "non-acceptance of R62 dishonored return",
    "R80": "IAT entry coding error",
    "R81": "non-participant in IAT program",
    "R82": "invalid foreign receiving DFI identification",
    "R83": "foreign receiving DFI unable to settle",
    "R84": "entry not processed by gateway",
    "R85": "incorrectly coded outbound international payment",
}

CHANGE_CODES = {
    "C01": "incorrect DFI account number",
    "C02": "incorrect routing number",
    "C03": "incorrect routing number and DFI account number",
    "C04": "incorrect individual name / receiving company name",
    "C05": "incorrect transaction code",
    "C06": "incorrect DFI account number and transaction code",
    "C07": "incorrect routing number, DFI account number and transaction code",
    "C08": "incorrect receiving DFI identification (IAT only)",
    "C09": "incorrect individual identification number",
    "C10": "incorrect company name",
    "C11": "incorrect company identification",
    "C12": "incorrect company name and company identification",
    "C13": "addenda format error",
    "C14": "incorrect SEC code for outbound international payment",
    "C61": "misrouted notification of change",
    "C62": "incorrect trace number",
    "C63": "incorrect company identification number",
    "C64": "incorrect individual identification number / identification number",
    "C65": "incorrectly formatted corrected data",
    "C66": "incorrect discretionary data",
    "C67": "routing number not from original entry detail record",
    "C68": "DFI account number not from original entry detail record",
    "C69": "incorrect transaction code",
}


def addenda_99_layout(return_code: str) -> dict[str, Field]:
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


def is_debit(transaction_code: int) -> bool:
    return transaction_code % 10 >= 5
