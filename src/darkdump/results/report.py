"""A self-contained HTML report: text, tables and the run's figures."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from darkdump.results.io import atomic_write_text

__all__ = ["Figure", "Report", "Section", "Table"]


@dataclass(frozen=True)
class Figure:
    """A PNG beside the report (path relative to the report) and its caption.

    ``wide``: the full width of the page (a figure of two panels), not half of it.
    """

    path: str
    caption: str
    wide: bool = False


@dataclass(frozen=True)
class Table:
    """A small table: header and rows of already formatted cells."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    caption: str = ""


@dataclass
class Section:
    """A titled part of the report: paragraphs, then tables, then figures."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


_NUMERIC = re.compile(r"^[\s\d.,:;+\-eE%x\[\]()/<>=~]*$")


def _cell(text: str) -> str:
    """Render a table cell: numbers right-aligned, words left-aligned.

    >>> _cell("2.9e-07"), _cell("[0.2, 0.5]"), _cell("JHEP sec. 8")
    ('<td>2.9e-07</td>', '<td>[0.2, 0.5]</td>', '<td class="text">JHEP sec. 8</td>')
    """
    escaped = html.escape(text)
    if (_NUMERIC.match(text) and any(ch.isdigit() for ch in text)) or not text.strip():
        return f"<td>{escaped}</td>"
    return f'<td class="text">{_inline_code(escaped)}</td>'


def _inline_code(escaped: str) -> str:
    """Text between backticks as ``<code>`` (on already escaped HTML).

    >>> _inline_code("run with `--variations`")
    'run with <code>--variations</code>'
    """
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)


_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
h1 { border-bottom: 2px solid #444; } h2 { margin-top: 2em; border-bottom: 1px solid #aaa; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
td, th { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: right; }
td.text { text-align: left; }
th { background: #eee; text-align: center; } caption { caption-side: top; font-size: 0.9em; color: #333; }
figure { display: inline-block; width: 48%; margin: 0.5%; vertical-align: top; }
figure.wide { width: 98%; }
code { font-size: 0.95em; background: #f3f3f3; padding: 0 0.2em; }
figure img { width: 100%; } figcaption { font-size: 0.85em; color: #444; }
.meta { font-size: 0.8em; color: #666; }
"""


@dataclass
class Report:
    """An HTML report made of sections."""

    title: str
    sections: list[Section] = field(default_factory=list)
    footer: str = ""

    def to_html(self, embed_from: Path | None = None) -> str:
        """Render the report as one HTML document.

        With ``embed_from`` (the report's folder) every figure is read from there and
        embedded as a base64 PNG, so the file stands alone (moved, mailed, served);
        otherwise figures are referenced by their relative paths.
        """
        esc = html.escape
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{esc(self.title)}</title><style>{_STYLE}</style></head><body>",
            f"<h1>{esc(self.title)}</h1>",
        ]
        for section in self.sections:
            parts.append(f"<h2>{esc(section.title)}</h2>")
            parts.extend(f"<p>{_inline_code(esc(p))}</p>" for p in section.paragraphs)
            for table in section.tables:
                parts.append("<table>")
                if table.caption:
                    parts.append(f"<caption>{esc(table.caption)}</caption>")
                parts.append("<tr>" + "".join(f"<th>{esc(h)}</th>" for h in table.header) + "</tr>")
                for row in table.rows:
                    parts.append("<tr>" + "".join(_cell(c) for c in row) + "</tr>")
                parts.append("</table>")
            for fig in section.figures:
                src = esc(fig.path)
                if embed_from is not None:
                    image = embed_from / fig.path
                    if not image.is_file():
                        continue  # a figure that was not drawn (e.g. nothing excluded)
                    data = base64.b64encode(image.read_bytes()).decode("ascii")
                    src = f"data:image/png;base64,{data}"
                wide = ' class="wide"' if fig.wide else ""
                parts.append(
                    f'<figure{wide}><img src="{src}" alt="{esc(fig.caption)}">'
                    f"<figcaption>{_inline_code(esc(fig.caption))}</figcaption></figure>"
                )
        if self.footer:
            parts.append(f'<p class="meta">{esc(self.footer)}</p>')
        parts.append("</body></html>")
        return "\n".join(parts) + "\n"

    def write(self, path: str | Path) -> Path:
        """Write the report atomically, figures embedded, and return its path."""
        path = Path(path)
        return atomic_write_text(path, self.to_html(embed_from=path.parent))
