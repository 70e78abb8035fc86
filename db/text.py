"""Folding names and text for matching regardless of case, accents and transliteration.

Sources spell the same person many ways: Zelenski / Zelensky / Zelenskyy / Зеленський; Serguei /
Sergei / Sergey; Kiev / Kyiv. We fold every spelling to a key: transliterate to ASCII (anyascii),
lower-case, keep letters and digits, then merge the letters transliteration systems disagree on
(y→i, e→i, "gu" before a vowel → g, j→i) and collapse doubled letters. Two spellings match when
their keys are equal (names) or one key contains the other (text search). The folding is lossy on
purpose: it is an index key, never shown to anyone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from anyascii import anyascii

_NON_WORD = re.compile(r"[^a-z0-9]+")
_DOUBLES = re.compile(r"(.)\1+")
_GU = re.compile(r"gu(?=[eiy])")


def fold_word(word: str) -> str:
    w = _GU.sub("g", word)
    w = w.replace("y", "i").replace("e", "i").replace("j", "i").replace("w", "v")
    return _DOUBLES.sub(r"\1", w)


def fold(text: str) -> str:
    """Fold free text to space-separated keys: "Volodimir Zelenski" -> "volodimir zilinski"."""
    ascii_text = anyascii(text).lower().replace("'", "")
    words = [fold_word(w) for w in _NON_WORD.split(ascii_text) if w]
    return " ".join(words)


def fold_names(names: Iterable[str]) -> str:
    """A ``|``-delimited list of folded names, so one name matches with ``LIKE '%|key|%'``."""
    keys: list[str] = []
    for name in names:
        key = fold(name)
        if key and key not in keys:
            keys.append(key)
    return "|" + "|".join(keys) + "|" if keys else ""


def like_escape(value: str) -> str:
    """Escape LIKE wildcards (used with ``ESCAPE '\\'``)."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
