"""The web UI: the staff page, the admin page and their static assets, served by the app itself.

Only a fixed list of files is served, each with a Content-Security-Policy that allows this origin's own
scripts and styles and, for sign-in, the configured issuer's token endpoint: no inline script, no CDN.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse, Response

from serving.context import ServingContext
from serving.dependencies import serving_context
from serving.errors import NotFound

router = APIRouter(include_in_schema=False)

UI_DIR = Path(__file__).resolve().parent.parent / "ui"
UI_FILES = {
    "index.html": "text/html; charset=utf-8",
    "admin.html": "text/html; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "auth.js": "text/javascript; charset=utf-8",
    "ask.js": "text/javascript; charset=utf-8",
    "admin.js": "text/javascript; charset=utf-8",
}


def page_policy(issuer: str | None) -> str:
    """CSP for the UI. With an external IdP the browser also posts to its token endpoint (PKCE, public client)."""
    connect = "'self'"
    if issuer:
        parts = urlsplit(issuer)
        connect += f" {parts.scheme}://{parts.netloc}"
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        f"connect-src {connect}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )


@lru_cache(maxsize=len(UI_FILES))
def _asset(name: str) -> bytes:
    return (UI_DIR / name).read_bytes()


def _serve(name: str, context: ServingContext) -> Response:
    if name not in UI_FILES:
        raise NotFound("no such page")
    headers = {"Content-Security-Policy": page_policy(context.settings.auth.issuer), "Cache-Control": "no-cache"}
    return Response(_asset(name), media_type=UI_FILES[name], headers=headers)


@router.get("/")
async def root() -> RedirectResponse:
    return RedirectResponse("/ui/", status_code=307)


@router.get("/ui")
async def ui_without_slash() -> RedirectResponse:
    return RedirectResponse("/ui/", status_code=307)


@router.get("/ui/")
async def staff_page(context: ServingContext = Depends(serving_context)) -> Response:
    return _serve("index.html", context)


@router.get("/ui/{name}")
async def ui_file(name: str, context: ServingContext = Depends(serving_context)) -> Response:
    return _serve(name, context)
