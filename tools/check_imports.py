"""The import rules import-linter and ruff cannot see: no cycle, no other module's `_private` name.

Counts every import, at module level and inside functions (a function-local import is still an
arrow between modules). ruff's PLC2701 skips imports inside one top-level package (chalicelib
importing chalicelib), and import-linter's layers contract does not look at modules of one layer,
so this check covers both.

Usage: python tools/check_imports.py [ROOT] [PACKAGE...]   (default: . chalicelib app infra)
Prints each cycle (strongly connected component) and each private import; exits 1 if any.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def modules(root: Path, packages: list[str]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for p in packages:
        single = (root / p).with_suffix(".py")
        files = [single] if single.exists() else sorted((root / p).rglob("*.py"))
        for f in files:
            name = ".".join(f.relative_to(root).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = f
    return found


def graph(mods: dict[str, Path]) -> tuple[dict[str, set[str]], list[str]]:
    """Import arrows between the modules, and the imports of another module's private names."""

    def resolve(name: str) -> str | None:
        while name:
            if name in mods:
                return name
            name = name.rpartition(".")[0]
        return None

    edges: dict[str, set[str]] = {m: set() for m in mods}
    private: list[str] = []
    for m, f in mods.items():
        package = m if f.name == "__init__.py" else m.rpartition(".")[0]
        for node in ast.walk(ast.parse(f.read_text(), str(f))):
            if isinstance(node, ast.Import):
                targets = [resolve(a.name) for a in node.names]
                edges[m].update(t for t in targets if t and t != m)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join([*parts, base] if base else parts)
                for a in node.names:
                    full = f"{base}.{a.name}" if base else a.name
                    t = resolve(full) or resolve(base)
                    if not t or t == m:
                        continue
                    edges[m].add(t)
                    is_private = a.name.startswith("_") and not a.name.startswith("__")
                    if is_private and resolve(full) != full:
                        private.append(f"{m} imports {base}.{a.name}")
    return edges, private


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in edges:
        if start in index:
            continue
        work: list[tuple[str, list[str]]] = [(start, sorted(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            v, todo = work[-1]
            if todo:
                w = todo.pop()
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, sorted(edges[w])))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp: list[str] = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return found


def main(argv: list[str]) -> int:
    root = Path(argv[0] if argv else ".").resolve()
    packages = argv[1:] or ["chalicelib", "app", "infra"]
    mods = modules(root, packages)
    edges, private = graph(mods)
    loops = cycles(edges)
    for c in sorted(loops, key=len, reverse=True):
        print(f"cycle of {len(c)}: {', '.join(c)}")
    for p in private:
        print(f"private: {p}")
    print(f"cycles={len(loops)} private={len(private)} modules={len(mods)}")
    return 1 if loops or private else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
