"""The malformed-and-unusual mail corpus (issue 5, "Done when"): hand-made fixtures plus seeded variants.

``corpus()`` answers CorpusMessage(name, raw, expect): ``expect`` is "imported", a quarantine reason code, or
None where either outcome is acceptable (random damage may or may not destroy every header). It is
deterministic (a fixed seed), so a failure names a message that can be rebuilt and looked at.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Iterator
from dataclasses import dataclass

IMPORTED = "imported"
CRLF = b"\r\n"


@dataclass(frozen=True)
class CorpusMessage:
    name: str
    raw: bytes
    expect: str | None


def message(headers: list[tuple[str, str | bytes]], body: bytes = b"Hello.\r\n") -> bytes:
    lines = [name.encode() + b": " + (value if isinstance(value, bytes) else value.encode()) for name, value in headers]
    return CRLF.join(lines) + CRLF + CRLF + body


def basic(n: int = 0, **extra: str | bytes) -> list[tuple[str, str | bytes]]:
    fields: list[tuple[str, str | bytes]] = [
        ("From", "Anna Berg <anna@example.com>"), ("To", "sales@kontor.example"),
        ("Subject", f"Offer {n}"), ("Date", "Tue, 3 Mar 2026 09:15:00 +0100"),
        ("Message-ID", f"<msg-{n}@example.com>"), ("MIME-Version", "1.0"),
    ]
    for key, value in extra.items():  # replaces a field of that name, or adds it
        name = key.replace("_", "-")
        fields = [f for f in fields if f[0].lower() != name.lower()] + [(name, value)]
    return fields


def multipart(boundary: str, parts: list[bytes], subtype: str = "mixed", close: bool = True) -> bytes:
    b = boundary.encode()
    body = b"".join(b"--" + b + CRLF + part + CRLF for part in parts)
    return body + (b"--" + b + b"--" + CRLF if close else b"")


def part(content_type: str, body: bytes, **extra: str) -> bytes:
    fields = [("Content-Type", content_type)] + [(k.replace("_", "-"), v) for k, v in extra.items()]
    return CRLF.join(f"{k}: {v}".encode() for k, v in fields) + CRLF + CRLF + body


def with_parts(n: int, parts: list[bytes], boundary: str = "b0undary", subtype: str = "mixed",
               close: bool = True) -> bytes:
    return message(basic(n, Content_Type=f'multipart/{subtype}; boundary="{boundary}"'),
                   multipart(boundary, parts, subtype, close))


def nested(depth: int) -> bytes:
    """``depth`` multiparts inside each other (the message's own one included) around one text part."""
    inner = part("text/plain", b"deep inside")
    for level in range(depth, 1, -1):
        inner = part(f'multipart/mixed; boundary="n{level}"', multipart(f"n{level}", [inner]))
    return message(basic(depth, Content_Type='multipart/mixed; boundary="n1"'), multipart("n1", [inner]))


def attached_chain(depth: int) -> bytes:
    """A message attached to a message ... ``depth`` times (forward of a forward of ...)."""
    raw = message(basic(1000), b"the original\r\n")
    for level in range(depth):
        raw = with_parts(1000 + level + 1, [part("text/plain", b"see attached"), part("message/rfc822", raw)],
                         boundary=f"fw{level}")
    return raw


def many_parts(count: int) -> bytes:
    """``count`` parts in all: the multipart itself and count - 1 small text attachments."""
    parts = [part("text/plain", b"part %d" % i, Content_Disposition=f'attachment; filename="p{i}.txt"')
             for i in range(count - 1)]
    return with_parts(count, parts)


def hand_made() -> Iterator[CorpusMessage]:
    yield CorpusMessage("plain", message(basic(1)), IMPORTED)
    yield CorpusMessage("missing-message-id", message([f for f in basic(2) if f[0] != "Message-ID"]), IMPORTED)
    same_id = basic(3)
    yield CorpusMessage("duplicate-id-a", message(same_id, b"first content\r\n"), IMPORTED)
    yield CorpusMessage("duplicate-id-b", message(same_id, b"different content\r\n"), IMPORTED)
    yield CorpusMessage("boundary-never-appears", message(
        basic(4, Content_Type='multipart/mixed; boundary="zzz"'),
        b"--other\r\nContent-Type: text/plain\r\n\r\nx\r\n"), IMPORTED)
    yield CorpusMessage("closing-boundary-missing", with_parts(5, [part("text/plain", b"a")], close=False), IMPORTED)
    yield CorpusMessage("multipart-without-boundary", message(basic(6, Content_Type="multipart/mixed"),
                                                              b"--x\r\n\r\ntext\r\n--x--\r\n"), IMPORTED)
    yield CorpusMessage("boundary-inside-part-text", with_parts(7, [part("text/plain", b"--b0undaryX not a boundary")]),
                        IMPORTED)
    yield CorpusMessage("utf8-declared-latin1-sent", message(basic(8, Content_Type="text/plain; charset=utf-8"),
                                                             "Grüße aus Köln".encode("latin-1")), IMPORTED)
    yield CorpusMessage("unknown-charset", message(basic(9, Content_Type="text/plain; charset=x-no-such-charset"),
                                                   "Grüße".encode()), IMPORTED)
    yield CorpusMessage("unknown-8bit", message(basic(10, Content_Type="text/plain; charset=unknown-8bit"),
                                                b"caf\xe9 \xff\xfe"), IMPORTED)
    yield CorpusMessage("utf-7", message(basic(11, Content_Type="text/plain; charset=utf-7"),
                                         "Grüße €".encode("utf-7")), IMPORTED)
    yield CorpusMessage("broken-utf-7", message(basic(12, Content_Type="text/plain; charset=utf-7"), b"+AGEA-+@@@+"),
                        IMPORTED)
    yield CorpusMessage("charset-punycode", message(basic(13, Content_Type="text/plain; charset=punycode"),
                                                    b"-" * 5000 + b"\x80"), IMPORTED)
    yield CorpusMessage("charset-with-nul", message(basic(14, Content_Type="text/plain; charset=\"utf\x00-8\""),
                                                    b"x"), IMPORTED)
    yield CorpusMessage("base64-garbage", message(
        basic(15, Content_Type="image/png", Content_Transfer_Encoding="base64",
              Content_Disposition="attachment; filename=a.png"),
        b"!!!! not base64 ====\r\nQUJD*&^\r\n"), IMPORTED)
    yield CorpusMessage("base64-wrong-padding", message(basic(16, Content_Transfer_Encoding="base64"), b"SGVsbG8"),
                        IMPORTED)
    yield CorpusMessage("quoted-printable-garbage", message(basic(17, Content_Transfer_Encoding="quoted-printable"),
                                                            b"=ZZ=\r\n=4=\r\n=E4rger"), IMPORTED)
    yield CorpusMessage("bogus-transfer-encoding", message(basic(18, Content_Transfer_Encoding="x-martian"), b"?"),
                        IMPORTED)
    yield CorpusMessage("nul-bytes", message(basic(19, Subject=b"nul\x00subject"), b"body\x00with\x00nuls"), IMPORTED)
    yield CorpusMessage("very-long-line", message(basic(20), b"x" * 2_000_000), IMPORTED)
    yield CorpusMessage("nested-20", nested(20), IMPORTED)
    yield CorpusMessage("nested-100", nested(100), "nesting_too_deep")
    yield CorpusMessage("nested-2000", nested(2000), "nesting_too_deep")
    yield CorpusMessage("attached-chain-5", attached_chain(5), IMPORTED)
    yield CorpusMessage("attached-chain-40", attached_chain(40), "nesting_too_deep")
    yield CorpusMessage("parts-10000", many_parts(10_000), IMPORTED)
    yield CorpusMessage("parts-10001", many_parts(10_001), "too_many_parts")
    yield CorpusMessage("header-5mb", message(basic(21, X_Huge="x" * (5 * 1024 * 1024))), "headers_too_large")
    yield CorpusMessage("header-5mb-folded", message(basic(22, X_Huge="\r\n ".join(["y" * 70] * 75_000))),
                        "headers_too_large")
    yield CorpusMessage("many-small-headers", message(basic(23) + [("X-N", "v")] * 700_000), "headers_too_large")
    yield CorpusMessage("empty", b"", "empty")
    yield CorpusMessage("whitespace-only", b"\r\n \r\n\t\r\n", "empty")
    yield CorpusMessage("no-headers", b"just some text\r\nwithout any header\r\n", "no_headers")
    yield CorpusMessage("binary-junk", bytes(range(256)) * 4, None)
    inline = part("image/png", base64.b64encode(b"\x89PNG fake"), Content_Transfer_Encoding="base64",
                  Content_ID="<logo@kontor>", Content_Disposition="inline")
    related = part('multipart/related; boundary="rel"',
                   multipart("rel", [part("text/html", b'<p>Hi <img src="cid:logo@kontor"></p>'), inline]))
    yield CorpusMessage("inline-image", with_parts(24, [related]), IMPORTED)
    yield CorpusMessage("rfc2231-filename", with_parts(25, [part(
        "application/pdf", b"%PDF", Content_Disposition="attachment; filename*0*=utf-8''Angebot%20K%C3%B6ln; "
        "filename*1*=%20M%C3%A4rz.pdf")]), IMPORTED)
    yield CorpusMessage("rfc2047-filename", with_parts(26, [part(
        "application/pdf", b"%PDF", Content_Disposition='attachment; filename="=?utf-8?q?R=C3=BCckruf.pdf?="')]),
        IMPORTED)
    yield CorpusMessage("path-traversal-filename", with_parts(27, [part(
        "text/plain", b"x", Content_Disposition='attachment; filename="../../etc/passwd"')]), IMPORTED)
    yield CorpusMessage("html-only", message(basic(28, Content_Type="text/html; charset=utf-8"),
                                             b"<html><head><style>p{}</style><script>alert(1)</script></head>"
                                             b"<body><p>Dear&nbsp;Anna,</p><p>see &amp; sign</p></body></html>"),
                        IMPORTED)
    for name, html in (("html-unclosed-end-tags", "</" * 500_000), ("html-unclosed-comments", "<!--x>" * 150_000),
                       ("html-unclosed-cdata", "<![CDATA[x>" * 80_000)):
        yield CorpusMessage(name, message(basic(28, Content_Type="text/html"), html.encode()), IMPORTED)
    yield CorpusMessage("alternative", with_parts(29, [part("text/plain", b"plain version"),
                                                       part("text/html", b"<b>html version</b>")],
                                                  subtype="alternative"), IMPORTED)
    yield CorpusMessage("bad-date", message(basic(30) + [("Date", "yesterday-ish at noon")]), IMPORTED)
    yield CorpusMessage("date-minus-zero", message([f for f in basic(31) if f[0] != "Date"]
                                                   + [("Date", "Tue, 3 Mar 2026 09:15:00 -0000")]), IMPORTED)
    yield CorpusMessage("invalid-addresses", message(basic(32, Cc="foo, a@, @b, Jörg <jörg@müller.de>, "
                                                              "BIG@EXAMPLE.COM, bad@-.invalid-")), IMPORTED)
    yield CorpusMessage("undisclosed-recipients", message(basic(33) + [("Bcc", "undisclosed-recipients:;")]), IMPORTED)
    yield CorpusMessage("garbage-header-lines", b"From: a@example.com\r\nthis is no header\r\nSubject: x\r\n\r\nbody",
                        IMPORTED)
    yield CorpusMessage("raw-8bit-subject", message(basic(34, Subject="Grüße ünencoded".encode())), IMPORTED)
    yield CorpusMessage("encoded-word-unknown-charset",
                        message(basic(35, Subject="=?x-foo?q?abc?= and =?utf-8?b?####?=")), IMPORTED)
    yield CorpusMessage("mbox-from-line", b"From anna@example.com Tue Mar  3 09:15:00 2026\r\n" + message(basic(36)),
                        IMPORTED)
    yield CorpusMessage("lf-line-endings", message(basic(37)).replace(CRLF, b"\n"), IMPORTED)
    yield CorpusMessage("cr-line-endings", message(basic(38)).replace(CRLF, b"\r"), IMPORTED)
    yield CorpusMessage("duplicate-headers", message(basic(39) + [("Subject", "second"), ("Message-ID", "<2@x>")]),
                        IMPORTED)
    yield CorpusMessage("multipart-no-parts", message(basic(40, Content_Type='multipart/mixed; boundary="e"'),
                                                      b"--e--\r\n"), IMPORTED)
    yield CorpusMessage("empty-attached-message", with_parts(41, [part("message/rfc822", b"")]), IMPORTED)
    yield CorpusMessage("message-id-without-brackets", message([f for f in basic(42) if f[0] != "Message-ID"]
                                                               + [("Message-ID", "bare-id@Example.com")]), IMPORTED)
    yield CorpusMessage("message-id-empty-brackets", message([f for f in basic(43) if f[0] != "Message-ID"]
                                                             + [("Message-ID", "<>")]), IMPORTED)
    yield CorpusMessage("to-5000-recipients", message(basic(44) + [("Cc", ", ".join(
        f"Person {i} <p{i}@example.com>" for i in range(5000)))]), IMPORTED)
    yield CorpusMessage("nested-comments-in-to", message(basic(45) + [("Cc", "(" * 3000 + "x@example.com")]), IMPORTED)
    yield CorpusMessage("encoded-words-flood", message(basic(46, Subject="=?utf-8?q?a?= " * 20_000)), IMPORTED)
    yield CorpusMessage("content-type-params-flood", message(basic(47, Content_Type="text/plain; " + "a=b; " * 50_000)),
                        IMPORTED)
    yield CorpusMessage("references-1000", message(basic(48, References=" ".join(f"<r{i}@x>" for i in range(1000)),
                                                          In_Reply_To="<r999@x>")), IMPORTED)
    yield CorpusMessage("text-attachment", with_parts(49, [part("text/plain", b"body"), part(
        "text/plain", b"notes", Content_Disposition='attachment; filename="notes.txt"')]), IMPORTED)
    yield CorpusMessage("calendar-invite", with_parts(50, [part("text/plain", b"invite"), part(
        "text/calendar; method=REQUEST", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR")], subtype="alternative"), IMPORTED)
    yield CorpusMessage("delivery-status", with_parts(51, [part("text/plain", b"bounce"), part(
        "message/delivery-status",
        b"Reporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; x@y\r\nAction: failed\r\n")],
        subtype="report"), IMPORTED)


def _mutations(rng: random.Random) -> Iterator[CorpusMessage]:
    charsets = ["utf-8", "iso-8859-1", "windows-1252", "unknown-8bit", "utf-7", "x-bogus", "utf-16", "gb2312",
                "iso-2022-jp", "", '"utf-8"', "utf-8; format=flowed", "us-ascii", "koi8-r", "rot13", "base64"]
    encodings = ["8bit", "base64", "quoted-printable"]
    text = "Grüße, Zoë! Цена 10 € — 価格".encode()
    for charset in charsets:
        for encoding in encodings:
            body = {"8bit": text, "base64": base64.encodebytes(text),
                    "quoted-printable": b"Gr=C3=BC=DFe =E2=82"}[encoding]
            yield CorpusMessage(f"charset-{charset or 'empty'}-{encoding}", message(basic(
                100, Content_Type=f"text/plain; charset={charset}", Content_Transfer_Encoding=encoding), body),
                IMPORTED)
    for index, missing in enumerate(["From", "To", "Date", "Subject", "Message-ID", "MIME-Version"]):
        yield CorpusMessage(f"without-{missing.lower()}", message([f for f in basic(200 + index) if f[0] != missing]),
                            IMPORTED)
    for depth in (1, 2, 5, 10, 31, 32, 33, 50):
        yield CorpusMessage(f"nesting-{depth}", nested(depth), IMPORTED if depth <= 32 else "nesting_too_deep")
    for count in (1, 2, 100, 1000):
        yield CorpusMessage(f"parts-{count}", many_parts(count), IMPORTED)
    for length in (998, 10_000, 100_000, 1_000_000):
        yield CorpusMessage(f"long-header-{length}", message(basic(300 + length, X_Long="z" * length)), IMPORTED)
    base_multipart = with_parts(400, [part("text/plain", b"intro"), part(
        "application/pdf", base64.b64encode(b"%PDF-1.4 fake"), Content_Transfer_Encoding="base64",
        Content_Disposition='attachment; filename="offer.pdf"'), part("message/rfc822", message(basic(401)))])
    for index in range(30):  # truncated anywhere: in headers, in a boundary, mid-base64
        cut = rng.randrange(1, len(base_multipart))
        yield CorpusMessage(f"truncated-{index}-at-{cut}", base_multipart[:cut], None)
    for index in range(30):
        noise = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
        fields = basic(500 + index)
        fields.insert(rng.randrange(len(fields)), (f"X-Garbage-{index}", noise.replace(b"\r", b"").replace(b"\n", b"")))
        yield CorpusMessage(f"header-garbage-{index}", message(fields), IMPORTED)
    for index in range(20):
        raw = bytearray(base_multipart)
        for _ in range(rng.randrange(1, 20)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        yield CorpusMessage(f"bit-flips-{index}", bytes(raw), None)
    for index in range(10):
        raw = bytearray(base_multipart)
        for _ in range(5):
            raw.insert(rng.randrange(len(raw)), 0)
        yield CorpusMessage(f"nul-inserted-{index}", bytes(raw), None)
    for index in range(10):
        garbage = bytes(rng.randrange(256) for _ in range(rng.randrange(10, 400)))
        yield CorpusMessage(f"base64-garbage-{index}", with_parts(600 + index, [part(
            "application/octet-stream", garbage, Content_Transfer_Encoding="base64",
            Content_Disposition=f"attachment; filename=g{index}.bin")]), IMPORTED)
    for index in range(10):  # boundaries that differ from what the header declares, or are repeated
        boundary = "".join(rng.choice("ab-_=") for _ in range(rng.randrange(1, 12)))
        declared = boundary if index % 2 else boundary + "x"
        raw = message(basic(700 + index, Content_Type=f'multipart/mixed; boundary="{declared}"'),
                      multipart(boundary, [part("text/plain", b"one"), part("text/plain", b"two")],
                                close=index % 3 == 0))
        yield CorpusMessage(f"boundary-mismatch-{index}", raw, IMPORTED)


def corpus() -> list[CorpusMessage]:
    messages = list(hand_made()) + list(_mutations(random.Random(5)))
    names = [m.name for m in messages]
    assert len(names) == len(set(names)), "corpus names must be unique"
    return messages
