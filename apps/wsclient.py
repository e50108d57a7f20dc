"""A small asyncio client speaking Bokeh's websocket protocol, with the app's login cookie.

Used by the load benchmark (``benchmarks/bench_app_load.py``) and by the access tests: it logs in
through ``/login`` like a browser, loads a page to get its session token, opens the page's
websocket, pulls the document, and can change widget values, click buttons and wait for the
server's replies. ``bokeh.client.pull_session`` cannot send the login cookie, hence this client.

Widgets are found by their Bokeh ``tags`` (the pages tag the controls a client needs, e.g.
``"sakera-submit"``).
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

_TOKEN_RE = re.compile(r'"token"\s*:\s*"([^"]+)"')
_XSRF_RE = re.compile(r'name="_xsrf" value="([^"]+)"')


class AccessRefused(Exception):
    """The server refused the page or its websocket."""


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _set_cookies(response_headers, cookies: dict[str, str]) -> None:
    for raw in response_headers.get_list("Set-Cookie"):
        pair = raw.split(";", 1)[0]
        name, _, value = pair.partition("=")
        value = value.strip('"') if value.startswith('"') and value.endswith('"') else value
        if value:
            cookies[name.strip()] = value
        else:
            cookies.pop(name.strip(), None)


async def http_get(url: str, cookies: dict[str, str] | None = None, timeout: float = 30.0):
    """GET without following redirects; returns the tornado response (any status)."""
    client = AsyncHTTPClient()
    headers = {"Cookie": _cookie_header(cookies)} if cookies else {}
    request = HTTPRequest(url, headers=headers, follow_redirects=False, request_timeout=timeout)
    return await client.fetch(request, raise_error=False)


async def post_login(base_url: str, username: str, password: str, timeout: float = 30.0,
                     source: str | None = None) -> tuple[str, dict[str, str]]:
    """Submit the login form like a browser: ``(Location of the answer, cookies)``.

    ``source`` is the local address to connect from (e.g. ``127.0.0.3``, standing in for
    another PC; any 127.x address works on the loopback).
    """
    cookies: dict[str, str] = {}
    client = AsyncHTTPClient()
    page = await client.fetch(HTTPRequest(base_url + "/login", request_timeout=timeout, network_interface=source),
                              raise_error=False)
    _set_cookies(page.headers, cookies)
    match = _XSRF_RE.search(page.body.decode("utf-8"))
    if match is None:
        raise AccessRefused("no login form at /login")
    body = urlencode({"username": username, "password": password, "_xsrf": match.group(1)})
    response = await client.fetch(
        HTTPRequest(
            base_url + "/login",
            method="POST",
            body=body,
            headers={"Cookie": _cookie_header(cookies), "Content-Type": "application/x-www-form-urlencoded"},
            follow_redirects=False,
            request_timeout=timeout,
            network_interface=source,
        ),
        raise_error=False,
    )
    _set_cookies(response.headers, cookies)
    return (response.headers.get("Location", "") if response.code == 302 else f"HTTP {response.code}"), cookies


async def login(base_url: str, username: str, password: str, timeout: float = 30.0,
                source: str | None = None) -> dict[str, str]:
    """Log in through the form like a browser; returns the cookies (``user``, ``id_token``, ...).

    Raises
    ------
    AccessRefused
        If the login is refused.
    """
    location, cookies = await post_login(base_url, username, password, timeout, source)
    if location.startswith("HTTP") or "user" not in cookies or "error=" in location:
        raise AccessRefused(f"login refused for {username!r} ({location})")
    return cookies


def iter_objects(node: Any) -> Iterator[dict[str, Any]]:
    """Every serialized Bokeh model object inside a document JSON (depth first)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("type") == "object" and "id" in item:
                yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


@dataclass
class BokehSession:
    """One open Bokeh session of a page (see :func:`open_session`)."""

    ws: WebSocketClientConnection
    path: str
    doc: dict[str, Any] = field(default_factory=dict)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    _pending: list[list[Any]] = field(default_factory=list)

    async def _read_message(self, timeout: float) -> tuple[dict, dict, dict]:
        frames: list[Any] = []
        header: dict[str, Any] | None = None
        while True:
            frame = await asyncio.wait_for(self.ws.read_message(), timeout)
            if frame is None:
                raise AccessRefused(f"websocket of {self.path} closed by the server")
            frames.append(frame)
            if header is None:
                header = json.loads(frames[0])
            if len(frames) >= 3 + int(header.get("num_buffers", 0)):
                return header, json.loads(frames[1]), json.loads(frames[2])

    async def send(self, msgtype: str, content: dict[str, Any]) -> str:
        msgid = uuid.uuid4().hex[:12]
        await self.ws.write_message(json.dumps({"msgid": msgid, "msgtype": msgtype}))
        await self.ws.write_message("{}")
        await self.ws.write_message(json.dumps(content))
        return msgid

    async def receive(self, timeout: float = 30.0) -> tuple[dict, dict]:
        """The next message: ``(header, content)``."""
        header, _meta, content = await self._read_message(timeout)
        return header, content

    async def pull(self, timeout: float = 30.0) -> None:
        """Pull the document and index its models by id."""
        msgid = await self.send("PULL-DOC-REQ", {})
        while True:
            header, content = await self.receive(timeout)
            if header.get("msgtype") == "ERROR":
                raise AccessRefused(f"server error on {self.path}: {content}")
            if header.get("msgtype") == "PULL-DOC-REPLY" and header.get("reqid") == msgid:
                self.doc = content["doc"]
                self._index(self.doc)
                return

    def _index(self, node: Any) -> None:
        for obj in iter_objects(node):
            known = self.models.get(obj["id"])
            if known is None or "attributes" in obj:
                self.models[obj["id"]] = obj

    def find(self, tag: str) -> str:
        """Id of the model carrying ``tag`` in its Bokeh ``tags`` (the newest one if several)."""
        for model_id, obj in reversed(self.models.items()):
            if tag in (obj.get("attributes", {}).get("tags") or []):
                return model_id
        raise KeyError(f"no model tagged {tag!r} on {self.path}")

    def attribute(self, model_id: str, name: str) -> Any:
        """Last known value of a model attribute (from the pulled doc and the patches since)."""
        return self.models[model_id].get("attributes", {}).get(name)

    async def document_ready(self) -> None:
        """Tell the server the page is rendered, as a browser does (runs ``pn.state.onload`` callbacks)."""
        await self.send("PATCH-DOC", {"events": [{
            "kind": "MessageSent",
            "msg_type": "bokeh_event",
            "msg_data": {"type": "event", "name": "document_ready", "values": {}},
        }]})

    async def set_value(self, model_id: str, attr: str, value: Any) -> None:
        """Change a widget property as the browser would (``ModelChanged``)."""
        self.models[model_id].setdefault("attributes", {})[attr] = value
        await self.send("PATCH-DOC", {"events": [
            {"kind": "ModelChanged", "model": {"id": model_id}, "attr": attr, "new": value}
        ]})

    async def click(self, model_id: str) -> None:
        """Click a button (a ``button_click`` event)."""
        await self.send("PATCH-DOC", {"events": [{
            "kind": "MessageSent",
            "msg_type": "bokeh_event",
            "msg_data": {"type": "event", "name": "button_click", "values": {"model": {"id": model_id}}},
        }]})

    def _apply(self, content: dict[str, Any]) -> list[dict[str, Any]]:
        events = content.get("events", [])
        for event in events:
            if event.get("kind") == "ModelChanged":
                model = event.get("model", {})
                self._index(event.get("new"))
                self.models.setdefault(model.get("id"), {"attributes": {}}).setdefault("attributes", {})[
                    event.get("attr")] = event.get("new")
        return events

    async def wait_for(self, predicate, timeout: float = 30.0) -> float:
        """Apply incoming patches until ``predicate(session)`` holds; returns seconds waited."""
        start = time.perf_counter()
        deadline = start + timeout
        while not predicate(self):
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"condition not met on {self.path} within {timeout} s")
            header, content = await self.receive(remaining)
            if header.get("msgtype") == "PATCH-DOC":
                self._apply(content)
        return time.perf_counter() - start

    def text_of(self, tag: str) -> str:
        """The ``text`` of a tagged HTML/Markdown pane (Panel sends it HTML-escaped; unescaped here)."""
        return html.unescape(str(self.attribute(self.find(tag), "text") or ""))

    def close(self) -> None:
        self.ws.close()


async def open_session(base_url: str, path: str, cookies: dict[str, str], token: str | None = None,
                       timeout: float = 30.0, origin: str | None = None) -> BokehSession:
    """Load ``path`` with the cookies, open its websocket and pull the document.

    ``token`` lets a test reuse a session token obtained from another page or another user (the
    websocket must then be refused: by the role check, or because the token belongs to another
    login). ``origin`` sets the websocket's ``Origin`` header (the LAN allow-list tests).

    Raises
    ------
    AccessRefused
        The page answered other than 200, or the websocket was refused or closed.
    """
    if token is None:
        response = await http_get(base_url + path, cookies, timeout)
        if response.code != 200:
            raise AccessRefused(f"GET {path} answered HTTP {response.code}")
        match = _TOKEN_RE.search(response.body.decode("utf-8"))
        if match is None:
            raise AccessRefused(f"no session token in {path}")
        token = match.group(1)
    ws_url = base_url.replace("http", "ws", 1) + path.rstrip("/") + "/ws"
    headers = {"Cookie": _cookie_header(cookies)}
    if origin is not None:
        headers["Origin"] = origin
    request = HTTPRequest(ws_url, headers=headers, request_timeout=timeout)
    try:
        ws = await websocket_connect(request, subprotocols=["bokeh", token])
    except (HTTPClientError, OSError) as exc:
        raise AccessRefused(f"websocket of {path} refused: {exc}") from exc
    if ws.stream is not None:
        ws.stream.set_nodelay(True)
    session = BokehSession(ws=ws, path=path)
    header, _content = await session.receive(timeout)
    if header.get("msgtype") != "ACK":
        session.close()
        raise AccessRefused(f"websocket of {path} did not acknowledge ({header.get('msgtype')})")
    await session.pull(timeout)
    await session.document_ready()
    return session


async def page_token(base_url: str, path: str, cookies: dict[str, str]) -> str:
    """The Bokeh session token embedded in a page (for the access tests)."""
    response = await http_get(base_url + path, cookies)
    match = _TOKEN_RE.search(response.body.decode("utf-8")) if response.code == 200 else None
    if match is None:
        raise AccessRefused(f"no session token in {path} (HTTP {response.code})")
    return match.group(1)
