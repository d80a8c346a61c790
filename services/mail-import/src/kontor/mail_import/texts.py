"""Texts people read (health reasons, import log lines, connection-test messages), in German and English.

Codes are stable identifiers (stored in mail_import_log / mail_import_states); the text is rendered when read,
in the caller's language. Parameters are ids, counts, dates and codes only, never subjects or addresses.

    lang = caller_language(context)          # in a servicer: the gRPC ServicerContext
    text("import.gap", lang, count=3)

Modules of other helpers may add their own codes with ``register({...})`` at import time instead of editing
this file; a code registered twice with different texts is a bug and raises.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

Language = Literal["de", "en"]
SUPPORTED: tuple[Language, ...] = ("en", "de")
DEFAULT_LANGUAGE: Language = "en"

# code -> {"en": ..., "de": ...}; str.format placeholders.
TEXTS: dict[str, dict[str, str]] = {
    # health states (mail_import_states.state) as a short label
    "state.never_synced": {"en": "Not imported yet", "de": "Noch nicht importiert"},
    "state.importing": {"en": "Importing", "de": "Import läuft"},
    "state.healthy": {"en": "Up to date", "de": "Aktuell"},
    "state.gap": {"en": "Messages missing", "de": "Nachrichten fehlen"},
    "state.throttled": {"en": "Paused by the mail server", "de": "Vom Mailserver gebremst"},
    "state.needs_auth": {"en": "Sign-in required", "de": "Anmeldung erforderlich"},
    "state.failing": {"en": "Import failing", "de": "Import schlägt fehl"},
    "state.disabled": {"en": "Import switched off", "de": "Import ausgeschaltet"},
    # import log lines (mail_import_log.code)
    "import.started": {"en": "Import started.", "de": "Import gestartet."},
    "import.batch": {
        "en": "{imported} new messages, {referenced} already known, {quarantined} quarantined.",
        "de": "{imported} neue Nachrichten, {referenced} bereits bekannt, {quarantined} in Quarantäne.",
    },
    "import.finished": {
        "en": "Import finished: {folder_count} messages in the folder, {imported_count} imported, "
              "{quarantined_count} quarantined.",
        "de": "Import abgeschlossen: {folder_count} Nachrichten im Ordner, {imported_count} importiert, "
              "{quarantined_count} in Quarantäne.",
    },
    "import.gap": {
        "en": "{count} messages in the folder were neither imported nor quarantined; they will be retried.",
        "de": "{count} Nachrichten im Ordner wurden weder importiert noch in Quarantäne gelegt; "
              "sie werden erneut versucht.",
    },
    "import.quarantined": {
        "en": "A message ({size} bytes) was quarantined: {reason}.",
        "de": "Eine Nachricht ({size} Bytes) wurde in Quarantäne gelegt: {reason}.",
    },
    "import.remapped": {
        "en": "The mail server renumbered the folder; {remapped} messages were matched again, {fetched} fetched.",
        "de": "Der Mailserver hat den Ordner neu nummeriert; {remapped} Nachrichten wurden wieder zugeordnet, "
              "{fetched} neu abgerufen.",
    },
    "import.cursor_expired": {
        "en": "The mail server no longer knows the import position; the folder is read again "
              "(nothing is imported twice).",
        "de": "Der Mailserver kennt die Import-Position nicht mehr; der Ordner wird erneut gelesen "
              "(nichts wird doppelt importiert).",
    },
    "import.gone": {
        "en": "{count} messages left the folder; they stay in the CRM.",
        "de": "{count} Nachrichten haben den Ordner verlassen; sie bleiben im CRM.",
    },
    "import.throttled": {
        "en": "The mail server asked to slow down; next attempt at {retry_at}.",
        "de": "Der Mailserver bittet um eine Pause; nächster Versuch um {retry_at}.",
    },
    "import.needs_auth": {
        "en": "The mailbox refused the sign-in; the account must be connected again.",
        "de": "Das Postfach hat die Anmeldung abgelehnt; das Konto muss neu verbunden werden.",
    },
    "import.failed": {
        "en": "Import failed ({error}); next attempt at {retry_at}.",
        "de": "Import fehlgeschlagen ({error}); nächster Versuch um {retry_at}.",
    },
    "import.folder_missing": {
        "en": "The import folder does not exist on the mail server.",
        "de": "Der Import-Ordner existiert auf dem Mailserver nicht.",
    },
    "import.rematched": {
        "en": "{count} messages stored unfiled earlier were filed to records now.",
        "de": "{count} zuvor ohne Zuordnung gespeicherte Nachrichten wurden jetzt Datensätzen zugeordnet.",
    },
    "import.rules_failed": {
        "en": "Filter rules could not be applied ({error}); the import continues without them.",
        "de": "Filterregeln konnten nicht angewendet werden ({error}); der Import läuft ohne sie weiter.",
    },
    "import.disabled": {"en": "Import switched off.", "de": "Import ausgeschaltet."},
    "import.enabled": {"en": "Import switched on.", "de": "Import eingeschaltet."},
    "import.queued": {"en": "Import requested.", "de": "Import angefordert."},
    # quarantine reasons (mime.Quarantine.reason)
    "quarantine.empty": {"en": "empty message", "de": "leere Nachricht"},
    "quarantine.raw_too_large": {"en": "message too large", "de": "Nachricht zu groß"},
    "quarantine.headers_too_large": {"en": "header section too large", "de": "Kopfzeilen zu groß"},
    "quarantine.no_headers": {"en": "not a mail message", "de": "keine E-Mail-Nachricht"},
    "quarantine.too_many_parts": {"en": "too many parts", "de": "zu viele Teile"},
    "quarantine.nesting_too_deep": {"en": "nested too deeply", "de": "zu tief verschachtelt"},
    "quarantine.unparseable": {"en": "unreadable message", "de": "unlesbare Nachricht"},
    "quarantine.blob_too_large": {"en": "too large to store", "de": "zu groß zum Speichern"},
    "quarantine.unstorable": {"en": "refused by the database", "de": "von der Datenbank abgelehnt"},
    # connection test (TestConnection) outcomes
    "connection.ok": {"en": "Connection works.", "de": "Verbindung funktioniert."},
    "connection.auth_failed": {
        "en": "The mail server refused the sign-in.", "de": "Der Mailserver hat die Anmeldung abgelehnt."},
    "connection.unreachable": {
        "en": "The mail server cannot be reached.", "de": "Der Mailserver ist nicht erreichbar."},
    "connection.certificate": {
        "en": "The mail server's certificate is not trusted.",
        "de": "Dem Zertifikat des Mailservers wird nicht vertraut."},
    "connection.folder_missing": {
        "en": "The import folder does not exist.", "de": "Der Import-Ordner existiert nicht."},
    "connection.throttled": {
        "en": "The mail server asked to slow down; try again later.",
        "de": "Der Mailserver bittet um eine Pause; bitte später erneut versuchen."},
    "connection.failed": {"en": "The connection test failed.", "de": "Der Verbindungstest ist fehlgeschlagen."},
}


def register(texts: Mapping[str, Mapping[str, str]]) -> None:
    """Adds codes (each with "en" and "de"). Re-registering the same text is a no-op (module reloads)."""
    for code, by_lang in texts.items():
        missing = [lang for lang in SUPPORTED if lang not in by_lang]
        if missing:
            raise ValueError(f"text {code!r} lacks {missing}")
        entry = {lang: by_lang[lang] for lang in SUPPORTED}
        if code in TEXTS and TEXTS[code] != entry:
            raise ValueError(f"text {code!r} is already registered with other wording")
        TEXTS[code] = entry


def pick_language(accept_language: str | None) -> Language:
    """The first supported language in Accept-Language order of preference (q-values honoured); else English."""
    ranked = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        if quality <= 0:
            continue
        ranked.append((-quality, position, tag.strip().split("-")[0].lower()))
    for _, _, lang in sorted(ranked):
        if lang in SUPPORTED:
            return lang  # type: ignore[return-value]
    return DEFAULT_LANGUAGE


def _metadata_of(context: Any) -> Iterable[tuple[str, Any]]:
    if context is None:
        return ()
    if hasattr(context, "invocation_metadata"):
        return context.invocation_metadata() or ()
    if isinstance(context, Mapping):
        return context.items()
    return context  # already a sequence of (key, value)


def caller_language(context: Any = None) -> Language:
    """The caller's language from gRPC metadata "accept-language" (the gateway forwards the HTTP header).

    ``context``: the servicer's ``grpc.aio.ServicerContext`` (or its metadata as pairs / a mapping).
    Without one, or without the header: English.
    """
    for key, value in _metadata_of(context):
        if isinstance(key, str) and key.lower() == "accept-language" and isinstance(value, str):
            return pick_language(value)
    return DEFAULT_LANGUAGE


def text(code: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """The text for ``code`` in ``lang`` (English for unknown languages); an unknown code answers itself,
    so a log line written by a newer version still reads as something."""
    by_lang = TEXTS.get(code)
    if by_lang is None:
        return code
    template = by_lang.get(lang) or by_lang[DEFAULT_LANGUAGE]
    reason = params.get("reason")
    if isinstance(reason, str) and f"quarantine.{reason}" in TEXTS:  # a reason code reads as words
        params = {**params, "reason": text(f"quarantine.{reason}", lang)}
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template
