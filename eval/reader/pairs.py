"""Training pairs for the reader: (question, window, label), label 1 when the window answers.

Built from ../shared/data (RAG's data path setting), never copied into the project:
- SQuAD 1.1 train: each question's answer window (1); the window of the same paragraph that shares
  most words with the question but lacks the answer (0, the near miss); a "constraint swap" of the
  question (a year, number or name it shares with the answer window changed, so the window is
  about another event: 0); now and then a window from another article that shares words (0).
- SQuAD 2.0 dev, tuning half only (articles split by a hash of their title; the other half is
  never read here): answerable questions with their answer window (1), the adversarially written
  unanswerable ones with the two windows of their paragraph that share most words (0).
- SelQA answer-sentence pairs (dev and test), as labelled.
"""

import csv
import hashlib
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rag.judging.windows import windows

_WORD = re.compile(r"[A-Za-z0-9]+")
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)?\b")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s[A-Z][a-z]+)*\b")
_AUXILIARY = re.compile(
    r"^((?:what|who|which|when|where|why|how)(?: \w+){0,3}? (?:is|was|are|were|did|does|do|has|"
    r"have|had|can|could|would|will|should))\b",
    re.IGNORECASE,
)
_OPPOSITES = dict(
    pair
    for a, b in (
        ("first", "last"),
        ("largest", "smallest"),
        ("before", "after"),
        ("most", "least"),
        ("increase", "decrease"),
        ("increased", "decreased"),
        ("early", "late"),
        ("earliest", "latest"),
        ("north", "south"),
        ("east", "west"),
        ("older", "newer"),
        ("oldest", "newest"),
        ("higher", "lower"),
        ("highest", "lowest"),
        ("more", "fewer"),
        ("win", "lose"),
        ("won", "lost"),
        ("start", "end"),
        ("began", "ended"),
        ("allowed", "banned"),
        ("support", "oppose"),
        ("supported", "opposed"),
        ("longest", "shortest"),
        ("larger", "smaller"),
        ("inside", "outside"),
        ("accepted", "rejected"),
        ("public", "private"),
        ("minimum", "maximum"),
    )
    for pair in ((a, b), (b, a))
)
STOP = frozenset(
    "a an the of in on at to for from by with and or but is are was were be been being do does "
    "did what which who whom whose when where why how that this these those it its as into than "
    "there their they he she his her him them not no can could would should will may might has "
    "have had also about after before during".split()
)


@dataclass(frozen=True)
class Pair:
    question: str
    window: str
    label: int
    kind: str


def is_tuning(title: str) -> bool:
    """SQuAD 2.0 dev articles in the tuning half; the rest is held out and never trained on."""
    return hashlib.sha256(title.encode()).digest()[0] % 2 == 0


def words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)} - STOP


def overlap(question: set[str], window: str) -> float:
    return len(question & words(window)) / (len(question) or 1)


def _cut(context: str) -> list[tuple[int, int, str]]:
    return [(s.start, s.end, context[s.start : s.end]) for s in windows(context)]


def _answer_window(cut: list[tuple[int, int, str]], start: int) -> int | None:
    for i, (a, b, _) in enumerate(cut):
        if a <= start < b:
            return i
    return None


def swap(question: str, window: str, names: list[str], rng: random.Random) -> str | None:
    """The question with one year, number or name it shares with `window` changed to a value the
    window does not hold, or None when it shares none."""
    for pattern in (_YEAR, _NUMBER, _NAME):
        shared = [m for m in pattern.finditer(question) if m.group() in window and m.start() > 0]
        if not shared:
            continue
        m = rng.choice(shared)
        value = m.group()
        if pattern is _YEAR:
            new = str(int(value) + rng.choice([-1, 1]) * rng.randint(1, 12))
        elif pattern is _NUMBER:
            digits = value.replace(",", "")
            new = str(int(float(digits) * rng.choice([2, 3, 0.5])) + rng.randint(1, 9))
        else:
            options = [n for n in names if n not in window and n != value]
            if not options:
                continue
            new = rng.choice(options)
        if new not in window:
            return question[: m.start()] + new + question[m.end() :]
    return None


def negate(question: str) -> str | None:
    """ "When did X die?" -> "When didn't X die?": the window that says when no longer answers
    (SQuAD 2.0's negation unanswerables)."""
    m = _AUXILIARY.match(question)
    if not m or " not " in question or "n't" in question:
        return None
    head, aux = m.group(1).rsplit(" ", 1)
    negative = {"can": "can't", "will": "won't"}.get(aux.lower(), aux + "n't")
    return f"{head} {negative}{question[m.end() :]}"


def oppose(question: str, window: str) -> str | None:
    """A word the question shares with the window turned to its opposite ("first" -> "last")."""
    lowered = window.lower()
    for m in re.finditer(r"[a-z]+", question):
        word = m.group()
        if word in _OPPOSITES and re.search(rf"\b{word}\b", lowered):
            opposite = _OPPOSITES[word]
            if not re.search(rf"\b{opposite}\b", lowered):
                return question[: m.start()] + opposite + question[m.end() :]
    return None


def squad_train(path: Path, rng: random.Random) -> Iterator[Pair]:
    data = json.loads(path.read_text())["data"]
    pool: list[str] = []
    for article in data:
        names = sorted({n for p in article["paragraphs"] for n in _NAME.findall(p["context"])})
        for paragraph in article["paragraphs"]:
            cut = _cut(paragraph["context"])
            pool.extend(text for _, _, text in cut[:2])
            for qa in paragraph["qas"]:
                yield from _question_pairs(qa, cut, names, pool, rng)


def _question_pairs(
    qa: dict, cut: list[tuple[int, int, str]], names: list[str], pool: list[str], rng: random.Random
) -> Iterator[Pair]:
    question = qa["question"].strip()
    if not qa["answers"]:
        return
    hit = _answer_window(cut, qa["answers"][0]["answer_start"])
    if hit is None:
        return
    answer = cut[hit][2]
    yield Pair(question, answer, 1, "answer")
    asked = words(question)
    others = [(overlap(asked, text), text) for i, (_, _, text) in enumerate(cut) if i != hit]
    if others:
        yield Pair(question, max(others)[1], 0, "near-miss")
    if rng.random() < 0.6:
        swapped = swap(question, answer, names, rng)
        if swapped:
            yield Pair(swapped, answer, 0, "swap")
    turned = oppose(question, answer)
    if turned:
        yield Pair(turned, answer, 0, "opposite")
    if rng.random() < 0.1:
        negated = negate(question)
        if negated:
            yield Pair(negated, answer, 0, "negated")
    if pool and rng.random() < 0.1:
        yield Pair(question, rng.choice(pool), 0, "other-article")


def squad2_tuning(path: Path, repeat: int = 3) -> Iterator[Pair]:
    """The only written unanswerable questions at hand, so each is seen `repeat` times."""
    for article in json.loads(path.read_text())["data"]:
        if not is_tuning(article["title"]):
            continue
        for paragraph in article["paragraphs"]:
            cut = _cut(paragraph["context"])
            for qa in paragraph["qas"]:
                question = qa["question"].strip()
                if qa.get("is_impossible"):
                    asked = words(question)
                    ranked = sorted(cut, key=lambda w: -overlap(asked, w[2]))
                    for _, _, text in ranked[:2]:
                        for _ in range(repeat):
                            yield Pair(question, text, 0, "unanswerable")
                else:
                    hit = _answer_window(cut, qa["answers"][0]["answer_start"])
                    if hit is not None:
                        yield Pair(question, cut[hit][2], 1, "answer")


_DETOKENISE = [(re.compile(r" ([.,;:!?%')\]])"), r"\1"), (re.compile(r"([(\[$]) "), r"\1")]


def selqa(folder: Path) -> Iterator[Pair]:
    for name in ("dev.tsv", "test.tsv"):
        with (folder / name).open(newline="") as handle:
            for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                if len(row) != 3:
                    continue
                question, sentence, label = row
                for pattern, repl in _DETOKENISE:
                    sentence = pattern.sub(repl, sentence)
                    question = pattern.sub(repl, question)
                yield Pair(question.strip(), sentence.replace(" 's", "'s"), int(label), "selqa")


def build(data: Path, seed: int = 13) -> list[Pair]:
    """Every training pair, shuffled with a fixed seed (the same data gives the same pairs)."""
    rng = random.Random(seed)
    pairs = [
        *squad_train(data / "squad" / "train-v1.1.json", rng),
        *squad2_tuning(data / "squad" / "dev-v2.0.json"),
        *selqa(data / "answer-sentences" / "selqa"),
    ]
    rng.shuffle(pairs)
    return pairs
