"""The main text of an HTML page, one block per paragraph, via trafilatura (the ``html`` extra).

trafilatura drops navigation, headers, footers, related-link lists and comment sections; its
XML output keeps the page's blocks (paragraphs, headings, lists, quotes), which become
paragraphs separated by a blank line, as in a scraped ``.txt`` article, so the detectors see
the same layout (the off-topic detector needs paragraph breaks). A ``<br>`` inside a block
stays a single line break; each list item is one line of its list's paragraph. A heading
after the first block opens the paragraph it heads (one block, as a scraped headline with its
story is in seed 002 and in the training corpus); the first block, the title, stands alone.
"""

from __future__ import annotations

from typing import Any

INSTALL_HINT = "pip install 'unspun[html]'"


class HtmlUnsupported(RuntimeError):
    """trafilatura is not installed, so HTML cannot be read."""


def extract_text(html: str | bytes) -> str:
    """The page's main text, blocks separated by blank lines; ``""`` when none is found.
    Bytes are decoded by trafilatura (declared charset, else a guess).

    Raises :class:`HtmlUnsupported` when trafilatura is missing.
    """
    try:
        import trafilatura
        from lxml import etree
    except ImportError as exc:
        raise HtmlUnsupported(f"HTML input needs trafilatura: {INSTALL_HINT}") from exc
    xml = trafilatura.extract(
        html,
        output_format="xml",
        include_comments=False,
        include_tables=False,
        include_images=False,
        favor_recall=True,
    )
    if not xml:
        return ""
    try:
        root = etree.fromstring(xml.encode("utf-8"))
    except etree.XMLSyntaxError:
        return ""
    main = root.find("main")
    if main is None:
        return ""
    paragraphs: list[list[str]] = []
    heading_open = False
    for block in main:
        lines = _block_lines(block)
        if not lines:
            continue
        if heading_open:
            paragraphs[-1].extend(lines)
        else:
            paragraphs.append(lines)
        heading_open = block.tag == "head" and len(paragraphs) > 1
    return "\n\n".join("\n".join(lines) for lines in paragraphs)


def _block_lines(block: Any) -> list[str]:
    """One block's non-blank lines: a list's items, or the text split at ``<lb/>``."""
    if block.tag == "list":
        return [line for item in block for line in _block_lines(item)]
    lines = "".join(_inline_text(block)).split("\n")
    return [" ".join(line.split()) for line in lines if line.strip()]


def _inline_text(element: Any) -> list[str]:
    """The element's text in document order, ``<lb/>`` and nested list items as newlines."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == "lb":
            parts.append("\n")
        else:
            if child.tag == "item":
                parts.append("\n")
            parts.extend(_inline_text(child))
        parts.append(child.tail or "")
    return parts
