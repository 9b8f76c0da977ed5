"""Security headers and the paths answered without authentication (pure constants and one predicate).

Every response carries :data:`SECURITY_HEADERS` and a Content-Security-Policy: :data:`CSP_NONE` on the
API's JSON, problem+json and audio (nothing in them may load or run anything), :data:`CSP_DOCS` on the
Swagger UI and ReDoc pages, :data:`CSP_PAGE` on the Playground's page (its own scripts, styles and
API only: no inline code, no other origin).
"""

from __future__ import annotations

#: paths answered without authentication: probes must work without credentials
PUBLIC_PATHS = frozenset({"/healthz", "/readyz"})
#: the Playground's page and its static assets: public (they hold no data; the page asks for a key and
#: every API call it makes is authenticated like any other)
PAGE_PATHS = frozenset({"/", "/playground"})
PAGE_ASSET_PREFIX = "/playground/"

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
#: JSON, problem+json and audio: nothing in them may load or run anything
CSP_NONE = b"default-src 'none'; frame-ancestors 'none'"
#: the Swagger UI and ReDoc pages (FastAPI loads them from jsDelivr and runs a short inline script)
CSP_DOCS = (
    b"default-src 'none'; script-src 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"style-src 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    b"font-src https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com; "
    b"connect-src 'self'; worker-src blob:; frame-ancestors 'none'"
)
#: the Playground: scripts and styles from this origin only (no inline ones), API calls to this origin,
#: audio from this origin or from blobs the page made (streamed MediaSource, fetched files)
CSP_PAGE = (
    b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    b"media-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    b"frame-ancestors 'none'"
)


def is_public(path: str) -> bool:
    """Whether ``path`` (inside the app) is answered without authentication."""
    return path in PUBLIC_PATHS or path in PAGE_PATHS or path.startswith(PAGE_ASSET_PREFIX)
