"""The options pip reads in a requirements file, read as pip's optparse reads them (pure).

Used by :mod:`nox_support.lock.reqfile`: several options on one line, ``--opt=value`` and
``--opt value``, short options glued to their value, unambiguous abbreviations, a value that
starts with ``-``, ``--`` and stray arguments (which pip ignores), and the checks pip's option
callbacks make.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from nox_support.core.errors import RequirementsFileError

# Every option pip accepts in a requirements file, and the short forms. pip reads them with
# optparse, which also accepts any unambiguous prefix of a long option (``--requirem=x`` is
# ``--requirement=x``): :func:`canonical_option` reads them the same way.
PIP_LONG_OPTIONS = (
    # Every option any supported pip reads in a requirements file (pip 26.3 added the first, the
    # "--no-require-hashes" and "--only-final" ones and dropped "--global-option"; pip 23.0, the
    # floor, still reads "--install-option"): an option one pip knows must never pass as
    # "unknown text" here, nor a prefix of it as another option.
    "--all-releases",
    "--config-settings",
    "--constraint",
    "--editable",
    "--extra-index-url",
    "--find-links",
    "--global-option",
    "--hash",
    "--index-url",
    "--install-option",
    "--no-binary",
    "--no-index",
    "--no-require-hashes",
    "--only-binary",
    "--only-final",
    "--pre",
    "--prefer-binary",
    "--pypi-url",
    "--require-hashes",
    "--requirement",
    "--trusted-host",
    "--use-feature",
)
PIP_SHORT_OPTIONS = {
    "-C": "--config-settings",
    "-c": "--constraint",
    "-e": "--editable",
    "-f": "--find-links",
    "-i": "--index-url",
    "-r": "--requirement",
}
# pip 26.3's --all-releases and --only-final take a value (":all:", names), like --no-binary.
_FLAGS_WITHOUT_VALUE = frozenset(
    {"--no-index", "--no-require-hashes", "--pre", "--prefer-binary", "--require-hashes"}
)
_INCLUDE_FLAGS = frozenset({"--requirement", "--constraint"})


def canonical_option(flag: str) -> str | None:
    """Pip's full name for the option *flag* as written, or ``None`` when pip rejects it.

    ``-r`` and ``--requirement`` are ``--requirement``; so is ``--requirem``, an
    unambiguous prefix (optparse's rule); ``--re`` is ambiguous and rejected.
    """
    if flag in PIP_SHORT_OPTIONS:
        return PIP_SHORT_OPTIONS[flag]
    if not flag.startswith("--"):
        return None
    if flag in PIP_LONG_OPTIONS:
        return flag
    matches = [option for option in PIP_LONG_OPTIONS if option.startswith(flag)]
    return matches[0] if len(matches) == 1 else None


@dataclass(frozen=True)
class WrittenOption:
    """One option of a line as optparse reads it: as written, pip's name, its value."""

    written: str
    name: str
    value: str


def split_options(options: str, number: int, path: str) -> list[str]:
    """The words of a line's options, as ``shlex`` splits them for pip."""
    try:
        return shlex.split(options)
    except ValueError as exc:
        raise RequirementsFileError(f"cannot split option line: {exc}", path=path, line=number) from exc


def read_options(words: list[str], number: int, path: str) -> list[WrittenOption]:
    """Every option in *words*, read as optparse reads them (``--a=b``, ``--a b``, ``-rfile``, ``--``)."""
    read: list[WrittenOption] = []
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word == "--":
            break  # optparse: the rest are arguments, which pip ignores
        if not word.startswith("-") or word == "-":
            continue  # an argument among the options: optparse keeps it, pip ignores it
        written, sep, inline = _split_word(word)
        name = canonical_option(written)
        if name is None:
            raise RequirementsFileError(
                f"unknown or ambiguous option {written!r}",
                path=path,
                line=number,
                hint="pip accepts " + ", ".join(PIP_LONG_OPTIONS) + " (and -r, -c, -e, -f, -i, -C)",
            )
        if name in _FLAGS_WITHOUT_VALUE:
            if sep:
                raise RequirementsFileError(f"{written} takes no value", path=path, line=number)
            read.append(WrittenOption(written, name, ""))
            continue
        if not sep:
            if index >= len(words):
                raise _missing_value(written, name, number, path)
            inline = words[index]
            index += 1
        if problem := _value_problem(name, inline):
            raise RequirementsFileError(f"{written} {problem}", path=path, line=number)
        read.append(WrittenOption(written, name, inline))
    return read


def _split_word(word: str) -> tuple[str, str, str]:
    """``--opt=value`` or ``-ovalue`` as (option, separator, value); short options take the rest."""
    if word.startswith("--"):
        return word.partition("=")
    return word[:2], "=" if word[2:] else "", word[2:]


def _value_problem(name: str, value: str) -> str | None:
    """What pip's option callbacks refuse in *value* (``--hash=md5:...``, ``--no-binary -x``)."""
    if name == "--hash" and value.partition(":")[0] not in {"sha256", "sha384", "sha512"}:
        return "must be sha256:, sha384: or sha512: followed by the digest"
    if name in {"--no-binary", "--only-binary", "--all-releases", "--only-final"} and value.startswith("-"):
        return "needs a value (:all:, :none: or package names)"
    return None


def _missing_value(written: str, name: str, number: int, path: str) -> RequirementsFileError:
    if name in _INCLUDE_FLAGS:
        return RequirementsFileError(
            f"{written} needs a file name", path=path, line=number, hint=f"write: {written} other.txt"
        )
    what = "a path or URL" if name == "--editable" else "a value"
    return RequirementsFileError(f"{written} needs {what}", path=path, line=number)
