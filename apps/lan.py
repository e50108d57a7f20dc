"""The classroom network: this computer's addresses, the URLs trainees type, their QR codes.

``sakera serve --lan`` listens on every interface and allows websocket connections whose
``Origin`` is one of this computer's own addresses (:func:`host_addresses`) on the served port,
plus the ``--allow-origin`` extras: the allow-list is explicit, so the app does not depend on a
Tornado version that happens to accept same-origin websockets by itself.
"""

from __future__ import annotations

import fcntl
import ipaddress
import socket
import struct
import sys
from collections.abc import Iterable

_SIOCGIFADDR = 0x8915


def _linux_interface_addresses() -> list[str]:
    found = []
    for _index, name in socket.if_nameindex():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                packed = fcntl.ioctl(s.fileno(), _SIOCGIFADDR, struct.pack("256s", name[:15].encode()))
            except OSError:
                continue  # interface without an IPv4 address
        found.append(socket.inet_ntoa(packed[20:24]))
    return found


def host_addresses() -> list[str]:
    """IPv4 addresses of this computer (loopback excluded), private LAN addresses first."""
    found: set[str] = set()
    if sys.platform.startswith("linux"):
        try:
            found.update(_linux_interface_addresses())
        except OSError:
            pass
    try:
        found.update(str(info[4][0]) for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET))
    except OSError:
        pass
    addresses = []
    for text in found:
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            continue
        if not ip.is_loopback and not ip.is_link_local and not ip.is_unspecified:
            addresses.append(ip)
    return [str(ip) for ip in sorted(addresses, key=lambda ip: (not ip.is_private, ip))]


def allowed_origins(port: int, *, address: str, lan: bool, extra: Iterable[str] = ()) -> list[str]:
    """``host:port`` entries of the websocket allow-list.

    Always the bind address (unless it is the wildcard), ``localhost`` and ``127.0.0.1``; with
    ``lan`` every address of this computer and its host name; then ``extra`` (``HOST`` gets the
    served port, ``HOST:PORT`` is kept as it is).
    """
    hosts = ["localhost", "127.0.0.1"]
    if address not in ("", "0.0.0.0", "::"):
        hosts.insert(0, address)
    if lan:
        hosts += host_addresses()
        name = socket.gethostname()
        hosts += [name, f"{name}.local"] if name else []
    origins = [f"{h}:{port}" for h in hosts]
    for item in extra:
        item = item.strip().lower()
        if item:
            origins.append(item if ":" in item.rsplit("]", 1)[-1] else f"{item}:{port}")
    return list(dict.fromkeys(origins))


def trainee_urls(port: int, scheme: str = "http", *, lan: bool = True) -> list[str]:
    """The URLs trainees type: one per LAN address (``127.0.0.1`` when not on the LAN)."""
    hosts = host_addresses() if lan else []
    return [f"{scheme}://{h}:{port}/" for h in (hosts or ["127.0.0.1"])]


def qr_terminal(url: str) -> str:
    """A QR code of ``url`` drawn with block characters for the terminal."""
    import io

    import segno

    out = io.StringIO()
    segno.make(url, error="m").terminal(out=out, compact=True, border=2)
    return out.getvalue()


def qr_svg(url: str, scale: int = 4) -> str:
    """A QR code of ``url`` as an inline SVG element (no external image)."""
    import io

    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True,
                                    dark="#0b3d32", light="#ffffff")
    return out.getvalue().decode("utf-8")
