"""What the console's pages show, over HTTP against real ledgers: Today's links, the files list's
filters and paging, a file's runs, batches and problems (paged, searched, masked)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from console_setup import Hub, log_in, make_hub
from starlette.testclient import TestClient

from hub.engine.config import load_config
from hub.kernel.problems import Problem
from hub.ledger import Ledger


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Hub:
    return make_hub(tmp_path_factory.mktemp("pages"))


@pytest.fixture
def client(hub: Hub) -> TestClient:
    client = hub.client()
    assert log_in(client, "vic").status_code == 303
    return client


def _ledger(hub: Hub) -> Ledger:
    return Ledger.open(load_config(hub.work.root / "hub.yaml").ledger_url())


def _rows(html: str) -> list[str]:
    """The file names listed in the files table, in order."""
    return re.findall(r'<th scope="row"><a href="/files/\d+">([^<]+)</a></th>', html)


def test_today_links_the_rejected_file_and_each_exchange(hub: Hub, client: TestClient) -> None:
    page = client.get("/").text
    assert '<a href="/files?state=rejected">1 rejected</a>' in page
    assert re.search(r'href="/files\?day=\d{4}-\d\d-\d\d&amp;state=delivered">1 delivered</a>', page)
    assert '<a href="/files?exchange=meter-reads">meter-reads</a>' in page
    assert f'<a href="/files/{hub.delivered_id}">route-north.csv</a> (delivered)' in page
    listed = client.get("/files?state=rejected").text
    assert _rows(listed) == ["route-south.csv"]


def test_the_rejected_files_page_shows_each_problem_with_its_line(hub: Hub, client: TestClient) -> None:
    page = client.get(f"/files/{hub.rejected_id}").text
    first = hub.first_problem
    assert "<h1>File " in page and "route-south.csv" in page
    assert f'<tr class="sev-error"><td>{first["line"]}</td><td>{first["field"]}' in page
    assert f"<td>{first['rule']}</td>" in page
    assert "5 problems in the last run" in page
    assert "No batch: nothing of this file was delivered." in page
    assert "(last)</td><td>manual</td>" in page


def test_a_delivered_files_page_shows_its_batch_with_counts_by_type(hub: Hub, client: TestClient) -> None:
    shown = hub.work.hub("show", str(hub.delivered_id), "--json").json()
    [batch] = shown["batches"]
    page = client.get(f"/files/{hub.delivered_id}").text
    assert f'<th scope="row">{batch["batch_id"]}</th><td>120</td>' in page
    counts = re.search(r"<td>(MeterRead \d+(?:, ReadException \d+)?)</td>", page)
    assert counts is not None
    assert sum(int(n) for n in re.findall(r"\d+", counts.group(1))) == 120
    assert "No problem in the last run." in page


def test_personal_values_are_masked_on_the_page(hub: Hub, client: TestClient) -> None:
    ledger = _ledger(hub)
    try:
        run_id = ledger.file(hub.rejected_id).last_run_id
        assert run_id is not None
        raw = Problem(
            rule="unknown_account", message="no such account", line=9999, field="account", value="0001234567"
        )
        ledger.add_problems(hub.rejected_id, run_id, [raw])
        page = client.get(f"/files/{hub.rejected_id}?q=unknown_account").text
    finally:
        with ledger.tx() as conn:
            conn.exec_driver_sql("DELETE FROM rejections WHERE line = 9999")
        ledger.close()
    assert "<code>******4567</code>" in page
    assert "0001234567" not in page


def test_problems_are_paged_and_searched(tmp_path_factory: pytest.TempPathFactory) -> None:
    from hub.engine.sample import meter_reads_csv

    hub = make_hub(tmp_path_factory.mktemp("many-problems"))
    path = hub.work.write("route-big.csv", meter_reads_csv(2000, bad=230, seed=5))
    out = hub.work.hub("process", path, "--exchange", "meter-reads", "--json").json()
    assert out["state"] == "rejected" and len(out["problems"]) == 230
    client = hub.client()
    log_in(client, "ada")
    lines = sorted(p["line"] for p in out["problems"])
    first = client.get(f"/files/{out['id']}").text
    assert "Page 1 of 3" in first and 'href="?page=2" rel="next"' in first
    third = client.get(f"/files/{out['id']}?page=3").text
    shown = [int(n) for n in re.findall(r'<tr class="sev-error"><td>(\d+)</td>', third)]
    assert shown == lines[200:]
    code_list = [p for p in out["problems"] if p["rule"] == "code_list"]
    found = client.get(f"/files/{out['id']}?q=CODE_LIST").text
    assert f"{len(code_list)} match" in found
    assert len(re.findall(r"<td>code_list</td>", found)) == len(code_list)
    assert "Page 1 of" not in found


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Hub:
    """A hub whose ledger holds 130 more files: 3 exchanges, states in turn, a day apart."""
    hub = make_hub(tmp_path_factory.mktemp("crowded"))
    ledger = _ledger(hub)
    base = datetime(2026, 11, 1, 12, tzinfo=UTC)
    states = ("delivered", "rejected", "duplicate")
    try:
        for i in range(130):
            ledger.now = lambda i=i: base + timedelta(days=i % 10)  # type: ignore[misc]
            ledger.add_file(
                exchange=("lockbox", "bai2", "ach-returns")[i % 3],
                name=f"bulk-{i:03d}.dat",
                sha256=f"{i:064x}",
                size=10,
                source="test",
                state=states[i % 3],
                landed_path="",
            )
    finally:
        ledger.close()
    return hub


def test_the_files_list_is_paged_newest_first(crowded: Hub) -> None:
    client = crowded.client()
    log_in(client, "vic")
    first = client.get("/files").text
    assert "132 files" in first and "Page 1 of 3" in first
    assert _rows(first)[:2] == ["bulk-129.dat", "bulk-128.dat"] and len(_rows(first)) == 50
    last = client.get("/files?page=3").text
    assert _rows(last)[-2:] == ["route-north.csv", "route-south.csv"] and len(_rows(last)) == 32
    assert _rows(client.get("/files?page=99").text) == []


def test_the_files_list_filters_by_exchange_state_day_and_name(crowded: Hub) -> None:
    client = crowded.client()
    log_in(client, "vic")
    lockbox = client.get("/files?exchange=lockbox&state=delivered").text
    assert "44 files match" in lockbox
    assert all(int(n[5:8]) % 3 == 0 for n in _rows(lockbox))
    assert 'href="?exchange=lockbox&amp;state=delivered&amp;page=2"' not in lockbox, "one page only"
    rejected = client.get("/files?state=rejected").text
    assert "44 files match" in rejected, "43 bulk rejected files and the real one"
    day = client.get("/files?day=2026-11-04").text
    assert "13 files match" in day and all(int(n[5:8]) % 10 == 3 for n in _rows(day))
    assert _rows(client.get("/files?name=BULK-07").text) == [f"bulk-07{d}.dat" for d in range(9, -1, -1)]
    assert _rows(client.get("/files?name=%25").text) == [], "a name's % is a character, not a wildcard"
    paged = client.get("/files?name=bulk&page=2").text
    assert "130 files match" in paged and "Page 2 of 3" in paged
    assert 'href="?name=bulk&amp;page=1" rel="prev"' in paged, "the filters stay on the pages"
    assert 'href="?name=bulk&amp;page=3" rel="next"' in paged
    assert client.get("/files?state=nonsense").status_code == 400
    assert client.get("/files?day=yesterday").status_code == 400


class _Page(HTMLParser):
    """What a page offers assistive technology: its headings in order, its fields and their labels,
    the ids its fields' descriptions point to, its table headers and its skip link."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[str | None] = []
        self.labelled: set[str] = set()
        self.ids: set[str] = set()
        self.described: list[str] = []
        self.headings: list[int] = []
        self.unscoped_th = 0
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if a.get("aria-describedby"):
            self.described += str(a["aria-describedby"]).split()
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.inputs.append(a.get("id"))
        elif tag == "label" and a.get("for"):
            self.labelled.add(str(a["for"]))
        elif re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "th" and a.get("scope") not in ("col", "row"):
            self.unscoped_th += 1
        elif tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))


def _pages(hub: Hub, name: str) -> dict[str, str]:
    """Every page of the console as ``name`` sees it, a failed log-in, an error page and a preview."""
    client = hub.client()
    failed = log_in(client, name, "wrong").text
    assert log_in(client, name).status_code == 303
    paths = [
        "/",
        "/files",
        "/files?state=rejected",
        f"/files/{hub.rejected_id}",
        f"/files/{hub.delivered_id}",
        "/files/999",
        "/reconcile",
        "/reconcile?date=2026-11-20",
        "/suspense",
        "/volumes",
    ]
    pages = {path: client.get(path).text for path in paths}
    pages["failed log-in"] = failed
    if name != "vic":
        token = re.search(r'name="csrf_token" value="([^"]+)"', pages["/"])
        assert token is not None
        data = {"csrf_token": token.group(1), "file_id": str(hub.rejected_id), "action": "reprocess"}
        pages["preview"] = client.post("/actions/preview", data=data).text
    return pages


@pytest.mark.parametrize("name", ["vic", "ada"])
def test_every_page_has_one_h1_labelled_fields_scoped_headers_and_a_skip_link(hub: Hub, name: str) -> None:
    fields = 0
    for path, html in _pages(hub, name).items():
        page = _Page()
        page.feed(html)
        assert page.headings[:1] == [1] and page.headings.count(1) == 1, path
        assert all(b <= a + 1 for a, b in zip(page.headings, page.headings[1:], strict=False)), (
            path,
            page.headings,
        )
        fields += len(page.inputs)
        assert all(i is not None and i in page.labelled for i in page.inputs), (
            path,
            page.inputs,
        )
        assert set(page.described) <= page.ids, path
        assert page.unscoped_th == 0, path
        assert page.links[0] == "#main" and "main" in page.ids, path
    assert fields >= (15 if name == "ada" else 10), "the forms were there to check"
    failed = _Page()
    failed.feed(_pages(hub, "vic")["failed log-in"])
    assert failed.described == ["login-error", "login-error"], "the error names both fields"
