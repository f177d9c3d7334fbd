"""Site chrome that survives extraction: promo tails, credits, sign-offs and lines of links.

An extractor keeps what sits inside the article's container; sites put their "Related: ...",
"Sign up for our newsletter", copyright lines and lists of links to other stories there too,
and passages then quote them as evidence. These are general rules, chosen on the tuning half of
the extraction benchmark (eval/bench_extraction.py) and not on any one site: a line goes when
it opens with a promo label, is a legal or credit line, a short sign-off with an e-mail
address, or is nearly all link text. Whole lines only: what stays is never rewritten, so every
offset into the text view stays exact.
"""

import re
from collections import Counter
from collections.abc import Iterable, Sequence

_LABEL = re.compile(
    r"""^\W{0,3}(?:
        related(?:\s+(?:post|posts|stories|story|articles?|coverage|content|reading))?\s*[:|]
      | (?:read|see|watch|find|discover)\s+(?:more|also|next|the\s+latest)\b
      | more\s*(?::|from\b|on\b|stories\b|news\b|must[\s-]reads?\b)
      | also\s*(?::|on\s+\S+|read\b|see\b)
      | (?:you\s+may|you\s+might|we\s+think\s+you['’]ll)\s+(?:also\s+)?(?:like|enjoy)\b
      | don['’]t\s+miss\b | must[\s-]reads?\b
      | (?:most\s+(?:popular|read)|recommended|trending)\s*(?::|$|stories\b|articles\b|for\s+you\b)
      | (?:continue|keep)\s+reading\b | click\s+for\b | loading\b[^.]*(?:\.\.\.|…)\s*$
      | (?:video\s+)?ad\s+feedback\s*$
      | sign\s+up\b | subscribe\b | get\s+(?:the\s+latest|our|the\s+\w+\s+newsletter)\b
      | follow\s+(?:us|him|her|them)\b
      | (?:updated|published|posted|last\s+modified)\b.{0,40}$
      | \d+\s+min(?:ute)?s?\s+read\s*$ | reading\s+time\s*:
      | (?:like|love|enjoyed)\s+this\s+(?:story|article|post)\b
      | share\s+(?:this|on)\b | tell\s+us\s+what\b | have\s+a\s+(?:news\s+)?tip\b
      | (?:advertisement|sponsored(?:\s+content)?)\s*$ | (?:\d+\s+)?comments?\s*$ | filed\s+under\s*:
      | source\s*:\s*\S+(?:\s+\S+){0,3}$
      | (?:copyright|©|\(c\))(?:\s|\d)
      | (?:additional\s+)?(?:reporting|writing|editing)\s+by\b
    )""",
    re.I | re.X,
)
_ANYWHERE = re.compile(
    r"all\s+rights\s+reserved|tous\s+droits\s+r[ée]serv[ée]s|alle\s+rechte\s+vorbehalten"
    r"|(?:todos\s+los\s+)?derechos\s+reservados|tutti\s+i\s+diritti\s+riservati"
    r"|todos\s+os\s+direitos\s+reservados|alle\s+rechten\s+voorbehouden"
    r"|wszelkie\s+prawa\s+zastrze[żz]one|все\s+права\s+защищены|版权所有|著作権"
    r"|contributed\s+(?:reporting|to\s+this\s+report)"
    r"|\|\s*[\w. ]{0,30}Photo\b"
    r"|\[button\b|\(END\)\s*$|\bclick\s+here\b"
    r"|\bfollow\s+(?:\S+\s+){0,6}on\s+(?:twitter|facebook|instagram|linkedin|tiktok|youtube)\b"
    r"|\b(?:affiliate|commission)\b.*\b(?:links?|purchases?|buy|sales)\b"
    r"|\b(?:sign\s+up|subscribe)\b.*\bnewsletters?\b|\bnewsletters?\b.*\b(?:sign\s+up|subscribe|inbox)\b",
    re.I,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# A comment button in the languages news is written in: "Kommentare (12)", "Commenter",
# "Comentarios", "Reacties", "Комментарии", "Leave a comment", "Kommentar schreiben".
_COMMENTS = re.compile(
    r"^\W*(?:\d+\s+)?(?:\w+\s+){0,2}?(?:comment|coment|komment|komentar|коммент|комент|yorum|"
    r"reacties|reageer|hozzászól|σχόλι|تعليق|评论|評論|コメント|댓글)\w*(?:\s+\w+){0,2}"
    r"\s*(?:\(\d+\)|\d+)?\W*$",
    re.I,
)
COMMENT_WORDS = 4
# A video player's controls as text: "Play Video", "Current Time 0:00", "Duration 2:31",
# "Loaded: 0%", "1x Playback Rate", "Captions", "Fullscreen", "This is a modal window."
_PLAYER_WORDS = frozenset(
    "play pause replay video player loading loaded current time duration remaining stream type "
    "live seek to playback rate chapters descriptions captions subtitles settings off on audio "
    "track fullscreen full screen mute unmute volume skip ad autoplay now playing up next this "
    "is a modal window close dialog beginning end of picture in selected opens level text "
    "caption window".split()
)
_PLAYER_MARKS = frozenset(
    "video player playback captions subtitles fullscreen duration mute unmute autoplay chapters "
    "modal playing".split()
)
_TIMECODE = re.compile(r"^-?\d{1,2}:\d{2}(?::\d{2})?$|^\d+(?:\.\d+)?[x%]$|^/$")
PLAYER_WORDS = 10
SHORT_WORDS = 30  # a label, credit or sign-off line is short; a paragraph that mentions one is not
LINK_SHARE = 0.8
REPEATED_IN = 3


def is_chrome(line: str, link_texts: Iterable[str] = ()) -> bool:
    """Whether one extracted line is site chrome rather than article text."""
    words = line.split()
    if not words or len(words) > SHORT_WORDS:
        return False
    if _LABEL.search(line) or _ANYWHERE.search(line):
        return True
    if _EMAIL.search(line) and len(words) <= 25:
        return True
    if len(words) <= COMMENT_WORDS and _COMMENTS.match(line):
        return True
    if len(words) <= PLAYER_WORDS and _is_player(words):
        return True
    return _link_share(line, link_texts) >= LINK_SHARE


def _is_player(words: Sequence[str]) -> bool:
    """A line of a video player's control labels and time codes, not a sentence about video."""
    bare = [w.strip(".,:;!?()[]").casefold() for w in words]
    timed = [w for w in bare if _TIMECODE.match(w)]
    rest = [w for w in bare if w and not _TIMECODE.match(w)]
    if not all(w in _PLAYER_WORDS for w in rest):
        return False
    return bool(timed and rest) or any(w in _PLAYER_MARKS for w in rest)


def _link_share(line: str, link_texts: Iterable[str]) -> float:
    """The share of the line's letters that sit inside the page's links."""
    letters = sum(c.isalnum() for c in line)
    if not letters:
        return 0.0
    covered = [False] * len(line)
    for link in link_texts:
        if len(link) < 4:
            continue
        at = line.find(link)
        while at >= 0:
            covered[at : at + len(link)] = [True] * len(link)
            at = line.find(link, at + len(link))
    return sum(1 for c, on in zip(line, covered, strict=True) if on and c.isalnum()) / letters


def without_chrome(
    text: str, link_texts: Iterable[str] = (), also: frozenset[str] = frozenset()
) -> str:
    """`text` without its chrome lines (and the lines in `also`), other lines untouched."""
    links = sorted(
        {" ".join(t.split()) for t in link_texts if t and t.strip()}, key=len, reverse=True
    )
    kept = [
        line
        for line in text.split("\n")
        if " ".join(line.split()) not in also and not is_chrome(line, links)
    ]
    return "\n".join(kept)


def repeated_lines(texts: Sequence[str]) -> frozenset[str]:
    """Lines found in at least REPEATED_IN of one outlet's texts (a feed's entries): its own
    boilerplate ("Continue reading...", "Sign up to ..."), learned from repetition."""
    if len(texts) < REPEATED_IN:
        return frozenset()
    counts = Counter(
        line for text in texts for line in {" ".join(raw.split()) for raw in text.split("\n")}
    )
    return frozenset(line for line, n in counts.items() if line and n >= REPEATED_IN)
