"""Property tests: whatever bytes arrive, parse answers ParsedMail or Quarantine and never raises."""

import hashlib

from hypothesis import HealthCheck, given, settings, strategies as st

from kontor.mail_import.mime import REASONS, Limits, ParsedMail, Quarantine, parse

from . import corpus as c

SMALL = Limits(max_parts=50, max_depth=8, max_header_bytes=20_000, max_field_bytes=512, max_text_chars=5_000)
BASE = c.with_parts(1, [c.part("text/plain; charset=utf-8", "Grüße".encode()), c.part(
    "application/pdf", b"JVBERi0=", Content_Transfer_Encoding="base64",
    Content_Disposition="attachment; filename*=utf-8''K%C3%B6ln.pdf"), c.part("message/rfc822", c.message(c.basic(2)))])
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(raw: bytes, limits: Limits = Limits()) -> None:
    result = parse(raw, limits)
    assert isinstance(result, ParsedMail | Quarantine)
    assert result.content_hash == "sha256:" + hashlib.sha256(raw).hexdigest()
    if isinstance(result, Quarantine):
        assert result.reason in REASONS and result.reason != "unparseable"
    else:
        assert "\x00" not in result.text
        result.text.encode("utf-8")
        result.subject.encode("utf-8")


@PROPERTY_SETTINGS
@given(st.binary(max_size=3000))
def test_random_bytes(raw):
    check(raw)
    check(raw, SMALL)


@PROPERTY_SETTINGS
@given(st.lists(st.tuples(st.integers(0, len(BASE)), st.binary(min_size=1, max_size=40)), max_size=8),
       st.integers(1, len(BASE)))
def test_damaged_multipart(insertions, cut):
    raw = bytearray(BASE[:cut])
    for position, garbage in insertions:
        raw[position:position] = garbage
    check(bytes(raw))
    check(bytes(raw), SMALL)


header_names = st.text(st.characters(codec="ascii", exclude_characters="\r\n:"), min_size=1, max_size=20)
header_values = st.binary(max_size=300).map(lambda v: v.replace(b"\r", b" ").replace(b"\n", b" "))
charsets = st.sampled_from(["utf-8", "unknown-8bit", "utf-7", "x-bogus", "utf-16", "punycode", "idna", "", "\x00"])


@PROPERTY_SETTINGS
@given(st.lists(st.tuples(header_names, header_values), max_size=10), charsets, st.binary(max_size=500))
def test_header_garbage_and_charsets(garbage, charset, body):
    fields = c.basic(1, Content_Type=f"text/plain; charset={charset}") + [(n, v) for n, v in garbage]
    raw = c.message(fields, body)
    check(raw)
    result = parse(raw)
    assert isinstance(result, ParsedMail)  # From, Date, ... are still there: garbage beside them is no reason


@PROPERTY_SETTINGS
@given(st.sampled_from(["From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "References",
                        "Content-Type", "Content-Disposition", "Content-Transfer-Encoding"]),
       st.text(max_size=400).map(lambda t: t.replace("\r", " ").replace("\n", " ")))
def test_any_text_in_any_parsed_field(name, value):
    fields = [f for f in c.basic(1) if f[0] != name] + [(name, value.encode("utf-8", "surrogatepass"))]
    check(c.message(fields))
