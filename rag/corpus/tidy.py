"""Metadata people can filter on: titles without the site's name, authors as people, outlets
that are outlets.

Pages title themselves "Story | CNN Politics" or "Story -- Sott.net", feeds write authors as
"Nick Ames (now), Ed Aarons and Ben Fisher (earlier)", exports list the publisher among the
authors. These are general rules: a title segment is the site's when it names the outlet, the
page's host or a domain; an author is an organisation when it is the outlet or says so
("Media", "Press", "Agency", ...). The title as found stays in `title_raw`.
"""

import re
from dataclasses import replace
from email.utils import parseaddr
from urllib.parse import urlsplit

from wordfreq import zipf_frequency

from rag.corpus.metadata import MONTHS, Metadata

_NAMED_FIRST = re.compile(r"([^:|]{3,40}):\s+(\S.{3,})")
_SEPARATOR = re.compile(r"\s+(?:[|•·:–—]|-{1,2}|::)\s+|\s*[|｜]\s*|(?<=[^\x00-\x7f])\s*[-–—_]\s*")
_BRACKETED = re.compile(r"(.+?)\s*\[([^\[\]]{2,40})\]")
_CJK_SITE = re.compile(r"(?:网|網|报|報|新闻|新聞)$")  # Chinese sites: "新华网", "人民日报"
_DOMAIN = re.compile(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}$", re.I)
_ORG_WORDS = frozenset(
    "inc ltd llc plc gmbh media news press network networks group agency publishing "
    "publications corporation corp company staff newsroom desk editors editorial wire "
    "service broadcasting television radio magazine newspaper".split()
)
_DATE_TAIL = re.compile(
    rf"\s+(?:(?:{MONTHS})\b\.?\s+\d.*$|\d.*$|(?:updated|published|posted)\b.*$"
    r"|(?:mon|tues|wednes|thurs|fri|satur|sun)day\b.*$)",
    re.I,
)
_MONTH_TAIL = re.compile(rf"^(\S+\s+\S+.*?)\s+(?:{MONTHS})\b\.?$", re.I)  # "Joshua Sokol May"
BY = re.compile(  # "Analysis by", "Par", "Publicado por:", "Текст:" (Russian "Text:")
    r"^\s*(?:(?:[^\W\d]+\s+){0,2}?(?:by|par|por)|text|texto|текст|автор)(?:\s*:\s*|\s+)", re.I
)
_CREDIT = re.compile(r"(?:\s+and\s+|,\s*)?[^,;()]*\((?:photo|video|illustrat|graphic)[^)]*\)", re.I)
_WITH = re.compile(r"\((?:with|avec|mit|con|com)\s+([^)]*)\)", re.I)  # "(avec A et B)": co-authors
_JOINERS = re.compile(r"\s*(?:[,;/|&]|\band\b|\bund\b|\bet\b|\by\b|\be\b)\s*")
_TAGLINE = re.compile(r"\s+[-–—|:]\s+")  # "Aktuálně.cz - Víte, co se právě děje"
_LEGAL = re.compile(r"[\s,]+(?:inc|ltd|llc|plc|gmbh|corp)\.?$", re.I)  # "Spiceworks Inc"
_JOBS = frozenset(
    "editor reporter correspondent writer contributor columnist producer critic analyst "
    "photographer intern".split()
)
COMMON_WORD = 4.5  # wordfreq's zipf: "national", "sports"; not "Silverman", "Aarons"
MAX_NAME_WORDS = 6
MAX_OUTLET_WORDS = 8


def tidy(meta: Metadata) -> Metadata:
    """The metadata a loader found, made filterable (idempotent)."""
    outlet = _outlet(meta.outlet, meta.title)
    people, organisation = split_authors(meta.author, outlet)
    outlet = outlet or organisation
    title, site = site_suffix(meta.title, outlet, meta.url, people)
    return replace(
        meta,
        title=title,
        title_raw=meta.title_raw or (meta.title if title != meta.title else None),
        author=people,
        outlet=outlet or site,
    )


def _outlet(outlet: str | None, title: str | None) -> str | None:
    """An outlet is a short name (a site's address becomes its host; no slogan after it, no
    "Inc"), never the article's own title."""
    name = " ".join((outlet or "").split())
    if re.match(r"^https?://", name, re.I):
        name = (urlsplit(name).hostname or "").removeprefix("www.")
    name = _LEGAL.sub("", name)
    parts = [p.strip() for p in _TAGLINE.split(name)]
    domains = [p for p in parts if _DOMAIN.match(p)]
    if len(parts) == 2 and len(domains) == 1:  # "The Jerusalem Post | JPost.com"
        other = parts[1 - parts.index(domains[0])]
        label = host_label(domains[0].casefold())
        if _abbreviates(label, re.findall(r"\w+", other.casefold())):
            name = other
    first, *tagline = _TAGLINE.split(name, maxsplit=1)
    slogan = len(re.findall(r"\w+", tagline[0])) if tagline else 0
    if slogan >= 3 and len(first.split()) < slogan:
        name = first  # the site's name before its slogan
    if not name or len(name.split()) > MAX_OUTLET_WORDS:
        return None
    if title and name.casefold() == " ".join(title.split()).casefold():
        return None
    return name


def split_authors(raw: str | None, outlet: str | None = None) -> tuple[str | None, str | None]:
    """(people, organisation) from an author field.

    "Nick Ames (now), Ed Aarons and Ben Fisher (earlier)" -> ("Nick Ames, Ed Aarons, Ben Fisher",
    None); "Condé Nast; Tom Bennett" with outlet "Condé Nast" -> ("Tom Bennett", "Condé Nast").
    """
    if not raw or not raw.strip():
        return None, None
    text = _CREDIT.sub(" ", _WITH.sub(r", \1", raw))  # "and Adrian Malloch (photography)"
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", text)
    text = BY.sub("", text)
    text = _DATE_TAIL.split(text)[0]  # "GILLIAN MOHNEY March 11, 2015 3:46 PM"
    people: list[str] = []
    organisation = None
    for part in _JOINERS.split(text):
        name = " ".join((parseaddr(part)[0] if "@" in part else part).split())
        name = _person_only(_MONTH_TAIL.sub(r"\1", name))  # a date cut short; not "Theresa May"
        if not name or "@" in name or len(name.split()) > MAX_NAME_WORDS:
            continue
        if " " not in name and len(name) <= 4:  # "MA", "PhD", "Jr": credentials, not people
            continue
        if people and _is_job(part):  # "Robert Burns, AP National Security Writer"
            continue
        if _is_organisation(name, outlet):
            organisation = organisation or name
        elif name.casefold() not in {p.casefold() for p in people}:  # "A; A" in two cases
            people.append(name.title() if name.isupper() and len(name) > 3 else name)
    return (", ".join(people) or None), organisation


def _person_only(name: str) -> str:
    """A byline's name without what follows it on the page: lower-case words ("Aleš Vávra
    před", Czech for "ago") and a job ("Ben Silverman Games Editor")."""
    words = name.strip(" .-").split()
    if words and words[0][:1].isupper():
        while len(words) > 1 and words[-1][:1].islower():
            words.pop()
        if len(words) > 2 and words[-1].casefold() in _JOBS:
            words = words[:2]
    return " ".join(words)


def _is_job(part: str) -> bool:
    """A desk and a job after a name ("AP Sports Writer"): a short first word and a common
    second one, not a name with a job ("Ben Silverman Games Editor", "Ed Aarons Staff Writer")."""
    words = part.split()
    return (
        len(words) > 2
        and words[-1].split("-")[0].casefold() in _JOBS
        and len(words[0]) <= 3
        and zipf_frequency(words[1].casefold(), "en") >= COMMON_WORD
    )


def _is_organisation(name: str, outlet: str | None) -> bool:
    words = {w.strip(".,").casefold() for w in name.split()}
    if outlet and (name.casefold() + " ").startswith(outlet.casefold() + " "):
        return True  # the outlet, or a desk of it: "CNN Business"
    if outlet and " " in name and (outlet.casefold() + " ").startswith(name.casefold() + " "):
        return True  # the outlet's short name: "Business Insider" for "… Deutschland"
    return bool(words & _ORG_WORDS) or bool(_DOMAIN.match(name))


def site_suffix(
    title: str | None, outlet: str | None, url: str | None, authors: str | None = None
) -> tuple[str | None, str | None]:
    """(title without the site's name, the site's name as written) from "Story | Site"; a
    segment naming the author ("Story | Eleanor Ainge Roy") goes too, and is no site."""
    if not title:
        return title, None
    host = urlsplit(url or "").hostname or ""
    named = _NAMED_FIRST.match(title.strip())  # "The Space Review: Seeking a bigger role"
    if (
        named
        and host
        and "".join(re.findall(r"\w+", named.group(1).casefold())) == host_label(host)
    ):
        return named.group(2), named.group(1)
    bracketed = _BRACKETED.fullmatch(title.strip())  # "Weekly Edition [LWN.net]"
    parts = list(bracketed.groups()) if bracketed else _SEPARATOR.split(title.strip())
    if len(parts) < 2:
        return title, None
    names = {n.strip().casefold() for n in (authors or "").split(",") if n.strip()}
    for site, rest in ((parts[-1], parts[:-1]), (parts[0], parts[1:])):
        kept = _rejoin(title, rest)
        if len(kept) < 4 or len(kept.split()) < 2 - _cjk(kept):
            continue
        if site.strip().casefold() in names:
            return kept, None
        if is_site(site, outlet, host):
            return _without_sections(kept, title), site.strip().removeprefix("www.")
    return title, None


def _without_sections(kept: str, title: str) -> str:
    """ "Story_教育频道" after "_中国青年网" went: short capitalised or CJK segments before the
    site's, joined by the same separator as the site, are the site's sections."""
    tail = _SEPARATOR.search(title, len(kept))
    sep = tail.group() if tail else ""
    while sep and sep in kept:
        head, _, section = kept.rpartition(sep)
        words = section.split()
        short = len(section) <= 6 if _cjk(section) else len(words) <= 2
        if not (short and len(head) >= 4 and all(w[:1].isupper() or _cjk(w) for w in words)):
            break
        kept = head
    return kept


def _rejoin(title: str, parts: list[str]) -> str:
    """The title's own text from its first kept part to its last, separators as written."""
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end].strip()


def is_site(segment: str, outlet: str | None, host: str) -> bool:
    """Whether a title segment or a site name names the site: a domain, the outlet, or the host."""
    seg = segment.strip().casefold()
    if not seg or len(seg.split()) > 5:
        return False
    if _DOMAIN.match(seg):
        return True
    name = (outlet or "").casefold()
    if name and (seg == name or seg.startswith(name + " ") or name.startswith(seg)):
        return True
    if _cjk(seg) and _CJK_SITE.search(seg):
        return True
    label = host_label(host)
    words = re.findall(r"\w+", seg)
    return bool(label) and (
        any("".join(words[:n]) == label for n in range(1, len(words) + 1))
        or _abbreviates(label, words)
    )


def host_label(host: str) -> str:
    """A site's name in its address: "nytimes" of "www.nytimes.com"."""
    return host.removeprefix("www.").split(".")[0]


def _abbreviates(label: str, words: list[str]) -> bool:
    """Whether a host label is the name cut short: initials ("cnn", Cable News Network), or
    beginnings of the words and the last word whole ("nytimes", The New York Times)."""
    words = words[1:] if len(words) > 2 and words[0] == "the" else words
    if len(words) < 2:
        return False
    if label == "".join(w[0] for w in words):
        return True
    return label.endswith(words[-1]) and _prefixes(label[: -len(words[-1])], words[:-1])


def _prefixes(label: str, words: list[str]) -> bool:
    if not words or not label:
        return not words and not label
    return any(
        label.startswith(words[0][:n]) and _prefixes(label[n:], words[1:])
        for n in range(min(len(words[0]), len(label)), 0, -1)
    )


def _cjk(text: str) -> int:
    """1 for titles in scripts without spaces between words (one "word" is a whole title)."""
    return int(any("\u3040" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af" for c in text))
