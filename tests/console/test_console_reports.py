"""The console's report pages over a real ledger holding one banking day: the reconciliation of
a deposit date (lockbox against bank, money exact), the payments in suspense (accounts masked),
the volumes chart against its table, who may read them, Today's links to them."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from console_setup import USERS, Hub, log_in
from report_setup import OTHER_CENTS, SHORT_CENTS, make_bank_day

from formats.lockbox_writer import Batch, Lockbox, LockboxSpec, write_file
from hub.console.reports import SUSPENSE_PER_PAGE
from tests.hub.test_lockbox_e2e import DEPOSIT, LOCKBOX, TOTAL, account, check

PAGES = [
    "/reconcile",
    f"/reconcile?date={DEPOSIT.isoformat()}",
    "/suspense",
    "/suspense?first=2026-11-20",
    "/volumes",
]


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Hub:
    return make_bank_day(tmp_path_factory.mktemp("reports"))


def _cells(html: str, lockbox: str) -> list[str]:
    row = re.search(rf'<th scope="row">{lockbox}</th>(.*?)</tr>', html, re.S)
    assert row, f"lockbox {lockbox} has a row"
    return re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))


@pytest.mark.parametrize("path", PAGES)
def test_without_a_session_the_report_pages_send_to_log_in(hub: Hub, path: str) -> None:
    res = hub.client().get(path, follow_redirects=False)
    assert res.status_code in (302, 303)
    assert res.headers["location"].startswith("/login")


@pytest.mark.parametrize("name", sorted(USERS))
def test_every_role_may_read_the_reconciliation(hub: Hub, name: str) -> None:
    client = hub.client()
    assert log_in(client, name).status_code == 303
    for path in PAGES:
        assert client.get(path).status_code == 200, (name, path)


def test_a_deposit_date_shows_each_lockbox_both_sides_in_exact_dollars(hub: Hub) -> None:
    client = hub.client()
    assert log_in(client, "vic").status_code == 303
    page = client.get(f"/reconcile?date={DEPOSIT.isoformat()}").text
    assert "Not reconciled: 2 of 2 lockboxes do not match." in page
    # 22222: lockbox $1,244.95 in 4 items, the bank one dollar short
    assert TOTAL == 124_495
    assert _cells(page, "0022222") == ["$1,244.95", "4", "$1,243.95", "1", "$1.00", "different amounts"]
    assert SHORT_CENTS == 100
    assert OTHER_CENTS == 77_001
    assert _cells(page, "0033333") == [
        "$0.00",
        "0",
        "$770.01",
        "1",
        "-$770.01",
        "missing on the lockbox side",
    ]
    assert 'href="/files?exchange=bai2"' in page and 'href="/files?exchange=lockbox"' in page


def test_a_date_without_deposits_says_so_and_a_bad_date_is_refused(hub: Hub) -> None:
    client = hub.client()
    assert log_in(client, "otto").status_code == 303
    page = client.get("/reconcile?date=2026-01-02").text
    assert "No deposit on 2026-01-02" in page
    bad = client.get("/reconcile?date=20-11-2026")
    assert bad.status_code == 400 and "a date like" in bad.text


def test_today_links_an_unreconciled_date_to_its_reconciliation(hub: Hub) -> None:
    client = hub.client()
    assert log_in(client, "vic").status_code == 303
    day = DEPOSIT.isoformat()
    today = client.get("/").text
    assert f'<a href="/reconcile?date={day}">{day}</a>' in today
    form = client.get("/reconcile").text
    assert '<input id="date" name="date" type="date" value="" required>' in form
    assert f'<a href="/reconcile?date={day}">{day}</a>' in form


def _suspense_rows(html: str) -> list[list[str]]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows
    ]


def test_the_suspense_page_lists_the_unknown_accounts_check_masked(hub: Hub) -> None:
    client = hub.client()
    assert log_in(client, "vic").status_code == 303
    unknown = account(99)
    for path in ("/suspense", "/suspense?first=2026-11-20&last=2026-11-20"):
        page = client.get(path).text
        assert _suspense_rows(page) == [
            [
                "2026-11-20",
                "$41.50",
                "account not found in the CIS",
                "*" * 6 + unknown[-4:],
                "0000002003",
                "0022222 / 001 / 003",
                f"file {hub.delivered_id} (lockbox)",
            ]
        ], path
        assert unknown not in page
        assert "1 payment in suspense, $41.50" in page
    assert f'<a href="/files/{hub.delivered_id}">file {hub.delivered_id}</a>' in page


def test_the_suspense_page_filters_by_deposit_date(hub: Hub) -> None:
    client = hub.client()
    assert log_in(client, "otto").status_code == 303
    later = client.get("/suspense?first=2026-11-21").text
    assert _suspense_rows(later) == [] and "0 payments in suspense, $0.00" in later
    earlier = client.get("/suspense?last=2026-11-19").text
    assert _suspense_rows(earlier) == []
    assert client.get("/suspense?first=2026-11-21&last=2026-11-20").status_code == 400
    assert client.get("/suspense?first=yesterday").status_code == 400


def test_today_counts_the_recent_suspense_payments(hub: Hub) -> None:
    client = hub.client()
    assert log_in(client, "vic").status_code == 303
    today = client.get("/").text
    assert '<a href="/suspense">1 payment in suspense</a> (delivered in the last 7 days, $41.50)' in today


def _bars(html: str, exchange: str) -> dict[str, dict[str, int]]:
    """The chart's bars of one exchange: series -> day -> value."""
    uid = "v-" + exchange
    svg = re.search(rf'<svg[^>]*aria-labelledby="{uid}-t".*?</svg>', html, re.S)
    assert svg, f"{exchange} has a chart"
    bars: dict[str, dict[str, int]] = {}
    for series, day, value in re.findall(
        r'data-series="(\w+)" data-day="([\d-]+)" data-value="(\d+)"', svg.group(0)
    ):
        bars.setdefault(series, {})[day] = int(value)
    return bars


def _table(html: str, exchange: str) -> dict[str, dict[str, int]]:
    table = re.search(rf'<table class="volume-table" data-exchange="{exchange}">.*?</table>', html, re.S)
    assert table, f"{exchange} has a table"
    found: dict[str, dict[str, int]] = {"files": {}, "delivered": {}, "rejected": {}}
    for day, files, delivered, rejected in re.findall(
        r'day=([\d-]+)">[\d-]+</a></th><td class="num">(\d+)</td><td class="num">(\d+)</td>'
        r'<td class="num">(\d+)</td>',
        table.group(0),
    ):
        for key, value in (("files", files), ("delivered", delivered), ("rejected", rejected)):
            if int(value):
                found[key][day] = int(value)
    return {k: v for k, v in found.items() if v}


def test_the_volumes_chart_draws_what_its_table_says(hub: Hub) -> None:
    client = hub.client()
    assert log_in(client, "vic").status_code == 303
    page = client.get("/volumes").text
    assert "<script" not in page
    lockbox, meter = _table(page, "lockbox"), _table(page, "meter-reads")
    [day] = lockbox["files"]
    assert lockbox == {"files": {day: 1}, "delivered": {day: 6}}  # 4 payments, 2 deposit controls
    assert meter == {"files": {day: 1}, "rejected": {day: 3}}
    for exchange in ("lockbox", "bai2", "meter-reads"):
        assert _bars(page, exchange) == _table(page, exchange), exchange
    assert "Rows rejected (highest 3 a day)" in page
    assert "No files in the last 60 days: " in page and "ach-debits" in page


def test_a_batch_the_cis_took_away_is_named_as_not_read(tmp_path: Path) -> None:
    hub = make_bank_day(tmp_path)
    [payments] = list(hub.work.cis.glob("lockbox-*.Payment.csv"))
    payments.unlink()  # the CIS picked the batch up
    client = hub.client()
    assert log_in(client, "vic").status_code == 303
    page = client.get("/suspense").text
    assert "0 payments in suspense, $0.00" in page
    batch = payments.name.removesuffix(".Payment.csv")
    assert f"Not read (the batch's files are no longer in the destination folder): {batch}" in page


def test_admins_see_the_suspense_account_as_remitted(hub: Hub) -> None:
    client = hub.client()
    assert log_in(client, "ada").status_code == 303
    page = client.get("/suspense").text
    [row] = _suspense_rows(page)
    assert row[3] == account(99)
    assert "Account as remitted (masked)" not in page
    viewer = hub.client()
    assert log_in(viewer, "vic").status_code == 303
    assert "Account as remitted (masked)" in viewer.get("/suspense").text


def test_the_suspense_page_is_paged_with_its_total(tmp_path: Path) -> None:
    hub = make_bank_day(tmp_path)
    unknown = [check(100 + n, 1_000 + n, account(100 + n)) for n in range(SUSPENSE_PER_PAGE + 12)]
    spec = LockboxSpec(
        created=datetime(2026, 11, 21, 6, 5),
        lockboxes=[Lockbox(LOCKBOX, DEPOSIT, [Batch(unknown, number=3)])],
    )
    res = hub.work.hub("process", hub.work.write("LBX2.dat", write_file(spec)), "-x", "lockbox", "--json")
    assert res.code == 0, res.stdout + res.stderr
    total = SUSPENSE_PER_PAGE + 13  # and the first day's unknown account
    cents = 4_150 + sum(1_000 + n for n in range(SUSPENSE_PER_PAGE + 12))
    client = hub.client()
    assert log_in(client, "vic").status_code == 303
    first = client.get("/suspense?first=2026-11-20").text
    money = f"${cents // 100:,}.{cents % 100:02d}"
    assert f"{total} payments in suspense, {money}" in first
    assert f"Showing 1 to {SUSPENSE_PER_PAGE}." in first
    assert len(_suspense_rows(first)) == SUSPENSE_PER_PAGE
    assert 'href="?first=2026-11-20&amp;page=2" rel="next"' in first and 'rel="prev"' not in first
    second = client.get("/suspense?first=2026-11-20&page=2").text
    assert "Page 2 of 2" in second and f"Showing {SUSPENSE_PER_PAGE + 1} to {total}." in second
    assert len(_suspense_rows(second)) == 13
    assert 'href="?first=2026-11-20&amp;page=1" rel="prev"' in second and 'rel="next"' not in second
    shown = {r[4] for r in _suspense_rows(first) + _suspense_rows(second)}
    assert len(shown) == total, "every payment once, none on both pages"
