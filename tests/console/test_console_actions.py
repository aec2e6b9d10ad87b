"""The console's actions over HTTP against real ledgers filled by the real ``hub`` command: who may
act and download, the preview that comes before every action and the confirmation that runs it
once, the required comment, the upload's size limit and hostile names, and the audit trail as the
file's page and ``hub show`` show it."""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path

import pytest
from console_setup import SAMPLE_NOW, Hub, confirm, confirm_token, csrf_of, log_in, make_hub, preview

from hub.engine.sample import meter_reads_csv

CORRECTED = meter_reads_csv(200, seed=3, now=SAMPLE_NOW)  # route-south.csv without its five bad rows


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Hub:
    """A hub whose files no test changes (access rules only)."""
    return make_hub(tmp_path_factory.mktemp("actions"))


@pytest.fixture
def fresh(tmp_path: Path) -> Hub:
    """A hub of its own for a test that acts on its files."""
    return make_hub(tmp_path)


def _client(hub: Hub, name: str, **options: object) -> object:
    client = hub.client(**options)
    assert log_in(client, name).status_code == 303
    return client


def _show(hub: Hub, file_id: int) -> dict[str, object]:
    res = hub.work.hub("show", str(file_id), "--json")
    assert res.code == 0, res.stderr
    shown: dict[str, object] = res.json()
    return shown


def _uploads(hub: Hub) -> list[Path]:
    return [p for p in (hub.work.root / "var" / "console-uploads").glob("*/*")]


def test_no_action_or_download_without_a_session(hub: Hub) -> None:
    client = hub.client()
    client.get("/login")
    for path in (f"/files/{hub.rejected_id}/errors.csv", f"/files/{hub.rejected_id}/landed"):
        res = client.get(path, follow_redirects=False)
        assert res.status_code == 303 and res.headers["location"].startswith("/login"), path
    for path in ("/actions/preview", "/actions/confirm"):
        res = client.post(path, data={"file_id": str(hub.rejected_id), "action": "reprocess"})
        assert res.history and res.history[0].status_code == 303, path
        assert "Log in" in res.text
    assert _show(hub, hub.rejected_id)["audit"] == []


def test_a_viewer_sees_no_action_and_is_refused_one(hub: Hub) -> None:
    client = _client(hub, "vic")
    page = client.get(f"/files/{hub.rejected_id}").text
    assert 'action="/actions/preview"' not in page and "Reprocess" not in page
    assert "Error report of the last run (CSV)" in page
    assert "landed file as received" not in page
    for action in ("reprocess", "accept-valid-rows", "resolve"):
        res = preview(client, hub.rejected_id, action, comment="fixed in the CIS")
        assert res.status_code == 403 and "does not allow" in res.text, action
    res = preview(client, hub.rejected_id, "corrected", upload=("route-south.csv", CORRECTED))
    assert res.status_code == 403
    res = client.post("/actions/confirm", data={"csrf_token": csrf_of(page), "token": "x" * 32})
    assert res.status_code == 403
    assert _show(hub, hub.rejected_id)["state"] == "rejected"
    assert _show(hub, hub.rejected_id)["audit"] == []


@pytest.mark.parametrize("name", ["otto", "ada"])
def test_operators_and_admins_see_the_actions(hub: Hub, name: str) -> None:
    page = _client(hub, name).get(f"/files/{hub.rejected_id}").text
    for label in (
        "Reprocess as it is",
        "Reprocess accepting the valid rows",
        "Reprocess with a corrected file",
    ):
        assert f'<button type="submit">{label}…</button>' in page
    assert "Mark as resolved elsewhere…" in page
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    delivered = _client(hub, name).get(f"/files/{hub.delivered_id}").text
    assert "Mark as resolved elsewhere" not in delivered, "only a rejected file is resolved elsewhere"


def test_an_action_without_the_csrf_token_is_refused(hub: Hub) -> None:
    client = _client(hub, "otto")
    data = {"file_id": str(hub.rejected_id), "action": "accept-valid-rows"}
    assert client.post("/actions/preview", data=data).status_code == 403
    files = {"upload": ("route-south.csv", CORRECTED, "text/csv")}
    res = client.post("/actions/preview", data={**data, "action": "corrected"}, files=files)
    assert res.status_code == 403 and "did not come from the console" in res.text
    shown = preview(client, hub.rejected_id, "accept-valid-rows")
    assert shown.status_code == 200
    res = client.post("/actions/confirm", data={"token": confirm_token(shown.text)})
    assert res.status_code == 403
    assert _show(hub, hub.rejected_id)["state"] == "rejected", "nothing ran"
    assert _uploads(hub) == []


def test_downloads_by_role(hub: Hub) -> None:
    landed = (hub.work.root / "route-south.csv").read_bytes()
    assert _client(hub, "otto").get("/files/999/errors.csv").status_code == 404
    for name in ("vic", "otto", "ada"):
        client = _client(hub, name)
        report = client.get(f"/files/{hub.rejected_id}/errors.csv")
        assert report.status_code == 200, name
        assert report.headers["content-disposition"].startswith("attachment;")
        assert report.headers["cache-control"] == "no-store"
        assert report.headers["content-type"].startswith("text/csv")
        lines = report.text.splitlines()
        assert lines[0] == "severity,level,line,positions,field,value,rule,message"
        assert len(lines) == 6 and hub.first_problem["rule"] in report.text
        res = client.get(f"/files/{hub.rejected_id}/landed")
        if name == "ada":
            assert res.status_code == 200 and res.content == landed
            assert res.headers["content-disposition"] == 'attachment; filename="route-south.csv"'
            assert res.headers["cache-control"] == "no-store"
            assert res.headers["content-type"] == "application/octet-stream"
        else:
            assert res.status_code == 403 and "needs admin" in res.text, name
    admin = _client(hub, "ada")
    assert admin.get("/files/999/landed").status_code == 404
    missing = admin.get(f"/files/{hub.delivered_id}/errors.csv")
    assert missing.status_code == 404 and "no error report" in missing.text
    assert "landed file as received" in admin.get(f"/files/{hub.rejected_id}").text


def test_preview_then_confirm_accepting_valid_rows_runs_once(fresh: Hub) -> None:
    client = _client(fresh, "otto")
    shown = preview(client, fresh.rejected_id, "accept-valid-rows", comment="bad reads keyed by hand")
    assert shown.status_code == 200
    text = shown.text
    assert "Confirm: Reprocess accepting the valid rows" in text
    assert "195 transactions will be delivered to the CIS; 5 rows are rejected and reported." in text
    assert "<dt>Rows</dt><dd>200</dd>" in text and "<dt>Rows rejected</dt><dd>5</dd>" in text
    assert "<dt>Problems</dt><dd>5 (5 errors, 0 warnings)</dd>" in text
    assert _show(fresh, fresh.rejected_id)["state"] == "rejected", "a preview changes nothing"

    res = confirm(client, text)
    assert res.status_code == 303 and res.headers["location"] == f"/files/{fresh.rejected_id}#audit"
    detail = _show(fresh, fresh.rejected_id)
    assert (detail["state"], detail["delivered"], detail["rejected"]) == ("delivered", 195, 5)
    [entry] = detail["audit"]  # type: ignore[misc]
    assert entry["user"] == "otto" and entry["action"] == "accept-valid-rows"
    assert entry["comment"] == "bad reads keyed by hand" and entry["outcome_state"] == "delivered"
    assert entry["outcome_file_id"] == fresh.rejected_id
    assert datetime.fromisoformat(entry["at"]).tzinfo is not None

    again = confirm(client, text)
    assert again.status_code == 409 and "confirmed already" in again.text
    assert len(_show(fresh, fresh.rejected_id)["audit"]) == 1  # type: ignore[arg-type]

    as_is = preview(client, fresh.rejected_id, "reprocess")
    assert "Nothing will be delivered: the file is rejected again." in as_is.text, "reject-file policy"
    twice = preview(client, fresh.rejected_id, "accept-valid-rows")
    assert "Nothing new to deliver: every transaction was delivered before (195 delivered" in twice.text
    assert confirm(client, twice.text).status_code == 303
    detail = _show(fresh, fresh.rejected_id)
    assert detail["delivered"] == 195, "nothing posted twice"
    actions = [a["action"] for a in detail["audit"]]  # type: ignore[union-attr]
    assert actions == ["accept-valid-rows", "accept-valid-rows"]
    page = client.get(f"/files/{fresh.rejected_id}").text
    assert "<td>otto</td>" in page and "bad reads keyed by hand" in page
    text_show = fresh.work.hub("show", str(fresh.rejected_id)).stdout
    assert "otto: accept-valid-rows file" in text_show and '"bad reads keyed by hand"' in text_show


def test_a_corrected_file_is_previewed_landed_and_delivered_in_place(fresh: Hub) -> None:
    client = _client(fresh, "otto")
    upload = ("route-south-fixed.csv", CORRECTED)
    shown = preview(client, fresh.rejected_id, "corrected", upload=upload)
    assert shown.status_code == 200, shown.text
    assert "with the corrected file <strong>route-south-fixed.csv</strong>" in shown.text
    assert "200 transactions will be delivered to the CIS." in shown.text
    assert "<dt>Rows rejected</dt><dd>0</dd>" in shown.text
    assert len(_uploads(fresh)) == 1, "kept until confirmed"
    files_before = len(fresh.work.hub("files", "--json").json()["files"])

    res = confirm(client, shown.text)
    assert res.status_code == 303
    new_id = int(res.headers["location"].removeprefix("/files/").removesuffix("#audit"))
    assert new_id != fresh.rejected_id
    assert len(fresh.work.hub("files", "--json").json()["files"]) == files_before + 1
    new = _show(fresh, new_id)
    assert (new["state"], new["delivered"], new["replaces"]) == ("delivered", 200, fresh.rejected_id)
    assert new["name"] == "route-south-fixed.csv"
    landed = Path(str(new["landed_path"]))
    assert landed.read_bytes() == CORRECTED and landed.parent.name == "landed", "landed like any file"
    assert _show(fresh, fresh.rejected_id)["state"] == "reprocessed"
    assert _uploads(fresh) == [], "the staged upload is gone once it ran"
    page = client.get(f"/files/{new_id}").text
    assert "delivered" in page and "Reprocess with a corrected file (route-south-fixed.csv)" in page
    [entry] = _show(fresh, fresh.rejected_id)["audit"]  # type: ignore[misc]
    assert entry["upload"] == "route-south-fixed.csv" and entry["outcome_file_id"] == new_id
    assert _show(fresh, new_id)["audit"] == [entry]


def test_resolved_elsewhere_needs_a_comment_and_stays_rejected(fresh: Hub) -> None:
    client = _client(fresh, "otto")
    for blank in ("", "   "):
        res = preview(client, fresh.rejected_id, "resolve", comment=blank)
        assert res.status_code == 400 and "a comment is required" in res.text
    shown = preview(client, fresh.rejected_id, "resolve", comment="keyed into the CIS by hand, ticket 4711")
    assert shown.status_code == 200
    assert "The file stays rejected and nothing of it is delivered" in shown.text
    assert confirm(client, shown.text).status_code == 303

    detail = _show(fresh, fresh.rejected_id)
    assert detail["state"] == "rejected" and detail["delivered"] == 0
    resolved = detail["resolved"]
    assert isinstance(resolved, dict) and resolved["by"] == "otto"
    assert resolved["comment"] == "keyed into the CIS by hand, ticket 4711"
    [entry] = detail["audit"]  # type: ignore[misc]
    assert (entry["action"], entry["outcome_state"]) == ("resolve", "resolved")
    listed = {f["id"]: f for f in fresh.work.hub("files", "--json").json()["files"]}
    assert listed[fresh.rejected_id]["resolved_by"] == "otto"
    assert listed[fresh.delivered_id]["resolved_by"] is None
    assert "rejected (resolved by otto)" in fresh.work.hub("files").stdout
    shown_text = fresh.work.hub("show", str(fresh.rejected_id)).stdout
    assert "resolved elsewhere by otto" in shown_text and "ticket 4711" in shown_text
    page = client.get(f"/files/{fresh.rejected_id}").text
    assert "resolved elsewhere by otto" in page and "ticket 4711" in page
    assert "Mark as resolved elsewhere…" not in page
    assert '<a href="/files?state=rejected">0 rejected</a>' in client.get("/").text, "no longer waiting"
    again = preview(client, fresh.rejected_id, "resolve", comment="twice")
    assert again.status_code == 400 and "marked resolved already by otto" in again.text


def test_the_upload_size_limit_and_hostile_names(fresh: Hub) -> None:
    client = _client(fresh, "otto", upload_limit=5000)
    res = preview(client, fresh.rejected_id, "corrected", upload=("route-south.csv", CORRECTED))
    assert len(CORRECTED) > 5000
    assert res.status_code == 413 and "larger than the console takes" in res.text
    for name in ("..", "a\x1b[31mred.csv", "report\u202e.csv"):
        res = preview(client, fresh.rejected_id, "corrected", upload=(name, b"x,y\n"))
        assert res.status_code == 400 and "refused file name" in res.text, name
    empty = preview(client, fresh.rejected_id, "corrected", upload=("route-south.csv", b""))
    assert empty.status_code == 400
    long = preview(client, fresh.rejected_id, "resolve", comment="x" * 2001)
    assert long.status_code == 400 and "longer than 2000 characters" in long.text
    token = csrf_of(client.get("/files/999").text)  # the error page's log-out form carries it too
    data = {"csrf_token": token, "file_id": "999", "action": "reprocess"}
    assert client.post("/actions/preview", data=data).status_code == 404
    assert _uploads(fresh) == []
    assert len(fresh.work.hub("files", "--json").json()["files"]) == 2, "nothing landed"
    assert _show(fresh, fresh.rejected_id)["audit"] == []


def test_a_preview_is_confirmed_only_by_its_session_and_only_while_the_file_is_unchanged(fresh: Hub) -> None:
    first, second = _client(fresh, "otto"), _client(fresh, "otto")
    shown = preview(first, fresh.rejected_id, "accept-valid-rows")
    page = second.get(f"/files/{fresh.rejected_id}").text
    stolen = second.post(
        "/actions/confirm", data={"csrf_token": csrf_of(page), "token": confirm_token(shown.text)}
    )
    assert stolen.status_code == 409
    other = preview(second, fresh.rejected_id, "resolve", comment="done by phone")
    assert confirm(second, other.text).status_code == 303  # the file changed since the first preview
    late = confirm(first, shown.text)
    assert late.status_code == 409 and "changed since the preview" in late.text
    detail = _show(fresh, fresh.rejected_id)
    assert detail["delivered"] == 0 and [a["action"] for a in detail["audit"]] == ["resolve"]  # type: ignore[union-attr]


def test_hub_reprocess_is_recorded_in_the_audit_trail_too(fresh: Hub) -> None:
    res = fresh.work.hub("reprocess", str(fresh.rejected_id), "--accept-valid-rows", "--json")
    assert res.code == 1 and res.json()["delivered"] == 195  # 5 rows still rejected: exit 1
    [entry] = _show(fresh, fresh.rejected_id)["audit"]  # type: ignore[misc]
    assert entry["user"].endswith("(command line)") and entry["action"] == "accept-valid-rows"
    assert entry["outcome_state"] == "delivered" and "195 delivered" in entry["detail"]
    assert fresh.work.hub("reprocess", "999").code == 2
    assert len(_show(fresh, fresh.rejected_id)["audit"]) == 1  # type: ignore[arg-type]
    page = _client(fresh, "vic").get(f"/files/{fresh.rejected_id}").text
    assert "(command line)</td>" in page


def _left_behind(hub: Hub, hours: float) -> Path:
    """An upload staged ``hours`` ago and never confirmed (its console stopped)."""
    folder = hub.work.root / "var" / "console-uploads" / os.urandom(12).hex()
    folder.mkdir(parents=True)
    path = folder / "route-south.csv"
    path.write_bytes(CORRECTED)
    then = time.time() - hours * 3600
    for p in (path, folder):
        os.utime(p, (then, then))
    return path


def test_uploads_never_confirmed_are_removed_once_old_never_one_waiting(fresh: Hub) -> None:
    old, recent = _left_behind(fresh, 25), _left_behind(fresh, 23)
    client = _client(fresh, "otto")
    assert not old.exists(), "removed when the console starts"
    assert recent.exists(), "younger than console.pending_upload_hours (24)"
    older = _left_behind(fresh, 30)
    shown = preview(client, fresh.rejected_id, "corrected", upload=("route-south-fixed.csv", CORRECTED))
    assert shown.status_code == 200
    assert not older.exists(), "removed at the next preview"
    [staged] = [p for p in _uploads(fresh) if p.name == "route-south-fixed.csv"]
    then = time.time() - 48 * 3600
    os.utime(staged, (then, then))
    os.utime(staged.parent, (then, then))
    other = preview(client, fresh.rejected_id, "resolve", comment="checking")
    assert other.status_code == 200
    assert staged.exists(), "a preview waiting for its confirmation keeps its upload, however old"
    res = confirm(client, shown.text)
    assert res.status_code == 303
    new_id = int(res.headers["location"].removeprefix("/files/").removesuffix("#audit"))
    assert _show(fresh, new_id)["delivered"] == 200
    assert _uploads(fresh) == [recent]


def test_a_files_report_is_named_by_what_it_holds(fresh: Hub) -> None:
    """A report of warnings only is offered as such, not as an error report; a clean file has none."""
    from tests.hub.test_ach_returns_e2e import configure, process, returns_file

    configure(fresh.work)
    code, out = process(fresh.work, "returns.ach", returns_file())  # an R97: a warning, delivered
    assert code == 0 and {p["severity"] for p in out["problems"]} == {"warning"}
    client = _client(fresh, "vic")
    page = client.get(f"/files/{out['id']}").text
    assert "Warnings report of the last run (CSV)" in page and "Error report" not in page
    report = client.get(f"/files/{out['id']}/errors.csv")
    assert report.status_code == 200 and "warnings.csv" in report.headers["content-disposition"]
    assert "No report for the last run" in client.get(f"/files/{fresh.delivered_id}").text
    assert "Error report of the last run (CSV)" in client.get(f"/files/{fresh.rejected_id}").text
