"""The console's ASGI application: routes, session cookie, security headers, templates."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.console import actions, pages, reports
from hub.console.auth import may
from hub.console.money import dollars
from hub.console.pending import PendingActions, sweep_uploads
from hub.console.secret import session_secret
from hub.engine.actions import ACTIONS
from hub.engine.config_console import PENDING_UPLOAD_HOURS, SESSION_HOURS, UPLOAD_LIMIT_MB
from hub.engine.users import LOCK_AFTER, LOCK_MINUTES

if TYPE_CHECKING:
    from hub.engine.config import Settings
    from hub.engine.config_console import ConsoleConfig

HERE = Path(__file__).parent
UPLOAD_LIMIT = UPLOAD_LIMIT_MB * 10**6  # bytes: a corrected file uploaded through the page
HEADERS = [
    (b"content-security-policy", b"default-src 'self'; form-action 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


@dataclass(frozen=True)
class ConsoleOptions:
    """How the console is served: over TLS (the cookie is then Secure), the lock-out rule, the
    largest corrected file it takes (bytes), how long a session lasts, the roles that see account
    numbers unmasked and how long an upload never confirmed is kept (hub.yaml's ``console:``)."""

    tls: bool = False
    lock_after: int = LOCK_AFTER
    lock_minutes: float = LOCK_MINUTES
    upload_limit: int = UPLOAD_LIMIT
    session_hours: float = SESSION_HOURS
    unmasked_roles: tuple[str, ...] = ("admin",)
    pending_upload_hours: float = PENDING_UPLOAD_HOURS

    @classmethod
    def of(cls, config: ConsoleConfig, **overrides: Any) -> ConsoleOptions:
        """The options hub.yaml's ``console:`` section says, each of ``overrides`` (the command
        line's, None: not given) winning over it."""
        given = {k: v for k, v in overrides.items() if v is not None}
        if "upload_limit_mb" in given:
            given["upload_limit"] = given.pop("upload_limit_mb") * 10**6
        return cls(
            **{
                "tls": config.tls_cert is not None,
                "lock_after": config.lock_after,
                "lock_minutes": config.lock_minutes,
                "upload_limit": config.upload_limit_mb * 10**6,
                "session_hours": config.session_hours,
                "unmasked_roles": tuple(config.unmasked_roles),
                "pending_upload_hours": config.pending_upload_hours,
                **given,
            }
        )


class SecurityHeaders:
    """Every response: no framing, no sniffing, no caching of pages, scripts from the console only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


def _error_page(templates: Jinja2Templates) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def shown(request: Request, exc: Exception) -> Response:
        code = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = exc.detail if isinstance(exc, HTTPException) else "Something went wrong."
        csrf = request.session.get("csrf", "") if "session" in request.scope else ""
        context = {"code": code, "detail": detail, "user": getattr(request.state, "user", None), "csrf": csrf}
        return templates.TemplateResponse(request, "error.html", context, status_code=code)

    return shown


def create_app(settings: Settings, options: ConsoleOptions | None = None) -> Starlette:
    """The console for the hub of ``settings`` (its session secret made under ``var/`` if missing;
    ``options``: hub.yaml's ``console:`` section unless given). Uploads left unconfirmed longer than
    the options allow are removed now, and again at each preview."""
    options = options or ConsoleOptions.of(settings.config.console)
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    templates = Jinja2Templates(env=env)
    templates.env.globals["csrf_field"] = pages.CSRF_FIELD
    templates.env.globals["may"] = may
    templates.env.globals["action_labels"] = dict(ACTIONS)
    templates.env.filters["dollars"] = dollars
    routes = [
        Route("/login", pages.login_form, methods=["GET"]),
        Route("/login", pages.login, methods=["POST"]),
        Route("/logout", pages.logout, methods=["POST"]),
        Route("/", pages.today, methods=["GET"]),
        Route("/files", pages.files, methods=["GET"]),
        Route("/files/{file_id:int}", pages.file, methods=["GET"]),
        Route("/files/{file_id:int}/errors.csv", actions.error_report, methods=["GET"]),
        Route("/files/{file_id:int}/landed", actions.landed, methods=["GET"]),
        Route("/reconcile", reports.reconciliation, methods=["GET"]),
        Route("/suspense", reports.suspense, methods=["GET"]),
        Route("/volumes", reports.volume, methods=["GET"]),
        Route("/actions/preview", actions.preview, methods=["POST"]),
        Route("/actions/confirm", actions.confirm, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(
            SessionMiddleware,
            secret_key=session_secret(settings.var),
            session_cookie="hub_console",
            max_age=int(options.session_hours * 3600),
            same_site="lax",
            https_only=options.tls,
        ),
    ]
    handler = _error_page(templates)
    app = Starlette(
        routes=routes, middleware=middleware, exception_handlers={HTTPException: handler, 500: handler}
    )
    app.state.settings = settings
    app.state.options = options
    app.state.templates = templates
    app.state.pending = PendingActions()
    sweep_uploads(app)
    return app
