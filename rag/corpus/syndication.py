"""Near-duplicate articles: the same wire story in several outlets, found with MinHash LSH.

Each article gets a MinHash signature of its 5-word shingles (datasketch); articles whose
estimated Jaccard similarity reaches the threshold share a `copies` key, and retrieval shows
one passage for them with the others listed in `also_in`. Signatures are kept with the index,
so an update only hashes the articles it re-chunks.
"""

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

NUM_PERM = 128
SHINGLE = 5
FILE = "minhash.npz"
_WORD = re.compile(r"\w+")


def signature(text: str) -> NDArray[np.uint32]:
    """The MinHash signature of a text's word 5-grams (lower-cased)."""
    from datasketch import MinHash

    words = _WORD.findall(text.lower())
    shingles = [
        " ".join(words[i : i + SHINGLE]).encode() for i in range(max(1, len(words) - SHINGLE + 1))
    ]
    sketch = MinHash(num_perm=NUM_PERM, scheme="affine32", permutations=_permutations())
    sketch.update_batch(shingles)
    return np.asarray(sketch.hashvalues, dtype=np.uint32)


@lru_cache(maxsize=1)
def _permutations() -> Any:
    """The seeded permutations every sketch shares, drawn once (each new sketch drew them again)."""
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, scheme="affine32").permutations


@lru_cache(maxsize=8)
def _bands(threshold: float) -> tuple[int, int]:
    """datasketch's optimal (bands, rows) for a threshold: numeric integration that took
    longer than the rest of a small update, so it is done once per threshold."""
    from datasketch.lsh import _optimal_param

    return _optimal_param(threshold, NUM_PERM, 0.5, 0.5)  # type: ignore[no-any-return]


def copies(keys: Sequence[str], signatures: NDArray[np.uint32], threshold: float) -> dict[str, str]:
    """Map each article key that has near-duplicates to its group's key (the group's first key)."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM, params=_bands(threshold))
    sketches = {}
    for key, values in zip(keys, signatures, strict=True):
        sketches[key] = MinHash(
            num_perm=NUM_PERM, hashvalues=values, scheme="affine32", permutations=_permutations()
        )
        lsh.insert(key, sketches[key])
    parent = {k: k for k in keys}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    order = {k: i for i, k in enumerate(keys)}
    for key in keys:
        for other in lsh.query(sketches[key]):
            if other != key and sketches[key].jaccard(sketches[other]) >= threshold:
                a, b = sorted((root(key), root(other)), key=order.__getitem__)
                parent[b] = a
    groups: dict[str, list[str]] = {}
    for key in keys:
        groups.setdefault(root(key), []).append(key)
    return {k: first for first, members in groups.items() if len(members) > 1 for k in members}


def save(folder: Path, keys: Sequence[str], signatures: NDArray[np.uint32]) -> None:
    np.savez(folder / FILE, keys=np.asarray(keys, dtype=str), signatures=signatures)


def load(folder: Path) -> dict[str, NDArray[np.uint32]]:
    """Signatures by article key, as saved with a generation."""
    with np.load(folder / FILE) as data:
        return dict(zip(data["keys"].tolist(), data["signatures"], strict=True))
