"""The checkable facts of a sentence, normalised so a paraphrase still matches its source:
numbers ("4.2 million" = "4,200,000", "half a million" = "500,000", "nine" = "9", "84 percent"
= "84%"), dates as month and day ("Aug. 31" = "31 August"), month names, proper names, and
sweeping words ("always")."""

import re
from collections.abc import Sequence
from functools import lru_cache

from rag.config import ClaimCheck
from rag.generation.tagger import Word
from rag.retrieval.evidence import key_terms, rarity

_SCALES = {
    "hundred": 1e2,
    "thousand": 1e3,
    "million": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "trillion": 1e12,
}
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
_UNITS = "one two three four five six seven eight nine".split()  # of "forty-one"
_ONE = r"(?:half\s+an?|a|an|one)(?=\s+(?:hundred|thousand|[mb]illion|trillion)\b)"
_NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|"
    + _ONE
    + "|(?:"
    + "|".join(sorted(_WORDS, key=len, reverse=True))
    + r")(?:-(?:one|two|three|four|five|six|seven|eight|nine)\b)?\b)"
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
_MONTH_DAY = re.compile(
    rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!,?\d)|\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b",
    re.I,
)
_MONTH_WORD = re.compile(rf"\b{_MONTH}(?=[\s,.]|$)", re.I)
_SWEEPING = frozenset(
    "all every always never none nobody nothing entirely completely totally forever everyone "
    "everything".split()
)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
UNCOMMON = 3.0  # rarity from which a name's word must itself be in the source
CONTENT, KIN = 1.5, 5  # a content word's least rarity; letters two words of a kind share
_LETTERS = re.compile(r"[^\W\d_]+")
# A capital stands for its country in news writing ("Beijing said"): the forms that country goes by.
_CAPITALS = {
    capital: tuple(forms.split("|"))
    for capital, forms in (
        ("Washington", "United States|U.S.|US|America|American"),
        ("Beijing", "China|Chinese|PRC"),
        ("Moscow", "Russia|Russian|Kremlin"),
        ("London", "Britain|British|United Kingdom|UK|U.K."),
        ("Paris", "France|French"),
        ("Berlin", "Germany|German"),
        ("Tokyo", "Japan|Japanese"),
        ("Brussels", "European Union|EU|E.U."),
        ("Kyiv", "Ukraine|Ukrainian"),
        ("Tehran", "Iran|Iranian"),
        ("Pyongyang", "North Korea|North Korean"),
        ("Seoul", "South Korea|South Korean"),
        ("New Delhi", "India|Indian"),
        ("Ottawa", "Canada|Canadian"),
        ("Canberra", "Australia|Australian"),
        ("Ankara", "Turkey|Turkish"),
        ("Taipei", "Taiwan|Taiwanese"),
        ("Islamabad", "Pakistan|Pakistani"),
    )
}
_COUNTED: dict[ClaimCheck, frozenset[str]] = {  # parts of speech whose novelty adds a fact
    "balanced": frozenset({"NOUN"}),
    "strict": frozenset({"NOUN", "VERB", "ADJ", "ADV"}),
}
_PHRASES = re.compile(r"[,;:()\[\]\"“”]|\s(?:and|or)\s")  # a name never runs across these


def numbers(text: str) -> dict[str, str]:
    """Every number by its canonical value ("1800000", "84%"), with the words it was written in."""
    return {value: text[start:end] for value, start, end in number_spans(text)}


def number_spans(text: str) -> list[tuple[str, int, int]]:
    """Every number's canonical value and where it stands in `text` (its unit included)."""
    found = []
    for m in _NUMBER.finditer(text):
        raw, unit = m.group(1).lower(), (m.group(2) or "").lower()
        tens, _, ones = raw.partition("-")
        if tens in _WORDS:
            value = float(_WORDS[tens] + (_UNITS.index(ones) + 1 if ones else 0))
        elif raw in ("a", "an", "one"):
            value = 1.0
        elif raw.startswith("half"):
            value = 0.5
        else:
            value = float(raw.replace(",", ""))
        if unit in _SCALES:
            value *= _SCALES[unit]
        suffix = "%" if unit in ("%", "percent", "per cent") else ""
        canonical = f"{value:.6g}{suffix}" if value < 1e6 else f"{value:.0f}{suffix}"
        stripped = m.group().rstrip()
        found.append((canonical, m.start(), m.start() + len(stripped)))
    return found


def dates(text: str) -> set[str]:
    """Month and day pairs, "8-31" for "Aug. 31" and "31 August" alike."""
    return {value for value, _, _ in date_spans(text)}


def date_spans(text: str) -> list[tuple[str, int, int]]:
    """Every month-and-day pair ("8-31") and where it stands in `text`."""
    found = []
    for m in _MONTH_DAY.finditer(text):
        month, day = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        found.append((f"{MONTHS[month.lower()]}-{int(day)}", m.start(), m.end()))
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


def names(text: str, source: str) -> dict[str, bool]:
    """The sentence's proper names, each with whether the source has it: a name passes when it
    stands there as a phrase (singular or plural), when each of its uncommon words does
    ("Senators Josh Hawley" after "Sens. Josh Hawley"), as the source's abbreviation ("United
    States" for "U.S.", "Communist Party" inside "CCP"), or, joined by "of", as two names that
    each pass ("Jessica Brandt of Brookings"); a name of common words only ("Security Council")
    must stand there whole."""
    found = {}
    for part in _PHRASES.split(text):
        for term in key_terms(part) if part.strip() else ():
            if term.kind != "name" or term.text.lower().rstrip(".") in MONTHS:
                continue
            if any(p[:1].islower() for p in term.text.split("-")[1:]):
                continue  # a compound such as "AI-driven" describes; it names nothing
            found[term.text] = all(_has_name(n, source) for n in term.text.split(" of "))
    return found


def _has_name(name: str, source: str) -> bool:
    parts = [w.casefold().replace("’", "'") for w in _WORD.findall(name)]
    if not parts:
        return True
    singular = [*parts[:-1], _stem(parts[-1])] if parts[-1].endswith("s") else parts
    if _stands(parts, source) or _stands(singular, source):
        return True
    if any(_stands(form.casefold().split(), source) for form in _CAPITALS.get(name, ())):
        return True
    if name.isupper() and name in _acronyms(source):
        return True
    initials = _initials(name)
    if len(initials) > 1 and any(a.endswith(initials) for a in _abbreviations(source)):
        return True  # "United States" for "U.S."; "Communist Party" in "CCP"
    head, *rest = name.split()
    if head.isupper() and rest and _stands(parts[1:], source) and head in _abbreviations(source):
        return True  # "UN Human Rights Council" for the source's "Human Rights Council" and "UN"
    uncommon = [w for w in parts if rarity(w) >= UNCOMMON and w not in MONTHS]
    if uncommon and all(w in _words(source) for w in uncommon):
        return True
    # a person named by surname alone in the source ("Ilham")
    return _person(name) and rarity(parts[-1]) >= UNCOMMON and parts[-1] in _words(source)


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


def novel_words(
    words: Sequence[Word], source: str, check: ClaimCheck, known: frozenset[str] = frozenset()
) -> dict[str, bool]:
    """The sentence's content nouns and names (not the commonest English words) that nothing in
    the source begins like, each with whether it names something: a paraphrase keeps the things
    its source talks about, or their kin ("pages", "page"; "labour", "labor"), and brings its
    own verbs ("started" for "commenced"); an invented detail brings its own things ("banking
    apps, online games") or names ("Canadian"). Month names are the dates' business. `known`:
    words of the sentence's names the source has in another form ("CCP"); a "strict" check
    counts new verbs, adjectives and adverbs too."""
    seen = _kin(source)
    found: dict[str, bool] = {}
    for i, w in enumerate(words):
        name = w.pos == "PROPN" or (w.pos == "ADJ" and w.capital and i > 0)
        if (
            (name or w.pos in _COUNTED[check])
            and _LETTERS.fullmatch(w.text)
            and rarity(w.text) >= CONTENT
            and w.text not in known
            and w.text not in MONTHS
            and not {_root(w.text), _root(w.lemma)} & seen
            and not (name and _has_name(w.text.title(), source))
        ):
            found[w.text] = found.get(w.text, False) or name
    return found


@lru_cache(maxsize=512)
def _kin(source: str) -> frozenset[str]:
    return frozenset(_root(w) for w in _LETTERS.findall(source.casefold()))


def _root(word: str) -> str:
    """What a word and its kin share: its first KIN letters, plural and verb endings and the
    British "-our" and "-tre" ("labour", "centre") set aside."""
    return _stem(re.sub(r"tre\b", "ter", word.replace("our", "or")))[:KIN]


def _stem(word: str) -> str:
    """A word without a plural or verb ending ("pages" -> "page", "criticised" -> "criticis"),
    so words shorter than KIN letters meet their kin too."""
    if word.endswith("ies") and len(word) > 5:
        return word[:-3] + "y"
    for ending in ("ing", "ed", "s"):
        if word.endswith(ending) and not word.endswith("ss") and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word
