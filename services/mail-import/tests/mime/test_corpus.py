"""Issue 5, "Done when": the corpus of malformed and unusual mail imports without a crash or a hang; every
message is either imported or quarantined with a reason, none is dropped."""

from collections import Counter

from kontor.mail_import.mime import REASONS, ParsedMail, Quarantine, parse

from . import corpus as corpus_module

CORPUS = corpus_module.corpus()
BY_NAME = {m.name: m for m in CORPUS}


def test_the_corpus_holds_at_least_200_messages_including_the_named_cases():
    assert len(CORPUS) >= 200
    for named in ("closing-boundary-missing", "boundary-never-appears", "utf8-declared-latin1-sent", "unknown-8bit",
                  "utf-7", "parts-10000", "header-5mb", "missing-message-id", "duplicate-id-a", "duplicate-id-b",
                  "nul-bytes", "very-long-line", "nested-2000"):
        assert named in BY_NAME


def test_every_message_is_imported_or_quarantined_with_a_reason_and_none_raises():
    outcomes: dict[str, str] = {}
    crashes = []
    for item in CORPUS:
        try:
            result = parse(item.raw)
        except Exception as exc:  # noqa: BLE001 - the assertion below names every crash
            crashes.append(f"{item.name}: {type(exc).__name__}")
            continue
        assert isinstance(result, ParsedMail | Quarantine), item.name
        outcomes[item.name] = "imported" if isinstance(result, ParsedMail) else result.reason
        if isinstance(result, Quarantine):
            assert result.reason in REASONS and result.detail, item.name
    assert crashes == []
    unexpected = {m.name: (m.expect, outcomes[m.name]) for m in CORPUS
                  if m.expect is not None and outcomes[m.name] != m.expect}
    assert unexpected == {}
    tally = Counter(outcomes.values())
    assert sum(tally.values()) == len(CORPUS)  # nothing silently dropped
    # "unparseable" is the safety net for parser bugs; the corpus must not need it.
    assert tally["unparseable"] == 0
    assert tally["imported"] >= 200
    assert {"too_many_parts", "headers_too_large", "nesting_too_deep", "empty", "no_headers"} <= set(tally)


def test_duplicate_message_ids_with_different_content_have_different_content_hashes():
    first, second = parse(BY_NAME["duplicate-id-a"].raw), parse(BY_NAME["duplicate-id-b"].raw)
    assert first.message_id == second.message_id == "<msg-3@example.com>"
    assert first.content_hash != second.content_hash


def test_a_message_without_message_id_dedups_on_its_content_hash():
    parsed = parse(BY_NAME["missing-message-id"].raw)
    assert parsed.message_id is None
    assert parsed.dedup_key == parsed.content_hash and parsed.content_hash.startswith("sha256:")


def test_ten_thousand_parts_are_all_read():
    parsed = parse(BY_NAME["parts-10000"].raw)
    assert parsed.part_count == 10_000
    assert len(parsed.attachments) == 9_999
    assert parsed.attachments[-1].filename == "p9998.txt"


def test_a_five_megabyte_header_is_quarantined_before_parsing():
    result = parse(BY_NAME["header-5mb"].raw)
    assert isinstance(result, Quarantine) and result.reason == "headers_too_large"
    assert result.content_hash.startswith("sha256:")


def test_wrong_and_unknown_charsets_still_yield_text():
    # Declared UTF-8, sent Latin-1: the declared charset wins, undecodable bytes become U+FFFD.
    assert parse(BY_NAME["utf8-declared-latin1-sent"].raw).text == "Gr\ufffd\ufffde aus K\ufffdln"
    assert parse(BY_NAME["unknown-charset"].raw).text == "Grüße"
    assert parse(BY_NAME["utf-7"].raw).text == "Grüße €"
    assert parse(BY_NAME["unknown-8bit"].raw).text.startswith("caf")
