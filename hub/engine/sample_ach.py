"""Sample autopay files: the CIS's autopay extract (``ach-debits``, outbound) and the bank's NACHA
returns of those debits (``ach-returns``), for trying the hub and for tests; ``ach_returns_nacha``
writes a returns file of any items (``AchItem``), every control computed.

The extract debits active accounts of ``hub reference sample accounts`` of the same seed, each from
a bank account of its own at one of a few real banks' routing numbers, $25.00 to $324.99, in
extract order. Originated on a fresh ledger they take the trace numbers ``09100001`` + 1, 2, …;
the returns sample of the same seed returns one debit in ten of such an extract (its trace,
account, bank account and amount), with the return codes in realistic proportions and a few
notifications of change. Optional bad rows break one rule each.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from formats.debit_extract import FIELDS as DEBIT_FIELDS
from formats.nacha_layout import routing_check_digit
from hub.engine.sample_common import GIVEN_NAMES, SURNAMES, active_accounts, pick
from hub.engine.sample_kinds import SampleFile

ODFI = "09100001"  # the default hub.yaml's originator: every trace number it gives starts so
ROUTINGS = ("231380104", "021000021", "011000015", "122000247", "071000013")  # valid check digits
BAD_DEBITS = ("routing_check_digit", "digits", "code_list", "positive", "duplicate_id")
# return codes of a day, by weight (R01 insufficient funds dominates), and the NOCs
RETURN_MIX = (("R01", 9), ("R09", 2), ("R02", 2), ("R03", 2), ("R04", 1), ("R07", 1), ("R08", 1), ("R10", 1))
NOC_CODES = ("C01", "C02", "C03", "C05")
RETURN_EVERY = 10  # one debit in ten of the extract comes back


# -- NACHA returns ----------------------------------------------------------------------------------

UTILITY_BANK = "091000019"  # the utility's bank (ODFI of its debits; the returns come back to it)
CUSTOMER_BANK = "231380104"  # the customers' bank that returns the debits


@dataclass(frozen=True)
class AchItem:
    """One entry of a sample returns file: a return (``code`` R..), a notification of change (C..,
    with ``corrected_data``), or with no code a forward debit (which a returns file must not carry).
    ``account`` is the utility's account number (the entry's individual id)."""

    code: str | None
    account: str
    amount_cents: int = 0
    original_trace: str = ""
    dfi_account: str = "000123456789"
    name: str = "CUSTOMER"
    corrected_data: str = ""
    transaction_code: int | None = None  # default: 26 (return or NOC of a checking debit), 27 forward
    addenda_fields: dict[str, str] = field(default_factory=dict)  # e.g. a dishonored return's own


def _return_addenda(item: AchItem, odfi: str) -> list[dict[str, str]]:
    """The item's addenda 99 (a return) or 98 (a notification of change); none for a forward entry."""
    if not item.code:
        return []
    if item.code.startswith("R"):
        addenda = {"addenda_type": "99", "return_code": item.code}
    else:
        addenda = {"addenda_type": "98", "change_code": item.code, "corrected_data": item.corrected_data}
    return [{**addenda, "original_trace": item.original_trace, "original_rdfi": odfi, **item.addenda_fields}]


def iat_mandatory_addenda(
    name: str, receiver_id: str, *, street: str = "9 KING ST W", rdfi: tuple[str, str] = ("02", "MAPLCATTXXX")
) -> list[dict[str, str]]:
    """The seven addenda 10-16 every IAT entry carries: the utility debiting the account of a customer
    in Canada (``receiver_id``: the utility's account number for the customer, in addenda 15; ``rdfi``:
    the qualifier and identification of the customer's bank, 02 a BIC, 03 an IBAN)."""
    return [
        {"addenda_type": "10", "transaction_type": "MIS", "receiver_name": name},
        {"addenda_type": "11", "originator_name": "CITY UTILITY", "originator_street": "100 MAIN ST"},
        {
            "addenda_type": "12",
            "originator_city_state": "SPRINGFIELD*IL\\",
            "originator_country_postal": "US*62701\\",
        },
        {
            "addenda_type": "13",
            **{"odfi_name": "FIRST UTILITY BANK", "odfi_id_qualifier": "01", "odfi_id": UTILITY_BANK},
            "odfi_branch_country": "US",
        },
        {
            "addenda_type": "14",
            **{"rdfi_name": "MAPLE BANK", "rdfi_id_qualifier": rdfi[0], "rdfi_id": rdfi[1]},
            "rdfi_branch_country": "CA",
        },
        {"addenda_type": "15", "receiver_id": receiver_id, "receiver_street": street},
        {
            "addenda_type": "16",
            "receiver_city_state": "TORONTO*ON\\",
            "receiver_country_postal": "CA*M5H1A1\\",
        },
    ]


def ach_returns_nacha(
    items: list[AchItem],
    *,
    created: datetime,
    effective: date | None = None,
    newline: str = "\n",
    iat: bool = False,
) -> bytes:
    """A returns file from the customers' bank, every control right: one PPD batch of the given items;
    with ``iat``, the returns (and forward entries) in an IAT batch and the notifications of change in
    a COR batch of IAT indicator IATCOR, each entry with its seven mandatory IAT addenda first."""
    from formats.nacha_writer import Batch, Entry, IatBatch, IatEntry, NachaSpec, write_file

    odfi = CUSTOMER_BANK[:8]
    when = effective or created.date()
    batches: list[Batch | IatBatch] = []
    if iat:
        international = IatBatch("1234567890", "UTIL PYMT", when, odfi, destination_country="CA")
        notices = IatBatch(
            "1234567890",
            "UTIL PYMT",
            when,
            odfi,
            destination_country="CA",
            sec_code="COR",
            iat_indicator="IATCOR",
        )
        for item in items:
            entry = IatEntry(
                transaction_code=item.transaction_code or (26 if item.code else 27),
                routing=UTILITY_BANK,
                dfi_account=item.dfi_account,
                amount_cents=item.amount_cents,
                addenda=[*iat_mandatory_addenda(item.name, item.account), *_return_addenda(item, odfi)],
            )
            (notices if item.code and item.code.startswith("C") else international).entries.append(entry)
        batches = [b for b in (international, notices) if b.entries]
    else:
        batch = Batch("CITY UTILITY", "1234567890", "PPD", "UTIL PYMT", when, odfi)
        batch.entries = [
            Entry(
                transaction_code=item.transaction_code or (26 if item.code else 27),
                routing=UTILITY_BANK,
                dfi_account=item.dfi_account,
                amount_cents=item.amount_cents,
                individual_id=item.account,
                individual_name=item.name,
                addenda=_return_addenda(item, odfi),
            )
            for item in items
        ]
        batches = [batch]
    spec = NachaSpec(
        immediate_destination=UTILITY_BANK,
        immediate_origin=CUSTOMER_BANK,
        destination_name="FIRST UTILITY BANK",
        origin_name="CUSTOMER SAVINGS BANK",
        created=created,
        batches=batches,
    )
    return write_file(spec, newline=newline)


def demo_ach_returns(now: datetime | None = None, *, seed: int = 1) -> bytes:
    """A realistic day of returns: insufficient funds, closed and unknown accounts, a revoked
    authorization, a code the NACHA rules do not know (R97), and two notifications of change."""
    now = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    codes = ("R01", "R01", "R02", "R03", "R09", "R07", "R97", "R08")
    items = [
        AchItem(
            code,
            account=f"{1_000_000 + seed * 131 + n * 7:010d}",
            amount_cents=2_000 + (seed * 7_919 + n * 3_571) % 30_000,
            original_trace=f"{UTILITY_BANK[:8]}{seed * 1000 + n + 1:07d}",
            dfi_account=f"{40_000_000 + seed * 17 + n * 1_009}",
            name=f"CUSTOMER {n + 1}",
        )
        for n, code in enumerate(codes)
    ]
    items += [
        AchItem(
            "C01",
            account=f"{1_000_000 + seed * 131 + 90:010d}",
            original_trace=f"{UTILITY_BANK[:8]}{seed * 1000 + 90:07d}",
            dfi_account="55501234",
            name="CUSTOMER 9",
            corrected_data="555012345",
        ),
        AchItem(
            "C03",
            account=f"{1_000_000 + seed * 131 + 91:010d}",
            original_trace=f"{UTILITY_BANK[:8]}{seed * 1000 + 91:07d}",
            dfi_account="7700112",
            name="CUSTOMER 10",
            corrected_data="021000021   770011299",
        ),
    ]
    return ach_returns_nacha(items, created=now)


def _debit(n: int, account: tuple[int, str], seed: int) -> dict[str, str]:
    """The n-th debit of the extract, on sample account ``account`` (its index and number)."""
    i, number = account
    return {
        "payment_id": f"AP-{seed}-{n + 1:06d}",
        "account": number,
        "name": f"{GIVEN_NAMES[pick(i, seed, len(GIVEN_NAMES))]} "
        f"{SURNAMES[pick(i, seed + 12, len(SURNAMES))]}",
        "routing": ROUTINGS[pick(i, seed + 51, len(ROUTINGS))],
        "dfi_account": str(10_000_000 + pick(i, seed + 52, 89_999_999)),
        "account_type": "savings" if pick(i, seed + 53, 5) == 0 else "checking",
        "amount_cents": str(2_500 + pick(n, seed + 54, 30_000)),
        "effective_date": "",
    }


def debits(rows: int, seed: int) -> list[dict[str, str]]:
    """The clean rows of the debit-extract sample."""
    return [_debit(n, account, seed) for n, account in enumerate(active_accounts(rows, seed))]


def debit_extract_sample(rows: int, *, bad: int, seed: int, today: date) -> SampleFile:
    """A CIS autopay extract of ``rows`` debits, ``bad`` of them (spread evenly) breaking a rule each:
    a routing number's check digit, a bank account with a letter, an unknown account type, a zero
    amount, a payment id sent twice."""
    found = debits(rows, seed)
    bad = min(bad, rows)
    step = max(rows // bad, 1) if bad else 0
    for k in range(bad):
        row, rule = found[k * step], BAD_DEBITS[k % len(BAD_DEBITS)]
        if rule == "routing_check_digit":
            row["routing"] = row["routing"][:8] + str((int(row["routing"][8]) + 1) % 10)
        elif rule == "digits":
            row["dfi_account"] = row["dfi_account"][:-2] + "O7"
        elif rule == "code_list":
            row["account_type"] = "loan"
        elif rule == "positive":
            row["amount_cents"] = "0"
        elif k * step:
            row["payment_id"] = found[k * step - 1]["payment_id"]
        else:  # the first row cannot repeat one before it: a zero amount instead
            row["amount_cents"] = "0"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=DEBIT_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(found)
    total = sum(int(r["amount_cents"]) for r in found)
    return SampleFile(buf.getvalue().encode(), rows, bad, total)


def _return_code(n: int, seed: int) -> str:
    if n % 7 == 6:
        return NOC_CODES[(n // 7) % len(NOC_CODES)]
    drawn = pick(n, seed + 55, sum(w for _, w in RETURN_MIX))
    for code, weight in RETURN_MIX:
        if drawn < weight:
            return code
        drawn -= weight
    return "R01"


def _corrected(code: str, debit: dict[str, str]) -> str:
    """A notification's corrected data, laid out as the NACHA rules say for its code."""
    new_account = str(int(debit["dfi_account"]) + 7)
    new_routing = next(r for r in ROUTINGS if r != debit["routing"])
    if code == "C01":
        return new_account
    if code == "C02":
        return new_routing
    if code == "C03":
        return f"{new_routing}   {new_account}"
    return "32" if debit["account_type"] == "checking" else "22"  # C05: the other kind of account


def ach_returns_sample(rows: int, *, bad: int, seed: int, today: date) -> SampleFile:
    """The bank's returns file of ``rows`` entries (returns, and every seventh a notification of
    change) for debits of ``debit_extract_sample(RETURN_EVERY * rows, seed=seed)``; ``bad`` entries
    (spread evenly) carry a receiving routing number whose check digit is wrong."""
    extract = debits(RETURN_EVERY * max(rows, 1), seed)
    items = []
    for n in range(rows):
        k = n * RETURN_EVERY + pick(n, seed + 56, RETURN_EVERY)
        debit, code = extract[k], _return_code(n, seed)
        noc = code.startswith("C")
        items.append(
            AchItem(
                code,
                account=debit["account"],
                amount_cents=0 if noc else int(debit["amount_cents"]),
                original_trace=f"{ODFI}{k + 1:07d}",
                dfi_account=debit["dfi_account"],
                name=debit["name"][:22],
                corrected_data=_corrected(code, debit) if noc else "",
                transaction_code=(23 if debit["account_type"] == "checking" else 33)
                if noc
                else (26 if debit["account_type"] == "checking" else 36),
            )
        )
    created = datetime.combine(today, time(5, 30), tzinfo=UTC)
    data = ach_returns_nacha(items, created=created)
    bad = min(bad, rows)
    if bad:
        data = _break_routing(data, bad)
    return SampleFile(data, rows, bad, sum(i.amount_cents for i in items))


def _break_routing(data: bytes, bad: int) -> bytes:
    """Spoil the receiving routing number's check digit of ``bad`` entries spread over the file (the
    entry hash sums only the first eight digits, so every control stays right)."""
    lines = data.decode("ascii").split("\n")
    entries = [n for n, line in enumerate(lines) if line.startswith("6")]
    step = max(len(entries) // bad, 1)
    for k in range(bad):
        n = entries[k * step]
        line = lines[n]
        wrong = (routing_check_digit(line[3:11]) + 1) % 10
        lines[n] = f"{line[:11]}{wrong}{line[12:]}"
    return "\n".join(lines).encode("ascii")
