"""Check [n] markers in an answer against the passages actually given."""

import re

_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def as_text(text: str) -> str:
    """Article text with its own bracketed numbers ("[2]" in a quoted footnote) written with
    full-width brackets, so only the generator's markers can ever cite a passage."""
    return _MARKER.sub(lambda m: f"［{m.group(1)}］", text)


def check_citations(answer: str, n_passages: int) -> tuple[str, list[int]]:
    """Drop markers that point to no passage; return the cleaned answer and what was dropped."""
    dropped: list[int] = []

    def keep_valid(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.split(r"\s*,\s*", match.group(1))]
        good = [n for n in numbers if 1 <= n <= n_passages]
        dropped.extend(n for n in numbers if n not in good)
        return "".join(f"[{n}]" for n in good)

    cleaned = _MARKER.sub(keep_valid, answer)
    cleaned = re.sub(r"[ \t]+([.,;:!?])", r"\1", cleaned)
    return re.sub(r"[ \t]{2,}", " ", cleaned).strip(), sorted(set(dropped))


def cited_markers(answer: str) -> list[int]:
    """The passage numbers an answer cites, in order, each once."""
    found = (int(n) for m in _MARKER.finditer(answer) for n in re.split(r"\s*,\s*", m.group(1)))
    return sorted(set(found))
