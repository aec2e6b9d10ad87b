"""Sample files of a banking day: the bank's lockbox transmission (``lockbox``) and its BAI2 report
(``bai2``) crediting the same deposit, so that ``hub reconcile --date D`` matches them.

The lockbox sample holds checks mailed to lockbox 0012345 and deposited the business day before
``today``, in batches of 50: each pays an active account of ``hub reference sample accounts`` of the
same seed whose number passes the Luhn check digit the default layout verifies (the scanline in the
detail's free data), $20.00 to $399.99, drawn on the customer's own bank, dated a few days before.
The BAI2 sample of the same rows, seed and day reports that deposit's total as one 115 lockbox
deposit on bank account 1234567890 (the default hub.yaml's lockbox account), with a 116 item detail
per check. Both files are written by the hub's own writers, every control computed.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from formats.bai2_writer import Account, Bai2Spec, Group, Summary, Transaction
from formats.bai2_writer import write_file as write_bai2
from formats.lockbox_accounts import check_digit_ok
from formats.lockbox_writer import Batch, Item, Lockbox, LockboxSpec
from formats.lockbox_writer import write_file as write_lockbox
from hub.engine.sample_ach import ROUTINGS
from hub.engine.sample_common import GIVEN_NAMES, SURNAMES, account_status, pick, sample_account
from hub.engine.sample_kinds import SampleFile

LOCKBOX = "0012345"
BANK_ACCOUNT = "1234567890"  # the bank account the lockbox deposits are credited to
BANK = "0099999991"  # the bank's origin id (the lockbox exchange's mapping_options.bank)
BATCH_SIZE = 50
PAYER_ROWS = 1000  # payers come from the first rows of the accounts sample (its default size)
CHECK_DATE_AT = (46, 52)  # 0-based slice of a detail record's check date (MMDDYY)


def deposit_day(today: date) -> date:
    """The business day before ``today``: the deposit a morning's lockbox file reports."""
    day = today - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def payers(seed: int) -> list[tuple[int, str]]:
    """(row, account) of the accounts sample's active accounts whose number passes the Luhn check."""
    return [
        (i, sample_account(i, seed))
        for i in range(PAYER_ROWS)
        if account_status(i, seed) == "active" and check_digit_ok("luhn", sample_account(i, seed))
    ]


def checks(rows: int, seed: int, deposit: date) -> list[Item]:
    """The day's checks, in the order the bank scanned them."""
    found = payers(seed)
    items = []
    for n in range(rows):
        i, account = found[(n * 7 + seed) % len(found)]
        cents = 2_000 + pick(n, seed + 61, 38_000)
        items.append(
            Item(
                cents,
                remitter_routing=ROUTINGS[pick(i, seed + 51, len(ROUTINGS))],
                remitter_account=str(10_000_000 + pick(i, seed + 52, 89_999_999)),
                check_number=str(1001 + pick(n, seed + 62, 8_000)),
                check_date=deposit - timedelta(days=2 + pick(n, seed + 63, 9)),
                remitter_name=f"{SURNAMES[pick(i, seed + 12, len(SURNAMES))]} "
                f"{GIVEN_NAMES[pick(i, seed, len(GIVEN_NAMES))]}",
                free_data=f"{account} {cents:08d}",
            )
        )
    return items


def lockbox_sample(rows: int, *, bad: int, seed: int, today: date) -> SampleFile:
    """The lockbox transmission of ``rows`` checks; ``bad`` of them (spread evenly) carry a check
    date that is no date (month 13), each rejected on its line (totals stay right)."""
    deposit = deposit_day(today)
    items = checks(rows, seed, deposit)
    first = 1 + seed * 37 % 900  # another seed's transmission of the day: other batch numbers
    batches = [
        Batch(items[k : k + BATCH_SIZE], number=(first + k // BATCH_SIZE - 1) % 999 + 1)
        for k in range(0, len(items), BATCH_SIZE)
    ]
    spec = LockboxSpec(
        created=datetime.combine(today, time(6, 5)),
        lockboxes=[Lockbox(LOCKBOX, deposit, batches)],
        origin=BANK,
    )
    data = write_lockbox(spec)
    bad = min(bad, rows)
    if bad:
        lines = data.decode("ascii").split("\n")
        details = [n for n, line in enumerate(lines) if line.startswith("6")]
        step = max(len(details) // bad, 1)
        start, end = CHECK_DATE_AT
        for k in range(bad):
            line = lines[details[k * step]]
            lines[details[k * step]] = f"{line[:start]}13{line[start + 2 : end]}{line[end:]}"
        data = "\n".join(lines).encode("ascii")
    return SampleFile(data, rows, bad, sum(i.amount_cents for i in items))


def bai2_sample(rows: int, *, bad: int, seed: int, today: date) -> SampleFile:
    """The bank's BAI2 report of the deposit day: one 115 lockbox deposit of the lockbox sample's
    total (``rows`` checks, same seed and day) and a 116 item per check; ``bad`` item details
    (spread evenly) carry an unknown funds type, each reported on its line."""
    deposit = deposit_day(today)
    items = checks(rows, seed, deposit)
    total = sum(i.amount_cents for i in items)
    details = [Transaction("115", total, f"LBX{deposit:%y%m%d}", LOCKBOX, "LOCKBOX DEPOSIT")]
    details += [
        Transaction("116", item.amount_cents, f"IT{n + 1:06d}", item.check_number)
        for n, item in enumerate(items)
    ]
    closing = 2_500_000_00 + pick(seed, 71, 1_000_000_00)
    account = Account(
        BANK_ACCOUNT,
        "USD",
        summaries=[
            Summary("015", closing),
            Summary("100", total, len(items) + 1),
            Summary("400", 0, 0),
        ],
        transactions=details,
    )
    created = datetime.combine(today, time(6, 30))
    spec = Bai2Spec(
        "091000019",
        "UTILITYHUB",
        created,
        [Group("091000019", deposit, [account], as_of_time="2400", currency="USD", as_of_modifier="2")],
        file_id=f"{deposit:%y%m%d}{seed % 100:02d}",
    )
    data = write_bai2(spec)
    bad = min(bad, rows)
    if bad:
        lines = data.decode("ascii").split("\n")
        found = [n for n, line in enumerate(lines) if line.startswith("16,116,")]
        step = max(len(found) // bad, 1)
        for k in range(bad):
            n = found[k * step]
            parts = lines[n].split(",", 4)  # 16, type code, amount, funds type, the rest
            lines[n] = ",".join([*parts[:3], "Q", parts[4]])
        data = "\n".join(lines).encode("ascii")
    return SampleFile(data, rows, bad, total)
