"""HTML to PDF with WeasyPrint (no network: only inline ``data:`` resources are fetched)."""

from __future__ import annotations

__all__ = ["html_to_pdf"]


def html_to_pdf(html: str) -> bytes:
    """Render a self-contained HTML document to PDF bytes.

    The URL fetcher allows the ``data:`` scheme only and fails on anything else, so a PDF that
    renders proves the HTML needs no network.
    """
    import logging

    from weasyprint import HTML  # type: ignore[import-untyped]
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return bytes(HTML(string=html, url_fetcher=fetcher).write_pdf())
