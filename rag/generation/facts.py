"""The checkable facts of a sentence, normalised so a paraphrase still matches its source:
numbers ("4.2 million" = "4,200,000", "nine" = "9", "84 percent" = "84%"), dates as month and
day ("Aug. 31" = "31 August"), month names, proper names, and sweeping words ("always")."""

import re
from functools import lru_cache

from rag.retrieval.evidence import key_terms, rarity

_SCALES = {"thousand": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12}
_WORDS = {
    w: i
    for i, w in enumerate(
        "zero _ two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
    if w != "_"  # "one" is too often not a number ("one of them")
} | {
    w: 10 * i
    for i, w in enumerate("_ _ _ thirty forty fifty sixty seventy eighty ninety".split())
    if w != "_"
}
_NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|(?:"
    + "|".join(sorted(_WORDS, key=len, reverse=True))
    + r")\b)"
    r"(?:\s*(%|(?:percent|per cent|" + "|".join(_SCALES) + r")\b))?",
    re.I,
)
MONTHS = {
    name: i
    for i, names in enumerate(
        [
            "january jan",
            "february feb",
            "march mar",
            "april apr",
            "may",
            "june jun",
            "july jul",
            "august aug",
            "september sep sept",
            "october oct",
            "november nov",
            "december dec",
        ],
        start=1,
    )
    for name in names.split()
}
_MONTH = r"(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})\b(?!,?\d)|\b(\d{{1,2}})\s+{_MONTH}\b", re.I)
_MONTH_WORD = re.compile(rf"\b{_MONTH}(?=[\s,.]|$)", re.I)
_SWEEPING = frozenset(
    "all every always never none nobody nothing entirely completely totally forever everyone "
    "everything".split()
)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
UNCOMMON = 3.0  # rarity from which a name's word must itself be in the source
CONTENT, KIN = 1.5, 5  # a content word's least rarity; letters two words of a kind share
_LETTERS = re.compile(r"[^\W\d_]+")
_PHRASES = re.compile(r"[,;:()\[\]\"“”]|\s(?:and|or)\s")  # a name never runs across these


def numbers(text: str) -> dict[str, str]:
    """Every number by its canonical value ("1800000", "84%"), with the words it was written in."""
    found = {}
    for m in _NUMBER.finditer(text):
        raw, unit = m.group(1).lower(), (m.group(2) or "").lower()
        if raw in _WORDS:
            value = float(_WORDS[raw])
        else:
            value = float(raw.replace(",", ""))
        if unit in _SCALES:
            value *= _SCALES[unit]
        suffix = "%" if unit in ("%", "percent", "per cent") else ""
        found[f"{value:.6g}{suffix}" if value < 1e6 else f"{value:.0f}{suffix}"] = m.group().strip()
    return found


def dates(text: str) -> set[str]:
    """Month and day pairs, "8-31" for "Aug. 31" and "31 August" alike."""
    found = set()
    for m in _MONTH_DAY.finditer(text):
        month, day = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        found.add(f"{MONTHS[month.lower()]}-{int(day)}")
    return found


def months(text: str) -> set[str]:
    """Month names, as their number ("May" only when a day or year is near: it is also a verb)."""
    found = set()
    for m in _MONTH_WORD.finditer(text):
        word = m.group(1).lower()
        if word == "may" and not re.match(r"\.?\s+\d", text[m.end() :]):
            continue
        if word in ("mar", "dec", "jan") and m.group(1).islower():
            continue
        found.add(str(MONTHS[word]))
    return found


def sweeping(text: str) -> set[str]:
    return {w for w in (x.casefold() for x in _WORD.findall(text)) if w in _SWEEPING}


@lru_cache(maxsize=2048)
def _words(source: str) -> frozenset[str]:
    return frozenset(w.casefold().replace("’", "'") for w in _WORD.findall(source))


def names_missing(text: str, source: str) -> list[str]:
    """The sentence's proper names the source lacks: a name passes when it stands there as a
    phrase, or when each of its uncommon words does ("Senators Josh Hawley" after "Sens. Josh
    Hawley"); a name of common words only ("Security Council") must stand there whole."""
    words = _words(source)
    missing = []
    terms = [t for part in _PHRASES.split(text) if part.strip() for t in key_terms(part)]
    for term in terms:
        if term.kind != "name" or term.text.lower().rstrip(".") in MONTHS:
            continue
        if any(p[:1].islower() for p in term.text.split("-")[1:]):
            continue  # a compound such as "AI-driven" describes; it names nothing
        parts = [w.casefold().replace("’", "'") for w in _WORD.findall(term.text)]
        if _stands(parts, source):
            continue
        if term.text.isupper() and term.text in _acronyms(source):
            continue
        if len(parts) > 1 and _initials(term.text) in _abbreviations(source):
            continue  # "United States" where the source says "U.S."
        head, *rest = term.text.split()
        if (
            head.isupper()
            and rest
            and _stands(parts[1:], source)
            and head in _abbreviations(source)
        ):
            continue  # "UN Human Rights Council" for the source's "Human Rights Council" and "UN"
        uncommon = [w for w in parts if rarity(w) >= UNCOMMON and w not in MONTHS]
        if uncommon and all(w in words for w in uncommon):
            continue
        if _person(term.text) and rarity(parts[-1]) >= UNCOMMON and parts[-1] in words:
            continue  # a person named by surname alone in the source ("Ilham")
        missing.append(term.text)
    return missing


def _stands(parts: list[str], source: str) -> bool:
    """Whether the words stand in the source as a phrase, the last one maybe plural or
    possessive ("Uyghur" in "Uyghurs", "State Department" in "State Department's")."""
    phrase = r"\b" + r"\W+".join(map(re.escape, parts)) + r"(?:e?s|['’]s)?\b"
    return re.search(phrase, source.replace("’", "'"), re.I) is not None


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split() if w[:1].isupper())


@lru_cache(maxsize=512)
def _abbreviations(source: str) -> frozenset[str]:
    """The source's capital abbreviations, dots dropped: "U.S." and "US" are both "US"."""
    found = re.findall(r"\b(?:[A-Z]\.){2,}|\b[A-Z]{2,}\b", source)
    return frozenset(a.replace(".", "") for a in found)


def _person(name: str) -> bool:
    """Two to four capitalised words of letters: how a person is named ("Jewehr Ilham")."""
    words = name.split()
    return 2 <= len(words) <= 4 and all(w[:1].isupper() and w.isalpha() for w in words)


@lru_cache(maxsize=512)
def _acronyms(source: str) -> frozenset[str]:
    """Initials of the source's runs of capitalised words: "European Union" gives "EU"."""
    runs = re.findall(r"(?:\b[A-Z][\w’']*(?:\s+(?:of|the|for|and)\s+|\s+)?){2,}", source)
    return frozenset(_initials(run) for run in runs)


def novel_words(text: str, source: str) -> list[str]:
    """The sentence's content words (not the commonest English words) that nothing in the
    source begins like: a paraphrase keeps the source's words or their kin ("Britain",
    "British"; "pages", "page"); an invented detail brings its own ("banking apps, online
    games")."""
    seen = frozenset(_stem(w)[:KIN] for w in _LETTERS.findall(source.casefold()))
    words = dict.fromkeys(w for w in _LETTERS.findall(text.casefold()) if rarity(w) >= CONTENT)
    return [w for w in words if _stem(w)[:KIN] not in seen]


def _stem(word: str) -> str:
    """A word without a plural or verb ending ("pages" -> "page", "criticised" -> "criticis"),
    so words shorter than KIN letters meet their kin too."""
    if word.endswith("ies") and len(word) > 5:
        return word[:-3] + "y"
    for ending in ("ing", "ed", "s"):
        if word.endswith(ending) and not word.endswith("ss") and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word
