"""Changing what is archived: uploads into the service's own folder, removals that leave the
user's files on disk, and restores; each undone when its update fails, or after a crash."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rag.config import Settings
from rag.corpus.documents import Corpus, Document, check_upload, corpus_path, load_corpus
from rag.corpus.writes import EXCLUSIONS, CorpusWrites, Exclusions
from rag.embedding.embedder import Embedder
from rag.errors import ConflictError, DocumentNotFoundError, InvalidDocumentError
from rag.index import DocumentInfo, LoadedIndex, UpdateReport
from rag.index.home import IndexHome
from rag.index.prepared import PreparedVectors, prepare
from rag.query import RECORD, file_of
from rag.serving.grouping import GroupCommit

Sync = Callable[..., UpdateReport]
Apply = Callable[[Corpus, Sequence[str]], UpdateReport]


@dataclass(frozen=True)
class WriteResult:
    """What POST /documents did: each document's state and the index it is now in."""

    documents: tuple[tuple[str, str, DocumentInfo], ...]  # (doc_id, added|replaced|unchanged, info)
    report: UpdateReport

    @property
    def changed(self) -> bool:
        return any(status != "unchanged" for _, status, _ in self.documents)


def statuses(file: str, report: UpdateReport) -> list[tuple[str, str, DocumentInfo]]:
    """Each document an uploaded file gave (one, or one per record), and what happened to it."""
    found = [d for d in report.documents if d.file == file]
    if not found:
        reason = next((s["reason"] for s in report.skipped if s["doc_id"] == file), "skipped")
        raise InvalidDocumentError(f"{file!r} is refused: {reason}; nothing was kept")
    return [
        (
            d.doc_id,
            "added"
            if d.doc_id in report.added
            else "replaced"
            if d.doc_id in report.changed
            else "unchanged",
            d,
        )
        for d in found
    ]


class Archive:
    """The service's writes. In a folder index, uploads live in `RAG_UPLOADS_DIR` and a removed
    corpus file is listed in `excluded.json`; in Milvus (`home.delta`) the index is the archive.
    An upload's text view is stored with the index, so reading it never meets a file that a
    replacement has already changed but not yet published."""

    def __init__(
        self,
        settings: Settings,
        home: IndexHome,
        index: Callable[[], LoadedIndex],
        sync: Sync,
        apply: Apply,
        root: Callable[[], Path],
        embedder: Callable[[], Embedder],
    ) -> None:
        self.settings, self.home = settings, home
        self._index, self._root, self._embedder = index, root, embedder
        self._update, self._apply = sync, apply
        # uploads are embedded before the write lock is taken (rag.index.prepared)
        self.prepared = PreparedVectors()
        self.exclusions = Exclusions(settings.index_dir / EXCLUSIONS)
        self.pending = settings.index_dir / "pending"  # undo journals of uploads in flight
        self.owned = (settings.uploads_folder,)  # the only folder a journal may change
        # uploads and deletes that wait for the write lock share one update
        self._group: GroupCommit[UpdateReport] = GroupCommit(
            lambda apply: self._update(self.reader(self._root(), apply))
        )

    def reader(
        self, root: Path, change: Callable[[], object] = lambda: None
    ) -> Callable[[], Corpus]:
        """What an update reads, under the write lock: first the undo of uploads a killed writer
        left unacknowledged, then this update's own `change`, then the corpus."""

        def read() -> Corpus:
            if not self.home.delta:
                CorpusWrites.recover(self.pending, self.owned)
            change()
            return self.read_corpus(root)

        return read

    def has_stale_writes(self) -> bool:
        return not self.home.delta and CorpusWrites.stale(self.pending)

    def read_corpus(self, root: Path) -> Corpus:
        """The corpus folder, less the files removed from the archive, plus the uploads."""
        s = self.settings
        skip = s.listing_pages == "skip"
        if self.home.delta:  # uploads and removals live in the index itself
            return load_corpus(
                root,
                s.max_file_bytes,
                max_records=s.max_records,
                skip_listings=skip,
                max_file_seconds=s.max_file_seconds,
            )
        return load_corpus(
            root,
            s.max_file_bytes,
            s.uploads_folder,
            self.exclusions.ids(),
            s.max_records,
            skip,
            s.max_file_seconds,
        )

    def add(self, files: Sequence[tuple[str, bytes]]) -> WriteResult:
        """Store documents and index them before returning. Every id and body is checked first,
        so a bad one changes nothing; a failed update puts the uploads back as they were."""
        root = self._root()
        ids = [doc_id for doc_id, _ in files]
        if len(set(ids)) != len(ids):
            raise InvalidDocumentError("the same doc_id appears twice in one request")
        planned = [(self._upload_path(root, i), data) for i, data in files]
        documents = [
            doc
            for (doc_id, data), (path, _) in zip(files, planned, strict=True)
            for doc in check_upload(
                doc_id,
                path,
                data,
                self.settings.max_records,
                self.settings.listing_pages == "skip",
                self.settings.max_file_seconds,
            )
        ]
        texts = prepare(documents, self.settings, self._embedder(), self.prepared)
        try:
            return self._store(root, ids, planned, documents)
        finally:
            self.prepared.drop(texts)

    def _store(
        self,
        root: Path,
        ids: list[str],
        planned: list[tuple[Path, bytes]],
        documents: list[Document],
    ) -> WriteResult:
        if self.home.delta:
            named = set(ids)
            replaced = [d.doc_id for d in self._index().documents if d.file in named]
            report = self._apply(Corpus(root, tuple(documents), ()), replaced)
            return WriteResult(tuple(s for i in ids for s in statuses(i, report)), report)
        writes = CorpusWrites(self.pending, self.owned)

        def write() -> None:
            for path, data in planned:
                writes.put(path, data)

        report = self._grouped(writes, write)
        try:
            result = WriteResult(tuple(s for i in ids for s in statuses(i, report)), report)
        except InvalidDocumentError:  # indexing skipped it (too big, too slow): not kept
            writes.rollback()
            self._update(self.reader(root))
            raise
        writes.commit()
        return result

    def _upload_path(self, root: Path, doc_id: str) -> Path:
        """Where an upload is kept; a name the user's corpus folder already has is refused."""
        mine = corpus_path(root, doc_id)
        if self.home.delta:
            return mine
        if mine.exists():
            raise ConflictError(
                f"{doc_id[:120]!r} is a file in the corpus folder {str(root)!r}, which the service "
                "never overwrites: upload it under another name (uploads are kept in "
                f"{str(self.settings.uploads_folder)!r}), or edit the file itself"
            )
        return corpus_path(self.settings.uploads_folder, doc_id)

    def delete(self, doc_id: str) -> UpdateReport:
        """Remove a document from the index: an uploaded file is deleted, a file of the user's
        corpus folder stays on disk and is listed as removed (undo with restore())."""
        root, index = self._root(), self._index()
        if RECORD in doc_id and index.document(doc_id) is not None:
            raise ConflictError(
                f"{doc_id!r} is a record of {file_of(doc_id)!r}: records are deleted with "
                "their file (edit the file to drop one record)"
            )
        known = [d for d in index.documents if d.file == doc_id]
        try:
            path = corpus_path(self.settings.uploads_folder, doc_id)
        except InvalidDocumentError:
            if not known:  # an id no document can have is simply not there
                raise DocumentNotFoundError(f"No document {doc_id[:120]!r} in the index") from None
            raise
        uploaded = not self.home.delta and (path.is_file() or any(d.uploaded for d in known))
        if not known and not uploaded:
            raise DocumentNotFoundError(f"No document {doc_id[:120]!r} in the index")
        if known and len(known) == len(index.documents):
            raise ConflictError(
                f"{doc_id!r} holds every indexed document, and an index needs at least one: "
                "add another first"
            )
        if self.home.delta:
            drop = [d.doc_id for d in known]
            return self._apply(Corpus(root, (), ()), drop)
        if not uploaded:
            return self._set_excluded(root, doc_id, True)
        writes = CorpusWrites(self.pending, self.owned)
        report = self._grouped(writes, lambda: writes.remove(path))
        writes.commit()
        return report

    def restore(self, doc_id: str) -> UpdateReport:
        """Bring back a corpus file that was removed from the archive (its file never left)."""
        if doc_id not in self.exclusions.ids():
            raise DocumentNotFoundError(
                f"{doc_id[:120]!r} is not among the removed documents: nothing to restore"
            )
        return self._set_excluded(self._root(), doc_id, False)

    def _set_excluded(self, root: Path, doc_id: str, excluded: bool) -> UpdateReport:
        before = self.exclusions.ids()
        self.exclusions.save(before | {doc_id} if excluded else before - {doc_id})
        try:
            return self._update(self.reader(root))
        except BaseException:
            self.exclusions.save(before)
            raise

    def _grouped(self, writes: CorpusWrites, change: Callable[[], object]) -> UpdateReport:
        """Make `change` and index it, in one update with the writes queued beside it."""
        try:
            return self._group.submit(change, writes.rollback)
        except BaseException:
            writes.rollback()
            raise
