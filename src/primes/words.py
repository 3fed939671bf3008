"""Names and texts as words: how a prime's name is matched in free text and against other names.

Case and punctuation do not count: "Feedback-Loop" and "feedback loop" are the same name.
"""

from __future__ import annotations

import re

_NOT_WORD = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """Lower-case words separated by single spaces: how names are matched in text."""
    if text.isascii():
        return " ".join(words_of(text))
    return _NOT_WORD.sub(" ", text.casefold()).strip()


# ASCII text (nearly all of it) is split into normalized words by a byte table instead of a regex: the same
# words as ``normalize(text).split()`` (letters lower-cased, everything but letters and digits a space), but
# several times faster.
_ASCII_WORD_BYTES = bytes(ord(chr(c).lower()) if chr(c).isascii() and chr(c).isalnum() else 0x20 for c in range(256))


def words_of(text: str) -> list[str]:
    """``normalize(text).split()``."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_WORD_BYTES).decode("ascii").split()
    return normalize(text).split()
