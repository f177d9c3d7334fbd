"""Watched questions: the WatchStore contract on both stores (files beside a folder index, blobs
in milvus-lite), and re-checking: a change is recorded once, with what moved in words."""

from pathlib import Path

import pytest

from rag.errors import WatchLimitError, WatchNotFoundError
from rag.index.home import home_for
from rag.query import Filters
from rag.service import RagService
from rag.workbench.watches.base import MAX_HISTORY, Cited, Snapshot, Watch, WatchStore
from rag.workbench.watches.desk import Watches, describe
from rag.workbench.watches.stores import store_for
from tests.conftest import indexed
from tests.formats import write_corpus

DREDGING = (
    "Dredging contract awarded\n\nThe port authority awarded the contract to dredge the main "
    "channel to Tidewater Marine for 3.4 million pounds.\n"
)


@pytest.fixture(params=["faiss", "milvus"])
def store(request: pytest.FixtureRequest, seed_service: RagService, tmp_path: Path) -> WatchStore:
    settings = seed_service.settings.model_copy(
        update={
            "index_dir": tmp_path / "index",
            "store": request.param,
            "milvus_uri": str(tmp_path / "milvus.db"),
        }
    )
    home = home_for(settings, lambda: seed_service.embedder)
    if request.param == "milvus":
        home.collections.create()  # type: ignore[attr-defined]
    return store_for(settings, home)


def snapshot(generation: str, answer: str = "No answer.", *cited: str) -> Snapshot:
    return Snapshot(
        generation=generation,
        checked_at="2024-03-12T10:00:00+00:00",
        answerable=bool(cited),
        support="well supported" if cited else "not covered",
        answer=answer,
        cited=tuple(Cited(doc_id=c, title=c.title(), published="2024-03-12") for c in cited),
    )


def test_a_store_keeps_puts_lists_and_deletes(store: WatchStore) -> None:
    assert store.all() == [] and store.get("w-000000000000") is None
    watch = Watch(
        id="w-0123456789ab",
        question="Who won the contract?",
        filters=Filters(outlets=("Kestrel Gazette",)),
        created_at="2024-03-12T10:00:00+00:00",
        last=snapshot("gen-1"),
    )
    with store.locked():
        store.put(watch)
    assert store.get(watch.id) == watch and store.all() == [watch]
    moved = watch.model_copy(update={"last": snapshot("gen-2", "Tidewater [1].", "a.txt")})
    store.put(moved)
    assert store.get(watch.id) == moved and len(store.all()) == 1
    assert store.delete(watch.id) and not store.delete(watch.id)
    assert store.get(watch.id) is None and store.get("../../etc/passwd") is None


def test_a_change_is_recorded_once_and_history_is_bounded(store: WatchStore) -> None:
    desk, other = Watches(store, max_watches=2), Watches(store, max_watches=2)
    first = snapshot("gen-1")
    store.put(Watch(id="w-aaaaaaaaaaaa", question="q", created_at="t", last=first))
    answers = iter(range(1000))

    def answer(question: str, filters: Filters):  # type: ignore[no-untyped-def]
        n = next(answers)
        return Fake(f"Answer {n} [1].", f"doc{n}.txt")

    changes = desk.check("gen-2", answer)
    assert len(changes) == 1 and "new: 1 article" in changes[0].summary
    assert other.check("gen-2", answer) == changes  # checked against gen-2 elsewhere: kept once
    assert len(desk.get("w-aaaaaaaaaaaa").history) == 1
    for n in range(3, 3 + MAX_HISTORY + 5):
        desk.check(f"gen-{n}", answer)
    kept = desk.get("w-aaaaaaaaaaaa")
    assert len(kept.history) == MAX_HISTORY and kept.last.generation == f"gen-{MAX_HISTORY + 7}"
    store.put(Watch(id="w-bbbbbbbbbbbb", question="q2", created_at="t", last=first))
    with pytest.raises(WatchLimitError, match="RAG_MAX_WATCHES"):
        desk.add("q3", Filters(), Fake("x"), "gen-1")
    desk.remove("w-bbbbbbbbbbbb")
    with pytest.raises(WatchNotFoundError):
        desk.remove("w-bbbbbbbbbbbb")


class Fake:
    """Just what Snapshot.of reads of an Answer."""

    def __init__(self, text: str, *cited: str) -> None:
        from rag.retrieval.retriever import Passage

        self.answer, self.answerable = text, bool(cited)
        self.cited = list(range(1, len(cited) + 1))
        passages = tuple(Passage(i, 1.0, d, d, d, 0, 1, "x") for i, d in enumerate(cited, 1))
        self.citations = type("R", (), {"passages": passages, "support": "well supported"})()


def test_a_change_reads_as_words() -> None:
    before = snapshot("gen-1", "Bay Dredging [1].", "old.txt")
    after = snapshot("gen-2", "Tidewater [1] and Bay Dredging [2].", "new.txt", "old.txt")
    assert describe(before, after) == (
        "new: 1 article from 2024-03-12: “New.Txt”; the answer now cites “New.Txt”, “Old.Txt”"
    )
    assert describe(snapshot("g"), after).startswith("now answered from the archive; new: 2")
    assert describe(after, snapshot("g")) == (
        "no longer answered; no longer cites “New.Txt”, “Old.Txt”"
    )
    reworded = snapshot("gen-3", "Bay Dredging won [1].", "old.txt")
    assert before.differs(reworded) and describe(before, reworded) == "the answer's wording changed"
    assert not before.differs(snapshot("gen-9", " Bay  Dredging [1]. ", "old.txt"))


def test_the_service_re_answers_after_an_update(seed_service: RagService, tmp_path: Path) -> None:
    write_corpus(tmp_path / "corpus")
    service = indexed(seed_service, tmp_path)
    watch = service.watch_question("Who won the contract to dredge the main channel?")
    assert not watch.last.answerable
    assert service.recheck_watches() == []  # nothing new: checked against this generation
    (tmp_path / "corpus" / "dredging.txt").write_text(DREDGING, encoding="utf-8")
    service.update(progress=False)
    changes = service.recheck_watches()
    assert len(changes) == 1 and changes[0].after.answerable
    assert "Tidewater Marine" in changes[0].after.answer
    reopened = indexed(seed_service, tmp_path)  # a restart reads the same watches
    assert reopened.watched.get(watch.id).history == (changes[0],)
