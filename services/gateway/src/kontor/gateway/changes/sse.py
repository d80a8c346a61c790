"""SSE framing and resumption: what goes on the wire, and where a (re)connection starts.

Every frame's ``id`` is a JetStream stream sequence of ``KONTOR_CONTACTS``. A client that reconnects
sends the last one back as ``Last-Event-ID`` and the stream continues at the next sequence, so nothing
is lost and nothing repeats. Frames with an ``id`` and no ``data`` are checkpoints: clients dispatch
no event for them but remember the id (WHATWG SSE: the last event ID is set before an empty event is
dropped), so a reconnect does not replay events the caller was not shown anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.sse import ServerSentEvent

from kontor.platform.errors import InvalidArgument

from kontor.gateway.changes.records import Change

LAST_EVENT_ID = "Last-Event-ID"
RESET = "reset"
_MAX_ID_DIGITS = 19  # JetStream sequences are uint64; more digits is not an id we sent


def parse_last_event_id(value: str | None) -> int | None:
    """The sequence a client saw last; None on a first connection. Anything but one of our ids is 422."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if not text.isascii() or not text.isdigit() or len(text) > _MAX_ID_DIGITS:
        raise InvalidArgument(LAST_EVENT_ID, "must be the id of an event this stream sent (a whole number)")
    return int(text)


@dataclass(frozen=True)
class Start:
    """Where a connection starts reading: the first stream sequence to deliver, and why."""

    sequence: int  # >= 1
    reset: str | None = None  # why the client must re-read its data: events it has not seen are gone

    @property
    def checkpoint(self) -> int:
        """Everything before ``sequence`` counts as handled for this client."""
        return self.sequence - 1


def start_of(last_event_id: int | None, *, first_seq: int, last_seq: int) -> Start:
    """Resume after ``last_event_id``; a first connection starts after the newest event.

    ``first_seq``/``last_seq`` are the stream's state now (an empty stream has last_seq 0 and reports
    first_seq as 0 or last_seq + 1, depending on its history)."""
    newest = last_seq + 1
    if last_event_id is None:
        return Start(newest)
    if last_event_id > last_seq:
        # An id from the future: the stream was recreated. Continuing would silently skip what is new.
        return Start(newest, reset="the change stream was reset; read your data again")
    if last_event_id + 1 < first_seq:
        # The stream's retention dropped events the client has not seen.
        return Start(first_seq, reset="changes since your last event are no longer kept; read your data again")
    return Start(last_event_id + 1)


def opening(start: Start, retry_ms: int) -> list[ServerSentEvent]:
    """The first frames: the reconnect delay and the position, so a reconnect before any event loses
    nothing; then a ``reset`` event when the client's position could not be kept."""
    frames = [ServerSentEvent(retry=retry_ms, id=str(start.checkpoint), comment="kontor changes")]
    if start.reset:
        frames.append(ServerSentEvent(event=RESET, data={"reason": start.reset}))
    return frames


def change_event(sequence: int, change: Change) -> ServerSentEvent:
    return ServerSentEvent(id=str(sequence), event=change.event_type, data=change.data())


def checkpoint(sequence: int) -> ServerSentEvent:
    return ServerSentEvent(id=str(sequence))


def heartbeat() -> ServerSentEvent:
    return ServerSentEvent(comment="heartbeat")
