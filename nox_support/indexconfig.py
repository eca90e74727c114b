"""Where the venv syncs download packages from: the index configuration the lock's compiler used.

Locks compile with pip-tools (which reads pip's configuration: ``pip.conf`` files and ``PIP_*``
variables) or with uv (which reads its own: ``UV_*`` variables and the user's ``uv.toml``), while
the venvs of ``audit``, ``tests``, ``sbom`` and ``licenses`` are synced by uv.  So that a sync finds
what the compile found, the sync is told the compiler's configuration explicitly:

- :class:`PipIndexConfig` (compiler ``pip-tools``): pip's *effective* settings, read by pip's own
  option parser exactly as pip-compile reads them (``create_command("install").parse_args``,
  :func:`nox_support._compat.pip_install_options`), so files, ``PIP_CONFIG_FILE``, section
  precedence, environment variables and list splitting are pip's, never re-implemented.  They are
  handed to uv as arguments (:func:`uv_arguments`), and the ``UV_*`` variables that name indexes
  are removed from uv's environment (:func:`uv_environment`): the compiler never saw them.
- :class:`UvUserConfig` (compiler ``uv``): uv's own configuration, minus every file inside the
  repository: ``UV_*`` variables stay (the environment is the user's), and the user-level
  ``uv.toml`` (``$XDG_CONFIG_HOME/uv/uv.toml`` or ``~/.config/uv/uv.toml``, else the system-level
  ``/etc/uv/uv.toml``) is passed with ``--config-file``.

Every uv command of a sync runs with ``--no-config``: a ``uv.toml`` or ``[tool.uv]`` committed in the
repository (at its root or in a service directory, found by uv from the working directory) can never
change where packages come from or whether they are verified.  Verification itself is not
configuration: the sync passes ``--require-hashes``, which no setting (``verify-hashes = false``,
``UV_NO_VERIFY_HASHES``) weakens.

Credentials: keep them in ``~/.netrc`` or a keyring (pip's ``keyring-provider = subprocess`` is
handed on).  A URL that still embeds one is passed as written; every command shown in a log or an
error goes through :mod:`nox_support.core.redact` first.  Pure apart from :func:`user_uv_config` and
:func:`read_index_config`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nox_support import _compat

if TYPE_CHECKING:
    from collections.abc import Mapping

PIP_DEFAULT_INDEX = "https://pypi.org/simple"

# uv's variables that say where packages come from: the sync of a pip-tools lock drops them.
# (UV_KEYRING_PROVIDER stays: it says how to authenticate, not where to look.)
UV_INDEX_VARIABLES = (
    "UV_CONFIG_FILE",
    "UV_DEFAULT_INDEX",
    "UV_EXTRA_INDEX_URL",
    "UV_FIND_LINKS",
    "UV_INDEX",
    "UV_INDEX_STRATEGY",
    "UV_INDEX_URL",
    "UV_INSECURE_HOST",
    "UV_NO_INDEX",
)


@dataclass(frozen=True)
class PipIndexConfig:
    """pip's effective index settings (what pip-compile resolved against)."""

    index_url: str = PIP_DEFAULT_INDEX
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    no_index: bool = False
    trusted_hosts: tuple[str, ...] = ()
    cert: str | None = None
    """pip's ``cert``: a CA bundle, handed to uv as ``SSL_CERT_FILE``."""
    client_cert: str | None = None
    """pip's ``client-cert``, handed to uv as ``SSL_CLIENT_CERT``."""
    keyring_provider: str = "auto"


@dataclass(frozen=True)
class UvUserConfig:
    """uv's own configuration outside the repository: ``UV_*`` variables and the user's ``uv.toml``."""

    config_file: Path | None = None


IndexConfig = PipIndexConfig | UvUserConfig


def uv_arguments(config: IndexConfig) -> tuple[str, ...]:
    """The uv options that carry *config* (pure); ``--no-config`` is always first."""
    if isinstance(config, UvUserConfig):
        return (
            ("--no-config",)
            if config.config_file is None
            else ("--no-config", "--config-file", str(config.config_file))
        )
    args = ["--no-config"]
    if config.no_index:
        args.append("--no-index")
    else:
        args += ["--index-url", config.index_url]
        args += [arg for url in config.extra_index_urls for arg in ("--extra-index-url", url)]
        # pip merges every index and takes the best match; hashes already fix the files.
        args += ["--index-strategy", "unsafe-best-match"]
    args += [arg for location in config.find_links for arg in ("--find-links", location)]
    args += [arg for host in config.trusted_hosts for arg in ("--allow-insecure-host", host)]
    if config.keyring_provider == "subprocess":
        args += ["--keyring-provider", "subprocess"]
    return tuple(args)


def describe(config: IndexConfig) -> str:
    """Where *config* comes from, for a log line that must not show the machine's settings (pure)."""
    if isinstance(config, UvUserConfig):
        return "index settings of uv" + ("" if config.config_file is None else " and the user's uv.toml")
    return "index settings of pip"


def uv_environment(config: IndexConfig, environ: Mapping[str, str]) -> dict[str, str]:
    """The environment of uv for *config*, from *environ* (pure).

    For a pip-tools lock the ``UV_*`` index variables are dropped and pip's certificates are set;
    uv's own configuration keeps the environment as it is.
    """
    if isinstance(config, UvUserConfig):
        return dict(environ)
    env = {k: v for k, v in environ.items() if k not in UV_INDEX_VARIABLES}
    if config.cert:
        env["SSL_CERT_FILE"] = config.cert
    if config.client_cert:
        env["SSL_CLIENT_CERT"] = config.client_cert
    return env


def pip_index_config(options: object) -> PipIndexConfig:
    """:class:`PipIndexConfig` from the options pip's install command parsed (pure)."""
    return PipIndexConfig(
        index_url=str(getattr(options, "index_url", None) or PIP_DEFAULT_INDEX),
        extra_index_urls=_strings(getattr(options, "extra_index_urls", None)),
        find_links=_strings(getattr(options, "find_links", None)),
        no_index=bool(getattr(options, "no_index", False)),
        trusted_hosts=_strings(getattr(options, "trusted_hosts", None)),
        cert=_optional(getattr(options, "cert", None)),
        client_cert=_optional(getattr(options, "client_cert", None)),
        keyring_provider=str(getattr(options, "keyring_provider", None) or "auto"),
    )


def user_uv_config(environ: Mapping[str, str], home: Path) -> Path | None:
    """The uv.toml uv reads outside any project, as uv finds it; ``None`` when there is none.

    ``UV_CONFIG_FILE`` stays in the environment and needs no ``--config-file`` of its own.
    """
    if environ.get("UV_CONFIG_FILE"):
        return None
    config_home = environ.get("XDG_CONFIG_HOME") or str(home / ".config")
    candidates = [Path(config_home) / "uv" / "uv.toml"]
    dirs = environ.get("XDG_CONFIG_DIRS") or "/etc/xdg"
    candidates += [Path(d) / "uv" / "uv.toml" for d in dirs.split(os.pathsep) if d]
    candidates.append(Path("/etc/uv/uv.toml"))
    return next((path for path in candidates if path.is_file()), None)


def read_index_config(compiler: str) -> IndexConfig:
    """The index configuration of *compiler* (``pip-tools`` or ``uv``) on this machine, now."""
    if compiler == "uv":
        return UvUserConfig(user_uv_config(os.environ, Path.home()))
    return pip_index_config(_compat.pip_install_options())


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)):
        return ()
    return tuple(str(item) for item in value)


def _optional(value: object) -> str | None:
    return str(value) if value else None
