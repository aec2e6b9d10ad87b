"""The console's report pages: a deposit date's reconciliation (lockbox against bank), the
payments delivered in suspense and each exchange's daily volumes. Each page asks the engine in a worker
thread."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from hub.console.auth import login_required, sees_unmasked
from hub.console.chart import volume_chart
from hub.console.pages import page_number, render
from hub.engine import browse, operator
from hub.engine.suspense import suspense_payments
from hub.engine.volumes import DAYS, volumes

SUSPENSE_PER_PAGE = 50
STATUS_WORDS = {
    "matched": "matched",
    "missing-bank": "missing on the bank side",
    "missing-lockbox": "missing on the lockbox side",
    "different": "different amounts",
}


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(400, "the date must be a date like 2026-12-06") from None


@login_required
async def reconciliation(request: Request) -> Response:
    """A deposit date's lockboxes, both sides, the difference and the status (``?date=D``; the
    form asks for a date when none is given)."""
    settings = request.app.state.settings
    day = _day(request.query_params.get("date"))
    result = None
    if day is not None:
        result = await run_in_threadpool(operator.reconcile, settings, day)
    summary = await run_in_threadpool(browse.today, settings)
    return render(
        request,
        "reconcile.html",
        day=day.isoformat() if day else "",
        result=result,
        unreconciled=summary.unreconciled,
        words=STATUS_WORDS,
    )


@login_required
async def suspense(request: Request) -> Response:
    """The payments delivered in suspense with their reasons: by deposit date (``?first=&last=``),
    or, with no date given, those delivered in the last 7 days; ``SUSPENSE_PER_PAGE`` a page."""
    settings = request.app.state.settings
    first = _day(request.query_params.get("first"))
    last = _day(request.query_params.get("last"))
    if first is not None and last is not None and last < first:
        raise HTTPException(400, "the last deposit date comes before the first")
    unmask = sees_unmasked(request)
    found = await run_in_threadpool(
        lambda: suspense_payments(settings, first=first, last=last, unmask=unmask)
    )
    number = page_number(request.query_params.get("page"))
    start = (number - 1) * SUSPENSE_PER_PAGE
    page = browse.Page(
        found.payments[start : start + SUSPENSE_PER_PAGE], len(found.payments), number, SUSPENSE_PER_PAGE
    )
    kept = {k: v for k, v in request.query_params.items() if k in ("first", "last") and v}
    return render(
        request,
        "suspense.html",
        first=first.isoformat() if first else "",
        last=last.isoformat() if last else "",
        found=found,
        page=page,
        query=lambda n: urlencode({**kept, "page": n}),
        unmasked=unmask,
    )


@login_required
async def volume(request: Request) -> Response:
    """Each exchange's files, rows delivered and rows rejected per day over the last 60 days: a
    chart and its table for every exchange with files in that time."""
    found = await run_in_threadpool(volumes, request.app.state.settings)
    active = [v for v in found if v.files]
    charts = [(v, volume_chart(v), [d for d in v.days if d.files]) for v in active]
    idle = [v.exchange for v in found if not v.files]
    return render(request, "volumes.html", charts=charts, idle=idle, days=DAYS)
