"""compose.py on its own: what goes on the wire reads back as what was written (through the importer's parser)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kontor.platform.errors import InvalidArgument

from kontor.mail_import import mime
from kontor.mail_import.mailbox.compose import (
    Draft, OutgoingFile, Recipient, check_file, compose, thread_of,
)

SENDER = Recipient("olga@kontor.example", "Olga Owner")
one_line = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029\x85"),
                   max_size=120)


@settings(max_examples=40, deadline=None)
# Names stay short: a display name long enough to be folded into several encoded words reads back with blanks
# between them (CPython's address parser), whoever wrote it; subjects have no such limit.
@given(subject=one_line, name=one_line.filter(lambda n: len(n) <= 8),
       text=st.text(st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\n"), max_size=300))
def test_subject_names_and_text_survive_the_wire(subject, name, text):
    composed = compose(Draft(sender=SENDER, to=[Recipient("kim@customer.example", name)], subject=subject,
                             text=text), message_id="<m1@crm.example>")
    parsed = mime.parse(composed.to_keep)
    assert isinstance(parsed, mime.ParsedMail)
    assert parsed.subject == subject.strip() or parsed.subject == subject
    assert [a.email for a in parsed.to] == ["kim@customer.example"]
    def blanks(value: str) -> str:  # unquoted display names fold runs of blanks (RFC 5322); quoted ones keep them
        return re.sub(r"\s+", " ", value.strip())

    assert blanks(parsed.to[0].display_name) == blanks(name)
    assert parsed.message_id == "<m1@crm.example>"
    assert parsed.text.replace("\r\n", "\n").strip() == text.strip()


def test_bcc_is_sent_but_not_kept_and_idn_domains_are_encoded():
    composed = compose(Draft(sender=SENDER, to=[Recipient("info@bücher.example")],
                             bcc=[Recipient("chef@kontor.example")], subject="Hallo", text="x"),
                       message_id="<m2@crm.example>", now=datetime(2026, 3, 2, 9, 0, 5, 123, tzinfo=UTC))
    assert b"Bcc: chef@kontor.example" in composed.to_send
    assert b"chef@kontor.example" not in composed.to_keep
    assert b"To: info@xn--bcher-kva.example" in composed.to_keep
    assert b"Date: Mon, 02 Mar 2026 09:00:05 +0000" in composed.to_keep
    assert composed.to_send.replace(b"Bcc: chef@kontor.example\r\n", b"") == composed.to_keep


@pytest.mark.parametrize(("draft", "field"), [
    (Draft(sender=SENDER), "to"),
    (Draft(sender=SENDER, to=[Recipient("a@b.example"), Recipient("\"quoted\"@b.example")]), "to[1]"),
    (Draft(sender=SENDER, cc=[Recipient("a@nodot")]), "cc[0]"),
    (Draft(sender=SENDER, bcc=[Recipient("a@b.example", "x\nBcc: y@z.example")]), "bcc[0].name"),
    (Draft(sender=SENDER, to=[Recipient("a@b.example")], subject="a\rb"), "subject"),
    (Draft(sender=SENDER, to=[Recipient(f"a{n}@b.example") for n in range(101)]), "to"),
])
def test_bad_drafts_name_their_field(draft, field):
    with pytest.raises(InvalidArgument) as bad:
        compose(draft, message_id="<m3@crm.example>")
    assert bad.value.field == field


def test_uploaded_files_are_checked():
    ok = check_file(OutgoingFile(" a.pdf ", "Application/PDF", b"1234"), "attachments[0]", max_bytes=4)
    assert (ok.filename, ok.content_type) == ("a.pdf", "application/pdf")
    for file, field in [(OutgoingFile("", "text/plain", b""), "attachments[0].filename"),
                        (OutgoingFile("../etc/passwd", "text/plain", b""), "attachments[0].filename"),
                        (OutgoingFile("a", "text", b""), "attachments[0].content_type"),
                        (OutgoingFile("a", "text/plain", b"12345"), "attachments[0].content")]:
        with pytest.raises(InvalidArgument) as bad:
            check_file(file, "attachments[0]", max_bytes=4)
        assert bad.value.field == field


def test_a_reply_continues_the_thread():
    assert thread_of("<b@x>", ["<a@x>"]) == ("<b@x>", ["<a@x>", "<b@x>"])
    assert thread_of("<b@x>", ["<a@x>", "<b@x>"]) == ("<b@x>", ["<a@x>", "<b@x>"])
    assert thread_of(None, ["<a@x>"]) == (None, ["<a@x>"])


def test_our_long_message_ids_stay_plain_on_the_wire_so_replies_thread():
    # Our Message-IDs carry a record reference and an HMAC (about 105 characters): folded at 78 columns they
    # would turn into RFC 2047 encoded words that no mail program threads by.
    ours = "<crm.contact_person.0f8a6c1e2d3b4a5f6e7d8c9b0a1f2e3d.4b7c9e1f2a3d5c6b.9f8e7d6c5b4a3f2e1d0c9b8a@crm.example>"
    older = "<crm.company.1f8a6c1e2d3b4a5f6e7d8c9b0a1f2e3d.5b7c9e1f2a3d5c6b.8f8e7d6c5b4a3f2e1d0c9b8a@crm.example>"
    composed = compose(Draft(sender=SENDER, to=[Recipient("kunde@kunde.example")], subject="Re: Angebot",
                             text="Danke", in_reply_to=ours, references=[older, ours]),
                       message_id="<m3@crm.example>")
    assert f"In-Reply-To: {ours}\r\n".encode() in composed.to_keep
    assert b"=?" not in composed.to_keep.split(b"\r\n\r\n", 1)[0]
    parsed = mime.parse(composed.to_keep, mime.Limits())
    assert parsed.in_reply_to == (ours,) and parsed.references == (older, ours)
