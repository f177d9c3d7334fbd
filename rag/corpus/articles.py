"""Split one file into article spans and mark boilerplate that no answer should come from.

The splitter reads layout cues, not known strings: a title is a short heading line that is
confirmed by a byline under it, by being repeated or echoed elsewhere in the file (a table of
contents, a "Like <title>" line), by following a "Continue reading" marker, or by opening the
file. Boilerplate is site chrome (rag.corpus.chrome, shared with the extracted formats) and
share/copyright/contact lines, lines repeated within the file, photo
captions printed twice, and short non-sentence lines trailing an article.
"""

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

from rag.corpus.chrome import is_chrome

MIN_BODY_WORDS = 25
MIN_PREAMBLE_ARTICLE_WORDS = 50
_WS = " \t\r\n\f\v\u00a0\u2028\u2029\ufeff\u200b"

_MARKER = re.compile(
    r"^(continue reading|read more|read the full (story|article)|full story)\W*$", re.I
)
_CHROME = [
    re.compile(p, re.I)
    for p in (
        r"^(like|share|tweet)\b.*\b(facebook|twitter|whatsapp|linkedin|e-?mail)\b",
        r"\bshare on (facebook|twitter)\b",
        r"(©|\(c\)|\bcopyright\b)",
        r"\b(permalink|unsubscribe|subscription preferences|why did i get this)\b",
        r"^(post )?tags\s*:",
        r"^(feed enhanced by|powered by|this email was sent)\b",
        r"^(download our|please follow us)\b",
        r"^related topics\s*:?$",
        r"^(contact( us)?|tel|phone|gsm|fax|adres|address|e-?mail)\s*:",
        r"[\w.+-]+@[\w-]+\.[\w.]+",
        r"\b\d{1,5}\s+\w+(\s\w+)?\s+(ave|avenue|street|road|blvd|boulevard|lane)\b",
        r"^\S+\.(jpe?g|png|gif|webp|svg)\b|\s\S+\.(jpe?g|png|gif|webp)(\s|$)",
        r"^(updated|published|posted|last updated)\s*:?$",
        r"^\d{1,2}:\d{2}(:\d{2})?$",
        r"^(photo|image|picture|credit)s?\s*:",
    )
]
_BYLINE = re.compile(r"^by\s+[A-Z]", re.I)
_BULLET = re.compile(r"^[•·\-*–—▪►\[]")


@dataclass(frozen=True)
class Span:
    """A half-open character range [start, end) of the original file text."""

    start: int
    end: int


@dataclass(frozen=True)
class Article:
    """One article: its title, its span, and the content runs between boilerplate."""

    title: str | None
    start: int
    end: int
    content: tuple[Span, ...]


@dataclass(frozen=True)
class Layout:
    """How a file divides into articles and boilerplate."""

    articles: tuple[Article, ...]
    boilerplate: tuple[Span, ...]


@dataclass
class _Line:
    start: int
    end: int
    text: str
    boiler: bool = False

    @property
    def words(self) -> int:
        return len(self.text.split())


def split_articles(text: str) -> Layout:
    """Find the articles and the boilerplate of one file's text."""
    lines = _lines(text)
    if not lines:
        return Layout((), ())
    _mark_chrome(lines)
    starts = _article_starts(lines)
    _mark_echoes(lines, starts)
    starts = [i for i in starts if _body_words(lines, i, starts) >= MIN_BODY_WORDS]
    groups = _group(lines, starts)
    articles = []
    for title_index, group in groups:
        _trim_trailer(group)
        body = [ln for ln in group if not ln.boiler]
        if not body:
            continue
        title = group[0].text if title_index is not None else None
        articles.append(Article(title, body[0].start, body[-1].end, _runs(group)))
    return Layout(tuple(articles), _boiler_spans(lines))


def _lines(text: str) -> list[_Line]:
    out = []
    for m in re.finditer(r"[^\n]*\n|[^\n]+$", text):
        raw = m.group().rstrip("\r\n")
        stripped = raw.strip(_WS)
        if stripped:
            start = m.start() + len(raw) - len(raw.lstrip(_WS))
            out.append(_Line(start, start + len(stripped), stripped))
    return out


def _mark_chrome(lines: list[_Line]) -> None:
    """Mark chrome by pattern, exact repeats of non-title lines, and twice-printed captions."""
    counts = Counter(ln.text for ln in lines)
    for ln in lines:
        if ln.words <= 30 and (
            _MARKER.match(ln.text) or is_chrome(ln.text) or any(p.search(ln.text) for p in _CHROME)
        ):
            ln.boiler = True
        elif counts[ln.text] > 1 and not _title_like(ln):
            ln.boiler = True
    for prev, cur in zip(lines, lines[1:], strict=False):
        if prev.text == cur.text:
            cur.boiler = True
        elif len(cur.text) > 40 and _similar(prev.text, cur.text):
            prev.boiler = cur.boiler = True


def _similar(a: str, b: str) -> bool:
    return a[:30] == b[:30] and SequenceMatcher(None, a, b, autojunk=False).ratio() > 0.9


def _title_like(ln: _Line) -> bool:
    """A short heading: 3-30 words, capitalised, not ending like a sentence or a list item."""
    if ln.boiler or not 3 <= ln.words <= 30 or len(ln.text) > 250 or _BULLET.match(ln.text):
        return False
    core = ln.text.rstrip("\"'”’»)]")
    first = ln.text.lstrip("\"'“‘«(")[:1]
    return bool(core) and core[-1] not in ".,;:" and (first.isupper() or first.isdigit())


def _article_starts(lines: list[_Line]) -> list[int]:
    starts = []
    seen_prose = False
    for i, ln in enumerate(lines):
        if _title_like(ln) and (not seen_prose or _confirmed(lines, i)):
            starts.append(i)
            seen_prose = True
        elif not ln.boiler and ln.words >= 6:
            seen_prose = True
    return starts


def _confirmed(lines: list[_Line], i: int) -> bool:
    """A title candidate needs a cue beyond its shape."""
    title = lines[i].text
    nxt = next((lines[j] for j in range(i + 1, len(lines)) if not lines[j].boiler), None)
    if nxt is not None and _BYLINE.match(nxt.text) and nxt.words <= 20:
        return True
    if i > 0 and _MARKER.match(lines[i - 1].text):
        return True
    if len(title) >= 15:
        return any(title in ln.text for j, ln in enumerate(lines) if j != i)
    return False


def _mark_echoes(lines: list[_Line], starts: list[int]) -> None:
    """Lines that merely repeat a title inside other words (contents lists, share lines)."""
    titles = {lines[i].text for i in starts}
    for j, ln in enumerate(lines):
        if j not in starts and any(t in ln.text and t != ln.text for t in titles):
            ln.boiler = True


def _body_words(lines: list[_Line], i: int, starts: list[int]) -> int:
    at = bisect_right(starts, i)
    end = starts[at] if at < len(starts) else len(lines)
    return sum(lines[j].words for j in range(i + 1, end) if not lines[j].boiler)


def _group(lines: list[_Line], starts: list[int]) -> list[tuple[int | None, list[_Line]]]:
    """Cut lines into articles; a substantial preamble becomes an untitled article."""
    if not starts:
        return [(None, lines)]
    groups: list[tuple[int | None, list[_Line]]] = []
    preamble = lines[: starts[0]]
    if sum(ln.words for ln in preamble if not ln.boiler) >= MIN_PREAMBLE_ARTICLE_WORDS:
        groups.append((None, preamble))
    else:
        for ln in preamble:
            ln.boiler = True
    bounds = [*starts, len(lines)]
    groups += [(s, lines[s:e]) for s, e in zip(bounds, bounds[1:], strict=False)]
    return groups


def _trim_trailer(group: list[_Line]) -> None:
    """Mark the short, non-sentence lines that close an article (sign-offs, footers)."""
    for ln in reversed(group[1:]):
        if ln.boiler:
            continue
        if ln.words > 12 or ln.text.rstrip("\"'”’»)]")[-1:] in ".!?":
            return
        ln.boiler = True


def _runs(group: list[_Line]) -> tuple[Span, ...]:
    runs: list[Span] = []
    current: list[_Line] = []
    for ln in [*group, None]:
        if ln is not None and not ln.boiler:
            current.append(ln)
        elif current:
            runs.append(Span(current[0].start, current[-1].end))
            current = []
    return tuple(runs)


def _boiler_spans(lines: list[_Line]) -> tuple[Span, ...]:
    """Runs of boilerplate lines with only blank lines between them, one span each (linear:
    `lines` holds no blank line, so a run is consecutive boiler lines)."""
    spans: list[Span] = []
    for previous, ln in zip([None, *lines], lines, strict=False):
        if not ln.boiler:
            continue
        if spans and previous is not None and previous.boiler:
            spans[-1] = Span(spans[-1].start, ln.end)
        else:
            spans.append(Span(ln.start, ln.end))
    return tuple(spans)
