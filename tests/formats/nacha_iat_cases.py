"""Shared by the IAT tests: valid IAT files built with the writer (returns, a notification of change in
a COR batch of IAT indicator IATCOR, a forward entry with two 17s and five 18s) and one-entry files
whose addenda a test chooses, so each test breaks exactly one rule."""

from __future__ import annotations

from typing import Any

from formats.nacha_writer import IatBatch, IatEntry, NachaSpec, write_file
from hub.engine.sample_ach import iat_mandatory_addenda
from tests.formats.nacha_cases import CUSTOMER_BANK, EFFECTIVE, ODFI, batch, entry, noc, ret, spec

RECEIVER = "JOSEFINE TREMBLAY-OUELLETTE"  # the receiver's name (addenda 10): sensitive
RECEIVER_ID = "ACCT-0000777001"  # the receiver's identification number (addenda 15): sensitive
STREET = "4821 RUE SAINTE-CATHERINE OUEST"  # the receiver's street (addenda 15): sensitive
FOREIGN_ACCOUNT = "CA4412345678901234567890123456"  # 30 characters: longer than a domestic account
ORIGINATOR_ID = "1234567890"


def mandatory(n: int = 1, name: str = RECEIVER, receiver_id: str = RECEIVER_ID) -> list[dict[str, str]]:
    """The seven addenda 10-16 of an IAT entry, its receiver's bank named by an IBAN."""
    return iat_mandatory_addenda(f"{name} {n}", receiver_id, street=STREET, rdfi=("03", FOREIGN_ACCOUNT))


def info(text: str) -> dict[str, str]:
    """An addenda 17 (payment related information)."""
    return {"addenda_type": "17", "payment_info": text}


def correspondent(bank: str, country: str) -> dict[str, str]:
    """An addenda 18 (a foreign correspondent bank)."""
    return {
        "addenda_type": "18",
        "correspondent_name": bank,
        "correspondent_id_qualifier": "02",
        "correspondent_id": f"{bank[:4]}{country}XX",
        "correspondent_branch_country": country,
    }


def iat_entry(tc: int, cents: int, *addenda: dict[str, str], n: int = 1, **fields: Any) -> IatEntry:
    values: dict[str, Any] = {
        "routing": CUSTOMER_BANK,
        "dfi_account": f"{FOREIGN_ACCOUNT[:-3]}{n:03d}",
        **fields,
    }
    return IatEntry(tc, amount_cents=cents, addenda=list(addenda), **values)


def iat_batch(entries: list[IatEntry], **fields: Any) -> IatBatch:
    values: dict[str, Any] = {
        "originator_id": ORIGINATOR_ID,
        "entry_description": "UTIL PYMT",
        "effective_date": EFFECTIVE,
        "odfi": ODFI,
        "destination_country": "CA",
        "originating_currency": "USD",
        "destination_currency": "CAD",
        "foreign_exchange_indicator": "FV",
        **fields,
    }
    return IatBatch(entries=entries, **values)


def iat_spec() -> NachaSpec:
    """Lines: 2 an IAT batch header; 3 an R01 entry, 4-10 its addenda 10-16, 11 its 99; 12 an R03
    entry (12-20); 21 the control. 22 a COR/IATCOR batch header, 23 a C01 entry, 24-30 its 10-16, 31
    its 98, 32 the control. 33 a forward IAT batch: 34 a debit, 35-41 its 10-16, 42-43 two 17s, 44-48
    five 18s, 49 the control. 50 the file control."""
    banks = [
        ("DEUTSCHE", "DE"),
        ("SANTANDER", "ES"),
        ("PARIBAS", "FR"),
        ("GARANTI", "TR"),
        ("BARCLAYS", "GB"),
    ]
    return spec(
        iat_batch(
            [
                iat_entry(26, 12_345, *mandatory(1), ret("R01", 1), n=1, dfi_account=FOREIGN_ACCOUNT),
                iat_entry(26, 9_999, *mandatory(2), ret("R03", 2), n=2, ofac_screening="0"),
            ]
        ),
        iat_batch(
            [iat_entry(21, 0, *mandatory(3), noc("C01", 3), n=3)], sec_code="COR", iat_indicator="IATCOR"
        ),
        iat_batch(
            [
                iat_entry(
                    27,
                    50_000,
                    *mandatory(4),
                    info("INVOICE 2001"),
                    info("SECOND LINE"),
                    *(correspondent(b, c) for b, c in banks),
                    n=4,
                    secondary_ofac_screening="1",
                )
            ],
            foreign_exchange_indicator="FF",
            destination_currency="USD",
        ),
    )


def iat_file() -> bytes:
    return write_file(iat_spec())


def one(*addenda: dict[str, str], tc: int = 26, cents: int = 12_345, **fields: Any) -> bytes:
    """One IAT batch of one entry with these addenda (default: a return). Lines: 1 file header, 2
    batch header, 3 entry, 4 on its addenda, then the batch control and the file control."""
    chosen = list(addenda) or [*mandatory(), ret("R01", 1)]
    return write_file(spec(iat_batch([iat_entry(tc, cents, *chosen, **fields)])))


def domestic_with(*addenda: dict[str, str]) -> bytes:
    """One PPD batch of one debit with these addenda (line 3 the entry, 4 on its addenda)."""
    return write_file(spec(batch("PPD", [entry(27, 100, *addenda)])))
