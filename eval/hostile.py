"""Files built to break parsers: deep nesting, huge fan-out. Each must be a skipped file (the
hostile-file tests and the soak benchmark upload them)."""

from pathlib import Path


def pdf(objects: list[str]) -> bytes:
    """A PDF whose numbered objects are `objects` (1-based), with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


PAGE = "<< /Type /Page /Parent {parent} 0 R /MediaBox [0 0 200 200] >>"


def deep_pdf(levels: int = 5000) -> bytes:
    """A page tree `levels` deep: each Pages node holds the next as its only kid."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(levels):
        number = 2 + level
        kid = number + 1
        parent = f"/Parent {number - 1} 0 R " if level else ""
        objects.append(f"<< /Type /Pages {parent}/Kids [{kid} 0 R] /Count 1 >>")
    objects.append(PAGE.format(parent=1 + levels))
    return pdf(objects)


def wide_pdf(kids: int = 200_000) -> bytes:
    """One Pages node with `kids` references to the same page."""
    refs = " ".join(["3 0 R"] * kids)
    return pdf(
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            f"<< /Type /Pages /Kids [{refs}] /Count {kids} >>",
            PAGE.format(parent=2),
        ]
    )


def deep_json(levels: int = 100_000) -> str:
    return "[" * levels + "]" * levels


def deep_eml(levels: int = 3000) -> bytes:
    """Multiparts nested `levels` deep, each boundary its own."""
    head = "From: a@example.org\nSubject: Nested\nMIME-Version: 1.0\n"
    opening, closing = [], []
    for level in range(levels):
        opening.append(f'Content-Type: multipart/mixed; boundary="b{level}"\n\n--b{level}\n')
        closing.append(f"\n--b{level}--\n")
    body = "Content-Type: text/plain\n\nThe innermost part of a nested message.\n"
    return (head + "".join(opening) + body + "".join(reversed(closing))).encode()


def hostile_files() -> dict[str, bytes]:
    """File name -> bytes of every hostile file."""
    return {
        "deep.pdf": deep_pdf(),
        "wide.pdf": wide_pdf(),
        "deep.json": deep_json().encode(),
        "deep.jsonl": (deep_json() + "\n").encode(),
        "deep.eml": deep_eml(),
    }


def write_hostile(root: Path) -> list[str]:
    """Write every hostile file under `root`; returns their names."""
    root.mkdir(parents=True, exist_ok=True)
    files = hostile_files()
    for name, data in files.items():
        (root / name).write_bytes(data)
    return list(files)
