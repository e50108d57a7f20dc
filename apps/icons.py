"""Button icons drawn as inline SVG, so no page loads an icon font from the internet.

Panel turns an icon *name* into Bokeh's ``TablerIcon``, whose stylesheet and font BokehJS fetches
from a public CDN (``@tabler/icons-webfont@latest``, unpinned). An SVG string instead becomes an
``SVGIcon`` drawn from the page itself. Use these constants for ``icon=`` (the app's tests refuse
a page that still holds a ``TablerIcon``). Stroke icons on a 24 x 24 grid, drawn for this app.
"""

from __future__ import annotations


def _svg(body: str) -> str:
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" '
            f'stroke-width="2" stroke-linecap="round" stroke-linejoin="round">{body}</svg>')


#: A paper plane (submit an answer).
SEND = _svg('<path d="M21 3 10 14"/><path d="M21 3 14.5 21 10 14 3 9.5z"/>')
#: A person with a plus sign (serve the next citizen).
USER_PLUS = _svg('<circle cx="9" cy="7" r="4"/><path d="M3 21v-2a4 4 0 0 1 4-4h4a4 4 0 0 1 4 4v2"/>'
                 '<path d="M19 8v6M16 11h6"/>')
#: Two circling arrows (refresh).
REFRESH = _svg('<path d="M20 11a8 8 0 0 0-14.9-3.5L4 9"/><path d="M4 4v5h5"/>'
               '<path d="M4 13a8 8 0 0 0 14.9 3.5L20 15"/><path d="M20 20v-5h-5"/>')
