from __future__ import annotations

from nox_support.lock import digest
from nox_support.lock.digest import Change, InputFile, Inputs


def _inputs(**overrides: object) -> Inputs:
    base: dict[str, object] = {
        "files": (InputFile("requirements.in", b"alpha\n"), InputFile("../../c.txt", b"beta<2\n")),
        "python": "3.11",
        "compiler": "pip-tools==7.6.2",
        "options": ("--generate-hashes",),
    }
    base.update(overrides)
    return Inputs(**base)  # type: ignore[arg-type]


def test_digest_is_stable_and_order_independent() -> None:
    first = digest.compute(_inputs())
    reordered = digest.compute(_inputs(files=tuple(reversed(_inputs().files))))
    assert first == reordered
    assert len(first.total) == 64


def test_line_endings_do_not_matter() -> None:
    crlf = _inputs(files=(InputFile("requirements.in", b"alpha\r\n"), InputFile("../../c.txt", b"beta<2\n")))
    assert digest.compute(crlf).total == digest.compute(_inputs()).total


def test_every_input_changes_the_total() -> None:
    base = digest.compute(_inputs()).total
    variants = [
        _inputs(python="3.12"),
        _inputs(compiler="pip-tools==8.0.0"),
        _inputs(options=("--generate-hashes", "--pre")),
        _inputs(files=(InputFile("requirements.in", b"alpha>1\n"), InputFile("../../c.txt", b"beta<2\n"))),
        _inputs(files=(InputFile("requirements.in", b"alpha\n"),)),
        _inputs(files=(InputFile("other.in", b"alpha\n"), InputFile("../../c.txt", b"beta<2\n"))),
    ]
    totals = {digest.compute(v).total for v in variants}
    assert base not in totals
    assert len(totals) == len(variants)


def test_line_round_trips_including_odd_file_names() -> None:
    files = (InputFile("dir with space/req=1.in", b"x\n"), InputFile("requirements.in", b"y\n"))
    value = digest.compute(_inputs(files=files))
    line = value.line(body="b" * 64, compiled_by="pip-tools==7.6.2")
    assert line.startswith(digest.MARKER)
    assert "\n" not in line
    assert digest.parse_line(line) == digest.RecordedLine(value, "b" * 64, "pip-tools==7.6.2")


def test_split_only_looks_in_the_header() -> None:
    line = digest.compute(_inputs()).line(body="b" * 64, compiled_by="x==1")
    text = f"#\n# header\n#\n{line}\nalpha==1.0\n"
    assert digest.split(text) == digest.SplitLock(line, ("alpha==1.0",))
    assert digest.split(f"alpha==1.0\n{line}\n") is None
    assert digest.split(f" --index-url x\n{line}\n") is None


def test_malformed_lines_are_rejected() -> None:
    assert digest.parse_line("# nox-support-inputs: sha256=abc") is None
    assert digest.parse_line("# something else") is None
    assert digest.parse_line("# nox-support-inputs: garbage") is None


def test_compare_names_what_changed() -> None:
    before = digest.compute(_inputs())
    after = digest.compute(
        _inputs(
            python="3.12",
            compiler="pip-tools==8.0.1",
            files=(InputFile("requirements.in", b"alpha>1\n"), InputFile("new.in", b"z\n")),
        )
    )
    described = [c.describe() for c in digest.compare(before, after)]
    assert described == [
        "python changed from 3.11 to 3.12",
        "compiler changed from pip-tools==7.* to pip-tools==8.*",
        "../../c.txt was removed",
        "new.in was added",
        "requirements.in changed",
    ]
    assert digest.compare(before, before) == ()


def test_compare_detects_a_hand_edited_total() -> None:
    value = digest.compute(_inputs())
    edited = digest.InputDigest("0" * 64, value.python, value.compiler, value.options, value.files)
    assert digest.compare(edited, value) == (Change("digest line", "0" * 64, value.total),)


def test_the_digest_keeps_the_compiler_series_not_its_release() -> None:
    assert digest.compiler_series("pip-tools==7.6.2") == "pip-tools==7.*"
    assert digest.compiler_series("pip-tools==7.4.1") == "pip-tools==7.*"
    assert digest.compiler_series("pip-tools==8.0.0") == "pip-tools==8.*"
    assert digest.compiler_series("uv==0.13.9") == "uv==0.13.*"
    assert digest.compiler_series("uv==0.14.0") == "uv==0.14.*"
    assert digest.compiler_series("uv==1.2.3") == "uv==1.*"
    assert digest.compiler_series("odd") == "odd"
    patch = digest.compute(_inputs(compiler="pip-tools==7.4.1"))
    assert patch == digest.compute(_inputs(compiler="pip-tools==7.6.2"))
    assert patch.total != digest.compute(_inputs(compiler="pip-tools==8.0.0")).total
    assert digest.compute(_inputs(compiler="uv==0.13.1")) != digest.compute(_inputs(compiler="uv==0.14.0"))


def test_the_body_digest_ignores_line_endings_only() -> None:
    assert digest.body_digest(["a", "b"]) == digest.body_digest("a\r\nb\r\n".splitlines())
    assert digest.body_digest(["a", "b"]) != digest.body_digest(["a", "b", ""])
    assert digest.body_digest(["a", "b"]) != digest.body_digest(["a"])
