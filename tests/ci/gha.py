"""A small, strict emulator of GitHub Actions for the workflows in this repository.

It evaluates the expression subset the workflows use (and fails loudly on
anything else), expands matrices, runs ``run:`` steps with bash exactly as a
runner would (``bash --noprofile --norc -eo pipefail``), and emulates the few
actions the workflows use.  Each job gets a fresh clone of the "origin"
repository, like a fresh runner.
"""

from __future__ import annotations

import fnmatch
import json
import os
import platform
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.ci.helpers import git, tool_env

# ---------------------------------------------------------------------------
# Expressions

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||[!().,\[\]])"
    r"|(?P<ident>[A-Za-z_][A-Za-z0-9_-]*))"
)


class ExpressionError(AssertionError):
    """The expression uses something this emulator does not know (a drift to look at)."""


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, index = [], 0
    text = text.strip()
    while index < len(text):
        match = _TOKEN.match(text, index)
        if match is None or match.end() == index:
            raise ExpressionError(f"cannot tokenize {text[index:]!r} in {text!r}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        index = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str, context: dict[str, Any], functions: dict[str, Any]) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.context = context
        self.functions = functions

    def parse(self) -> Any:
        value = self.or_()
        if self.pos != len(self.tokens):
            raise ExpressionError(f"unexpected {self.tokens[self.pos]} in {self.text!r}")
        return value

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        token = self.tokens[self.pos]
        if expected is not None and token[1] != expected:
            raise ExpressionError(f"expected {expected!r} in {self.text!r}")
        self.pos += 1
        return token

    def or_(self) -> Any:
        value = self.and_()
        while self.peek() == "||":
            self.take()
            right = self.and_()
            value = value if truthy(value) else right
        return value

    def and_(self) -> Any:
        value = self.compare()
        while self.peek() == "&&":
            self.take()
            right = self.compare()
            value = right if truthy(value) else value
        return value

    def compare(self) -> Any:
        left = self.unary()
        if self.peek() in {"==", "!="}:
            op = self.take()[1]
            right = self.unary()
            same = loose_equal(left, right)
            return same if op == "==" else not same
        return left

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            return not truthy(self.unary())
        return self.postfix()

    def postfix(self) -> Any:
        value = self.primary()
        while self.peek() in {".", "["}:
            if self.take()[1] == ".":
                value = prop(value, self.take()[1])
            else:
                key = self.or_()
                self.take("]")
                value = prop(value, key)
        return value

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text)
        if text == "(":
            value = self.or_()
            self.take(")")
            return value
        if kind != "ident":
            raise ExpressionError(f"unexpected {text!r} in {self.text!r}")
        if text in {"true", "false", "null"}:
            return {"true": True, "false": False, "null": None}[text]
        if self.peek() == "(":
            return self.call(text)
        if text not in self.context:
            raise ExpressionError(f"unknown context {text!r} in {self.text!r}")
        return self.context[text]

    def call(self, name: str) -> Any:
        self.take("(")
        args = []
        while self.peek() != ")":
            args.append(self.or_())
            if self.peek() == ",":
                self.take()
        self.take(")")
        if name not in self.functions:
            raise ExpressionError(f"unknown function {name}() in {self.text!r}")
        return self.functions[name](*args)


def prop(value: Any, key: Any) -> Any:
    if isinstance(value, dict):
        return value.get(key)
    if isinstance(value, list) and isinstance(key, float):
        return value[int(key)] if int(key) < len(value) else None
    return None


def truthy(value: Any) -> bool:
    return value not in (None, False, 0, 0.0, "")


def loose_equal(left: Any, right: Any) -> bool:
    """GitHub's ``==``: strings case-insensitively; different types compare as numbers."""
    if isinstance(left, str) and isinstance(right, str):
        return left.lower() == right.lower()
    if (
        type(left) is not type(right)
        and not isinstance(left, (dict, list))
        and not isinstance(right, (dict, list))
    ):
        return to_number(left) == to_number(right)
    return bool(left == right)


def to_number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip() or 0)
    except ValueError:
        return float("nan")


def to_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, indent=2)
    return str(value)


_INTERPOLATION = re.compile(r"\$\{\{((?:(?!\}\}).)*)\}\}", re.DOTALL)


def evaluate(value: Any, context: dict[str, Any], functions: dict[str, Any]) -> Any:
    """Interpolate ``${{ }}`` in *value*; a value that is one expression keeps its type."""
    if not isinstance(value, str):
        return value
    whole = _INTERPOLATION.fullmatch(value.strip())
    if whole:
        return _Parser(whole.group(1), context, functions).parse()
    return _INTERPOLATION.sub(lambda m: to_text(_Parser(m.group(1), context, functions).parse()), value)


def condition(text: Any, context: dict[str, Any], functions: dict[str, Any]) -> bool:
    """A job or step ``if:``; without a status function GitHub adds ``success() &&``."""
    if text is None:
        return bool(functions["success"]())
    expression = str(text).strip()
    inner = _INTERPOLATION.fullmatch(expression)
    expression = inner.group(1) if inner else expression
    value = _Parser(expression, context, functions).parse()
    if not re.search(r"\b(always|success|failure|cancelled)\(", expression):
        return bool(functions["success"]()) and truthy(value)
    return truthy(value)


# ---------------------------------------------------------------------------
# Jobs


JOB_OUTPUTS_LIMIT = 1024 * 1024
"""A job's outputs together, counted as UTF-16."""


@dataclass
class JobResult:
    result: str
    outputs: dict[str, str] = field(default_factory=dict)
    runs: list[JobRun] = field(default_factory=list)


@dataclass
class JobRun:
    matrix: dict[str, Any]
    workspace: Path
    ok: bool
    summary: str
    log: list[str]
    uploads: dict[str, list[Path]]
    skipped_steps: list[str]
    outputs: dict[str, str] = field(default_factory=dict)
    cache_saves: list[tuple[str, Path]] = field(default_factory=list)
    restored_keys: list[str] = field(default_factory=list)


SKIPPED_STEPS = {
    "Install nox-support": "python -m pip install --require-hashes -r .github/tools/requirements.txt\n"
    "python -m pip install --no-deps --no-build-isolation ."
}
"""Steps that install nox-support itself: the test runs the checkout's code from the dev venv."""


@dataclass
class Runner:
    workflow: dict[str, Any]
    origin: Path
    github: dict[str, Any]
    temp: Path
    env: dict[str, str]
    secrets: dict[str, str] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)
    artifacts: dict[str, Path] = field(default_factory=dict)
    caches: dict[str, Path] = field(default_factory=dict)
    """actions/cache entries by key, in the order they were saved (entries are immutable)."""

    def __post_init__(self) -> None:
        # The emulator runs every step as `bash -eo pipefail`: the workflow must say so too.
        assert self.workflow.get("defaults", {}).get("run", {}).get("shell") == "bash"

    def run_job(self, job_id: str, needs: dict[str, JobResult]) -> JobResult:
        job = self.workflow["jobs"][job_id]
        needs_context = {name: {"result": r.result, "outputs": r.outputs} for name, r in needs.items()}
        declared = job.get("needs", [])
        declared = [declared] if isinstance(declared, str) else declared
        assert set(declared) <= set(needs), f"{job_id} needs {declared}"
        context = self.context(needs_context, {}, {})
        upstream_ok = all(needs[n].result == "success" for n in declared)
        functions = self.functions(ok=upstream_ok)
        if not condition(job.get("if"), context, functions):
            return JobResult("skipped")
        matrix = evaluate(job.get("strategy", {}).get("matrix"), context, functions)
        entries = matrix["include"] if matrix else [{}]
        runs = [
            self.run_entry(job_id, job, index, entry, needs_context) for index, entry in enumerate(entries)
        ]
        result = JobResult("success" if all(r.ok for r in runs) else "failure", runs=runs)
        if len(runs) == 1:
            result.outputs = runs[0].outputs
            size = sum(
                len(k.encode("utf-16-le")) + len(v.encode("utf-16-le")) for k, v in result.outputs.items()
            )
            if size > JOB_OUTPUTS_LIMIT:  # GitHub fails the job
                result.result = "failure"
        return result

    def context(self, needs: dict[str, Any], matrix: dict[str, Any], steps: dict[str, Any]) -> dict[str, Any]:
        return {
            "github": self.github,
            "env": self.workflow.get("env", {}),
            "needs": needs,
            "matrix": matrix,
            "steps": steps,
            "runner": {"os": "Linux", "arch": "X64", "temp": str(self.temp)},
            "secrets": self.secrets,
            "vars": self.variables,
        }

    def functions(self, *, ok: bool, workspace: Path | None = None) -> dict[str, Any]:
        def hash_files(*patterns: str) -> str:
            assert workspace is not None
            found = [
                p
                for p in workspace.rglob("*")
                if p.is_file()
                and any(fnmatch.fnmatch(p.relative_to(workspace).as_posix(), pat) for pat in patterns)
            ]
            return "hash" if found else ""

        return {
            "always": lambda: True,
            "success": lambda: ok,
            "failure": lambda: not ok,
            "cancelled": lambda: False,
            "join": lambda items, sep=",": sep.join(to_text(i) for i in (items or [])),
            "fromJSON": json.loads,
            "toJSON": lambda value: json.dumps(value, indent=2),
            "hashFiles": hash_files,
            "startsWith": lambda a, b: to_text(a).lower().startswith(to_text(b).lower()),
        }

    def run_entry(
        self, job_id: str, job: dict[str, Any], index: int, matrix: dict[str, Any], needs: dict[str, Any]
    ) -> JobRun:
        home = self.temp / f"{job_id}-{index}"
        workspace = home / "workspace"
        runner_temp = home / "runner-temp"
        runner_temp.mkdir(parents=True)
        workspace.mkdir()
        summary = home / "summary.md"
        summary.touch()
        steps: dict[str, Any] = {}
        run = JobRun(matrix, workspace, ok=True, summary="", log=[], uploads={}, skipped_steps=[])
        for number, step in enumerate(job["steps"]):
            context = self.context(needs, matrix, steps)
            context["runner"] = {**context["runner"], "temp": str(runner_temp)}
            functions = self.functions(ok=run.ok, workspace=workspace)
            name = step.get("name") or step.get("uses") or f"step {number}"
            if not condition(step.get("if"), context, functions):
                run.skipped_steps.append(name)
                continue
            outputs: dict[str, str] = {}
            if "run" in step:
                if name in SKIPPED_STEPS:
                    assert step["run"].strip() == SKIPPED_STEPS[name]
                    run.skipped_steps.append(name)
                    continue
                env = {k: to_text(evaluate(v, context, functions)) for k, v in step.get("env", {}).items()}
                ok, outputs = self.shell(step["run"], workspace, env, runner_temp, summary, run.log, name)
            else:
                ok, outputs = self.action(step, context, functions, workspace, run)
            if "id" in step:
                steps[step["id"]] = {"outputs": outputs}
            run.ok = run.ok and ok
        run.summary = summary.read_text(encoding="utf-8")
        for key, path in run.cache_saves if run.ok else ():  # actions/cache's post step
            if key not in self.caches and path.exists():
                stored = self.temp / "actions-cache" / f"{len(self.caches)}"
                shutil.copytree(path, stored, symlinks=True)
                self.caches[key] = stored
        context = self.context(needs, matrix, steps)
        run.outputs = {
            key: to_text(evaluate(value, context, self.functions(ok=run.ok)))
            for key, value in job.get("outputs", {}).items()
        }
        return run

    def shell(  # noqa: PLR0913
        self,
        script: str,
        workspace: Path,
        step_env: dict[str, str],
        runner_temp: Path,
        summary: Path,
        log: list[str],
        name: str,
    ) -> tuple[bool, dict[str, str]]:
        output_file = runner_temp / "github-output"
        output_file.write_text("")
        script_file = runner_temp / "step.sh"
        script_file.write_text(script, encoding="utf-8")
        env = tool_env(
            {
                **self.env,
                **{k: to_text(v) for k, v in self.workflow.get("env", {}).items()},
                **step_env,
                "GITHUB_OUTPUT": str(output_file),
                "GITHUB_STEP_SUMMARY": str(summary),
                "GITHUB_WORKSPACE": str(workspace),
                "RUNNER_TEMP": str(runner_temp),
                "CI": "true",
            }
        )
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        log.append(f"== {name} (exit {result.returncode})\n{result.stdout}\n{result.stderr}")
        return result.returncode == 0, parse_github_output(output_file.read_text(encoding="utf-8"))

    def restore_cache(
        self, inputs: dict[str, Any], workspace: Path, run: JobRun
    ) -> tuple[bool, dict[str, str]]:
        """actions/cache: the exact key, else the newest entry starting with a restore key."""
        key = to_text(inputs["key"])
        path = workspace / to_text(inputs["path"])
        prefixes = [p.strip() for p in to_text(inputs.get("restore-keys")).splitlines() if p.strip()]
        matched = key if key in self.caches else None
        for prefix in prefixes if matched is None else ():
            found = [k for k in self.caches if k.startswith(prefix)]
            if found:
                matched = found[-1]
                break
        if matched is not None:
            shutil.copytree(self.caches[matched], path, symlinks=True, dirs_exist_ok=True)
            run.restored_keys.append(matched)
        if matched != key:
            run.cache_saves.append((key, path))
        return True, {"cache-hit": str(matched == key).lower(), "cache-matched-key": matched or ""}

    def action(  # noqa: C901 - one branch per emulated action
        self,
        step: dict[str, Any],
        context: dict[str, Any],
        functions: dict[str, Any],
        workspace: Path,
        run: JobRun,
    ) -> tuple[bool, dict[str, str]]:
        action = step["uses"].split("@")[0]
        inputs = {k: evaluate(v, context, functions) for k, v in step.get("with", {}).items()}
        if action == "actions/checkout":
            assert inputs.get("persist-credentials") is False
            if not (workspace / ".git").exists():
                git(self.origin.parent, "clone", "-q", str(self.origin), str(workspace))
            ref = to_text(inputs.get("ref")) or self.github["sha"]
            git(workspace, "checkout", "-q", ref)
            return True, {}
        if action == "actions/setup-python":
            versions = to_text(inputs["python-version"]).split()
            assert versions, "setup-python without a version"
            if "cache" in inputs:  # the pip cache is keyed on the hashed tool lock
                assert inputs["cache"] == "pip"
                assert (workspace / to_text(inputs["cache-dependency-path"])).is_file()
            return True, {"python-version": platform.python_version()}
        if action == "actions/cache":
            return self.restore_cache(inputs, workspace, run)
        if action == "actions/upload-artifact":
            paths = [workspace / p.strip() for p in to_text(inputs["path"]).splitlines() if p.strip()]
            existing = [p for p in paths if p.exists()]
            run.uploads[to_text(inputs["name"])] = existing
            if existing:
                self.artifacts[to_text(inputs["name"])] = existing[0]
            return bool(existing) or inputs.get("if-no-files-found") != "error", {}
        if action == "actions/download-artifact":
            source = self.artifacts[to_text(inputs["name"])]
            shutil.copytree(source, to_text(inputs["path"]), dirs_exist_ok=True)
            return True, {}
        if action == "actions/create-github-app-token":
            assert inputs["app-id"], "App token without an App id"
            assert inputs["private-key"], "App token without a private key"
            assert inputs["permission-contents"] == "write"
            return True, {"token": "minted-app-token"}
        if action == "github/codeql-action/upload-sarif":
            sarif = json.loads((workspace / to_text(inputs["sarif_file"])).read_text(encoding="utf-8"))
            assert sarif["runs"], "empty SARIF"
            run.uploads["sarif"] = [workspace / to_text(inputs["sarif_file"])]
            return True, {}
        raise ExpressionError(f"the emulator does not know the action {action}")


def parse_github_output(text: str) -> dict[str, str]:
    """Read a ``$GITHUB_OUTPUT`` file, including ``key<<DELIMITER`` blocks."""
    outputs: dict[str, str] = {}
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, index + 1)
            outputs[key] = "\n".join(lines[index + 1 : end])
            index = end + 1
        elif "=" in line:
            key, value = line.split("=", 1)
            outputs[key] = value
            index += 1
        else:
            index += 1
    return outputs


def hermetic_env(wheelhouse: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """What a hermetic run needs besides the workflow's own env."""
    env = {
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheelhouse),
        "UV_NO_CONFIG": "1",
        "UV_OFFLINE": "1",
        "UV_NO_INDEX": "1",
        "UV_FIND_LINKS": str(wheelhouse),
    }
    env.update(extra or {})
    return env
