"""The noxfile users copy: no bare name Nox could fetch from an index, no development sessions."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
SCRIPT_BLOCK = re.compile(r"^# /// script\n(?P<body>(?:#.*\n)+?)# ///$", re.MULTILINE)


def script_dependencies(text: str) -> list[Requirement]:
    match = SCRIPT_BLOCK.search(text)
    assert match is not None, "noxfile.py has no PEP 723 block"
    body = "".join(line.removeprefix("#").removeprefix(" ") + "\n" for line in match["body"].splitlines())
    return [Requirement(d) for d in tomllib.loads(body).get("dependencies", [])]


def unpinned_unpublished(requirements: list[Requirement]) -> list[str]:
    """Dependencies Nox would install by name although they are not ours to trust from an index."""
    return [r.name for r in requirements if r.name != "nox" and r.url is None]


def test_the_script_block_names_no_unpublished_package_by_bare_name() -> None:
    requirements = script_dependencies((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    assert [r.name for r in requirements] == ["nox"]
    assert unpinned_unpublished(requirements) == []


def test_a_bare_nox_support_would_be_caught() -> None:
    block = '# /// script\n# dependencies = ["nox>=2025.5.1", "nox-support"]\n# ///\n'
    assert unpinned_unpublished(script_dependencies(block)) == ["nox-support"]
    pinned = '# /// script\n# dependencies = ["nox", "nox-support @ https://example.com/n.zip"]\n# ///\n'
    assert unpinned_unpublished(script_dependencies(pinned)) == []


def session_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        and any("session" in ast.unparse(decorator) for decorator in node.decorator_list)
    }


def test_development_sessions_stay_out_of_the_shipped_noxfile() -> None:
    development = {"lock", "latest", "minimums"}
    assert session_names(ROOT / "dev" / "noxfile.py") == development
    # The shipped noxfile has its own `lock` (the services'); the development ones are not there.
    assert not {"latest", "minimums"} & session_names(ROOT / "noxfile.py")
