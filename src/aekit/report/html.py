"""A self-contained HTML document: sections of text, tables and embedded PNG figures.

No script, no external style sheet, font or image: the file opens the same
offline, from an e-mail attachment or a CI artifact.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;
background:#fafafa;line-height:1.45}
main{max-width:1040px;margin:0 auto;padding:24px 28px 60px;background:#fff;
box-shadow:0 0 8px rgba(0,0,0,.06)}
h1{font-size:1.7em;margin:.2em 0 .1em}
h2{font-size:1.3em;border-bottom:2px solid #4C72B0;padding-bottom:3px;margin-top:1.8em}
h3{font-size:1.05em;margin:1.2em 0 .4em}
.meta{color:#666;font-size:.9em}
nav ul{columns:2;padding-left:1.2em;font-size:.92em}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.9em}
th,td{border:1px solid #ddd;padding:3px 9px;text-align:left;vertical-align:top}
th{background:#f0f3f8}
td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:.8em 0 1.2em}
figure img{max-width:100%;height:auto;display:block}
figcaption{color:#555;font-size:.88em;margin-top:.3em}
.note{background:#fff8e6;border-left:4px solid #DD8452;padding:6px 10px;font-size:.92em}
"""


def png_data_uri(png: bytes) -> str:
    """``data:image/png;base64,...`` for embedding PNG bytes in an ``img`` tag."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _cell(v: Any) -> tuple[str, bool]:
    """Formatted cell text and whether it is a number (right-aligned)."""
    if isinstance(v, bool) or v is None:
        return html.escape(str(v)), False
    if isinstance(v, int):
        return f"{v:,}", True
    if isinstance(v, float):
        return f"{v:.4g}", True
    try:
        import numpy as np

        if isinstance(v, np.integer):
            return f"{int(v):,}", True
        if isinstance(v, np.floating):
            return f"{float(v):.4g}", True
    except ImportError:  # pragma: no cover
        pass
    return html.escape(str(v)), False


@dataclass
class Section:
    """One titled part of the report: an ordered list of HTML blocks."""

    title: str
    blocks: list[str] = field(default_factory=list)

    def text(self, paragraph: str) -> Section:
        """Add a paragraph (plain text; escaped)."""
        self.blocks.append(f"<p>{html.escape(paragraph)}</p>")
        return self

    def note(self, paragraph: str) -> Section:
        """Add a highlighted remark (plain text; escaped)."""
        self.blocks.append(f'<p class="note">{html.escape(paragraph)}</p>')
        return self

    def subtitle(self, title: str) -> Section:
        """Add a sub-heading."""
        self.blocks.append(f"<h3>{html.escape(title)}</h3>")
        return self

    def key_values(self, items: Mapping[str, Any]) -> Section:
        """Add a two-column table of names and values."""
        rows = []
        for k, v in items.items():
            text, num = _cell(v)
            cls = ' class="num"' if num else ""
            rows.append(f"<tr><th>{html.escape(str(k))}</th><td{cls}>{text}</td></tr>")
        self.blocks.append("<table>" + "".join(rows) + "</table>")
        return self

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Section:
        """Add a table with a header row."""
        head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
        body = []
        for r in rows:
            cells = []
            for v in r:
                text, num = _cell(v)
                cells.append(f'<td class="num">{text}</td>' if num else f"<td>{text}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        self.blocks.append(f"<table><tr>{head}</tr>{''.join(body)}</table>")
        return self

    def figure(self, png: bytes, alt: str, caption: str = "") -> Section:
        """Add a PNG image, embedded as base64, with alt text and an optional caption."""
        cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
        self.blocks.append(
            f'<figure><img src="{png_data_uri(png)}" alt="{html.escape(alt, quote=True)}">'
            f"{cap}</figure>"
        )
        return self


@dataclass
class Document:
    """A titled list of sections rendered to one HTML string."""

    title: str
    subtitle: str = ""
    sections: list[Section] = field(default_factory=list)

    def section(self, title: str) -> Section:
        """Start a new section and return it."""
        s = Section(title)
        self.sections.append(s)
        return s

    def render(self) -> str:
        """The whole page as a string."""
        from aekit import __version__

        stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        toc = "".join(
            f'<li><a href="#s{i}">{html.escape(s.title)}</a></li>'
            for i, s in enumerate(self.sections)
        )
        body = "".join(
            f'<section id="s{i}"><h2>{html.escape(s.title)}</h2>{"".join(s.blocks)}</section>'
            for i, s in enumerate(self.sections)
        )
        sub = f"<p>{html.escape(self.subtitle)}</p>" if self.subtitle else ""
        return (
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{html.escape(self.title)}</title><style>{_CSS}</style></head><body><main>"
            f"<h1>{html.escape(self.title)}</h1>"
            f'<p class="meta">made by aekit {html.escape(__version__)} on {stamp}</p>{sub}'
            f"<nav><ul>{toc}</ul></nav>{body}</main></body></html>\n"
        )
