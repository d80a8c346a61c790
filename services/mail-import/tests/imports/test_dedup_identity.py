"""Dedup identity (mails/dedup.py): copies of one mail transported differently share one dedup key.

Copies of the same mail differ in line endings (LF, CRLF), whitespace at line ends, header folding of the
subject and the transfer encoding of the text (8bit, quoted-printable, base64); none of these may make a
second Mail. A different text always does.
"""

import base64
import quopri

from hypothesis import HealthCheck, given, settings, strategies as st

from kontor.mail_import.mails.dedup import dedup_key, identity_hash
from kontor.mail_import.mime import ParsedMail, parse

PROPERTY_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Words without whitespace (so that the text's content is its words and their line breaks).
WORD = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters="=",
                             min_codepoint=0x21), min_size=1, max_size=8)
LINE = st.lists(WORD, min_size=1, max_size=6).map(" ".join)
TEXT = st.lists(LINE, min_size=1, max_size=8)
SUBJECT = st.lists(st.text("abcdefghijklmnopqrstuvwxyzäöüß0123456789", min_size=1, max_size=8), min_size=1,
                   max_size=5)


@st.composite
def transports(draw):
    """How one copy was written: line ending, encoding, trailing whitespace per line, folded subject."""
    return {"eol": draw(st.sampled_from([b"\n", b"\r\n"])),
            "encoding": draw(st.sampled_from(["8bit", "quoted-printable", "base64"])),
            "trailing": draw(st.lists(st.sampled_from(["", " ", "  ", "\t", " \t "]), min_size=8, max_size=8)),
            "fold_subject": draw(st.booleans()),
            "blank_lines_after": draw(st.integers(0, 2))}


def build(lines: list[str], subject_words: list[str], transport: dict) -> bytes:
    eol = transport["eol"]
    text_eol = eol.decode()
    body_text = text_eol.join(line + transport["trailing"][i % 8] for i, line in enumerate(lines))
    body_text += text_eol * transport["blank_lines_after"]
    body = body_text.encode("utf-8")
    encoding = transport["encoding"]
    if encoding == "base64":
        encoded = base64.encodebytes(body).rstrip(b"\n").split(b"\n")
    elif encoding == "quoted-printable":  # its hard line breaks are the transport's line ends
        encoded = quopri.encodestring(body_text.replace("\r\n", "\n").encode("utf-8")).split(b"\n")
    else:
        encoded = body.split(eol)
    def word(value: str) -> str:
        return "=?utf-8?b?" + base64.b64encode(value.encode()).decode() + "?="

    subject_header = word(" ".join(subject_words))
    if transport["fold_subject"] and len(subject_words) > 1:
        # Folded over two lines, with a run of spaces (whitespace between encoded words is dropped, inside kept).
        subject_header = word(subject_words[0] + "  ") + "\r\n " + word(" ".join(subject_words[1:]))
    head = [b"From: Anna <anna@example.org>", b"To: bob@example.com",
            b"Subject: " + subject_header.replace("\r\n", text_eol).encode(),
            b"Date: Tue, 3 Mar 2026 10:00:00 +0100", b"Message-ID: <same@example.org>", b"MIME-Version: 1.0",
            b"Content-Type: text/plain; charset=utf-8", b"Content-Transfer-Encoding: " + encoding.encode()]
    return eol.join(head) + eol + eol + eol.join(encoded) + eol


def parsed(raw: bytes) -> ParsedMail:
    result = parse(raw)
    assert isinstance(result, ParsedMail), result
    return result


@PROPERTY_SETTINGS
@given(TEXT, SUBJECT, transports(), transports())
def test_re_encoding_a_mail_never_changes_its_dedup_key(lines, subject, one, other):
    first, second = build(lines, subject, one), build(lines, subject, other)
    assert dedup_key(parsed(first)) == dedup_key(parsed(second))


@PROPERTY_SETTINGS
@given(TEXT, TEXT, SUBJECT, transports(), transports())
def test_a_different_text_always_changes_the_dedup_key(lines, other_lines, subject, one, other):
    words = [line.split() for line in lines]
    other_words = [line.split() for line in other_lines]
    if words == other_words:  # the same text: make it differ in one word
        other_lines = [*other_lines[:-1], other_lines[-1] + " x"]
    assert identity_hash(parsed(build(lines, subject, one))) != identity_hash(
        parsed(build(other_lines, subject, other)))


def test_line_endings_and_trailing_whitespace_give_the_same_key():
    lf = build(["Hallo Bob,", "bis morgen."], ["Termin"], {"eol": b"\n", "encoding": "8bit",
                                                           "trailing": [""] * 8, "fold_subject": False,
                                                           "blank_lines_after": 0})
    crlf_qp = build(["Hallo Bob,", "bis morgen."], ["Termin"], {"eol": b"\r\n", "encoding": "quoted-printable",
                                                                "trailing": [" "] * 8, "fold_subject": False,
                                                                "blank_lines_after": 1})
    assert lf != crlf_qp
    assert dedup_key(parsed(lf)) == dedup_key(parsed(crlf_qp))
