from __future__ import annotations

from pathlib import Path

from nox_support.lock.compile.interface import CompileRequest, KeepPins, UpgradePackages
from nox_support.lock.compile.piptools import PipToolsCompiler, conflict_cause

# Captured from pip-compile 7.6 (pip 26) on a conflict, trimmed.
CONFLICT = """\
  ERROR: Cannot install -r requirements.in (line 1) and -r base.in (line 2) because these package versions \
have conflicting dependencies.
Traceback (most recent call last):
  File "/x/pip/_vendor/resolvelib/resolvers.py", line 1, in resolve
pip._vendor.resolvelib.resolvers.ResolutionImpossible: [RequirementInformation(requirement=\
SpecifierRequirement('alpha<2'), parent=LinkCandidate('file:///home/me/wheels/gamma-1.0-py3-none-any.whl')), \
RequirementInformation(requirement=SpecifierRequirement('alpha>=2'), \
parent=LinkCandidate('https://files.example/delta-1.0.tar.gz'))]
"""


def test_conflict_cause_names_the_requirements_without_machine_paths() -> None:
    files = {"requirements.in": ["gamma  # reporting"], "base.in": ["x", "delta>=1"]}
    cause = conflict_cause(CONFLICT, lambda name: files.get(name, []))
    assert cause.splitlines() == [
        (
            "  Cannot install 'gamma' (requirements.in line 1) and 'delta>=1' (base.in line 2) because these "
            "package versions have conflicting dependencies."
        ),
        "  requirements in conflict:",
        "    alpha<2 (required by gamma 1.0)",
        "    alpha>=2 (required by delta 1.0)",
    ]
    assert "/home/me" not in cause
    assert "Traceback" not in cause


def test_conflict_cause_is_empty_for_other_failures() -> None:
    assert conflict_cause("ERROR: Could not open requirements file: no such file\n") == ""


def test_command_is_an_argument_tuple() -> None:
    compiler = PipToolsCompiler(Path("/repo"))
    request = CompileRequest(
        service="api",
        cwd=Path("/repo/services/api"),
        source="requirements.in",
        output=".tmp",
        constraints=("../../c.txt",),
        python="3.11",
        upgrade=UpgradePackages(("alpha",)),
        extra_args=("--pre",),
        custom_command='nox -s "lock(api)"',
        reuse_hashes=False,
    )
    command = compiler.command(request, "/usr/bin/python3")
    assert command[:4] == ("/usr/bin/python3", "-m", "piptools", "compile")
    assert "--generate-hashes" in command
    assert "--no-emit-index-url" in command
    assert "--no-emit-find-links" in command
    assert command[-6:] == (
        "--upgrade-package",
        "alpha",
        "--no-reuse-hashes",
        "--output-file",
        ".tmp",
        "requirements.in",
    )
    at = command.index("--constraint")
    assert command[at : at + 2] == ("--constraint", "../../c.txt")
    assert "--pre" in command
    keep = compiler.command(
        CompileRequest(
            service="api",
            cwd=Path("/r"),
            source="requirements.in",
            output=".tmp",
            constraints=(),
            python="3.11",
            upgrade=KeepPins(),
            extra_args=(),
            custom_command="x",
        ),
        "python",
    )
    assert "--upgrade" not in keep
    assert "--no-reuse-hashes" not in keep
