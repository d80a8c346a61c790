"""Bytes and strings from untrusted mail made safe to store and search: charsets that never raise, HTML to text."""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser

# Codecs that are valid Python text encodings but no mail charset; some decode slowly on crafted input.
_NOT_MAIL_CHARSETS = frozenset({"idna", "punycode", "unicode_escape", "raw_unicode_escape", "undefined",
                                "mbcs", "oem", "uu_codec"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str) -> str:
    """Valid UTF-8 without NUL or other control characters (PostgreSQL text refuses NUL)."""
    try:
        data = text.encode("utf-8", "surrogateescape")  # bytes the parser could not decode come back as bytes
    except UnicodeEncodeError:
        data = text.encode("utf-8", "replace")
    return _CONTROL.sub("", data.decode("utf-8", "replace"))


def mail_codec(charset: str | None) -> str | None:
    """The Python codec for a declared charset, or None when it is unknown, bogus or not a text charset."""
    if not charset:
        return None
    try:
        info = codecs.lookup(charset.strip().strip('"').lower())
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_MAIL_CHARSETS:
        return None
    return info.name


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Never raises: the declared charset with replacement, else UTF-8 if it fits, else Windows-1252."""
    codec = mail_codec(charset)
    if codec is not None:
        try:
            return clean(data.decode(codec, "replace"))
        except Exception:  # noqa: BLE001 - a codec's own bug must not stop the import
            pass
    try:
        return clean(data.decode("utf-8"))
    except UnicodeDecodeError:
        return clean(data.decode("cp1252", "replace"))


_BLOCK_TAGS = frozenset({"p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
                         "blockquote", "pre", "hr", "section", "article", "header", "footer", "dd", "dt"})
_SKIPPED_TAGS = frozenset({"script", "style", "head", "title", "template", "noscript"})


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED_TAGS:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self.pieces.append("\n")
        elif tag == "td":
            self.pieces.append(" ")

    def handle_endtag(self, tag):
        if tag in _SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.pieces.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.pieces.append(data)


_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


# A "<" that starts a complete tag: a letter, "/" or "?" after it and a ">" before the next "<".
_TAG_START = re.compile(r"<(?![A-Za-z/?][^<>]*>)")
# Declarations and marked sections (<!DOCTYPE ...>, <![if !mso]>, <![CDATA[...): nothing to read in them.
_DECLARATION = re.compile(r"<![^<>]*>")


def _without_comments(html: str) -> str:
    """Comments removed in one pass. Once a comment has no end, no later one has either: the rest is kept,
    and its "<!--" become text in _well_formed_markup."""
    pieces, position = [], 0
    while (start := html.find("<!--", position)) != -1:
        end = html.find("-->", start + 4)
        if end == -1:
            break
        pieces.append(html[position:start])
        position = end + 3
    pieces.append(html[position:])
    return "".join(pieces)


def _well_formed_markup(html: str) -> str:
    """What html.parser reads in linear time: comments and declarations removed, and every "<" that does not
    open a complete tag escaped. html.parser rescans from an unterminated construct, which is quadratic:
    CPython 3.11's took 65 s for "</" repeated 500,000 times and 130 s for "<!--x>" repeated; a stray "<"
    in mail is text anyway."""
    return _TAG_START.sub("&lt;", _DECLARATION.sub("", _without_comments(html)))


def html_to_text(html: str) -> str:
    """Readable text of an HTML body for the search index (markup, comments, scripts and styles dropped)."""
    collector = _TextCollector()
    try:
        collector.feed(_well_formed_markup(html))  # at once: incremental feeding rescans unterminated constructs
        collector.close()
    except Exception:  # noqa: BLE001 - HTMLParser is lenient, but a broken document must not stop the import
        pass
    text = _SPACES.sub(" ", "".join(collector.pieces))
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()
