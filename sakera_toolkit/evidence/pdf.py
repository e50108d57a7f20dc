"""HTML to PDF with WeasyPrint (no network: every resource must be inline)."""

from __future__ import annotations

__all__ = ["html_to_pdf"]


def html_to_pdf(html: str) -> bytes:
    """Render a self-contained HTML document to PDF bytes.

    External URLs are refused (the fetcher raises), so a PDF that renders proves the HTML needs no
    network.
    """
    import logging

    from weasyprint import HTML  # type: ignore[import-untyped]

    def no_network(url: str, *args, **kwargs):  # pragma: no cover - only reached on a bug
        if url.startswith("data:"):
            from weasyprint import default_url_fetcher  # type: ignore[import-untyped]

            return default_url_fetcher(url, *args, **kwargs)
        raise ValueError(f"external resource refused: {url}")

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return HTML(string=html, url_fetcher=no_network).write_pdf()
