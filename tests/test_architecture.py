"""The layout shows the architecture: no import circle in nox_support, no grab-bag module, and
one way to do each thing: files are written through atomic (reports through outputs.write_report)
and Markdown is escaped by nox_support.core.markdown only.

Every import counts, including those under ``TYPE_CHECKING`` and inside functions: a circle
there is still two modules that cannot be understood (or moved) one without the other.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "nox_support"
MAX_LINES = 400

# Only on the r3tests branch, written before the layout refactor (R1/R2) lands:
# the integrator removes this marker after the merge.


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of nox_support that *path* imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            candidates = [target, *(f"{target}.{alias.name}" for alias in node.names)]
        else:
            continue
        found.update(c for c in candidates if c in known and c != name)
    return found


def import_graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imported(name, path, set(mods)) for name, path in mods.items()}


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    """Every module *start* imports directly or indirectly (itself only through a circle)."""
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph[node])
    return seen


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or through others."""
    reach = {node: reachable(graph, node) for node in graph}
    groups = {frozenset(m for m in reach[node] if node in reach[m]) for node in graph if node in reach[node]}
    return sorted(sorted(group) for group in groups)


def test_the_circle_finder_finds_circles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a", "e"}, "e": {"d"}, "f": set()}
    assert circles(graph) == [["a", "b", "c"], ["d", "e"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_the_import_graph_sees_every_kind_of_import() -> None:
    graph = import_graph()
    assert (
        "nox_support.core.errors" in graph["nox_support.core.cmd"]
    )  # from nox_support.core.errors import ...
    assert len(graph) > 50


def test_nox_support_has_no_import_circle() -> None:
    assert circles(import_graph()) == []


CORE = "nox_support.core"
TOP_LEVEL = {
    "nox_support",
    "nox_support.__main__",
    "nox_support.config",
    "nox_support.discovery",
    "nox_support.project",
    "nox_support.sessions",
    "nox_support.interpreters",
    "nox_support.indexconfig",
    "nox_support.adopt",
    "nox_support.noxfile_api",
}
"""Modules beside the capability packages and the shared layer: the project, its settings and entry points."""


def test_the_shared_layer_builds_on_nothing_above_it() -> None:
    graph = import_graph()
    upward = {
        name: sorted(m for m in imports if not m.startswith(CORE))
        for name, imports in graph.items()
        if name.startswith(CORE)
    }
    assert {name: found for name, found in upward.items() if found} == {}


def test_nox_support_shows_the_capabilities_and_one_shared_layer() -> None:
    loose = {
        name
        for name, path in modules().items()
        if name.count(".") == 1 and path.name != "__init__.py" and name not in TOP_LEVEL
    }
    # Every other module lives in a package: core/ (shared) or a capability (lock/, venv/, audit/ ...).
    assert loose == set()


def test_no_module_is_a_grab_bag() -> None:
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in modules().items()}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


# --- one way to write a file ------------------------------------------------------------------
#
# Every report goes through outputs.write_report (atomic, never follows a planted symlink, one
# clear error when reports/ is a file). The rule: nox_support writes a file only through
# nox_support.core.atomic, and calls atomic itself only for files that are not reports; the few
# modules that write scratch files handed to a tool say why below.

DIRECT_WRITERS = {
    "nox_support.core.atomic": "the atomic write itself: a temporary sibling, flushed, then os.replace",
    "nox_support.core.outputs": (
        "appends to $GITHUB_STEP_SUMMARY, a file GitHub owns (O_APPEND, never replaced)"
    ),
    "nox_support.lock.orchestrate": (
        "compiler inputs (seed lock, declared requirements, pins as constraints) in temporary siblings "
        "it removes afterwards"
    ),
    "nox_support.lock.scratch": (
        "the compiler's seed (its output file) and the main lock's pins, temporary siblings of the "
        "lock that orchestrate removes afterwards"
    ),
    "nox_support.lock.compile.uv": (
        "completes the hashes of the compiler's output, a temporary sibling of the lock that the caller "
        "moves into place"
    ),
    "nox_support.lock.toolenv": (
        "the stamp in the tool venv it has just built, under that venv's file lock (a torn stamp only "
        "means a rebuild)"
    ),
    "nox_support.venv.install": "the requirements file handed to pip or uv, inside the venv being synced",
    "nox_support.audit.scanners.safety": "the requirements file handed to safety, in its work directory",
    "nox_support.conflicts.compiler_resolver": "the compiler's combined inputs, in a temp directory",
}
"""Modules that write a file other than through :mod:`nox_support.core.atomic`, and why."""

ATOMIC_WRITERS = {
    "nox_support.core.atomic.write_text": "write_bytes of the UTF-8 text",
    "nox_support.core.outputs.write_report": "the one way a report is written",
    "nox_support.core.outputs.output_dir": "the .gitignore of a reports directory it creates",
    "nox_support.lock.lockfile.write_lock": "a lock",
    "nox_support.lock.orchestrate.compile_layer": "requirements.local.txt, part of a lock",
    "nox_support.audit.cache.put": "the scan cache under .nox/",
    "nox_support.lock.freshcache.save": "the freshness cache in the user's own cache directory",
    "nox_support.audit.osvdb._write_json": "the index of an offline OSV database, a cache",
    "nox_support.sbom.session.write_cache": "the SBOM cache under .nox/",
    "nox_support.venv.record.mark_verified": "the marker of a venv whose files were checked",
    "nox_support.venv.stamp.write_stamp": "the stamp of what a venv holds",
    "nox_support.__main__._empty_sarif": "`empty-sarif --output PATH`: a file the workflow names",
    "nox_support.ci.cache_steps.cache_entries": (
        "`cache-entries --keep FILE`: the job's cache entries, read back by `cache-saves` in the same job"
    ),
    "nox_support.ci.code_scanning.write_files": (
        "`code-scanning-files --output-dir DIR`: the SARIF files of the upload job, where the workflow says"
    ),
}
"""Functions that call :mod:`nox_support.core.atomic` for a file that is not a report, and what it is.

By function, not module: sbom/session.py wrote its cache and, until it used write_report, its
reports through atomic."""

_WRITE_FLAGS = frozenset({"O_WRONLY", "O_RDWR", "O_CREAT", "O_APPEND", "O_TRUNC"})
_OS_WRITES = frozenset({"write", "replace", "rename", "link", "symlink"})
_SHUTIL_WRITES = frozenset({"copy", "copy2", "copyfile", "copyfileobj", "copytree", "move"})


def _write_mode(call: ast.Call, position: int) -> bool:
    """Whether the ``mode`` of an ``open()`` call (positional at *position*, or keyword) writes."""
    modes = [k.value for k in call.keywords if k.arg == "mode"]
    if len(call.args) > position:
        modes.append(call.args[position])
    return any(
        not (isinstance(m, ast.Constant) and isinstance(m.value, str)) or bool(set(m.value) & set("wax+"))
        for m in modes
    )


def _write_kind(call: ast.Call) -> str | None:
    """``"atomic"`` for a write through nox_support.core.atomic, ``"direct"`` for any other file write."""
    func = call.func
    owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else None
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name in {"write_text", "write_bytes"}:
        # atomic.write_text(...), or write_text(...) imported from it: no other module defines one.
        return "atomic" if owner == "atomic" or isinstance(func, ast.Name) else "direct"
    if owner == "os":
        if name == "open":
            flags = {n.attr for arg in call.args[1:2] for n in ast.walk(arg) if isinstance(n, ast.Attribute)}
            return "direct" if flags & _WRITE_FLAGS else None
        return "direct" if name in _OS_WRITES else None
    if owner == "shutil":
        return "direct" if name in _SHUTIL_WRITES else None
    if owner == "tempfile":
        return "direct" if name in {"mkstemp", "NamedTemporaryFile"} else None
    if name == "open":  # open(path, mode) or path.open(mode)
        return "direct" if _write_mode(call, 1 if isinstance(func, ast.Name) else 0) else None
    if name in {"rename", "touch", "symlink_to", "hardlink_to"}:
        return "direct"
    if name == "replace" and len(call.args) == 1 and not call.keywords:  # Path.replace(target)
        return "direct"
    return None


def file_writes(source: str) -> list[tuple[int, str, str]]:
    """Line, kind (``"atomic"`` or ``"direct"``) and enclosing function of each file write in *source*."""
    found: list[tuple[int, str, str]] = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if isinstance(node, ast.Call) and (kind := _write_kind(node)) is not None:
            found.append((node.lineno, kind, function))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(ast.parse(source), "")
    return sorted(found)


def test_the_write_finder_sees_every_way_to_write_a_file() -> None:
    source = """
report.write_text(text, encoding="utf-8")
(root / "reports" / "x.md").write_bytes(data)
with open(path, "w") as handle: ...
with open(path, mode="ab") as handle: ...
with path.open("w", encoding="utf-8") as handle: ...
fd = os.open(path, os.O_WRONLY | os.O_CREAT)
os.replace(temp, path)
shutil.copy(source, target)
temp.rename(path)
atomic.write_text(path, text)
write_bytes(path, data)
"""
    assert [(line, kind) for line, kind, _ in file_writes(source)] == [
        *((n, "direct") for n in range(2, 11)),
        (11, "atomic"),
        (12, "atomic"),
    ]


def test_the_write_finder_names_the_enclosing_function() -> None:
    source = """
def write_cache(path):
    def inner():
        atomic.write_text(path, "{}")
    atomic.write_text(path, "[]")
atomic.write_text(top, "")
"""
    assert file_writes(source) == [(4, "atomic", "inner"), (5, "atomic", "write_cache"), (6, "atomic", "")]


def test_the_write_finder_ignores_reads() -> None:
    source = """
open(path).read()
open(path, "rb").read()
path.open(encoding="utf-8")
os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
text.replace("a", "b")
path.read_text()
path.unlink()
"""
    assert file_writes(source) == []


def _writes(kind: str, *, by_function: bool) -> dict[str, list[int]]:
    """Lines of each module (or ``module.function``) of nox_support that write a file as *kind*."""
    found: dict[str, list[int]] = {}
    for name, path in modules().items():
        for line, found_kind, function in file_writes(path.read_text(encoding="utf-8")):
            if found_kind == kind:
                where = f"{name}.{function}" if by_function and function else name
                found.setdefault(where, []).append(line)
    return found


def test_files_are_written_through_atomic_outside_a_few_scratch_writers() -> None:
    direct = _writes("direct", by_function=False)
    assert {name: lines for name, lines in direct.items() if name not in DIRECT_WRITERS} == {}
    # A module that no longer writes directly leaves the list.
    assert sorted(set(DIRECT_WRITERS) - set(direct)) == []


def test_reports_are_written_through_outputs_write_report() -> None:
    through_atomic = _writes("atomic", by_function=True)
    assert {name: lines for name, lines in through_atomic.items() if name not in ATOMIC_WRITERS} == {}
    assert sorted(set(ATOMIC_WRITERS) - set(through_atomic)) == []


# --- one Markdown escaper -----------------------------------------------------------------------

ESCAPERS = {
    "nox_support.core.markdown": "the one Markdown escaper (escape, code, cell_code)",
    "nox_support.core.logsafe": "control characters and workflow commands for the CI log, not Markdown",
    "nox_support.report.page": "HTML and the page's embedded JSON (html.escape, \\u003c), not Markdown",
}
"""Modules that may escape text for Markdown, and why."""

_MARKDOWN_SPECIAL = frozenset("|`")
"""A ``.replace()`` of these (table cells, code spans) is Markdown escaping whatever it replaces them with."""


def _replacement(call: ast.Call) -> ast.expr | None:
    """The replacement argument of ``str.replace``, ``re.sub`` or ``pattern.sub``."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    if func.attr == "replace" and len(call.args) >= 2:  # str.replace(old, new)
        return call.args[1]
    if func.attr in {"sub", "subn"}:
        is_re = isinstance(func.value, ast.Name) and func.value.id == "re"
        position = 1 if is_re else 0
        return call.args[position] if len(call.args) > position else None
    return None


def _text(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def markdown_escapes(source: str) -> list[int]:
    """Lines of *source* that escape text for Markdown: an ``*escape*`` function, a replacement
    with a backslash escape (``"\\\\|"``, ``r"\\\\\\1"``), or a ``.replace()`` of ``|`` or a backtick."""
    found: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and "escape" in node.name.lower():
            found.add(node.lineno)
        if not isinstance(node, ast.Call):
            continue
        new = _text(_replacement(node))
        if new is not None and new.startswith("\\"):
            found.add(node.lineno)
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "replace" and node.args:
            old = _text(node.args[0])
            if old is not None and set(old) & _MARKDOWN_SPECIAL:
                found.add(node.lineno)
    return sorted(found)


def test_the_escape_finder_sees_a_home_made_markdown_escaper() -> None:
    # The shapes of the escaper licenses/report.py had before it used nox_support.core.markdown.
    source = r"""
def escape(text):
    return html.escape(_MARKDOWN_SPECIAL.sub(r"\\\1", text), quote=False)
def _code(text):
    return text.replace("`", "'")
cell = value.replace("|", "\\|")
flat = re.sub(r"([*_])", r"\\\1", text)
"""
    assert markdown_escapes(source) == [2, 3, 5, 6, 7]


def test_the_escape_finder_ignores_other_replacements() -> None:
    source = r"""
def compile_escaped(name): ...
path = text.replace("\\", "/")
data = text.replace("%", "%25").replace("\n", "%0A")
spec = re.sub(r"\s+", "", spec)
name = _SEPARATORS.sub("-", name)
"""
    assert markdown_escapes(source) == [2]  # the name alone is enough: escaping belongs in markdown.py


def test_markdown_is_escaped_only_in_nox_support_markdown() -> None:
    found = {
        name: lines
        for name, path in modules().items()
        if (lines := markdown_escapes(path.read_text(encoding="utf-8"))) and name not in ESCAPERS
    }
    assert found == {}


# --- one way to run Nox and to build a wheel in the tests ---------------------------------------

TESTS = Path(__file__).resolve().parent
_MODULE_NOX: list[str | None] = ["-m", "nox"]


def _runs_nox(node: ast.AST) -> bool:
    """``[python, "-m", "nox", ...]``: a command that starts Nox (an interpreter comes first)."""
    if not isinstance(node, ast.List | ast.Tuple):
        return False
    values = [e.value if isinstance(e, ast.Constant) else None for e in node.elts]
    return any(values[i : i + 2] == _MODULE_NOX for i in range(1, len(values) - 1))


def _writes_a_zip(node: ast.AST) -> bool:
    """``zipfile.ZipFile(path, "w")``: a wheel written by hand."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "ZipFile"
        and _write_mode(node, 1)
    )


def test_tests_run_nox_through_run_nox_and_write_wheels_through_tests_wheels() -> None:
    found = {
        (path.relative_to(TESTS).as_posix(), what)
        for path in TESTS.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        for what, hit in (("runs nox", _runs_nox(node)), ("writes a zip", _writes_a_zip(node)))
        if hit
    }
    assert found == {("noxrun.py", "runs nox"), ("wheels.py", "writes a zip")}
