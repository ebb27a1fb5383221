"""Readable text from an HTML e-mail body (styles and scripts dropped, one line per block, quotes marked)."""

from __future__ import annotations

from html.parser import HTMLParser

from citydesk.lib.text import nfc


class _HtmlText(HTMLParser):
    SKIP = {"style", "script", "head", "title", "template", "noscript"}
    BLOCK = {"p", "div", "br", "li", "tr", "table", "ul", "ol", "dl", "dt", "dd", "hr", "pre", "address"}
    BLOCK |= {"section", "article", "header", "footer", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[bool, list[str]]] = [(False, [])]
        self.skip = 0
        self.quote = 0

    def _break(self) -> None:
        self.lines.append((self.quote > 0, []))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.skip = 0  # a <head> nobody closed
        elif tag in self.SKIP:
            self.skip += 1
        elif tag in ("td", "th"):
            self.lines[-1][1].append(" ")
        if tag == "blockquote":
            self.quote += 1
        if tag in self.BLOCK:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip = max(self.skip - 1, 0)
        if tag == "blockquote":
            self.quote = max(self.quote - 1, 0)
        if tag in self.BLOCK:
            self._break()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.lines[-1][1].append(data)


def html_to_text(html: str) -> str:
    """Readable text of an HTML body: no styles or scripts, one line per block, entities decoded, NFC;
    lines of quoted messages (<blockquote>) start with "> "."""
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    lines = []
    for quoted, parts in parser.lines:
        line = nfc("".join(parts))
        if line:
            lines.append(f"> {line}" if quoted else line)
    return "\n".join(lines)
