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

import yaml

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
    name: str = ""
    """The check name GitHub shows (and branch protection requires), evaluated like GitHub does."""


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
    saved_keys: list[str] = field(default_factory=list)
    """Keys actions/cache/save stored (actions/cache's post-step saves are in the runner's caches)."""
    permissions: dict[str, str] = field(default_factory=dict)


SKIPPED_STEPS = {
    "Install nox-support": "python -m pip install --require-hashes -r .github/tools/requirements.txt\n"
    'if [ "$SOURCE" = checkout ]; then\n'
    "  python -m pip install --no-deps --no-build-isolation .\n"
    "fi"
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
    """This run's artifacts by name (a name can be uploaded once per run), laid out as GitHub does."""
    caches: dict[tuple[str, str], Path] = field(default_factory=dict)
    """actions/cache entries by (scope, key), in the order they were saved (entries are immutable).

    The scope is the ref the saving run ran for: a run restores from its own ref's entries, then
    from the default branch's, never from another branch's or pull request's."""
    code_scanning: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    """Accepted SARIF uploads: (ref, categories)."""
    api_calls: list[str] = field(default_factory=list)
    """GitHub API calls the emulated actions made (code scanning uploads, artifact downloads)."""

    def __post_init__(self) -> None:
        # The emulator runs every step as `bash -eo pipefail`: the workflow must say so too.
        assert self.workflow.get("defaults", {}).get("run", {}).get("shell") == "bash"

    @property
    def fork(self) -> bool:
        """A pull request from another repository: read-only token, no secrets, no variables' writes."""
        pull = (self.github.get("event") or {}).get("pull_request") or {}
        head = ((pull.get("head") or {}).get("repo") or {}).get("full_name")
        return self.github.get("event_name") == "pull_request" and head not in (
            None,
            self.github.get("repository"),
        )

    @property
    def scope(self) -> str:
        """The ref whose caches this run saves to (``refs/pull/<n>/merge`` for pull requests)."""
        return to_text(self.github.get("ref")) or "refs/heads/" + self.default_branch

    @property
    def default_branch(self) -> str:
        return to_text(
            ((self.github.get("event") or {}).get("repository") or {}).get("default_branch") or "main"
        )

    def permissions(self, job: dict[str, Any]) -> dict[str, str]:
        """The job's token permissions as GitHub grants them: a fork's pull request only reads."""
        declared = job.get("permissions", self.workflow.get("permissions", {})) or {}
        assert isinstance(declared, dict), "permissions must be listed per scope"
        if self.fork:
            return {scope: "read" for scope, level in declared.items() if level in {"read", "write"}}
        return {scope: str(level) for scope, level in declared.items()}

    def run_job(self, job_id: str, needs: dict[str, JobResult]) -> JobResult:
        job = self.workflow["jobs"][job_id]
        needs_context = {name: {"result": r.result, "outputs": r.outputs} for name, r in needs.items()}
        declared = job.get("needs", [])
        declared = [declared] if isinstance(declared, str) else declared
        assert set(declared) <= set(needs), f"{job_id} needs {declared}"
        context = self.context(needs_context, {}, {})
        upstream_ok = all(needs[n].result == "success" for n in declared)
        functions = self.functions(ok=upstream_ok)
        name = job.get("name", job_id)
        if "matrix." not in to_text(name):
            name = to_text(evaluate(name, context, functions))
        if not condition(job.get("if"), context, functions):
            return JobResult("skipped", name=name)
        matrix = evaluate(job.get("strategy", {}).get("matrix"), context, functions)
        entries = matrix["include"] if matrix else [{}]
        assert len(entries) <= 256, f"{job_id}: GitHub refuses a matrix of {len(entries)} jobs"
        runs = [
            self.run_entry(job_id, job, index, entry, needs_context) for index, entry in enumerate(entries)
        ]
        result = JobResult("success" if all(r.ok for r in runs) else "failure", runs=runs, name=name)
        if len(runs) == 1:
            result.outputs = runs[0].outputs
            size = sum(
                len(k.encode("utf-16-le")) + len(v.encode("utf-16-le")) for k, v in result.outputs.items()
            )
            if size > JOB_OUTPUTS_LIMIT:  # GitHub fails the job
                result.result = "failure"
        return result

    def workflow_env(self) -> dict[str, str]:
        """The workflow's ``env``, evaluated (it may read ``github`` and ``vars``)."""
        context = {
            "github": self.github,
            "vars": self.variables,
            "secrets": {} if self.fork else self.secrets,
        }
        functions = self.functions(ok=True)
        return {k: to_text(evaluate(v, context, functions)) for k, v in self.workflow.get("env", {}).items()}

    def context(self, needs: dict[str, Any], matrix: dict[str, Any], steps: dict[str, Any]) -> dict[str, Any]:
        return {
            "github": self.github,
            "env": self.workflow_env(),
            "needs": needs,
            "matrix": matrix,
            "steps": steps,
            "runner": {"os": "Linux", "arch": "X64", "temp": str(self.temp)},
            # A fork's pull request gets no secrets (GITHUB_TOKEN aside, read-only).
            "secrets": {} if self.fork else self.secrets,
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
        run.permissions = self.permissions(job)
        defaults = job.get("defaults", {}).get("run", {})
        directory = to_text(
            evaluate(
                defaults.get("working-directory", "."),
                self.context(needs, matrix, {}),
                self.functions(ok=True),
            )
        )
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
                cwd = workspace / to_text(
                    evaluate(step.get("working-directory", directory), context, functions)
                )
                assert cwd.is_dir(), f"{name}: working directory {cwd} does not exist"
                ok, outputs = self.shell(step["run"], cwd, env, runner_temp, summary, run.log, name)
            else:
                ok, outputs = self.action(step, context, functions, workspace, run)
            outcome = "success" if ok else "failure"
            may_fail = truthy(evaluate(step.get("continue-on-error", False), context, functions))
            if "id" in step:
                conclusion = "success" if may_fail else outcome
                steps[step["id"]] = {"outputs": outputs, "outcome": outcome, "conclusion": conclusion}
            run.ok = run.ok and (ok or may_fail)
        run.summary = summary.read_text(encoding="utf-8")
        for key, path in run.cache_saves if run.ok else ():  # actions/cache's post step
            if (self.scope, key) not in self.caches and path.exists():
                stored = self.temp / "actions-cache" / f"{len(self.caches)}"
                shutil.copytree(path, stored, symlinks=True)
                self.caches[self.scope, key] = stored
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
                **self.workflow_env(),
                **step_env,
                "GITHUB_OUTPUT": str(output_file),
                "GITHUB_STEP_SUMMARY": str(summary),
                "GITHUB_WORKSPACE": str(self.workspace_of(workspace)),
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

    def workspace_of(self, cwd: Path) -> Path:
        """The job's workspace for a working directory inside it."""
        for parent in (cwd, *cwd.parents):
            if parent.name == "workspace" and parent.parent.parent == self.temp:
                return parent
        return cwd

    def restore_cache(
        self, inputs: dict[str, Any], workspace: Path, run: JobRun, *, post_save: bool = True
    ) -> tuple[bool, dict[str, str]]:
        """actions/cache: the exact key, else the newest entry starting with a restore key.

        With *post_save* (``actions/cache``, not ``actions/cache/restore``) the job's post step
        saves the path under the key when the job succeeded and the key was not hit exactly."""
        key = to_text(inputs["key"])
        path = (workspace / to_text(inputs["path"])).resolve()
        assert path.is_relative_to(workspace.resolve()), f"cache path {inputs['path']!r} leaves the workspace"
        prefixes = [p.strip() for p in to_text(inputs.get("restore-keys")).splitlines() if p.strip()]
        # GitHub's order: the exact key, then each restore key, each first in the run's own scope
        # and then in the default branch's.
        scopes = list(dict.fromkeys((self.scope, "refs/heads/" + self.default_branch)))
        matched: tuple[str, str] | None = None
        for wanted in (key, *prefixes):
            for scope in scopes:
                found = [
                    entry
                    for entry in self.caches
                    if entry[0] == scope
                    and (entry[1] == key if wanted == key else entry[1].startswith(wanted))
                ]
                if found and matched is None:
                    matched = found[-1]
        if matched is not None:
            shutil.copytree(self.caches[matched], path, symlinks=True, dirs_exist_ok=True)
            run.restored_keys.append(matched[1])
        matched_key = None if matched is None else matched[1]
        if matched_key != key and post_save:
            run.cache_saves.append((key, path))
        outputs = {"cache-hit": str(matched_key == key).lower(), "cache-matched-key": matched_key or ""}
        return True, {**outputs, "cache-primary-key": key}

    def save_cache(self, inputs: dict[str, Any], workspace: Path, run: JobRun) -> bool:
        """actions/cache/save: saves at once in the run's scope; an existing key or a missing path
        is a warning (entries are immutable), never a failure."""
        key = to_text(inputs["key"])
        assert key, "a cache key must not be empty"
        assert "," not in key, f"a cache key cannot hold a comma: {key!r}"
        assert len(key) <= 512, f"a cache key has at most 512 characters: {key!r}"
        path = (workspace / to_text(inputs["path"])).resolve()
        assert path.is_relative_to(workspace.resolve()), f"cache path {inputs['path']!r} leaves the workspace"
        if (self.scope, key) in self.caches:
            run.log.append(f"== actions/cache/save: warning: cache entry {key} already exists")
        elif not path.exists():
            run.log.append(f"== actions/cache/save: warning: path {inputs['path']} does not exist")
        else:
            stored = self.temp / "actions-cache" / f"{len(self.caches)}"
            shutil.copytree(path, stored, symlinks=True)
            self.caches[self.scope, key] = stored
            run.saved_keys.append(key)
        return True

    def action(  # noqa: C901, PLR0912 - one branch per emulated action
        self,
        step: dict[str, Any],
        context: dict[str, Any],
        functions: dict[str, Any],
        workspace: Path,
        run: JobRun,
    ) -> tuple[bool, dict[str, str]]:
        action = step["uses"].split("@")[0]
        inputs = {k: evaluate(v, context, functions) for k, v in step.get("with", {}).items()}
        if action.startswith("./"):
            return self.local_action(action, inputs, context, workspace, run)
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
        if action == "actions/cache/restore":
            return self.restore_cache(inputs, workspace, run, post_save=False)
        if action == "actions/cache/save":
            return self.save_cache(inputs, workspace, run), {}
        if action == "actions/upload-artifact":
            return self.upload_artifact(inputs, workspace, run), {}
        if action == "actions/download-artifact":
            return self.download_artifact(inputs, workspace, run), {}
        if action == "actions/create-github-app-token":
            assert inputs["app-id"], "App token without an App id"
            assert inputs["permission-contents"] == "write"
            if not inputs.get("private-key"):  # a fork's pull request gets no secrets
                run.log.append("== create-github-app-token: no private key (secret missing)")
                return False, {}
            return True, {"token": "minted-app-token"}
        if action == "github/codeql-action/upload-sarif":
            return self.upload_sarif(inputs, workspace, run), {}
        raise ExpressionError(f"the emulator does not know the action {action}")

    def local_action(
        self, action: str, inputs: dict[str, Any], context: dict[str, Any], workspace: Path, run: JobRun
    ) -> tuple[bool, dict[str, str]]:
        """A composite action of the checked-out repository (so the checkout must come first)."""
        path = workspace / action / "action.yml"
        assert path.is_file(), f"{action}: no action.yml in the workspace (check the repository out first)"
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert spec["runs"]["using"] == "composite"
        declared = spec.get("inputs", {})
        assert set(inputs) <= set(declared), f"{action}: unknown inputs {set(inputs) - set(declared)}"
        values = {name: to_text(inputs.get(name, d.get("default", ""))) for name, d in declared.items()}
        missing = [name for name, d in declared.items() if d.get("required") and not values[name]]
        assert not missing, f"{action}: required inputs missing: {missing}"
        # Inside a composite action, `steps` is the action's own steps.
        own_steps: dict[str, Any] = {}
        inner = {**context, "inputs": values, "steps": own_steps}
        home = workspace.parent
        for number, step in enumerate(spec["runs"]["steps"]):
            name = step.get("name") or step.get("uses") or f"{action} step {number}"
            functions = self.functions(ok=run.ok, workspace=workspace)
            if not condition(step.get("if"), inner, functions):
                if "id" in step:
                    own_steps[step["id"]] = {"outputs": {}, "outcome": "skipped", "conclusion": "skipped"}
                run.skipped_steps.append(name)
                continue
            if "run" in step:
                assert step.get("shell") == "bash", f"{action}: a composite run step must say shell: bash"
                if name in SKIPPED_STEPS:
                    assert step["run"].strip() == SKIPPED_STEPS[name]
                    run.skipped_steps.append(name)
                    continue
                env = {k: to_text(evaluate(v, inner, functions)) for k, v in step.get("env", {}).items()}
                ok, outputs = self.shell(
                    step["run"], workspace, env, home / "runner-temp", home / "summary.md", run.log, name
                )
            else:
                ok, outputs = self.action(step, inner, functions, workspace, run)
            if "id" in step:
                outcome = "success" if ok else "failure"
                own_steps[step["id"]] = {"outputs": outputs, "outcome": outcome, "conclusion": outcome}
            if not ok:
                return False, {}
        return True, {}

    def upload_artifact(self, inputs: dict[str, Any], workspace: Path, run: JobRun) -> bool:
        """actions/upload-artifact v4: one name per run; the paths' common ancestor is the root."""
        name = to_text(inputs["name"])
        paths = [workspace / p.strip() for p in to_text(inputs["path"]).splitlines() if p.strip()]
        existing = [p for p in paths if p.exists()]
        run.uploads[name] = existing
        if not existing:
            return inputs.get("if-no-files-found") != "error"
        if name in self.artifacts:  # GitHub: "an artifact with this name already exists"
            run.log.append(f"== upload-artifact: an artifact named {name} already exists in this run")
            return False
        root = Path(
            os.path.commonpath([p if p.is_dir() and len(existing) == 1 else p.parent for p in existing])
        )
        stored = self.temp / "artifacts" / name
        for path in existing:
            target = stored / path.relative_to(root) if path != root else stored
            if path.is_dir():
                shutil.copytree(path, target, dirs_exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
        self.artifacts[name] = stored
        return True

    def download_artifact(self, inputs: dict[str, Any], workspace: Path, run: JobRun) -> bool:
        """By name into the path, or every artifact matching a pattern into path/<name>/."""
        target = workspace / to_text(inputs["path"])
        if "name" in inputs:
            self.api_calls.append(f"download-artifact {inputs['name']}")
            if to_text(inputs["name"]) not in self.artifacts:
                run.log.append(f"== download-artifact: no artifact named {inputs['name']}")
                return False
            shutil.copytree(self.artifacts[to_text(inputs["name"])], target, dirs_exist_ok=True)
            return True
        pattern = to_text(inputs["pattern"])
        merge = truthy(inputs.get("merge-multiple"))
        for name, stored in self.artifacts.items():
            if fnmatch.fnmatchcase(name, pattern):
                self.api_calls.append(f"download-artifact {name}")
                shutil.copytree(stored, target if merge else target / name, dirs_exist_ok=True)
        return True

    def upload_sarif(self, inputs: dict[str, Any], workspace: Path, run: JobRun) -> bool:
        """codeql-action/upload-sarif: needs security-events: write; at most 20 runs with unique
        categories per upload, each run needing a category when the input gives none."""
        if run.permissions.get("security-events") != "write":
            run.log.append("== upload-sarif: Resource not accessible by integration (security-events)")
            return False
        path = workspace / to_text(inputs["sarif_file"])
        sarif = json.loads(path.read_text(encoding="utf-8"))
        runs = sarif["runs"]
        categories = [to_text((r.get("automationDetails") or {}).get("id")) for r in runs]
        problem = None
        if not runs:
            problem = "no runs"
        elif len(runs) > SARIF_RUNS_PER_UPLOAD:
            problem = (
                f"{len(runs)} runs, but code scanning accepts at most {SARIF_RUNS_PER_UPLOAD} per upload"
            )
        elif len(set(categories)) != len(categories) or "" in categories:
            problem = "runs of one upload need distinct categories"
        if problem is not None:
            run.log.append(f"== upload-sarif: {problem}")
            return False
        run.uploads["sarif"] = [path]
        self.code_scanning.append((self.scope, tuple(categories)))
        # One upload, then polling its processing status (at least one more call).
        self.api_calls += [f"upload-sarif {path.name}", f"sarif status {path.name}"]
        return True


SARIF_RUNS_PER_UPLOAD = 20
"""Code scanning rejects an upload with more runs."""


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
