"""Every file of a generation is checksummed when it is written and verified when it is read,
so a damaged index is refused with the name of the damaged file instead of failing later."""

import hashlib
import json
from pathlib import Path
from typing import Any

from rag.errors import IndexCorruptError

MANIFEST = "manifest.json"
_BLOCK = 1 << 20


def checksums(folder: Path) -> dict[str, dict[str, Any]]:
    """sha256 and size of every file under a generation folder but the manifest."""
    return {
        path.relative_to(folder).as_posix(): {"sha256": _sha256(path), "bytes": path.stat().st_size}
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }


def read_manifest(generation: Path) -> dict[str, Any]:
    """The manifest of a generation, or IndexCorruptError naming it."""
    try:
        manifest = json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise damaged(generation, MANIFEST, "it is missing") from exc
    except (OSError, ValueError) as exc:
        raise damaged(generation, MANIFEST, "it is not valid JSON") from exc
    if not isinstance(manifest, dict):
        raise damaged(generation, MANIFEST, "it is not a JSON object")
    return manifest


def verify(generation: Path, manifest: dict[str, Any]) -> None:
    """Check every listed file's size and sha256; IndexCorruptError names the first bad one."""
    if not isinstance(manifest.get("files"), dict):
        raise damaged(generation, MANIFEST, "it lacks the file list")
    for name, expected in manifest["files"].items():
        path = generation / name
        if not path.is_file():
            raise damaged(generation, name, "it is missing")
        if path.stat().st_size != expected["bytes"]:
            raise damaged(
                generation, name, f"it has {path.stat().st_size} bytes, not {expected['bytes']}"
            )
        if _sha256(path) != expected["sha256"]:
            raise damaged(generation, name, "its checksum does not match")


def check_counts(generation: Path, name: str, found: int, expected: int) -> None:
    if found != expected:
        raise damaged(
            generation, name, f"it holds {found} records where the manifest says {expected}"
        )


def damaged(generation: Path, name: str, why: str) -> IndexCorruptError:
    return IndexCorruptError(
        f"Index file {str(generation / name)!r} is damaged ({why}): rebuild with "
        "`rag index --full` (the corpus is not touched); `rag index --check` verifies an index"
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()
