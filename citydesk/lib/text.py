"""Vietnamese text helpers: NFC normalisation, accent-free search keys, Vietnamese sort keys."""

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

_SPACES = re.compile(r"\s+")
# Control characters other than tab and line breaks: never meant as text (PostgreSQL text cannot even
# hold NUL), dropped from everything stored.
# Also the invisible formatting characters that arrive with pasted text: a zero-width space splits a word
# for search without showing it, a right-to-left override turns a name around on the officers' pages.
# (The zero-width joiners of emoji sequences stay.)
_CONTROLS = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)
# The Vietnamese alphabet with the Latin letters it lacks (f, j, w, z) in their Latin places, so that a
# word with one sorts where an English or a foreign name is looked for ("Flooding" after "Environment",
# "Zalo" last), not after every Vietnamese letter.
_SORT_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_BASE_ORDER = {ch: i for i, ch in enumerate(_SORT_ALPHABET)}
_TONE_ORDER = {"": 0, "\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter


def nfc(value: str) -> str:
    """Unicode NFC with collapsed whitespace: what every stored text goes through."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", _CONTROLS.sub("", value))).strip()


_LINE_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def nfc_lines(value: str) -> str:
    """NFC like `nfc`, keeping the writer's line breaks: for texts people write in paragraphs (a
    description, what was done, a note). Spaces collapse within each line, lines are trimmed, and more
    than one empty line in a row becomes one; Windows and old Mac line ends become "\n"."""
    text = unicodedata.normalize("NFC", _CONTROLS.sub("", value.replace("\r\n", "\n").replace("\r", "\n")))
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    lines = [_LINE_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


# Characters whose canonical decomposition is one ASCII letter followed by combining accents (every
# Vietnamese letter), the ASCII ones and those accents: text made of them only folds by decomposing it
# and dropping whatever is not ASCII, in C (three times faster than a test of every character's category).
_ASCII_WITH_ACCENTS = frozenset(
    [chr(c) for c in range(0x80)]
    + [chr(c) for c in range(0x300, 0x370)]
    + [
        ch
        for ch in map(chr, range(0x80, 0x2000))
        if (parts := unicodedata.normalize("NFD", ch))[0].isascii()
        and all(0x300 <= ord(mark) < 0x370 for mark in parts[1:])
    ]
)


def search_key(value: str) -> str:
    """Lower-case, accent-free form ('Phường Bến Thành' -> 'phuong ben thanh') for searching: the text
    lower-cased, đ as d, decomposed (NFD), without its non-spacing marks, whitespace collapsed."""
    lowered = value.lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", lowered)
    if _ASCII_WITH_ACCENTS.issuperset(lowered):
        stripped = decomposed.encode("ascii", "ignore").decode("ascii")
    else:
        stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped).strip()


_WORD = re.compile(r"\w+")
# After these initials a final i and y are one syllable that Vietnamese spells either way (kí/ký, lí/lý,
# mĩ/mỹ, sĩ/sỹ, tỉ/tỷ, hi/hy, qui/quy): searched as i, so that "đăng kí" finds "Đăng ký".
_I_OR_Y = re.compile(r"^(qu|[hklmstv])y$")
# Words people put around what they look for ("hồ sơ khai sinh", "thủ tục khai sinh", "làm giấy khai
# sinh", "xin giấy phép xây dựng", "khai sinh cho con"), accent-free: a match need not have them (one
# that has them comes first), unless the search has no other word.
SEARCH_FILLERS = ("ho so", "thu tuc", "lam", "xin", "cho", "con", "giay")


def search_words(value: str) -> list[str]:
    """The words of a text as a word search reads them: accent-free and lower-case (`search_key`),
    without punctuation ("Đăng ký, cấp" -> "dang", "ki", "cap"), a final y after k, l, m… as i."""
    return [_I_OR_Y.sub(r"\1i", word) for word in _WORD.findall(search_key(value))]


@lru_cache(maxsize=4096)
def _word_set(text: str) -> frozenset[str]:
    return frozenset(search_words(text))


def _query_words(query: str, fillers: Iterable[str]) -> list[tuple[str, bool]]:
    """Each word of a search, with whether it is (part of) a filler."""
    phrases = sorted((tuple(search_words(f)) for f in fillers), key=len, reverse=True)
    words = search_words(query)
    out: list[tuple[str, bool]] = []
    i = 0
    while i < len(words):
        phrase = next((p for p in phrases if p and tuple(words[i : i + len(p)]) == p), ())
        if phrase:
            out += [(word, True) for word in phrase]
            i += len(phrase)
        else:
            out.append((words[i], False))
            i += 1
    return out


def rank_by_words[T](
    query: str,
    items: Iterable[T],
    texts: Callable[[T], Iterable[str]],
    fillers: Iterable[str] = SEARCH_FILLERS,
) -> list[T]:
    """The items whose texts have the words of `query`, best first: for a small list (a catalog of a few
    hundred procedures) searched as people type.

    Each typed word is one of the item's words, not a piece of one ("kí" does not find "kinh doanh"); the
    last word, perhaps still being typed, may also be the start of one ("khai s"). Accents, case and the
    i/y spelling do not count (`search_words`). The filler words (`fillers`: "hồ sơ", "làm"…) need not be
    found, the others must, unless the search is only fillers. Best first: the most typed words found,
    then the most found whole; items that tie keep their order. An empty search returns every item."""
    words = _query_words(query, fillers)
    items = list(items)
    if not words:
        return items
    content = any(not filler for _word, filler in words)
    last = len(words) - 1
    scored: list[tuple[int, int, int]] = []
    for position, item in enumerate(items):
        own: set[str] = set()
        for text in texts(item):
            own |= _word_set(text or "")
        found = whole = 0
        for i, (word, filler) in enumerate(words):
            if word in own:
                found += 1
                whole += 1
            elif i == last and any(w.startswith(word) for w in own):
                found += 1
            elif not filler or not content:
                break
        else:
            scored.append((-found, -whole, position))
    return [items[position] for _found, _whole, position in sorted(scored)]


def unaccented(value: str) -> str:
    """The text without its accents, case and punctuation kept ('Phản ánh đã được tiếp nhận' ->
    'Phan anh da duoc tiep nhan'): how SMS in Vietnam are usually sent, as one Unicode SMS carries 70
    characters and an unaccented one 160."""
    replaced = value.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", replaced)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn"))


def join_place(address: str, *parts: str) -> str:
    """An address followed by the administrative names it does not already say ("12 Lê Lợi, Phường Bến
    Thành" + "Phường Bến Thành", "Thành phố Hồ Chí Minh" -> "12 Lê Lợi, Phường Bến Thành, Thành phố Hồ Chí
    Minh"), compared without accents or case, so that a typed address never shows its ward twice."""
    out = address.strip().rstrip(",")
    said = search_key(out)
    for part in parts:
        part = (part or "").strip()
        if part and search_key(part) not in said:
            out = f"{out}, {part}" if out else part
            said = search_key(out)
    return out


def sort_key(value: str) -> tuple:
    """Sort key following the Vietnamese alphabet (a ă â b c d đ ...), then tones; f, j, w and z in their
    Latin places (after ê, i, v and y)."""
    letters: list[int] = []
    tones: list[int] = []
    for char in unicodedata.normalize("NFC", value.lower()):
        if unicodedata.category(char).startswith("P"):
            continue  # punctuation is not read: "Đăng ký, cấp" sorts as "Đăng ký cấp", as a dictionary does
        decomposed = unicodedata.normalize("NFD", char)
        base = decomposed[0]
        marks = decomposed[1:]
        letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _LETTER_MARKS))
        tone = next((m for m in marks if m in _TONE_ORDER), "")
        # Spaces, digits and punctuation before every letter: "Bà Rịa" < "Bàn Cờ" (as a dictionary does).
        letters.append(
            _BASE_ORDER.get(letter, ord(letter[0]) - 0x110000 if letter[0] < "a" else 100 + ord(letter[0]))
        )
        tones.append(_TONE_ORDER[tone])
    return (letters, tones)


def person_sort_key(full_name: str) -> tuple:
    """Sort key of a person's name as Vietnamese lists order people: by the given name (the last word),
    then the family and middle names, each in the Vietnamese alphabet ("Đỗ Văn An" before "Lê Thị Hồng")."""
    words = full_name.split()
    return (sort_key(words[-1]), sort_key(" ".join(words[:-1]))) if words else ((), ())


_TRACKING_CODE = re.compile(r"^([A-Z]+)\s*-?\s*(\d{2})\s*-?\s*(\d{1,6})$")


def tracking_code(value: str | None) -> str:
    """A tracking code as people type it ("pa-26-301", "PA 26 301", "hs26000121") in its stored form
    (PA-26-000301, HS-26-000121); any other text upper-cased as it is."""
    text = nfc(value or "").strip().upper()
    match = _TRACKING_CODE.match(text)
    if match is None:
        return text
    prefix, year, number = match.groups()
    return f"{prefix}-{year}-{int(number):06d}"
