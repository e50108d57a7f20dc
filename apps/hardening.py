"""HTTP hardening of the Tornado application behind the Panel server.

* :class:`SecurityHeaders`: an output transform that adds the security headers to *every*
  response (pages, login, static files, errors): a Content-Security-Policy that lets BokehJS and
  Panel run (they need inline scripts, ``eval`` for compiled extensions, inline styles, data/blob
  images) but loads nothing from another host and may not be framed, plus ``X-Frame-Options``,
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy`` and ``Permissions-Policy``. With TLS
  also ``Strict-Transport-Security``.
* :func:`trust_proxy`: behind a reverse proxy doing TLS, take the client address and the scheme
  from ``X-Forwarded-For`` / ``X-Forwarded-Proto`` - but only on connections coming from the
  configured proxy addresses, so nobody else can claim HTTPS or another address (login
  throttling counts per address).
* :func:`harden_component_routes`: Panel's ``/components/...`` handler answers a path such as
  ``/components/..%2f`` with a 500 (a relative module import); ours answers 404. Panel's
  ``autoload.js`` handler logs a traceback for an anonymous request; ours answers 403.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Iterable
from typing import Any

from tornado.web import HTTPError, OutputTransform

log = logging.getLogger(__name__)

#: The Content-Security-Policy of every response.
CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self' ws: wss:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeaders(OutputTransform):
    """Adds :data:`SECURITY_HEADERS` (and HSTS over HTTPS) to every response."""

    def __init__(self, request: Any) -> None:
        super().__init__(request)
        self._https = getattr(request, "protocol", "http") == "https"

    def transform_first_chunk(self, status_code: int, headers: Any, chunk: bytes, finishing: bool):
        for name, value in SECURITY_HEADERS.items():
            headers.setdefault(name, value)
        if self._https:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return status_code, headers, chunk


def install_security_headers(tornado_app: Any) -> None:
    """Put :class:`SecurityHeaders` first in the application's output transforms."""
    if SecurityHeaders not in tornado_app.transforms:
        tornado_app.transforms.insert(0, SecurityHeaders)


def parse_networks(values: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """``["127.0.0.1", "10.0.0.0/24"]`` -> networks (a bare address is a /32 or /128).

    Raises
    ------
    ValueError
        Naming the value that is not an address or network.
    """
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"not an IP address or network: {value!r}") from None
    return networks


def _in(address: str, networks: list) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def apply_forwarded(request: Any, networks: list) -> None:
    """Take scheme and client address from the proxy's headers, if the peer is a trusted proxy.

    ``X-Forwarded-For`` is read from the right: the first address that is not itself a trusted
    proxy is the client.
    """
    peer = request.remote_ip
    if not _in(peer, networks):
        return
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    if proto in ("http", "https"):
        request.protocol = proto
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _in(hop, networks):
            try:
                request.remote_ip = str(ipaddress.ip_address(hop))
            except ValueError:
                pass
            break


def trust_proxy(tornado_app: Any, networks: list) -> None:
    """Apply :func:`apply_forwarded` to every request before it is routed."""
    find_handler = tornado_app.find_handler

    def find_handler_behind_proxy(request: Any, **kwargs: Any) -> Any:
        apply_forwarded(request, networks)
        return find_handler(request, **kwargs)

    tornado_app.find_handler = find_handler_behind_proxy


_MODULE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def _safe_component_handler(base: type) -> type:
    class SafeComponentResourceHandler(base):  # type: ignore[misc, valid-type]
        """Panel's component resource handler, answering 404 for malformed module paths."""

        def parse_url_path(self, path: str) -> str:
            module = path.split("/", 1)[0]
            if not _MODULE_RE.match(module):
                raise HTTPError(404)
            try:
                return super().parse_url_path(path)
            except HTTPError:
                raise
            except Exception:  # noqa: BLE001 - any failure to resolve a resource is "not found"
                raise HTTPError(404) from None

    return SafeComponentResourceHandler


def _safe_autoload_handler(base: type) -> type:
    class SafeAutoloadJsHandler(base):  # type: ignore[misc, valid-type]
        """Panel's ``autoload.js`` handler, answering 403 (not a logged traceback) when not logged in."""

        async def get(self, *args: Any, **kwargs: Any) -> None:
            if not self.current_user:
                raise HTTPError(403)
            await super().get(*args, **kwargs)

    return SafeAutoloadJsHandler


def harden_component_routes(tornado_app: Any) -> int:
    """Swap Panel's component-resource and autoload handlers for safe subclasses; routes changed.

    ``/components/<bad module>/...`` answers 404 instead of 500; an anonymous ``autoload.js``
    answers 403 instead of a redirect followed by a ``TypeError`` traceback in the server log.
    """
    from panel.io.server import AutoloadJsHandler, ComponentResourceHandler

    swaps = {ComponentResourceHandler: _safe_component_handler(ComponentResourceHandler),
             AutoloadJsHandler: _safe_autoload_handler(AutoloadJsHandler)}
    changed = 0
    for router in (tornado_app.default_router, tornado_app.wildcard_router):
        for rule in getattr(router, "rules", []):
            for sub in getattr(rule.target, "rules", [rule]):
                if sub.target in swaps:
                    sub.target = swaps[sub.target]
                    changed += 1
    return changed
