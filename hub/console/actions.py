"""The console's actions on a file and its downloads. An action is two POSTs: the preview (what it
will do, checked as ``hub validate`` checks a file) and the confirmation carrying the preview's
token, which runs it through the engine (``hub.engine.actions``) and records it in the audit
trail. Operators and admins act; viewers see no buttons and are refused (403)."""

from __future__ import annotations

from collections.abc import Iterator

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from hub.console.auth import check_csrf, csrf_token, login_required, require_role, sees_unmasked
from hub.console.pages import render
from hub.console.pending import Pending, PendingActions, sweep_uploads
from hub.engine import actions, browse
from hub.kernel.errors import HubError, NotFound, UsageError

CHUNK = 1 << 20
FORM_SLACK = 1 << 20  # the form's other fields and the multipart framing around the upload


def _pending(request: Request) -> PendingActions:
    store: PendingActions = request.app.state.pending
    return store


def _chunks(upload: UploadFile) -> Iterator[bytes]:
    upload.file.seek(0)
    while chunk := upload.file.read(CHUNK):
        yield chunk


def _file_id(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise HTTPException(400, "The form names no file.") from None


def _refuse_large_body(request: Request, limit: int) -> None:
    """413 before reading a body larger than an upload may be (411 when it does not say)."""
    length = request.headers.get("content-length")
    if length is None:
        raise HTTPException(411, "The upload must say its length.")
    if not length.isdigit() or int(length) > limit + FORM_SLACK:
        raise HTTPException(
            413, f"The corrected file is larger than the console takes ({limit // 10**6} MB)."
        )


@login_required
async def preview(request: Request) -> Response:
    """Check what the action would do and show it with a button that confirms it."""
    require_role(request, "operator")
    limit: int = request.app.state.options.upload_limit
    _refuse_large_body(request, limit)
    form = await request.form(max_files=1, max_fields=20)
    await check_csrf(request)
    file_id, action = _file_id(form.get("file_id")), str(form.get("action", ""))
    if action not in actions.ACTIONS:
        raise HTTPException(400, f"Unknown action {action!r}.")
    comment = str(form.get("comment", "")).strip() or None
    accept = form.get("accept_valid_rows") == "yes"
    settings = request.app.state.settings
    staged = None
    upload = form.get("upload")
    await run_in_threadpool(sweep_uploads, request.app)
    if action == "corrected":
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise HTTPException(400, "Choose the corrected file to upload.")
        try:
            staged = await run_in_threadpool(
                actions.stage_upload, settings, upload.filename, _chunks(upload), limit=limit
            )
        except actions.TooLarge as exc:
            raise HTTPException(413, str(exc)) from None
        except HubError as exc:  # a refused name (as the connectors refuse it), an empty file
            raise HTTPException(400, str(exc)) from None
    unmask = sees_unmasked(request)
    try:
        shown = await run_in_threadpool(
            lambda: actions.preview(
                settings,
                file_id,
                action,
                upload=staged,
                accept_valid_rows=accept,
                comment=comment,
                unmask=unmask,
            )
        )
    except HubError as exc:
        actions.discard_upload(staged)
        unknown = isinstance(exc, NotFound) and not isinstance(exc, UsageError)
        raise HTTPException(404 if unknown else 400, str(exc)) from None
    user = request.state.user
    pending = Pending(user.name, csrf_token(request), file_id, action, shown.seen, staged, accept, comment)
    token = _pending(request).add(pending)
    return render(
        request,
        "preview.html",
        p=shown,
        token=token,
        label=actions.ACTIONS[action],
        comment=comment,
        unmasked=unmask,
    )


@login_required
async def confirm(request: Request) -> Response:
    """Run the previewed action (once: the token is used up) and go to the file that ran."""
    require_role(request, "operator")
    form = await request.form()
    await check_csrf(request)
    user = request.state.user
    pending = _pending(request).take(str(form.get("token", "")), user=user.name, session=csrf_token(request))
    if pending is None:
        raise HTTPException(
            409, "This preview has expired or was confirmed already; preview the action again."
        )
    settings = request.app.state.settings
    try:
        done = await run_in_threadpool(
            lambda: actions.perform(
                settings,
                user.name,
                pending.file_id,
                pending.action,
                seen=pending.seen,
                upload=pending.upload,
                accept_valid_rows=pending.accept_valid_rows,
                comment=pending.comment,
            )
        )
    except UsageError as exc:
        raise HTTPException(409, str(exc)) from None
    except HubError as exc:
        raise HTTPException(503, f"{exc} (nothing is lost: try again when the cause is fixed)") from None
    finally:
        _pending(request).done(pending)
    return RedirectResponse(f"/files/{done.outcome_file_id or done.file_id}#audit", status_code=303)


def _sent(download: browse.Download, media_type: str) -> Response:
    """A download: an attachment (never shown in the page), not cached (the security headers)."""
    return FileResponse(download.path, media_type=media_type, filename=download.name)


@login_required
async def error_report(request: Request) -> Response:
    """The last run's error report (CSV, personal values masked): every role."""
    file_id = int(request.path_params["file_id"])
    try:
        found = await run_in_threadpool(browse.error_report, request.app.state.settings, file_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    return _sent(found, "text/csv; charset=utf-8")


@login_required
async def landed(request: Request) -> Response:
    """The landed file as received: admins only (it holds unmasked account numbers)."""
    require_role(request, "admin")
    file_id = int(request.path_params["file_id"])
    try:
        found = await run_in_threadpool(browse.landed_file, request.app.state.settings, file_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    return _sent(found, "application/octet-stream")
