"""NACHA code lists: service classes, transaction codes (which are debits, which carry no money),
and the return and change codes with their meanings."""

from __future__ import annotations

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


def is_debit(transaction_code: int) -> bool:
    return transaction_code % 10 >= 5
