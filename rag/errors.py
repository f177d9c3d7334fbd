"""Exceptions raised by the library; each message names the bad value and the fix."""


class RagError(Exception):
    """Base of every error the library raises on purpose."""


class CorpusError(RagError):
    """The corpus folder is missing or holds nothing indexable."""


class IndexNotFoundError(RagError):
    """No index exists where one was expected."""


class IndexDirError(RagError):
    """The index folder holds something that is not our index, so it is never written to."""


class IndexCorruptError(RagError):
    """A file of the index is damaged or missing; the message names it and the fix."""


class IndexBusyError(RagError):
    """Another writer holds the index's write lock for longer than we may wait."""


class BacklogFullError(IndexBusyError):
    """Uploads already wait for more embedding than we queue; `retry_after_s` says when to retry."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class IndexMismatchError(RagError):
    """The index on disk was built with settings that cannot serve the current ones."""


class InvalidQueryError(RagError):
    """A question or its options are unusable."""


class UnknownComponentError(RagError):
    """A backend name is not registered."""


class ConfigError(RagError):
    """A setting names something unusable (a model file that is missing or malformed)."""


class MissingDependencyError(RagError):
    """An optional library needed by a backend is not installed."""


class GeneratorError(RagError):
    """A language-model backend failed, timed out or answered nonsense."""


class ServeError(RagError):
    """The API cannot listen on the configured host and port (taken, or not an address here)."""


class DocumentNotFoundError(RagError):
    """No indexed document has that doc_id."""


class InvalidDocumentError(RagError):
    """A document sent to be indexed is unusable (its id, its bytes); nothing was changed."""


class StaleDocumentError(RagError):
    """A document's file no longer matches what was indexed, so its offsets cannot be trusted."""


class StorageError(RagError):
    """Writing the index or the corpus failed (permissions, a read-only disk); nothing was changed."""


class StorageFullError(StorageError):
    """The disk is full; nothing half-written was kept and the previous state still serves."""


class ConflictError(RagError):
    """The request is valid but conflicts with the index's state (the last document, a record)."""


class WatchNotFoundError(RagError):
    """No saved question has that id."""


class WatchLimitError(ConflictError):
    """As many questions are watched as RAG_MAX_WATCHES allows."""
