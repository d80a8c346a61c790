"""The normal form search compares: accents folded, ß/æ/œ spelled out, lower-case, words only.

The database computes the same form for the stored search texts
(``kontor_search_text`` in migration 0006); the query words additionally go
through that SQL function, so stored text and query can never disagree.
This Python side splits a query into the words to look for.
"""

from __future__ import annotations

import re
import unicodedata

# Letters that become two (must run before the accent folding).
_LIGATURES = {"ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe"}
# Letters with a stroke: NFKD does not decompose them.
_STROKES = str.maketrans({"Ø": "O", "ø": "o", "Ł": "L", "ł": "l", "Đ": "D", "đ": "d"})
# pg_trgm's notion of a word: letters and digits; everything else separates words.
_WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 8


def fold(text: str) -> str:
    """"Müller-Lüdenscheidt GmbH" -> "muller-ludenscheidt gmbh"."""
    for letter, spelling in _LIGATURES.items():
        text = text.replace(letter, spelling)
    decomposed = unicodedata.normalize("NFKD", text.translate(_STROKES))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.lower().split())


def query_words(query: str) -> list[str]:
    """The distinct words of ``query`` worth looking for, in order, at most MAX_WORDS.

    One-letter words are dropped when there are longer ones: they match nearly
    everything and would only slow the query down.
    """
    words = list(dict.fromkeys(_WORD.findall(fold(query))))
    longer = [word for word in words if len(word) > 1]
    return (longer or words)[:MAX_WORDS]
