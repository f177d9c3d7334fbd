"""The house keeps its shape: each stage imports only the stages below it, the library imports
neither the HTTP layer nor the eval, no module imports itself back in a cycle, and modules and
functions stay small. Checked from the source with `ast`, so a violation names its rule."""

import ast
from pathlib import Path

from tests.conftest import ROOT

# Lowest first: a module may import its own layer and the ones before it, never one after.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("rag.config", "rag.errors", "rag.registry", "rag.storage", "rag.query")),
    ("corpus", ("rag.corpus",)),
    ("embedding", ("rag.embedding",)),
    ("stores", ("rag.stores",)),
    ("index", ("rag.index",)),
    ("retrieval", ("rag.retrieval",)),
    ("generation", ("rag.generation",)),
    ("judging", ("rag.judging",)),
    ("serving", ("rag.serving",)),
    ("workbench", ("rag.workbench",)),
    ("service", ("rag.archive", "rag.service", "rag")),
    ("cli", ("rag.cli",)),
]
OUTSIDE = ("api", "eval")  # above the library: rag imports neither
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 400, 50


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int:
    """The layer of a module: the longest matching prefix wins."""
    best, length = -1, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > length:
                best, length = i, len(prefix)
    assert best >= 0, f"{module} belongs to no layer: add it to LAYERS"
    return best


def imports(path: Path) -> set[str]:
    """Every module a file imports, TYPE_CHECKING blocks and function bodies included."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module != "rag":  # `from rag import registry` imports rag.registry only
                found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def library() -> dict[str, Path]:
    return {module_name(p): p for p in sorted((ROOT / "rag").rglob("*.py"))}


def test_each_stage_imports_only_the_stages_below_it() -> None:
    modules = library()
    problems = []
    for name, path in modules.items():
        for imported in imports(path):
            top = imported.split(".")[0]
            if top in OUTSIDE:
                problems.append(f"{name} imports {imported}: the library never imports {top}")
            elif top == "rag":
                target = imported if imported in modules else imported.rsplit(".", 1)[0]
                if target in modules and layer_of(target) > layer_of(name):
                    problems.append(
                        f"{name} ({LAYERS[layer_of(name)][0]}) imports {target} "
                        f"({LAYERS[layer_of(target)][0]}): a stage may not import a later one"
                    )
    assert problems == []


def test_no_import_cycles() -> None:
    modules = library()
    graph = {
        name: {i for i in imports(path) if i in modules and i != name and i != "rag"}
        for name, path in modules.items()
    }
    cycles, done, stack = [], set(), []

    def visit(node: str) -> None:
        if node in stack:
            cycles.append(" -> ".join([*stack[stack.index(node) :], node]))
            return
        if node in done:
            return
        stack.append(node)
        for nxt in sorted(graph[node]):
            visit(nxt)
        stack.pop()
        done.add(node)

    for name in sorted(graph):
        visit(name)
    assert cycles == []


def test_modules_and_functions_stay_small() -> None:
    problems = []
    for folder in ("rag", "api", "eval"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            lines = len(path.read_text().splitlines())
            if lines > MAX_MODULE_LINES:
                problems.append(f"{path.relative_to(ROOT)}: {lines} lines")
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > MAX_FUNCTION_LINES:
                        problems.append(
                            f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {length} lines"
                        )
    assert problems == []


def test_the_rules_catch_a_violation(tmp_path: Path) -> None:
    """The checks themselves can fail: a corpus module importing retrieval is named."""
    assert layer_of("rag.corpus.documents") < layer_of("rag.retrieval.retriever")
    assert layer_of("rag.query") == 0 and layer_of("rag.cli") == len(LAYERS) - 1
    bad = tmp_path / "bad.py"
    bad.write_text("from rag.retrieval.retriever import Retriever\nimport api.app\n")
    assert imports(bad) >= {"rag.retrieval.retriever", "api.app"}
