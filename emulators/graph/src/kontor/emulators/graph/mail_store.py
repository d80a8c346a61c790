"""The mail part's store: folders, messages (raw MIME), inbox rules, message delta state and sent mail.

Per hosted mailbox (the calendar store's :class:`~kontor.emulators.graph.store.Mailbox`), under the calendar
store's lock so both parts see one consistent mailbox:

* Folders: the well-known ``inbox``, ``sentitems``, ``deleteditems``, ``drafts`` (addressable by those names,
  https://learn.microsoft.com/graph/api/resources/mailfolder#well-known-folder-names) under the hidden root
  ``msgfolderroot``, and folders users or clients create (``childFolders``).
* Messages: two ids each. The default (REST) id changes when the message moves to another folder; the
  immutable id, served with ``Prefer: IdType="ImmutableId"``, stays
  (https://learn.microsoft.com/graph/outlook-immutable-id). Both are accepted in requests; an id a move made
  stale answers 404 ``ErrorItemNotFound``.
* Rules (``messageRules`` of the inbox, https://learn.microsoft.com/graph/api/resources/messagerule) run on
  mail delivered to the inbox, in ``sequence`` order; ``stopProcessingRules`` ends the run.
* Delta (https://learn.microsoft.com/graph/api/message-delta): a token is the folder's member ids (as the
  client was shown them) and the mailbox's change counter when the round ended. A later round returns members
  changed or added since, and ``{"id", "@removed": {"reason": "deleted"}}`` for those that left the folder
  (moved or deleted) — under the id the client knew. An expired token answers 410 ``SyncStateNotFound``.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from kontor.emulators.graph.errors import GraphError
from kontor.emulators.graph.mail_mime import ParsedMail, parse_mail
from kontor.emulators.graph.store import Mailbox, Store

NOT_FOUND = ("ErrorItemNotFound", "The specified object was not found in the store.")
WELL_KNOWN = {"inbox": "Inbox", "sentitems": "Sent Items", "deleteditems": "Deleted Items", "drafts": "Drafts"}
ROOT = "msgfolderroot"
MAX_SYNC_STATES = 64
RULE_CONDITIONS = {"senderContains", "fromAddresses", "sentToAddresses", "subjectContains", "hasAttachments",
                   "bodyContains", "recipientContains"}
RULE_ACTIONS = {"moveToFolder", "copyToFolder", "delete", "markAsRead", "stopProcessingRules"}


def _id(prefix: str) -> str:
    return prefix + base64.urlsafe_b64encode(secrets.token_bytes(30)).decode()


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class MailFolder:
    id: str
    display_name: str
    parent_id: str
    well_known: str | None = None


@dataclass
class StoredMessage:
    immutable_id: str
    rest_id: str
    folder_id: str
    raw: bytes
    parsed: ParsedMail
    received: datetime
    is_read: bool = False
    categories: list[str] = field(default_factory=list)
    change_key: str = ""
    seq: int = 0
    bcc: list[dict] = field(default_factory=list)  # known to the sender's copy only
    attachment_ids: list[str] = field(default_factory=list)


@dataclass
class MessageRule:
    id: str
    display_name: str
    sequence: int
    is_enabled: bool
    conditions: dict
    actions: dict
    exceptions: dict

    def render(self) -> dict:
        return {"id": self.id, "displayName": self.display_name, "sequence": self.sequence,
                "isEnabled": self.is_enabled, "hasError": False, "isReadOnly": False,
                "conditions": self.conditions, "actions": self.actions, "exceptions": self.exceptions}


@dataclass
class MailDeltaState:
    folder_id: str
    members: dict[str, str]  # immutable id -> the id the client was given
    seq: int
    expired: str | None = None
    change_type: str | None = None  # the custom query option changeType=created|updated|deleted


@dataclass
class MailDeltaRound:
    pages: list[list]
    delta_token: str


@dataclass
class MailboxMail:
    folders: dict[str, MailFolder]
    messages: dict[str, StoredMessage] = field(default_factory=dict)  # by immutable id
    rules: dict[str, MessageRule] = field(default_factory=dict)
    delta_states: dict[str, MailDeltaState] = field(default_factory=dict)
    delta_rounds: dict[str, MailDeltaRound] = field(default_factory=dict)
    sent: list[dict] = field(default_factory=list)
    seq: int = 0


def _stored(predicates: dict | None) -> dict:
    """Exchange keeps ``senderContains`` upper-cased (the documented create-rule response shows "ADELE" for
    "adele"); matching is case-insensitive either way."""
    out = dict(predicates or {})
    if "senderContains" in out:
        out["senderContains"] = [s.upper() for s in out["senderContains"]]
    return out


def _addresses(recipients: list[dict]) -> list[str]:
    return [(r.get("emailAddress") or {}).get("address", "").lower() for r in recipients]


class MailStore:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.lock = store.lock
        self._boxes: dict[str, MailboxMail] = {}
        store.observers.append(self)

    # ---- store observer (a reset of the emulator clears mail too) -------------------------------------

    def on_reset(self) -> None:
        self._boxes = {}

    def on_change(self, *_args) -> None:  # calendar changes: nothing to do here
        pass

    # ---- mailboxes and folders ---------------------------------------------------------------------------

    def box(self, mb: Mailbox) -> MailboxMail:
        with self.lock:
            box = self._boxes.get(mb.id)
            if box is None:
                root = MailFolder(_id("AQMkAD"), "Top of Information Store", "", ROOT)
                folders = {root.id: root}
                for name, display in WELL_KNOWN.items():
                    f = MailFolder(_id("AQMkAD"), display, root.id, name)
                    folders[f.id] = f
                box = self._boxes[mb.id] = MailboxMail(folders=folders)
            return box

    def folder(self, mb: Mailbox, ref: str) -> MailFolder:
        with self.lock:
            box = self.box(mb)
            f = box.folders.get(ref)
            if f is None:
                f = next((x for x in box.folders.values() if x.well_known and x.well_known == ref.lower()), None)
            if f is None:
                raise GraphError(404, *NOT_FOUND)
            return f

    def root(self, mb: Mailbox) -> MailFolder:
        return self.folder(mb, ROOT)

    def children(self, mb: Mailbox, folder: MailFolder) -> list[MailFolder]:
        with self.lock:
            return [f for f in self.box(mb).folders.values() if f.parent_id == folder.id]

    def create_folder(self, mb: Mailbox, parent: MailFolder, display_name) -> MailFolder:
        if not isinstance(display_name, str) or not display_name.strip():
            raise GraphError(400, "ErrorInvalidRequest", "displayName: a folder needs a name.")
        with self.lock:
            if any(f.display_name.lower() == display_name.lower() for f in self.children(mb, parent)):
                raise GraphError(409, "ErrorFolderExists", "A folder with the specified name already exists.")
            f = MailFolder(_id("AQMkAD"), display_name, parent.id)
            self.box(mb).folders[f.id] = f
            return f

    def folder_counts(self, mb: Mailbox, folder: MailFolder) -> tuple[int, int]:
        with self.lock:
            msgs = [m for m in self.box(mb).messages.values() if m.folder_id == folder.id]
            return len(msgs), sum(1 for m in msgs if not m.is_read)

    # ---- messages ----------------------------------------------------------------------------------------

    def _touch(self, box: MailboxMail, m: StoredMessage) -> None:
        box.seq += 1
        m.seq = box.seq
        m.change_key = "CQAAABYAAAA" + base64.b64encode(secrets.token_bytes(9)).decode()

    def message(self, mb: Mailbox, ref: str) -> StoredMessage:
        with self.lock:
            box = self.box(mb)
            m = box.messages.get(ref) or next((x for x in box.messages.values() if x.rest_id == ref), None)
            if m is None:
                raise GraphError(404, *NOT_FOUND)
            return m

    def messages(self, mb: Mailbox, folder: MailFolder | None = None) -> list[StoredMessage]:
        """Newest first, as Outlook lists them."""
        with self.lock:
            msgs = [m for m in self.box(mb).messages.values() if folder is None or m.folder_id == folder.id]
            return sorted(msgs, key=lambda m: (m.received, m.seq), reverse=True)

    def deliver(self, mb: Mailbox, raw: bytes, *, folder: str = "inbox", apply_rules: bool | None = None,
                is_read: bool = False, received: datetime | None = None, bcc: list[dict] | None = None) -> StoredMessage:
        """Put a message into a folder as the mail server does; the inbox's rules run unless told otherwise."""
        parsed = parse_mail(raw)
        with self.lock:
            box = self.box(mb)
            target = self.folder(mb, folder)
            m = StoredMessage(immutable_id=_id("AAkALgAA"), rest_id=_id("AAMkAG"), folder_id=target.id, raw=raw,
                              parsed=parsed, received=received or _now(), is_read=is_read, bcc=list(bcc or []))
            m.attachment_ids = [_id("AAMkAGAtt") for _ in parsed.attachments]
            self._touch(box, m)
            box.messages[m.immutable_id] = m
            if apply_rules is None:
                apply_rules = target.well_known == "inbox"
            if apply_rules:
                self._run_rules(mb, box, m)
            return m

    def move(self, mb: Mailbox, ref: str, destination: str) -> StoredMessage:
        """Outlook's move: the REST id changes, the immutable id stays."""
        with self.lock:
            m = self.message(mb, ref)
            target = self._destination(mb, destination)
            box = self.box(mb)
            if target.id != m.folder_id:
                m.folder_id = target.id
                m.rest_id = _id("AAMkAG")
                self._touch(box, m)
            return m

    def copy(self, mb: Mailbox, ref: str, destination: str) -> StoredMessage:
        with self.lock:
            src = self.message(mb, ref)
            return self.deliver(mb, src.raw, folder=self._destination(mb, destination).id, apply_rules=False,
                                is_read=src.is_read, received=src.received)

    def _destination(self, mb: Mailbox, destination) -> MailFolder:
        if not isinstance(destination, str) or not destination:
            raise GraphError(400, "ErrorInvalidRequest", "destinationId: a folder id or well-known name is required.")
        try:
            return self.folder(mb, destination)
        except GraphError:
            raise GraphError(400, "ErrorInvalidIdMalformed", f"destinationId: no folder '{destination}'.") from None

    def delete(self, mb: Mailbox, ref: str, *, hard: bool = False) -> None:
        """Graph's DELETE moves the message to Deleted Items; deleting it there (or ``hard``) removes it."""
        with self.lock:
            m = self.message(mb, ref)
            box = self.box(mb)
            if hard or box.folders[m.folder_id].well_known == "deleteditems":
                del box.messages[m.immutable_id]
                box.seq += 1
            else:
                self.move(mb, m.immutable_id, "deleteditems")

    def update(self, mb: Mailbox, ref: str, body: dict) -> StoredMessage:
        with self.lock:
            m = self.message(mb, ref)
            for key, value in body.items():
                if key == "isRead":
                    if not isinstance(value, bool):
                        raise GraphError(400, "ErrorInvalidRequest", "isRead: expected true or false.")
                    m.is_read = value
                elif key == "categories":
                    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
                        raise GraphError(400, "ErrorInvalidRequest", "categories: expected a list of strings.")
                    m.categories = list(value)
                else:
                    raise GraphError(400, "ErrorInvalidPropertyUpdateSentMessage" if key in ("subject", "body") else "ErrorInvalidRequest",
                                     f"{key}: the emulator only updates isRead and categories of a received message.")
            self._touch(self.box(mb), m)
            return m

    # ---- rules -------------------------------------------------------------------------------------------

    def _check_rule(self, mb: Mailbox, body: dict, *, partial: bool) -> dict:
        out = {}
        for key in ("displayName", "sequence", "isEnabled", "conditions", "actions", "exceptions"):
            if key in body:
                out[key] = body[key]
        if not partial:
            for key in ("displayName", "sequence", "actions"):
                if key not in out:
                    raise GraphError(400, "ErrorInvalidRequest", f"{key}: required for a message rule.")
        if "displayName" in out and (not isinstance(out["displayName"], str) or not out["displayName"]):
            raise GraphError(400, "ErrorInvalidRequest", "displayName: expected a non-empty string.")
        if "sequence" in out and (not isinstance(out["sequence"], int) or isinstance(out["sequence"], bool) or out["sequence"] < 1):
            raise GraphError(400, "ErrorInvalidRequest", "sequence: expected a positive integer.")
        if "isEnabled" in out and not isinstance(out["isEnabled"], bool):
            raise GraphError(400, "ErrorInvalidRequest", "isEnabled: expected true or false.")
        for part in ("conditions", "exceptions"):
            value = out.get(part)
            if value is None:
                continue
            if not isinstance(value, dict):
                raise GraphError(400, "ErrorInvalidRequest", f"{part}: expected an object.")
            for key, v in value.items():
                if key not in RULE_CONDITIONS:
                    raise GraphError(400, "ErrorInvalidRequest", f"{part}.{key}: not a predicate the emulator supports.")
                if key == "hasAttachments":
                    if not isinstance(v, bool):
                        raise GraphError(400, "ErrorInvalidRequest", f"{part}.{key}: expected true or false.")
                elif key in ("fromAddresses", "sentToAddresses"):
                    if not isinstance(v, list) or not all(isinstance((r or {}).get("emailAddress"), dict) for r in v):
                        raise GraphError(400, "ErrorInvalidRequest", f"{part}.{key}: expected a list of recipients.")
                elif not isinstance(v, list) or not all(isinstance(s, str) for s in v):
                    raise GraphError(400, "ErrorInvalidRequest", f"{part}.{key}: expected a list of strings.")
        actions = out.get("actions")
        if actions is not None:
            if not isinstance(actions, dict) or not actions:
                raise GraphError(400, "ErrorInvalidRequest", "actions: expected at least one action.")
            for key, v in actions.items():
                if key not in RULE_ACTIONS:
                    raise GraphError(400, "ErrorInvalidRequest", f"actions.{key}: not an action the emulator supports.")
                if key in ("moveToFolder", "copyToFolder"):
                    try:
                        self.folder(mb, v if isinstance(v, str) else "")
                    except GraphError:
                        raise GraphError(400, "ErrorInvalidRequest", f"actions.{key}: no folder '{v}'.") from None
                elif not isinstance(v, bool):
                    raise GraphError(400, "ErrorInvalidRequest", f"actions.{key}: expected true or false.")
        return out

    def rules(self, mb: Mailbox) -> list[MessageRule]:
        with self.lock:
            return sorted(self.box(mb).rules.values(), key=lambda r: (r.sequence, r.id))

    def rule(self, mb: Mailbox, rule_id: str) -> MessageRule:
        with self.lock:
            r = self.box(mb).rules.get(rule_id)
            if r is None:
                raise GraphError(404, *NOT_FOUND)
            return r

    def create_rule(self, mb: Mailbox, body: dict) -> MessageRule:
        with self.lock:
            b = self._check_rule(mb, body, partial=False)
            r = MessageRule(id=_id("AQAAA"), display_name=b["displayName"], sequence=b["sequence"],
                            is_enabled=b.get("isEnabled", True), conditions=_stored(b.get("conditions")),
                            actions=b["actions"], exceptions=_stored(b.get("exceptions")))
            self.box(mb).rules[r.id] = r
            return r

    def update_rule(self, mb: Mailbox, rule_id: str, body: dict) -> MessageRule:
        with self.lock:
            r = self.rule(mb, rule_id)
            b = self._check_rule(mb, body, partial=True)
            r.display_name = b.get("displayName", r.display_name)
            r.sequence = b.get("sequence", r.sequence)
            r.is_enabled = b.get("isEnabled", r.is_enabled)
            r.conditions = _stored(b["conditions"]) if "conditions" in b else r.conditions
            r.actions = b.get("actions", r.actions)
            r.exceptions = _stored(b["exceptions"]) if "exceptions" in b else r.exceptions
            return r

    def delete_rule(self, mb: Mailbox, rule_id: str) -> None:
        with self.lock:
            self.rule(mb, rule_id)
            del self.box(mb).rules[rule_id]

    @staticmethod
    def _predicates_hold(predicates: dict, m: StoredMessage) -> bool:
        """Every predicate must hold; within a list any entry will do (Outlook's rule semantics)."""
        p = m.parsed
        sender = (p.sender or {}).get("emailAddress") or {}
        sender_text = f"{sender.get('name', '')} {sender.get('address', '')}".lower()
        recipients = _addresses(p.to) + _addresses(p.cc)
        for key, value in predicates.items():
            if key == "senderContains" and not any(s.lower() in sender_text for s in value):
                return False
            if key == "fromAddresses" and (sender.get("address") or "").lower() not in _addresses(value):
                return False
            if key == "sentToAddresses" and not set(_addresses(value)) & set(recipients):
                return False
            if key == "recipientContains" and not any(s.lower() in r for s in value for r in recipients):
                return False
            if key == "subjectContains" and not any(s.lower() in p.subject.lower() for s in value):
                return False
            if key == "bodyContains" and not any(s.lower() in p.text.lower() for s in value):
                return False
            if key == "hasAttachments" and value != any(not a.is_inline for a in p.attachments):
                return False
        return True

    def _run_rules(self, mb: Mailbox, box: MailboxMail, m: StoredMessage) -> None:
        for r in self.rules(mb):
            if not r.is_enabled or not self._predicates_hold(r.conditions, m):
                continue
            if r.exceptions and self._predicates_hold(r.exceptions, m):
                continue
            a = r.actions
            if a.get("markAsRead"):
                m.is_read = True
            if a.get("copyToFolder"):
                self.copy(mb, m.immutable_id, a["copyToFolder"])
            if a.get("delete"):
                m.folder_id = self.folder(mb, "deleteditems").id
            elif a.get("moveToFolder"):
                m.folder_id = self.folder(mb, a["moveToFolder"]).id
            if a.get("stopProcessingRules"):
                break

    # ---- delta -------------------------------------------------------------------------------------------

    def delta_start(self, mb: Mailbox, folder: MailFolder, page_size: int, render, shown_id,
                    change_type: str | None = None) -> MailDeltaRound:
        """The first round: every message in the folder (whatever ``changeType`` later rounds filter by)."""
        with self.lock:
            box = self.box(mb)
            members = [m for m in box.messages.values() if m.folder_id == folder.id]
            return self._new_round(box, folder, members, [], page_size, render, shown_id, change_type=change_type)

    def delta_continue(self, mb: Mailbox, folder: MailFolder, token: str, page_size: int, render, shown_id) -> MailDeltaRound:
        with self.lock:
            box = self.box(mb)
            state = box.delta_states.get(token)
            if state is None or state.expired or state.folder_id != folder.id:
                code = state.expired if state and state.expired else "SyncStateNotFound"
                raise GraphError(410, code, f"The sync state generation is not found; generation={box.seq};[highest={box.seq}].")
            now = [m for m in box.messages.values() if m.folder_id == folder.id]
            created = [m for m in now if m.immutable_id not in state.members]
            updated = [m for m in now if m.immutable_id in state.members and m.seq > state.seq]
            present = {m.immutable_id for m in now}
            removed = [shown for iid, shown in state.members.items() if iid not in present]
            kind = state.change_type
            entries = (created if kind == "created" else updated if kind == "updated" else []
                       if kind == "deleted" else created + updated)
            return self._new_round(box, folder, entries, removed if kind in (None, "deleted") else [], page_size,
                                   render, shown_id, all_members=now, change_type=kind)

    def _new_round(self, box: MailboxMail, folder: MailFolder, entries: list[StoredMessage], removed: list[str],
                   page_size: int, render, shown_id, all_members: list[StoredMessage] | None = None,
                   change_type: str | None = None) -> MailDeltaRound:
        members = all_members if all_members is not None else entries
        token = secrets.token_urlsafe(24)
        box.delta_states[token] = MailDeltaState(folder.id, {m.immutable_id: shown_id(m) for m in members}, box.seq,
                                                 change_type=change_type)
        while len(box.delta_states) > MAX_SYNC_STATES:
            box.delta_states.pop(next(iter(box.delta_states)))
        # removals first, then additions and changes, as in the documented example
        rendered = [{"@odata.type": "#microsoft.graph.message", "id": rid, "@removed": {"reason": "deleted"}}
                    for rid in removed]
        rendered += [render(m) for m in sorted(entries, key=lambda m: (m.received, m.seq))]
        pages = [rendered[i:i + page_size] for i in range(0, len(rendered), page_size)] or [[]]
        return MailDeltaRound(pages=pages, delta_token=token)

    def expire_delta_tokens(self, mb: Mailbox, token: str | None = None, code: str = "SyncStateNotFound") -> int:
        with self.lock:
            box = self.box(mb)
            hit = [s for t, s in box.delta_states.items() if token is None or t == token]
            for s in hit:
                s.expired = code
            return len(hit)
