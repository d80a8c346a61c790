"""What parse() reads from a message: addresses, ids, subject, date, search text, attachments, defects."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from kontor.mail_import.mime import Address, Limits, ParsedMail, Quarantine, normalise_message_id, parse

from . import corpus as c
from .corpus import message, part, with_parts


def fixture(name: str) -> bytes:
    return next(m.raw for m in c.hand_made() if m.name == name)


def parsed(raw: bytes, limits: Limits = Limits()) -> ParsedMail:
    result = parse(raw, limits)
    assert isinstance(result, ParsedMail), result
    return result


def quarantined(raw: bytes, limits: Limits = Limits()) -> Quarantine:
    result = parse(raw, limits)
    assert isinstance(result, Quarantine), result
    return result


def test_addresses_are_lower_cased_idna_safe_and_invalid_ones_collected():
    mail = parsed(message(c.basic(1, Cc="Jörg <JOERG@Müller.DE>, =?utf-8?q?M=C3=BCller?= <m@Example.com>, foo, a@")))
    assert mail.from_addresses == (Address("anna@example.com", "Anna Berg"),)
    assert mail.to == (Address("sales@kontor.example"),)
    assert mail.cc == (Address("joerg@xn--mller-kva.de", "Jörg"), Address("m@example.com", "Müller"))
    assert [bad.value for bad in mail.invalid_addresses] == ["foo", "a@"]
    assert {bad.field for bad in mail.invalid_addresses} == {"cc"}


def test_an_empty_group_is_no_invalid_address():
    mail = parsed(message(c.basic(1, To="undisclosed-recipients:;")))
    assert mail.to == () and mail.invalid_addresses == ()


def test_very_long_address_fields_are_read_leniently_without_losing_addresses():
    cc = ", ".join(f"Person {i} <P{i}@Example.com>" for i in range(2000))
    mail = parsed(message(c.basic(1, Cc=cc)))
    assert len(mail.cc) == 2000 and mail.cc[1999] == Address("p1999@example.com")
    assert ("", "AddressFieldReadLeniently") in {(d.path, d.kind) for d in mail.defects}


def test_unparseable_address_field_is_collected_as_invalid_not_fatal():
    mail = parsed(message(c.basic(1, Cc="(" * 3000)))
    assert mail.cc == () and len(mail.invalid_addresses) == 1


def test_message_ids_are_normalised():
    assert normalise_message_id(" <Abc.1@MAIL.Example.COM> (comment)") == "<Abc.1@mail.example.com>"
    assert normalise_message_id("bare@Host") == "<bare@host>"
    assert normalise_message_id("<>") is None
    assert normalise_message_id("two words") is None
    assert normalise_message_id(None) is None


def test_thread_ids_are_read_in_order_without_repeats_and_capped():
    refs = " ".join(f"<r{i}@X.org>" for i in range(10)) + " <r1@x.org>"
    mail = parsed(message(c.basic(1, References=refs, In_Reply_To="garbage <r9@X.org>")))
    assert mail.references == tuple(f"<r{i}@x.org>" for i in range(10))
    assert mail.in_reply_to == ("<r9@x.org>",)
    capped = parsed(message(c.basic(1, References=refs)), Limits(max_references=3))
    assert capped.references == ("<r0@x.org>", "<r1@x.org>", "<r2@x.org>")


@pytest.mark.parametrize("raw_subject, expected", [
    ("=?utf-8?q?Gr=C3=BC=C3=9Fe?= aus =?iso-8859-1?b?S/Zsbg==?=", "Grüße aus Köln"),
    ("=?x-unknown?q?abc?= tail", "abc tail"),
    ("=?utf-8?b?####?=", "=?utf-8?b?####?="),
    ("Grüße".encode(), "Grüße"),
    (b"nul\x00inside", "nulinside"),
])
def test_subjects_are_decoded_and_fall_back_sensibly(raw_subject, expected):
    mail = parsed(message([f for f in c.basic(1) if f[0] != "Subject"] + [("Subject", raw_subject)]))
    assert mail.subject.replace("\ufffd", "") == expected


@pytest.mark.parametrize("raw_date, expected", [
    ("Tue, 3 Mar 2026 09:15:00 +0100", datetime(2026, 3, 3, 9, 15, tzinfo=timezone(timedelta(hours=1)))),
    ("Tue, 3 Mar 2026 09:15:00 -0000", datetime(2026, 3, 3, 9, 15, tzinfo=UTC)),
    ("yesterday at noon", None),
    ("Tue, 3 Mar 99999 09:15:00 +0100", None),
])
def test_dates_are_aware_or_none(raw_date, expected):
    mail = parsed(message([f for f in c.basic(1) if f[0] != "Date"] + [("Date", raw_date)]))
    assert mail.date == expected
    assert mail.date is None or mail.date.tzinfo is not None


def test_plain_text_is_preferred_over_its_html_alternative():
    mail = parsed(with_parts(1, [part("text/html", b"<b>html version</b>"), part("text/plain", b"plain version")],
                             subtype="alternative"))
    assert mail.text == "plain version"
    assert mail.attachments == ()  # the other alternative is the same content, not an attachment


def test_html_is_converted_to_text_without_markup_scripts_or_styles():
    mail = parsed(fixture("html-only"))
    assert mail.text == "Dear Anna,\n\nsee & sign"


def test_attachment_texts_are_not_body_text_but_attached_messages_are_searchable():
    inner = message(c.basic(9, Subject="Original offer"), b"price 100\r\n")
    mail = parsed(with_parts(1, [part("text/plain", b"see below"), part(
        "text/plain", b"notes", Content_Disposition='attachment; filename="notes.txt"'),
        part("message/rfc822", inner)]))
    assert mail.text == "see below\n\nOriginal offer\nprice 100"
    assert [a.filename for a in mail.attachments] == ["notes.txt"]
    assert mail.attached_messages[0].message_id == "<msg-9@example.com>"
    assert mail.attached_messages[0].content_hash == mail.content_hash


def test_attachment_names_are_decoded_and_stripped_of_directories():
    assert parsed(fixture("rfc2231-filename")).attachments[0].filename == "Angebot Köln März.pdf"
    assert parsed(fixture("rfc2047-filename")).attachments[0].filename == "Rückruf.pdf"
    assert parsed(fixture("path-traversal-filename")).attachments[0].filename == "passwd"


def test_inline_images_keep_content_id_disposition_and_decoded_bytes():
    mail = parsed(fixture("inline-image"))
    assert mail.text == "Hi"
    (image,) = mail.attachments
    assert (image.content_type, image.content_id, image.disposition, image.inline) == (
        "image/png", "logo@kontor", "inline", True)
    assert image.content == b"\x89PNG fake" and image.path == "1.2"


def test_attached_messages_are_parsed_recursively_up_to_the_depth_limit():
    chain = c.attached_chain(3)
    mail = parsed(chain)
    depth, current = 0, mail
    while current.attached_messages:
        current, depth = current.attached_messages[0], depth + 1
    assert depth == 3 and current.text == "the original"
    assert quarantined(chain, Limits(max_depth=4)).reason == "nesting_too_deep"


def test_defects_are_reported_with_the_part_they_belong_to():
    mail = parsed(with_parts(1, [part("text/plain", b"a")], close=False))
    assert "CloseBoundaryNotFoundDefect" in {d.kind for d in mail.defects}


@pytest.mark.parametrize("raw, limits, reason", [
    (message(c.basic(1), b"x" * 2000), Limits(max_raw_bytes=1000), "raw_too_large"),
    (message(c.basic(1, X_Big="y" * 2000)), Limits(max_header_bytes=1000), "headers_too_large"),
    (c.many_parts(10), Limits(max_parts=9), "too_many_parts"),
    (c.nested(6), Limits(max_depth=4), "nesting_too_deep"),
    (b"", Limits(), "empty"),
    (b"no header here\r\n", Limits(), "no_headers"),
])
def test_each_limit_quarantines_with_a_stable_reason_and_no_message_content(raw, limits, reason):
    result = quarantined(raw, limits)
    assert result.reason == reason
    for content in ("Offer", "anna@", "Hello", "yyyy", "no header here"):
        assert content not in result.detail


def test_part_headers_count_against_the_header_limit_too():
    parts = [part("text/plain", b"x", X_Filler="f" * 500) for _ in range(10)]
    assert quarantined(with_parts(1, parts), Limits(max_header_bytes=3000)).reason == "headers_too_large"
    assert parsed(with_parts(1, parts), Limits(max_header_bytes=10_000)).part_count == 11


def test_over_long_fields_are_truncated_with_a_defect_not_quarantined():
    mail = parsed(message(c.basic(1, Subject="word " * 5000)), Limits(max_field_bytes=100))
    assert len(mail.subject) <= 100
    assert "HeaderFieldTruncated" in {d.kind for d in mail.defects}


def test_search_text_is_truncated_with_a_defect():
    mail = parsed(message(c.basic(1), b"z" * 5000), Limits(max_text_chars=1000))
    assert mail.text == "z" * 1000
    assert "TextTruncated" in {d.kind for d in mail.defects}


def test_text_never_holds_nul_or_invalid_unicode():
    mail = parsed(message(c.basic(1, Content_Type="text/plain; charset=unknown-8bit"), b"a\x00b\xff\xfe"))
    assert "\x00" not in mail.text
    mail.text.encode("utf-8")  # would raise on lone surrogates


def test_an_unknown_quarantine_reason_is_refused():
    with pytest.raises(ValueError):
        Quarantine(reason="something_new", detail="x", content_hash="sha256:0")
