"""HTML to search text, and charset decoding that never raises."""

import pytest

from kontor.mail_import.mime.text import clean, decode_bytes, html_to_text, mail_codec


def test_markup_comments_scripts_and_conditional_sections_are_dropped():
    html = ('<!DOCTYPE html><html><head><title>T</title><style>p{}</style></head><body>'
            '<!--[if mso]><b>outlook only</b><![endif]--><![if !mso]><p>Hi&nbsp;<i>there</i></p><![endif]>'
            '<script>alert(1)</script><table><tr><td>a</td><td>b</td></tr></table></body></html>')
    assert html_to_text(html) == "Hi there\n\na b"


def test_stray_angle_brackets_are_text():
    assert html_to_text("<p>a < b and c > d</p>") == "a < b and c > d"


@pytest.mark.parametrize("html, expected", [
    # html.parser alone is quadratic on each of these (see text.py); they come back as text, or are dropped
    # where they are declarations ("<!...>") that hold nothing to read.
    ("</" * 200_000, "</" * 200_000),
    ("<!--x>" * 100_000, ""),
    ("<![CDATA[x>" * 50_000, ""),
    ("<!--" + "a" * 200_000, "<!--" + "a" * 200_000),
    ("<a " * 100_000, ("<a " * 100_000).strip()),
])
def test_unterminated_constructs_are_read_as_text(html, expected):
    assert html_to_text(html) == expected


def test_an_unterminated_comment_keeps_the_text_after_it():
    assert html_to_text("<p>before</p><!-- never closed <p>after</p>") == "before\n<!-- never closed\nafter"


@pytest.mark.parametrize("charset, expected", [
    ("utf-8", None), ("x-unknown", None), ("unknown-8bit", None), ("punycode", None), ("idna", None),
    ("base64", None), ("rot13", None), ("utf\x00-8", None), ("", None),
])
def test_charsets_that_are_no_mail_charset_count_as_unknown(charset, expected):
    if charset == "utf-8":
        assert mail_codec(charset) == "utf-8"
    else:
        assert mail_codec(charset) is expected


def test_decoding_falls_back_and_never_raises():
    assert decode_bytes("Grüße".encode("latin-1"), None) == "Grüße"  # not UTF-8: Windows-1252
    assert decode_bytes("Grüße".encode(), "x-unknown") == "Grüße"  # unknown: UTF-8 when it fits
    assert decode_bytes(b"\xff\xfe", "utf-8") == "\ufffd\ufffd"
    assert decode_bytes(b"a\x00b", "ascii") == "ab"


def test_clean_removes_control_characters_and_lone_surrogates():
    assert clean("a\x00b\x07c\ud800d\tx\ny") == "abc?d\tx\ny"
