"""A layer that asks to move a pin of the main lock: the other side named, the fix, the files written."""

from __future__ import annotations

from pathlib import Path

import pytest

from nox_support.core.errors import ResolutionError
from nox_support.lock.compile.interface import CompileRequest, KeepPins
from nox_support.lock.layer_conflict import LayerContext, explain_layer_conflict, held_pins
from nox_support.lock.orchestrate import LockArgs, lock_service
from nox_support.lock.session import run_lock
from nox_support.project import Project
from tests.drift.helpers import lock_text
from tests.fakes import FakeCompiler, RecordingSession
from tests.repos import monorepo, write

MAIN_LOCK = lock_text(
    {
        "google-auth": ("2.40.0", "-r requirements.in"),
        "requests": ("2.34.2", "google-auth"),
        "urllib3": ("2.5.0", "requests"),
    }
)
# What pip-compile and uv print when a layer asks for more than the main lock pins.
PIP_SAYS = (
    "service x: cannot resolve requirements-dev.in for Python 3.11:\n"
    "  Cannot install requests>=2.35 because these package versions have conflicting dependencies.\n"
    "  cannot be satisfied: requests>=2.35 (required by the service's own requirements)"
)
UV_SAYS = (
    "service x: cannot resolve requirements-dev.in for Python 3.11:\n"
    "  Because you require requests>=2.35 and requests==2.34.2, we can conclude that your "
    "requirements are unsatisfiable."
)
CONTEXT = LayerContext(
    MAIN_LOCK,
    "services/x/requirements.txt",
    "services/x/requirements.in",
    "services/x/requirements-dev.txt",
    ("services/x/requirements.txt",),
)


@pytest.mark.parametrize("said", [PIP_SAYS, UV_SAYS])
def test_the_main_lock_pin_is_named_with_why_and_the_fix(said: str) -> None:
    error = explain_layer_conflict(ResolutionError(said, hint="relax"), CONTEXT)

    assert error.message == (
        f"{said}\n"
        "  requests==2.34.2 is pinned by services/x/requirements.txt (the main lock), via google-auth; "
        "the layer needs requests>=2.35\n"
        "  wrote services/x/requirements.txt; services/x/requirements-dev.txt was left untouched"
    )
    assert error.hint == (
        "a layer installs on top of the main lock and cannot move its pins: move requests>=2.35 into "
        "services/x/requirements.in (the main input) and lock again, or relax the layer's requirement"
    )


def test_only_pins_the_conflict_excludes_are_named() -> None:
    said = "urllib3>=2 and requests >=2.35, <3 and pytest>=8 and google-auth==2.40.0"
    held = held_pins(said, MAIN_LOCK, main_lock="services/x/requirements.txt")
    assert [(h.pin.name, h.asked) for h in held] == [("requests", "requests>=2.35,<3")]
    assert held_pins(said, "not a lock ==\n", main_lock="x") == ()


def test_a_conflict_the_main_lock_does_not_explain_keeps_the_compilers_hint() -> None:
    error = explain_layer_conflict(ResolutionError("Cannot install pytest>=99", hint="relax it"), CONTEXT)
    assert error.hint == "relax it"
    assert error.message.endswith("services/x/requirements-dev.txt was left untouched")


def test_a_failing_layer_says_what_was_written_before_it(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"x": "google-auth\n"}, copy_noxfile=False)
    write(root / "services/x/requirements-dev.in", "requests>=2.35\n")

    def fail_the_layer(request: CompileRequest, output: Path) -> None:
        if request.source == "requirements-dev.in":
            raise ResolutionError(PIP_SAYS, hint="relax")
        output.write_text(MAIN_LOCK, encoding="utf-8")

    fake = FakeCompiler(on_compile=fail_the_layer)
    loaded = Project.load(root)
    project = Project(loaded.root, loaded.settings, loaded.services, fake)
    session = RecordingSession()

    with pytest.raises(ResolutionError) as info:
        run_lock(session.as_nox(), project, "x")

    assert session.logs == ["x: wrote services/x/requirements.txt"]  # logged before the failure
    assert "requests==2.34.2 is pinned by services/x/requirements.txt (the main lock), via google-auth" in (
        info.value.message
    )
    assert info.value.message.endswith(
        "wrote services/x/requirements.txt; services/x/requirements-dev.txt was left untouched"
    )
    assert not (root / "services/x/requirements-dev.txt").exists()
    # Run again: the main lock is fresh, nothing is written, and the message says so.
    with pytest.raises(ResolutionError) as again:
        lock_service(project, project.service("x"), LockArgs(KeepPins(), force=False))
    assert "  wrote nothing; services/x/requirements-dev.txt was left untouched" in again.value.message


@pytest.mark.slow
@pytest.mark.usefixtures("offline_index")
@pytest.mark.parametrize("layer", ["alpha>=2\n", "delta\n"], ids=["direct", "through-delta"])
@pytest.mark.parametrize("compiler", ["pip-tools", "uv"])
def test_a_real_layer_conflict_names_the_main_lock_pin(tmp_path: Path, layer: str, compiler: str) -> None:
    # gamma holds alpha below 2 in the main lock; the dev layer needs alpha>=2 (itself, or for delta).
    pyproject = f'[tool.nox_support]\ncompiler = "{compiler}"\n'
    root = monorepo(tmp_path, {"api": "gamma\n"}, pyproject=pyproject, copy_noxfile=False)
    write(root / "services/api/requirements-dev.in", layer)
    session = RecordingSession()

    with pytest.raises(ResolutionError) as info:
        run_lock(session.as_nox(), Project.load(root), "api")

    assert session.logs == ["api: wrote services/api/requirements.txt"]
    message = info.value.message
    assert (
        "  alpha==1.1 is pinned by services/api/requirements.txt (the main lock), via gamma; "
        "the layer needs alpha>=2\n"
    ) in message
    assert message.endswith(
        "  wrote services/api/requirements.txt; services/api/requirements-dev.txt was left untouched"
    )
    assert info.value.hint is not None
    assert "move alpha>=2 into services/api/requirements.in (the main input)" in info.value.hint
