"""Sample autopay files: the CIS's autopay extract (``ach-debits``, outbound) and the bank's NACHA
returns of those debits (``ach-returns``), for trying the hub and for tests.

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
from datetime import UTC, date, datetime, time

from formats.debit_extract import FIELDS as DEBIT_FIELDS
from formats.nacha_layout import routing_check_digit
from hub.engine.sample import GIVEN_NAMES, SURNAMES, AchItem, _pick, ach_returns_nacha, active_accounts
from hub.engine.sample_kinds import SampleFile

ODFI = "09100001"  # the default hub.yaml's originator: every trace number it gives starts so
ROUTINGS = ("231380104", "021000021", "011000015", "122000247", "071000013")  # valid check digits
BAD_DEBITS = ("routing_check_digit", "digits", "code_list", "positive", "duplicate_id")
# return codes of a day, by weight (R01 insufficient funds dominates), and the NOCs
RETURN_MIX = (("R01", 9), ("R09", 2), ("R02", 2), ("R03", 2), ("R04", 1), ("R07", 1), ("R08", 1), ("R10", 1))
NOC_CODES = ("C01", "C02", "C03", "C05")
RETURN_EVERY = 10  # one debit in ten of the extract comes back


def _debit(n: int, account: tuple[int, str], seed: int) -> dict[str, str]:
    """The n-th debit of the extract, on sample account ``account`` (its index and number)."""
    i, number = account
    return {
        "payment_id": f"AP-{seed}-{n + 1:06d}",
        "account": number,
        "name": f"{GIVEN_NAMES[_pick(i, seed, len(GIVEN_NAMES))]} "
        f"{SURNAMES[_pick(i, seed + 12, len(SURNAMES))]}",
        "routing": ROUTINGS[_pick(i, seed + 51, len(ROUTINGS))],
        "dfi_account": str(10_000_000 + _pick(i, seed + 52, 89_999_999)),
        "account_type": "savings" if _pick(i, seed + 53, 5) == 0 else "checking",
        "amount_cents": str(2_500 + _pick(n, seed + 54, 30_000)),
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
    pick = _pick(n, seed + 55, sum(w for _, w in RETURN_MIX))
    for code, weight in RETURN_MIX:
        if pick < weight:
            return code
        pick -= weight
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
        k = n * RETURN_EVERY + _pick(n, seed + 56, RETURN_EVERY)
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
