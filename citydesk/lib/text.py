"""Vietnamese text helpers: NFC normalisation, accent-free search keys, Vietnamese sort keys."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_VI_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_BASE_ORDER = {ch: i for i, ch in enumerate(_VI_ALPHABET)}
_TONE_ORDER = {"": 0, "\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter


def nfc(value: str) -> str:
    """Unicode NFC with collapsed whitespace: what every stored text goes through."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def search_key(value: str) -> str:
    """Lower-case, accent-free form ('Phường Bến Thành' -> 'phuong ben thanh') for searching."""
    decomposed = unicodedata.normalize("NFD", value.lower().replace("đ", "d").replace("Đ", "d"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped).strip()


def sort_key(value: str) -> tuple:
    """Sort key following the Vietnamese alphabet (a ă â b c d đ ...), then tones."""
    letters: list[int] = []
    tones: list[int] = []
    for char in unicodedata.normalize("NFC", value.lower()):
        decomposed = unicodedata.normalize("NFD", char)
        base = decomposed[0]
        marks = decomposed[1:]
        letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _LETTER_MARKS))
        tone = next((m for m in marks if m in _TONE_ORDER), "")
        letters.append(_BASE_ORDER.get(letter, 100 + ord(letter[0])))
        tones.append(_TONE_ORDER[tone])
    return (letters, tones)
