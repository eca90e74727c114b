"""What :mod:`nox_support.venv.integrity` finds wrong with a restored venv laid out by hand.

No venv is created and nothing runs: each case writes the few files a venv tool leaves (``pyvenv.cfg``,
``bin/python`` pointing at this interpreter, ``site-packages``) and tampers with one thing, as a
poisoned cache or a half-copied venv would. The end-to-end refusals (the venv rebuilt, the reason
logged) are in tests/hostile/test_venv_hostile.py.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from nox_support.venv import integrity
from tests.repos import write

INTERPRETER = Path(sys.executable).resolve()
NOTHING_LISTED: frozenset[str] = frozenset()


def venv_at(location: Path, *, home: Path = INTERPRETER.parent, cfg: str | None = None) -> Path:
    """A venv as ``python -m venv`` leaves it (without pip): cfg, ``bin/python*`` links, site-packages."""
    text = f"home = {home}\ninclude-system-site-packages = false\nversion = 3.11.7\n" if cfg is None else cfg
    write(location / "pyvenv.cfg", text)
    (location / "bin").mkdir(parents=True)
    for name in ("python", "python3", INTERPRETER.name):
        if not (location / "bin" / name).exists():
            (location / "bin" / name).symlink_to(INTERPRETER)
    (location / "lib/python3.11/site-packages").mkdir(parents=True)
    return location


def site_of(venv: Path) -> Path:
    return venv / "lib/python3.11/site-packages"


def test_a_venv_as_the_venv_tool_leaves_it_is_intact(tmp_path: Path) -> None:
    venv = venv_at(tmp_path / "venv")
    write(venv / "bin/activate", "# activate\n")
    write(site_of(venv) / integrity.VIRTUALENV_HOOK, integrity.VIRTUALENV_HOOK_TEXT + "\n")
    assert integrity.pyvenv_problems(venv) == ()
    assert integrity.bin_problems(venv, NOTHING_LISTED) == ()
    assert integrity.hook_problems(venv, site_of(venv), NOTHING_LISTED) == ()


def test_pyvenv_cfg_is_read_as_python_reads_it(tmp_path: Path) -> None:
    """Keys in any case, the last occurrence wins, lines without '=' are no settings."""
    write(tmp_path / "pyvenv.cfg", "Home = /first\n# a comment\nHOME = /second \nplain line\nx=1=2\n")
    assert integrity.read_pyvenv_cfg(tmp_path) == {"home": "/second", "x": "1=2"}


@pytest.mark.parametrize("content", [None, b"home = \xff\n"], ids=["missing", "not-utf-8"])
def test_a_missing_or_unreadable_pyvenv_cfg_is_one_problem(tmp_path: Path, content: bytes | None) -> None:
    venv = venv_at(tmp_path / "venv")
    if content is None:
        (venv / "pyvenv.cfg").unlink()
    else:
        (venv / "pyvenv.cfg").write_bytes(content)
    assert integrity.read_pyvenv_cfg(venv) is None
    assert integrity.pyvenv_problems(venv) == ("pyvenv.cfg is missing or unreadable",)


@pytest.mark.parametrize("value", [None, "true", "TRUE", "yes"])
def test_the_machine_s_site_packages_switched_on_or_unsaid_is_a_problem(
    tmp_path: Path, value: str | None
) -> None:
    line = "" if value is None else f"include-system-site-packages = {value}\n"
    venv = venv_at(tmp_path / "venv", cfg=f"home = {INTERPRETER.parent}\n{line}")
    (problem,) = integrity.pyvenv_problems(venv)
    assert problem.startswith(f"pyvenv.cfg: include-system-site-packages = {value} (must be false")


def test_a_cfg_without_home_names_the_missing_key(tmp_path: Path) -> None:
    venv = venv_at(tmp_path / "venv", cfg="include-system-site-packages = false\nhome =\n")
    assert integrity.pyvenv_problems(venv) == ("pyvenv.cfg names no home (the interpreter's directory)",)


def test_home_inside_the_venv_is_refused_before_anything_is_resolved_there(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    venv_at(venv, home=venv / "evil/bin")
    problem = (
        f"pyvenv.cfg: home = {venv / 'evil/bin'} points into the venv "
        "(the standard library would come from the venv)"
    )
    assert integrity.pyvenv_problems(venv) == (problem,)


def test_a_venv_without_bin_python_is_named(tmp_path: Path) -> None:
    venv = venv_at(tmp_path / "venv")
    (venv / "bin/python").unlink()
    assert integrity.pyvenv_problems(venv) == ("bin/python is missing",)


def test_home_naming_another_directory_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other-python/bin"
    other.mkdir(parents=True)
    (other / "python3").mkdir()  # not even a file: no digest to compare
    write(other / "python", "#!/bin/sh\n")  # a file, but not the venv's interpreter
    venv = venv_at(tmp_path / "venv", home=other)
    assert integrity.pyvenv_problems(venv) == (
        f"pyvenv.cfg: home = {other} is not the directory of the interpreter of the venv",
    )


def test_a_venv_made_with_copies_matches_its_home_by_content(tmp_path: Path) -> None:
    """``python -m venv --copies``: bin/python is a copy, home holds the original."""
    venv = venv_at(tmp_path / "venv")
    (venv / "bin/python").unlink()
    shutil.copy2(INTERPRETER, venv / "bin/python")
    assert integrity.pyvenv_problems(venv) == ()
    # A copy of something else is not the interpreter of home.
    (venv / "bin/python").write_bytes(b"not the interpreter")
    (problem,) = integrity.pyvenv_problems(venv)
    assert "is not the directory of the interpreter of the venv" in problem


def test_bin_entries_nobody_made_are_named_each(tmp_path: Path) -> None:
    venv = venv_at(tmp_path / "venv")
    write(venv / "bin/pytest", "#!/bin/sh\n")  # listed in a RECORD below
    write(venv / "bin/uv", "#!/bin/sh\nplanted\n")
    write(venv / "bin/python3.99", "#!/bin/sh\nplanted\n")  # a python* that is not the interpreter
    (venv / "bin/python-dangling").symlink_to(tmp_path / "gone")
    (venv / "bin/python3.12").symlink_to(tmp_path / "elsewhere/python3.12")
    assert integrity.bin_problems(venv, frozenset({"bin/pytest"})) == (
        "bin/python-dangling is neither listed in a RECORD nor made by the venv tool",
        "bin/python3.12 is neither listed in a RECORD nor made by the venv tool",
        "bin/python3.99 is neither listed in a RECORD nor made by the venv tool",
        "bin/uv is neither listed in a RECORD nor made by the venv tool",
    )


def test_without_bin_python_every_python_entry_is_unexplained(tmp_path: Path) -> None:
    venv = venv_at(tmp_path / "venv")
    (venv / "bin/python").unlink()
    assert integrity.bin_problems(venv, NOTHING_LISTED) == (
        "bin/python3 is neither listed in a RECORD nor made by the venv tool",
        f"bin/{INTERPRETER.name} is neither listed in a RECORD nor made by the venv tool",
    )


def test_a_venv_without_bin_has_no_bin_problems(tmp_path: Path) -> None:
    venv = venv_at(tmp_path / "venv")
    shutil.rmtree(venv / "bin")
    assert integrity.bin_problems(venv, NOTHING_LISTED) == ()


def test_start_up_hooks_no_record_lists_are_named_wherever_they_are(tmp_path: Path) -> None:
    venv = venv_at(tmp_path / "venv")
    site = site_of(venv)
    write(site / "listed.pth", "import listed\n")
    write(site / "planted.pth", "import os\n")
    write(site / "sitecustomize.py", "print('hi')\n")
    write(site / "usercustomize/__init__.py", "")  # a package counts as the module
    write(venv / "lib/python3.11/sitecustomize.py", "")  # outside site-packages, still on sys.path
    write(site / "pkg/data.pth.txt", "")  # not a hook: only the name's ending counts
    write(site / "vendored/__init__.py", "")
    write(site / "vendored/sitecustomize.py", "")  # listed with its package below
    listed = frozenset(
        {"lib/python3.11/site-packages/listed.pth", "lib/python3.11/site-packages/vendored/sitecustomize.py"}
    )
    assert integrity.hook_problems(venv, site, listed) == (
        "lib/python3.11/sitecustomize.py runs at every start and no RECORD lists it",
        "lib/python3.11/site-packages/planted.pth runs at every start and no RECORD lists it",
        "lib/python3.11/site-packages/sitecustomize.py runs at every start and no RECORD lists it",
        "lib/python3.11/site-packages/usercustomize runs at every start and no RECORD lists it",
    )


def test_a_listed_hook_package_passes_through_its_files(tmp_path: Path) -> None:
    venv = venv_at(tmp_path / "venv")
    write(site_of(venv) / "sitecustomize/__init__.py", "")
    listed = frozenset({"lib/python3.11/site-packages/sitecustomize/__init__.py"})
    assert integrity.hook_problems(venv, site_of(venv), listed) == ()


@pytest.mark.parametrize(
    ("where", "content"),
    [
        ("lib/python3.11/site-packages", b"import _virtualenv; import os\n"),
        ("lib/python3.11/site-packages", b"\xff\xfe"),
        ("lib/python3.11", b"import _virtualenv\n"),
    ],
    ids=["other-text", "not-utf-8", "outside-site-packages"],
)
def test_the_virtualenv_hook_passes_only_as_virtualenv_writes_it(
    tmp_path: Path, where: str, content: bytes
) -> None:
    venv = venv_at(tmp_path / "venv")
    hook = venv / where / integrity.VIRTUALENV_HOOK
    hook.write_bytes(content)
    assert integrity.hook_problems(venv, site_of(venv), NOTHING_LISTED) == (
        f"{where}/{integrity.VIRTUALENV_HOOK} runs at every start and no RECORD lists it",
    )
