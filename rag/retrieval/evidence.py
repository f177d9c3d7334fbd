"""What the question asks about, and where the top passages say it.

A bag of words found anywhere across three passages made "Who won the 2018 Super Bowl?" look
answered by a blood moon, a stadium and a beauty title. Here the question is read in parts: its
names and phrases ("Super Bowl", "Fumio Kishida") must occur as phrases, its numbers and years
must occur, and its key terms must come together in one short window (a sentence and the next)
of one passage that also holds what the question asks for (a person for "who", a number for
"how many", a date for "when", a place for "where"). The result is both a set of signals for the
abstention model and the reason shown to the reader.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rag.corpus.articles import Span
from rag.corpus.chunking import sentence_spans
from rag.stores.lexical import tokenize

WINDOW_SENTENCES = 2
RARE_WORD = 1.8  # rarity (7 - Zipf frequency) from which a plain word is a key term
ANSWER_BONUS = 0.1
REORDER_MARGIN = 0.25
COMMON_NAME = 1.9  # a capitalised word commoner than this ("US", "Post") may be paraphrased
_DEMONYM = re.compile(r"(ish|ese|ian|can|ean|ic|i)$")
_TOKEN = re.compile(r"[^\W_]+(?:[-'’.,][^\W_]+)*")
_BODIES = frozenset({"department", "ministry"})
_ACRONYM = re.compile(r"([A-Z]{2,6})s?")  # "ASPI", "NGOs"
_CONNECTORS = frozenset({"of", "de", "la", "van", "von", "al", "bin", "the", "and", "for"})
_QUESTION_WORDS = frozenset(
    "who whom whose what which when where why how is are was were do does did can could "
    "should would will has have had in on at for to from by according".split()
)
_MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
).split()
_DATE = re.compile(
    r"\b(1[6-9]\d\d|20\d\d|("
    + "|".join(_MONTHS)
    + r")\.?\s+\d{1,2}|\d{1,2}\s+("
    + "|".join(_MONTHS)
    + r")|monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|"
    r"last (week|month|year)|ago)\b",
    re.IGNORECASE,
)
_ASKS = (  # (what the question says, what the answer is): the first that matches
    (re.compile(r"^\W*(how old|(at )?what age)\b", re.I), "age"),
    (
        re.compile(
            r"^\W*(how much (money\b|.*\b(cost|pa(y|id)|charg|offer|pric|worth|spen[dt]|rais|"
            r"earn|fine|s[eo]ll|sold|invest|fund|budget|bid))|what (price|sum|amount)|at what price)",
            re.I,
        ),
        "money",
    ),
    (re.compile(r"^\W*how many\b", re.I), "count"),
    (re.compile(r"^\W*how long\b", re.I), "duration"),
    (
        re.compile(r"^\W*(how (far|tall|big|heavy|high|deep|wide|large)\b|.*\bweigh)", re.I),
        "measure",
    ),
    (re.compile(r"^\W*what (share|percentage|proportion|fraction)\b", re.I), "share"),
    (
        re.compile(r"^\W*(how (much|often)|what number)\b", re.I),
        "number",
    ),
    (
        re.compile(
            r"^\W*(when|what (date|year|day|time)|in what year|on what date|"
            r"since (when|what year)|in which year)\b",
            re.I,
        ),
        "date",
    ),
    (re.compile(r"^\W*(who|whom|whose|which)\b", re.I), "name"),
    (
        re.compile(r"^\W*(where|in which (city|country|state|town|court)|from which)\b", re.I),
        "name",
    ),
)


_NUMBER_WORDS = re.compile(
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|scores|"
    r"hundreds?|thousands?|millions?|billions?|half)\b",
    re.I,
)
_NUMBER_TOKEN = re.compile(r"\d[\d,.]*")
_YEAR_ONLY = re.compile(r"(1[6-9]|20)\d\d")
_UNIT = (
    r"(%|percent|per cent|kg|kilo(gram)?s?|grams?|pounds?|lbs?|ounces?|oz|tons?|tonnes?|km|"
    r"kilomet(er|re)s?|miles?|met(er|re)s?|feet|foot|ft|inch(es)?|cm|mm|acres?|hectares?|"
    r"square|cubic|storeys?|stories|floors?|litres?|liters?|gallons?|mph)"
)
_AMOUNTS = {  # what a window must hold for the finer kinds of number a question asks for
    "age": re.compile(
        r"\b\d{1,3}[- ]years?[- ]old\b|\baged? \d{1,3}\b|, \d{1,3},|\(\d{1,3}\)", re.I
    ),
    "money": re.compile(
        r"[$€£¥₹]\s?\d|\b\d[\d,.]*\s*(million|billion|thousand|m|bn|k)?\s*(dollars|euros|"
        r"pounds|yuan|yen|rupees|francs|won|usd|eur|gbp)\b|\b(usd|eur|gbp|rmb)\s?\d",
        re.I,
    ),
    "duration": re.compile(
        r"\b(\d[\d,.]*|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|few|many)"
        r"\s+(seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centur(y|ies))\b",
        re.I,
    ),
    "measure": re.compile(rf"\b\d[\d,.]*\s*-?\s*{_UNIT}(?!\w)", re.I),
    "share": re.compile(r"\d\s*(%|percent|per cent)|\b(half|third|quarter|majority|most)\b", re.I),
}


@dataclass(frozen=True)
class Term:
    """A part of the question the passages must hold: a name or phrase, a number, a rare word."""

    text: str
    kind: str  # "name" | "number" | "word"
    weight: float


@dataclass(frozen=True)
class Place:
    """Where a term was found: the passage (0-based among those read) and the span in its text."""

    passage: int
    start: int
    end: int


@dataclass(frozen=True)
class Evidence:
    """The question's terms, where each occurs (None: nowhere), and the best window."""

    terms: tuple[Term, ...]
    found: tuple[Place | None, ...]
    window: Place | None  # the window holding the most of the question's weight
    window_share: float  # the weight share of the terms inside that window
    focus_share: float  # the weight share of the plain key words inside it (1.0: none asked)
    asks: str | None  # a kind of _ASKS ("count", "money", "date", "name", ...) or None
    answer_in_window: bool
    per_passage: tuple[float, ...] = ()  # each passage's best window: share, + bonus if it answers

    @property
    def missing(self) -> list[Term]:
        return [t for t, f in zip(self.terms, self.found, strict=True) if f is None]

    def share(self, kinds: tuple[str, ...]) -> float:
        """Weight share of the terms of these kinds found anywhere (1.0 when there are none)."""
        pairs = [(t, f) for t, f in zip(self.terms, self.found, strict=True) if t.kind in kinds]
        total = sum(t.weight for t, _ in pairs)
        return sum(t.weight for t, f in pairs if f is not None) / total if total else 1.0


@lru_cache(maxsize=4096)
def rarity(word: str) -> float:
    """0 for "the", about 7 for a word English text never uses (most names)."""
    from wordfreq import zipf_frequency

    return max(0.0, 7.0 - zipf_frequency(word, "en"))


def key_terms(question: str) -> tuple[Term, ...]:
    """Names (runs of capitalised words, possessives dropped), numbers, and rare plain words."""
    tokens = [(m.group().rstrip(".,"), m.start()) for m in _TOKEN.finditer(question)]
    terms: list[Term] = []
    run: list[str] = []

    def close_run() -> None:
        while run and run[-1].casefold() in _CONNECTORS:
            run.pop()
        parts = " ".join(run).split(" and ")  # "British and European": two nationalities
        if len(parts) > 1 and all(" " not in p and _paraphrasable(p) for p in parts):
            terms.extend(Term(p, "word", rarity(p.casefold())) for p in parts)
        elif len(run) == 1 and _paraphrasable(run[0]):
            terms.append(Term(run[0], "word", rarity(run[0].casefold())))
        elif run:
            text = " ".join(run)
            terms.append(Term(text, "name", max(3.0, max(rarity(w.casefold()) for w in run))))
        run.clear()

    for i, (word, _) in enumerate(tokens):
        bare = re.sub(r"['’]s$", "", word)
        capital = bare[:1].isupper() and not (i == 0 and bare.casefold() in _QUESTION_WORDS)
        if any(c.isdigit() for c in bare):
            close_run()
            terms.append(Term(bare, "number", 5.0))
        elif capital and not (i == 0 and rarity(bare.casefold()) < 3.0):
            run.append(bare)
            if bare != word:
                close_run()
        elif (
            run
            and bare.casefold() in _CONNECTORS
            and i + 1 < len(tokens)
            and tokens[i + 1][0][:1].isupper()
        ):
            run.append(bare)
        else:
            close_run()
            folded = bare.casefold()
            if (
                folded not in _QUESTION_WORDS
                and len(folded) > 2
                and rarity(folded) >= RARE_WORD
                and not _degree(folded)
            ):
                terms.append(Term(bare, "word", rarity(folded)))
    close_run()
    unique = {t.text.casefold(): t for t in terms}
    return tuple(unique.values())


def _degree(word: str) -> bool:
    """A comparative or superlative ("biggest", "larger", "deadliest"): it ranks what is asked
    for, and the passage that answers says so with a number or other words. Known by its other
    degree being a word too, and its stem ("big", "large", "deadly"): not "forest" or "water"."""
    for end, other in (("est", "er"), ("er", "est")):
        if len(word) > len(end) + 2 and word.endswith(end):
            stem = word[: -len(end)]
            bases = {stem, stem + "e", stem[:-1] + ("y" if stem.endswith("i") else "")}
            if rarity(stem + other) <= 5.0 and any(rarity(b) <= 4.0 for b in bases - {""}):
                return True
    return False


def _paraphrasable(word: str) -> bool:
    """A capitalised word a writer may well have said otherwise: a very common one ("US",
    "Post") or a nationality ("Swedish", "American"): a plain key word, not a name to match."""
    rare = rarity(word.casefold())
    return rare < COMMON_NAME or (rare < 3.5 and bool(_DEMONYM.search(word.casefold())))


def asks_for(question: str) -> str | None:
    """What kind of thing the answer is, when the question's first words say."""
    return next((kind for pattern, kind in _ASKS if pattern.search(question)), None)


@lru_cache(maxsize=16384)
def _pattern(term: Term) -> re.Pattern[str]:
    if term.kind == "number":
        digits = term.text.replace(",", "")
        if digits.isdigit() and len(digits) > 3:  # 4200 matches "4,200"
            groups = re.sub(r"\B(?=(\d{3})+$)", ",?", digits)
            return re.compile(rf"(?<![\d.]){groups}(?![\d])")
        return re.compile(rf"(?<![\w.]){re.escape(term.text)}(?![\d])", re.I)
    if term.kind == "name":
        words = [re.escape(w) for w in term.text.split()]
        forms = [r"[\s\-]+".join(words)]
        if len(words) == 2 and words[1].casefold() in _BODIES:  # "Department of State"
            forms.append(rf"{words[1]}\s+of\s+(?:the\s+)?{words[0]}")
        as_written = r"\b(?:" + "|".join(forms) + r")(?:['’]s)?\b"
        acronym = _ACRONYM.fullmatch(term.text)
        if not acronym:
            return re.compile(as_written, re.I)
        initials = r"\s+(?:(?:of|for|and|the|on)\s+)*".join(
            rf"{c}[\w’'\-]*" for c in acronym.group(1)
        )  # "ASPI": "Australian Strategic Policy Institute"
        # an acronym, and the words it stands for, match in capitals only
        return re.compile(rf"{as_written}|\b{acronym.group(1)}\b|\b{initials}\b")
    return re.compile(r"\b" + re.escape(term.text) + r"\b", re.I)


def locate(term: Term, text: str) -> tuple[int, int] | None:
    """The first place a term occurs in a text: names and numbers as written (a phrase stays a
    phrase), plain words as written or by their stem."""
    found = occurrences(term, text)
    return found[0] if found else None


def occurrences(term: Term, text: str) -> list[tuple[int, int]]:
    """Every place a term occurs in a text, in order."""
    spans = [m.span() for m in _pattern(term).finditer(text)]
    if term.kind == "word" and (stems := stems_of(term.text)):
        by_stem = _by_stem(text)  # words holding every stem of the term
        spans += set.intersection(*(set(by_stem.get(stem, ())) for stem in stems))
    return sorted(set(spans))


@lru_cache(maxsize=16384)
def stems_of(word: str) -> frozenset[str]:
    """A word's stems as BM25 indexes them (empty for a stopword), kept: words recur."""
    return frozenset(tokenize(word))


@lru_cache(maxsize=2048)
def _by_stem(text: str) -> dict[str, tuple[tuple[int, int], ...]]:
    """Where each stem occurs in a passage, kept (top passages recur across questions): a term
    is looked up, not matched against every word."""
    found: dict[str, list[tuple[int, int]]] = {}
    for m in _TOKEN.finditer(text):
        for stem in stems_of(m.group()):
            found.setdefault(stem, []).append(m.span())
    return {stem: tuple(spans) for stem, spans in found.items()}


@lru_cache(maxsize=2048)
def _windows(text: str) -> tuple[tuple[int, int], ...]:
    spans = sentence_spans(text, Span(0, len(text)))
    if not spans:
        return ((0, len(text)),)
    return tuple(
        (spans[i].start, spans[min(i + WINDOW_SENTENCES, len(spans)) - 1].end)
        for i in range(len(spans))
    )


def _has_answer(kind: str | None, text: str, terms: Sequence[Term]) -> bool:
    """Whether a window holds something of the kind asked for that the question does not name."""
    if kind is None:
        return True
    if kind == "date":
        return bool(_DATE.search(text))
    asked = " ".join(t.text for t in terms).casefold()
    if kind == "count":
        return _has_count(text, asked)
    if kind in _AMOUNTS:
        return bool(_AMOUNTS[kind].search(text))
    if kind == "number":
        return any(
            any(c.isdigit() for c in w) and w.strip(",.") not in asked for w in text.split()
        ) or bool(_NUMBER_WORDS.search(text))
    words = text.split()
    return any(
        w[:1].isupper() and re.sub(r"\W+$", "", w).casefold() not in asked
        for i, w in enumerate(words)
        if i and not words[i - 1].endswith((".", "!", "?", ":"))
    )


def _has_count(text: str, asked: str) -> bool:
    """A number that is not a year and not one the question gives ("how many" wants a count)."""
    return any(
        (w := tok.strip(",.")) not in asked and not _YEAR_ONLY.fullmatch(w)
        for tok in _NUMBER_TOKEN.findall(text)
    ) or bool(_NUMBER_WORDS.search(text))


def gather(question: str, texts: Sequence[str]) -> Evidence:
    """Read the top passages for the question's terms and the best window."""
    terms = key_terms(question)
    asks = asks_for(question)
    places = [[occurrences(t, text) for t in terms] for text in texts]
    found = [
        next((Place(n, *spans[i][0]) for n, spans in enumerate(places) if spans[i]), None)
        for i in range(len(terms))
    ]
    total = sum(t.weight for t in terms) or 1.0
    words = sum(t.weight for t in terms if t.kind == "word")
    best: tuple[float, bool, float, Place | None] = (0.0, False, 0.0, None)
    per_passage = []
    for n, text in enumerate(texts):
        mine = 0.0
        for start, end in _windows(text):
            inside = [t for t, at in zip(terms, places[n], strict=True) if _within(at, start, end)]
            share = sum(t.weight for t in inside) / total
            if share + ANSWER_BONUS < mine and share < best[0]:
                continue  # cannot beat this passage's best nor the overall best
            focus = sum(t.weight for t in inside if t.kind == "word") / words if words else 1.0
            has = _has_answer(asks, text[start:end], terms)
            mine = max(mine, share + (ANSWER_BONUS if has else 0.0))
            if (share, has, focus) > best[:3]:
                best = (share, has, focus, Place(n, start, end))
        per_passage.append(mine)
    share, has, focus, window = best
    return Evidence(
        terms,
        tuple(found),
        window,
        share if terms else 1.0,
        focus if terms else 1.0,
        asks,
        has,
        tuple(per_passage),
    )


def _within(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(start <= s < end for s, _ in spans)


def first_passage(evidence: Evidence) -> int:
    """Which of the passages read should rank first: the top one, unless another's window holds
    clearly more of the question (REORDER_MARGIN of its weight) with what it asks for."""
    scores = evidence.per_passage
    if not evidence.terms or len(scores) < 2:
        return 0
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    return best if scores[best] >= scores[0] + REORDER_MARGIN else 0
