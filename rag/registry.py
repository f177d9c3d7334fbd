"""Name -> backend class, imported lazily so `import rag` never pulls in torch or faiss."""

from importlib import import_module
from typing import Any

from rag.errors import UnknownComponentError

BUILTIN: dict[str, dict[str, str]] = {
    "embedder": {
        "sentence-transformers": "rag.embedding.embedder:SentenceTransformerEmbedder",
    },
    "store": {
        "faiss": "rag.stores.faiss_store:FaissStore",
        "milvus": "rag.stores.milvus_store:MilvusStore",
    },
    "loader": {  # by file extension
        ".txt": "rag.corpus.loaders.text:TextLoader",
        ".md": "rag.corpus.loaders.text:TextLoader",
        ".html": "rag.corpus.loaders.html:HtmlLoader",
        ".htm": "rag.corpus.loaders.html:HtmlLoader",
        ".pdf": "rag.corpus.loaders.pdf:PdfLoader",
        ".jsonl": "rag.corpus.loaders.jsonl:JsonLinesLoader",
        ".json": "rag.corpus.loaders.jsonl:JsonLinesLoader",
        ".xml": "rag.corpus.loaders.feeds:FeedLoader",
        ".rss": "rag.corpus.loaders.feeds:FeedLoader",
        ".atom": "rag.corpus.loaders.feeds:FeedLoader",
        ".eml": "rag.corpus.loaders.eml:EmailLoader",
    },
    "generator": {
        "extractive": "rag.generation.extractive:ExtractiveGenerator",
        "openai": "rag.generation.openai_compat:OpenAICompatGenerator",
        "transformers": "rag.generation.transformers_local:TransformersGenerator",
        "gguf": "rag.generation.gguf:GgufGenerator",
    },
    "judge": {
        "signals": "rag.judging.signals:SignalsJudge",
        "llm": "rag.judging.llm:LlmJudge",
        "cross-encoder": "rag.judging.cross_encoder:CrossEncoderJudge",
        "reader": "rag.judging.reader:ReaderJudge",
    },
}


def names(kind: str) -> list[str]:
    """List the registered names of one kind of backend."""
    return sorted(BUILTIN.get(kind, {}))


def resolve(kind: str, name: str) -> Any:
    """Import and return the class registered as `name` for `kind`."""
    table = BUILTIN.get(kind, {})
    if name not in table:
        raise UnknownComponentError(
            f"Unknown {kind} {name!r}: choose one of {', '.join(names(kind))}"
        )
    module_name, _, attr = table[name].partition(":")
    return getattr(import_module(module_name), attr)
