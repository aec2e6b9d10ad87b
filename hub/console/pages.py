"""The console's pages: log-in and log-out, Today, the files list and a file's page (read-only:
the actions are in ``hub.console.actions``). Each page asks the engine (``hub.engine.browse``) in
a worker thread."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.console.auth import (
    CSRF_FIELD,
    check_csrf,
    csrf_token,
    end_session,
    login_required,
    safe_next,
    sees_unmasked,
    start_session,
)
from hub.engine import browse
from hub.engine.suspense import suspense_payments
from hub.engine.users import log_in
from hub.kernel.errors import NotFound

__all__ = ["CSRF_FIELD", "file", "files", "login", "login_form", "logout", "render", "today"]
FILES_PER_PAGE = 50
PROBLEMS_PER_PAGE = 100
STATES = (*browse.FILE_STATES, "failed")


def render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    context.setdefault("user", getattr(request.state, "user", None))
    context["csrf"] = csrf_token(request)
    response: Response = request.app.state.templates.TemplateResponse(
        request, template, context, status_code=status
    )
    return response


def page_number(value: str | None, default: int = 1) -> int:
    try:
        return max(1, int(value)) if value else default
    except ValueError:
        return default


async def login_form(request: Request) -> Response:
    return render(request, "login.html", next=safe_next(request.query_params.get("next")))


async def login(request: Request) -> Response:
    """Check name and password; a wrong one, an unknown name and a disabled user get the same
    answer; a locked name is told it is locked (and for how long), nothing more."""
    await check_csrf(request)
    form = await request.form()
    name, password = str(form.get("name", "")).strip(), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "/")))
    opts = request.app.state.options
    result = await run_in_threadpool(
        log_in,
        request.app.state.settings,
        name,
        password,
        lock_after=opts.lock_after,
        lock_minutes=opts.lock_minutes,
    )
    if result.verdict == "ok" and result.user is not None:
        start_session(request, result.user)
        return RedirectResponse(target, status_code=303)
    if result.verdict == "locked":
        error = "This user is locked after too many failed log-ins. Try again later or ask an admin."
    else:
        error = "Log-in failed: wrong user name or password, or the user is disabled."
    return render(
        request,
        "login.html",
        status=401 if result.verdict != "locked" else 423,
        error=error,
        name=name,
        next=target,
    )


async def logout(request: Request) -> Response:
    await check_csrf(request)
    end_session(request)
    return RedirectResponse("/login", status_code=303)


@login_required
async def today(request: Request) -> Response:
    settings = request.app.state.settings
    summary = await run_in_threadpool(browse.today, settings)
    suspended = await run_in_threadpool(lambda: suspense_payments(settings))
    return render(request, "today.html", today=summary, suspended=suspended)


@login_required
async def files(request: Request) -> Response:
    q = request.query_params
    state = q.get("state") or None
    if state is not None and state not in STATES:
        raise HTTPException(400, f"{state!r} is not a file state")
    day: date | None = None
    if q.get("day"):
        try:
            day = date.fromisoformat(q["day"])
        except ValueError:
            raise HTTPException(400, "the day must be a date like 2026-12-06") from None
    settings = request.app.state.settings
    page = await run_in_threadpool(
        lambda: browse.files_page(
            settings,
            exchange=q.get("exchange") or None,
            state=state,
            day=day,
            name=q.get("name") or None,
            page=page_number(q.get("page")),
            per_page=FILES_PER_PAGE,
        )
    )
    kept = {k: v for k, v in q.items() if k != "page" and v}
    return render(
        request,
        "files.html",
        page=page,
        filters=kept,
        query=lambda n: urlencode({**kept, "page": n}),
        exchanges=list(settings.exchanges),
        states=STATES,
    )


@login_required
async def file(request: Request) -> Response:
    file_id = int(request.path_params["file_id"])
    search = request.query_params.get("q") or None
    settings = request.app.state.settings
    try:
        detail = await run_in_threadpool(
            lambda: browse.file_page(
                settings,
                file_id,
                search=search,
                page=page_number(request.query_params.get("page")),
                per_page=PROBLEMS_PER_PAGE,
                unmask=sees_unmasked(request),
            )
        )
    except NotFound:
        raise HTTPException(404, f"There is no file {file_id} in the ledger.") from None
    kept = {"q": search} if search else {}
    return render(
        request,
        "file.html",
        unmasked=sees_unmasked(request),
        upload_mb=request.app.state.options.upload_limit // 10**6,
        f=detail,
        search=search or "",
        query=lambda n: urlencode({**kept, "page": n}),
    )
