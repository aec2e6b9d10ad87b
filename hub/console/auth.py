"""Sessions, log-in checks and CSRF tokens for the console's pages.

The session lives in a signed cookie (Starlette's ``SessionMiddleware``: HttpOnly, SameSite=Lax,
Secure when served over TLS). It holds the user's name and the CSRF token every form carries; the
user is looked up again on every request, so a disabled user is out at once."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from functools import wraps
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.engine.users import User, active_user

Handler = Callable[[Request], Awaitable[Response]]
CSRF_FIELD = "csrf_token"


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use, also before log-in for the log-in form)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Refuse (403) a POST whose form does not carry the session's CSRF token."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = request.session.get("csrf")
    if not isinstance(sent, str) or not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        raise HTTPException(403, "This form has expired or did not come from the console; reload the page.")


def start_session(request: Request, user: User) -> None:
    """A fresh session for ``user`` (a new CSRF token: nothing from before the log-in is kept)."""
    request.session.clear()
    request.session["user"] = user.name
    request.session["csrf"] = secrets.token_urlsafe(32)


def end_session(request: Request) -> None:
    request.session.clear()


def current_user(request: Request) -> User | None:
    name = request.session.get("user")
    if not isinstance(name, str):
        return None
    user = active_user(request.app.state.settings, name)
    if user is None:  # disabled or removed since the log-in
        request.session.clear()
    return user


def login_required(handler: Handler) -> Handler:
    """A page only a logged-in, enabled user sees; anyone else is sent to the log-in page."""

    @wraps(handler)
    async def guarded(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        user = await run_in_threadpool(current_user, request)
        if user is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        request.state.user = user
        return await handler(request)

    return guarded


RANK = {"viewer": 0, "operator": 1, "admin": 2}


def require_role(request: Request, role: str) -> None:
    """Refuse (403) a user whose role is below ``role`` (viewers read; operators act; admins also
    download landed files)."""
    user: User = request.state.user
    if RANK.get(user.role, -1) < RANK[role]:
        raise HTTPException(403, f"Your role ({user.role}) does not allow this; it needs {role} or admin.")


def may(user: User | None, role: str) -> bool:
    """Whether ``user`` has ``role`` or a higher one (for the templates: which buttons to show)."""
    return user is not None and RANK.get(user.role, -1) >= RANK[role]


def sees_unmasked(request: Request) -> bool:
    """Whether the logged-in user's role sees account numbers and names unmasked on the pages
    (``console.unmasked_roles``; downloads of error reports stay masked for everyone)."""
    user: User | None = getattr(request.state, "user", None)
    return user is not None and user.role in request.app.state.options.unmasked_roles


def safe_next(target: str | None) -> str:
    """Where to go after log-in: a path of this site only (never another site)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"
