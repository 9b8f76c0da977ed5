"""The Playground: the web page at ``/`` and ``/playground``, and its static assets under
``/playground/``. Public (see :func:`voxray_runtime.api.headers.is_public`): the page holds no data, and
every API call it makes carries the caller's key. The assets ship in the package
(``voxray_runtime/playground``) and are read once; only those files can be served."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

import voxray_runtime
from voxray_runtime.api.errors import Problem
from voxray_runtime.api.headers import CSP_PAGE

ASSETS_DIR = Path(voxray_runtime.__file__).resolve().parent / "playground"
PAGE = "index.html"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}

router = APIRouter(include_in_schema=False)


@cache
def assets() -> dict[str, tuple[bytes, str]]:
    """Every shipped asset by its path under the assets directory, with its content type."""
    out = {}
    for path in sorted(ASSETS_DIR.rglob("*")):
        kind = CONTENT_TYPES.get(path.suffix)
        if path.is_file() and kind is not None:
            out[path.relative_to(ASSETS_DIR).as_posix()] = (path.read_bytes(), kind)
    return out


def _page() -> Response:
    body, kind = assets()[PAGE]
    return Response(
        body,
        media_type=kind,
        headers={"Content-Security-Policy": CSP_PAGE.decode()},
    )


@router.get("/")
async def root(request: Request) -> Response:
    """The Playground (Serve's route prefix without its trailing slash is redirected to it, so that the
    page's relative links resolve under the prefix)."""
    if not request.url.path.endswith("/"):
        return RedirectResponse(request.url.path + "/", status_code=308)
    return _page()


@router.get("/playground")
async def playground() -> Response:
    return _page()


@router.get("/playground/{asset:path}")
async def asset(asset: str) -> Response:
    if asset in ("", PAGE):
        return RedirectResponse("../playground", status_code=308)
    found = assets().get(asset)
    if found is None:
        raise Problem(404, "not-found", "Not found", f"the Playground has no asset {asset!r}")
    body, kind = found
    return Response(body, media_type=kind)
