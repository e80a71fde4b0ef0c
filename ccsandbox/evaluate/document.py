"""The report as a document (pure): a list of blocks (headings, paragraphs, tables, figures),
rendered as Markdown and as one self-contained HTML file (figures inline as SVG).

Both renderings come from the same blocks, so the two files always say the same thing; rows of
the study's quoted numbers are marked (italic, grey), failures in bold (red).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Block", "Document", "Figure", "Table", "render_html", "render_markdown"]


@dataclass
class Table:
    """A table block; ``classes`` mark rows as the study's (``"quoted"``) or failures (``"bad"``)."""

    header: list[str]
    rows: list[list[str]]
    classes: list[str] = field(default_factory=list)  # per row: "", "quoted", "bad"


@dataclass
class Figure:
    """A figure block: written to ``figures/NAME`` for the Markdown, inlined in the HTML."""

    name: str  # file name under figures/
    title: str
    svg: str


Block = tuple[str, Any]  # ("h1"|"h2"|"h3"|"p"|"bad"|"table"|"figure", payload)
Document = list[Block]


def render_markdown(doc: Document) -> str:
    out: list[str] = []
    for kind, payload in doc:
        if kind in ("h1", "h2", "h3"):
            out += ["#" * int(kind[1]) + " " + payload, ""]
        elif kind == "p":
            out += [payload, ""]
        elif kind == "bad":
            out += [f"**{payload}**", ""]
        elif kind == "table":
            table: Table = payload
            out.append("| " + " | ".join(table.header) + " |")
            out.append("|" + "---|" * len(table.header))
            for row, cls in zip(table.rows, table.classes or [""] * len(table.rows), strict=True):
                cells = [f"*{c}*" if cls == "quoted" and c not in ("", "—") else c for c in row]
                cells = [f"**{c}**" if cls == "bad" else c for c in cells]
                out.append("| " + " | ".join(cells) + " |")
            out.append("")
        elif kind == "figure":
            figure: Figure = payload
            out += [f"![{figure.title}](figures/{figure.name})", ""]
    return "\n".join(out)


_STYLE = """body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.4}
table{border-collapse:collapse;margin:0.5em 0 1em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
tr.quoted td{color:#666;font-style:italic;background:#f6f6f6}tr.bad td,p.bad{color:#c00;font-weight:bold}
figure{margin:1em 0}svg{max-width:100%;height:auto}"""


def render_html(doc: Document) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>cc-sandbox evaluation</title>",
        f"<style>{_STYLE}</style></head><body>",
    ]
    for kind, payload in doc:
        if kind in ("h1", "h2", "h3"):
            out.append(f"<{kind}>{html.escape(payload)}</{kind}>")
        elif kind == "p":
            out.append(f"<p>{html.escape(payload)}</p>")
        elif kind == "bad":
            out.append(f'<p class="bad">{html.escape(payload)}</p>')
        elif kind == "table":
            table: Table = payload
            out.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in table.header) + "</tr>")
            for row, cls in zip(table.rows, table.classes or [""] * len(table.rows), strict=True):
                attr = f' class="{cls}"' if cls else ""
                out.append(f"<tr{attr}>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>")
            out.append("</table>")
        elif kind == "figure":
            figure: Figure = payload
            out.append(f"<figure>{figure.svg}<figcaption>{html.escape(figure.title)}</figcaption></figure>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
