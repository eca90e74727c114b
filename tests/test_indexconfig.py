"""nox_support.indexconfig: the compiler's index configuration, handed to uv (no subprocess here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nox_support import _compat
from nox_support.core.errors import ConfigError
from nox_support.indexconfig import (
    PipIndexConfig,
    UvUserConfig,
    describe,
    pip_index_config,
    read_index_config,
    user_uv_config,
    uv_arguments,
    uv_environment,
)
from nox_support.venv.sync import lock_compiler

DIGEST_LINE = (
    "# nox-support-inputs: sha256={h} body={h} python=3.11 compiler={compiler} options=abc "
    "compiled-by=x requirements.in=abc"
)


def test_pip_defaults_become_pypi_with_pips_index_merging() -> None:
    assert uv_arguments(PipIndexConfig()) == (
        "--no-config",
        "--index-url",
        "https://pypi.org/simple",
        "--index-strategy",
        "unsafe-best-match",
    )


def test_every_pip_index_setting_has_its_uv_option() -> None:
    config = PipIndexConfig(
        index_url="https://private.example/simple",
        extra_index_urls=("https://a.example/simple", "https://b.example/simple"),
        find_links=("/srv/wheels", "https://c.example/links"),
        trusted_hosts=("a.example", "c.example:8080"),
        keyring_provider="subprocess",
    )
    assert uv_arguments(config) == (
        "--no-config",
        "--index-url",
        "https://private.example/simple",
        "--extra-index-url",
        "https://a.example/simple",
        "--extra-index-url",
        "https://b.example/simple",
        "--index-strategy",
        "unsafe-best-match",
        "--find-links",
        "/srv/wheels",
        "--find-links",
        "https://c.example/links",
        "--allow-insecure-host",
        "a.example",
        "--allow-insecure-host",
        "c.example:8080",
        "--keyring-provider",
        "subprocess",
    )


def test_no_index_keeps_only_find_links() -> None:
    config = PipIndexConfig(
        index_url="https://private.example/simple",
        extra_index_urls=("https://a.example/simple",),
        find_links=("/srv/wheels",),
        no_index=True,
    )
    assert uv_arguments(config) == ("--no-config", "--no-index", "--find-links", "/srv/wheels")


def test_uvs_own_configuration_is_its_user_file_never_the_repositorys() -> None:
    assert uv_arguments(UvUserConfig()) == ("--no-config",)
    user = Path("/home/dev/.config/uv/uv.toml")
    assert uv_arguments(UvUserConfig(user)) == ("--no-config", "--config-file", str(user))


def test_logs_name_where_the_settings_come_from_never_the_settings() -> None:
    assert describe(PipIndexConfig(index_url="https://u:p@private.example/simple")) == "index settings of pip"
    assert describe(UvUserConfig()) == "index settings of uv"
    assert describe(UvUserConfig(Path("/home/dev/.config/uv/uv.toml"))) == (
        "index settings of uv and the user's uv.toml"
    )


def test_a_pip_tools_lock_syncs_without_uvs_index_variables_and_with_pips_certificates() -> None:
    environ = {
        "UV_INDEX_URL": "https://elsewhere.example/simple",
        "UV_DEFAULT_INDEX": "https://elsewhere.example/simple",
        "UV_EXTRA_INDEX_URL": "https://x.example",
        "UV_INDEX": "x=https://x.example",
        "UV_FIND_LINKS": "/srv/links",
        "UV_NO_INDEX": "1",
        "UV_CONFIG_FILE": "/srv/uv.toml",
        "UV_CACHE_DIR": "/srv/cache",
        "HTTPS_PROXY": "http://proxy.example:3128",
        "PATH": "/usr/bin",
    }
    env = uv_environment(PipIndexConfig(cert="/etc/ssl/corp.pem", client_cert="/etc/ssl/me.pem"), environ)
    assert env == {
        "UV_CACHE_DIR": "/srv/cache",
        "HTTPS_PROXY": "http://proxy.example:3128",
        "PATH": "/usr/bin",
        "SSL_CERT_FILE": "/etc/ssl/corp.pem",
        "SSL_CLIENT_CERT": "/etc/ssl/me.pem",
    }
    assert uv_environment(UvUserConfig(), environ) == environ


def test_pips_effective_configuration_is_read_as_pip_compile_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "pip.conf"
    config.write_text(
        "[global]\n"
        "index-url = https://global.example/simple\n"
        "extra-index-url =\n    https://one.example/simple\n    https://two.example/simple\n"
        "trusted-host = one.example\n"
        "[install]\n"
        "index-url = https://install.example/simple\n"
        "find-links = /srv/wheels\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PIP_CONFIG_FILE", str(config))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-user-config"))
    monkeypatch.setenv("HOME", str(tmp_path))
    read = read_index_config("pip-tools")
    assert read == PipIndexConfig(
        index_url="https://install.example/simple",  # [install] overrides [global]
        extra_index_urls=("https://one.example/simple", "https://two.example/simple"),
        find_links=("/srv/wheels",),
        trusted_hosts=("one.example",),
        # The machine-wide /etc/pip.conf cannot be hidden from pip (this machine's sets a CA bundle).
        cert=read.cert if isinstance(read, PipIndexConfig) else None,
    )

    # Variables override the files; lists are split on whitespace; booleans read as pip reads them.
    monkeypatch.setenv("PIP_INDEX_URL", "https://env.example/simple")
    monkeypatch.setenv("PIP_TRUSTED_HOST", "h1 h2:8080")
    monkeypatch.setenv("PIP_NO_INDEX", "yes")
    read = read_index_config("pip-tools")
    assert isinstance(read, PipIndexConfig)
    assert (read.index_url, read.trusted_hosts, read.no_index) == (
        "https://env.example/simple",
        ("h1", "h2:8080"),
        True,
    )


def test_an_invalid_pip_setting_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_NO_INDEX", "maybe")
    with pytest.raises(ConfigError, match="pip's configuration"):
        _compat.pip_install_options()


def test_pip_options_without_values_are_pips_defaults() -> None:
    class Options:
        index_url = None
        extra_index_urls = None
        find_links = ("/w",)
        no_index = False
        trusted_hosts = None
        cert = ""
        client_cert = None
        keyring_provider = None

    assert pip_index_config(Options()) == PipIndexConfig(find_links=("/w",))


def test_the_user_uv_toml_is_found_where_uv_looks(tmp_path: Path) -> None:
    home = tmp_path / "home"
    empty = {"XDG_CONFIG_DIRS": str(tmp_path / "nothing")}
    assert user_uv_config(empty, home) is None
    user = home / ".config" / "uv" / "uv.toml"
    user.parent.mkdir(parents=True)
    user.write_text('index-url = "https://private.example/simple"\n', encoding="utf-8")
    assert user_uv_config(empty, home) == user
    xdg = tmp_path / "xdg" / "uv" / "uv.toml"
    xdg.parent.mkdir(parents=True)
    xdg.write_text("", encoding="utf-8")
    assert user_uv_config({**empty, "XDG_CONFIG_HOME": str(tmp_path / "xdg")}, home) == xdg
    # UV_CONFIG_FILE stays in uv's environment: it needs no --config-file.
    assert user_uv_config({**empty, "UV_CONFIG_FILE": str(xdg)}, home) is None


def test_the_lock_names_the_compiler_whose_configuration_the_sync_uses() -> None:
    def lock(compiler: str) -> str:
        return "#\n" + DIGEST_LINE.format(h="0" * 64, compiler=compiler) + "\nalpha==1.0 --hash=sha256:x\n"

    assert lock_compiler([lock("uv==0.13.*")]) == "uv"
    assert lock_compiler([lock("pip-tools==7.*")]) == "pip-tools"
    assert lock_compiler(["alpha==1.0 --hash=sha256:x\n"]) == "pip-tools"
