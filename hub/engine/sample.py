"""Realistic sample partner files for the demo, the tests and the benchmarks.

Meter-reader uploads are generated with polars expressions (a million rows in well under a second),
deterministic for a seed: routes of ~200 stops, zero-padded account numbers, 5-dial readings with
rollovers and zero consumption, the default read codes in realistic proportions, and optional bad
rows of every kind the validator must catch. NACHA returns files are written with the NACHA writer,
every control computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import polars as pl

from hub.engine.sample_kinds import SampleFile

if TYPE_CHECKING:
    from hub.engine.config import Settings

HEADER = (
    "route,sequence,account,meter,register,read_at,reading,prior_reading,read_code,reader_id,trouble_code"
)

# (code, share per 1000 rows)
CODE_MIX = (
    ("01", 930),
    ("02", 20),
    ("03", 15),
    ("04", 10),
    ("05", 8),
    ("06", 6),
    ("07", 4),
    ("08", 4),
    ("09", 3),
)

BAD_KINDS = (
    "bad_date",
    "missing_reading",
    "unknown_code",
    "not_a_number",
    "future",
    "duplicate",
    "field_count",
    "missing_account",
)


def _mix(i: pl.Expr, salt: int, modulus: int) -> pl.Expr:
    """A cheap deterministic pseudo-random integer in [0, modulus) per row."""
    return ((i * 2_654_435_761 + salt * 97_531) % 4_294_967_291) % modulus


def meter_reads_frame(rows: int, *, now: datetime | None = None, seed: int = 1) -> pl.DataFrame:
    """Valid upload rows as strings, in route order."""
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    start = now - timedelta(days=2)
    i = pl.int_range(0, rows, dtype=pl.Int64)
    code_pick = _mix(i, seed, 1000)
    code: pl.Expr = pl.lit("01")
    upper = 1000
    for name, share in reversed(CODE_MIX):
        code = pl.when(code_pick < upper).then(pl.lit(name)).otherwise(code)
        upper -= share
    prior = _mix(i, seed + 1, 100_000)
    usage = 5 + _mix(i, seed + 2, 60) + pl.when(_mix(i, seed + 3, 50) == 0).then(0).otherwise(900)
    zero = _mix(i, seed + 4, 400) == 0
    reading = pl.when(zero).then(prior).otherwise((prior + usage) % 100_000)
    no_read = code.is_in(["04", "05", "06"])
    seconds = (i * 37 + _mix(i, seed + 5, 30)) % (36 * 3600)
    frame = pl.select(
        route=pl.lit("R") + (i // 200 + 1).cast(pl.String).str.zfill(4),
        sequence=(i % 200 * 10 + 10).cast(pl.String),
        account=(1_000_000 + i * 7 + seed).cast(pl.String).str.zfill(10),
        meter=pl.lit("M") + (5_000_000 + i).cast(pl.String),
        register=pl.lit("1"),
        read_at=(pl.lit(start) + pl.duration(seconds=seconds)).dt.strftime("%Y-%m-%dT%H:%M:%S"),
        reading=pl.when(no_read)
        .then(pl.lit(None, pl.String))
        .otherwise(reading.cast(pl.String).str.zfill(5)),
        prior_reading=prior.cast(pl.String).str.zfill(5),
        read_code=code,
        reader_id=pl.lit("RD") + (i // 2000 % 40 + 1).cast(pl.String).str.zfill(2),
        trouble_code=pl.when(_mix(i, seed + 6, 100) == 0)
        .then(pl.lit("LK"))
        .otherwise(pl.lit(None, pl.String)),
    )
    return frame


def to_csv(frame: pl.DataFrame) -> bytes:
    return frame.write_csv(null_value="").encode()


def meter_reads_csv(rows: int, *, bad: int = 0, now: datetime | None = None, seed: int = 1) -> bytes:
    """An upload of ``rows`` data rows of which ``bad`` break a rule (one kind after another)."""
    now = now or datetime.now(UTC)
    frame = meter_reads_frame(rows, now=now, seed=seed)
    if bad == 0:
        return to_csv(frame)
    lines = to_csv(frame).decode().splitlines()
    step = max(1, rows // (bad + 1))
    future = (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S")
    for n in range(bad):
        idx = 1 + min(rows - 1, (n + 1) * step)  # +1 skips the header
        cells = lines[idx].split(",")
        kind = BAD_KINDS[n % len(BAD_KINDS)]
        if kind == "bad_date":
            cells[5] = cells[5][:10].replace("-", "/")
        elif kind == "missing_reading":
            cells[8], cells[6] = "01", ""
        elif kind == "unknown_code":
            cells[8] = "10"
        elif kind == "not_a_number":
            cells[6], cells[8] = "12O45", "01"
        elif kind == "future":
            cells[5] = future
        elif kind == "duplicate":
            cells = lines[idx - 1].split(",")
        elif kind == "field_count":
            cells.append("extra")
        elif kind == "missing_account":
            cells[2] = ""
        lines[idx] = ",".join(cells)
    return ("\n".join(lines) + "\n").encode()


def meter_reads_sample(rows: int, *, bad: int, seed: int, today: date) -> SampleFile:
    """``hub sample --kind meter-reads``: read in the two days before now (noon of ``today`` when
    that is another day)."""
    now = datetime.now(UTC)
    if today != now.date():
        now = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    return SampleFile(meter_reads_csv(rows, bad=min(bad, rows), now=now, seed=seed), rows, min(bad, rows))


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


def demo_seed(stamp: str) -> int:
    """One seed for the samples of a demo run that name CIS accounts (accounts, histories,
    pledges, checks agree)."""
    return int(stamp) % 9973 + 1


def write_demo_uploads(settings: Settings, stamp: str, rows: int) -> int:
    """``hub demo``: three route uploads into the meter-reads drop folder -- a clean one, one with
    eight bad rows, and the clean one sent again under another name; returns how many."""
    ex = settings.exchange("meter-reads")
    ex.source_path.mkdir(parents=True, exist_ok=True)
    good = meter_reads_csv(rows, seed=int(stamp) % 9973)
    files = {
        f"{stamp}-1-route-north.csv": good,
        f"{stamp}-2-route-south.csv": meter_reads_csv(rows, bad=8, seed=int(stamp) % 9973 + 1),
        f"{stamp}-3-route-north-resent.csv": good,
    }
    for name, data in files.items():
        (ex.source_path / name).write_bytes(data)
    return len(files)


def write_demo_returns(settings: Settings, stamp: str) -> list[str]:
    """``hub demo``: a day's returns into the ach-returns drop folder, when that exchange is
    configured; returns the exchanges to cycle besides meter-reads."""
    ex = settings.exchanges.get("ach-returns")
    if ex is None or ex.config.kind != "ach-returns":
        return []
    ex.source_path.mkdir(parents=True, exist_ok=True)
    (ex.source_path / f"{stamp}-returns.ach").write_bytes(demo_ach_returns(seed=int(stamp) % 9973))
    return [ex.name]


# -- CIS reference extracts -------------------------------------------------------------------------

SURNAMES = ("DOE", "ROE", "GARCIA", "SMITH", "NGUYEN", "JOHNSON", "PATEL", "BROWN", "LOPEZ", "KIM", "OKAFOR")
GIVEN_NAMES = ("JANE", "JOHN", "MARIA", "DAVID", "LINDA", "JAMES", "ANA", "WEI", "FATIMA", "ROBERT")
STREETS = (
    "OAK ST",
    "MAPLE AVE",
    "RIVER RD",
    "HILL DR",
    "1ST ST",
    "PINE LN",
    "LAKE BLVD",
    "ELM CT",
    "MAIN ST",
)


def _pick(i: int, salt: int, modulus: int) -> int:
    """``_mix`` for one row."""
    return (i * 2_654_435_761 + salt * 97_531) % 4_294_967_291 // 1009 % modulus


def sample_account(i: int, seed: int = 1) -> str:
    """The account number of row ``i`` of ``meter_reads_csv(..., seed=seed)``."""
    return f"{1_000_000 + i * 7 + seed:010d}"


def accounts_csv(rows: int = 1000, *, seed: int = 1) -> bytes:
    """A CIS accounts extract holding the accounts of ``meter_reads_csv(rows, seed=seed)``: mostly
    active, about 1 % closed, 1 % final-billed and 0.5 % inactive; names quoted with their comma."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(("account", "name", "service_address", "status"))
    for i in range(rows):
        status = account_status(i, seed)
        name = (
            f"{SURNAMES[_pick(i, seed + 12, len(SURNAMES))]}, {GIVEN_NAMES[_pick(i, seed, len(GIVEN_NAMES))]}"
        )
        writer.writerow((sample_account(i, seed), name, _address(i, seed), status))
    return buf.getvalue().encode()


def account_status(i: int, seed: int = 1) -> str:
    """The status of account ``i`` of ``accounts_csv(seed=seed)``."""
    pick = _pick(i, seed + 11, 1000)
    return "closed" if pick < 10 else "final" if pick < 20 else "inactive" if pick < 25 else "active"


def active_accounts(count: int, seed: int = 1, *, start: int = 0) -> list[tuple[int, str]]:
    """The first ``count`` active accounts of ``accounts_csv(seed=seed)`` from row ``start`` on:
    (row, account number)."""
    found: list[tuple[int, str]] = []
    i = start
    while len(found) < count:
        if account_status(i, seed) == "active":
            found.append((i, sample_account(i, seed)))
        i += 1
    return found


def meters_csv(rows: int = 1000, *, seed: int = 1) -> bytes:
    """A CIS meters extract for the meters of ``meter_reads_csv(rows, seed=seed)``, each on its
    account's service address; about 1 % removed (no account)."""
    lines = ["meter,account,service_address,status"]
    for i in range(rows):
        removed = _pick(i, seed + 13, 100) == 0
        account = "" if removed else sample_account(i, seed)
        status = "removed" if removed else "active"
        lines.append(f"M{5_000_000 + i},{account},{_address(i, seed)},{status}")
    return ("\n".join(lines) + "\n").encode()


def _address(i: int, seed: int) -> str:
    return f"{100 + _pick(i, seed + 14, 9800)} {STREETS[_pick(i, seed + 15, len(STREETS))]}"
