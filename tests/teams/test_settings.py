"""Teams settings: defaults, validation per app type, and errors that name the variable."""

from __future__ import annotations

import pytest

from adapters.teams.settings import MIB, TeamsSettings, load_teams_settings
from bot.settings import SettingsError
from tests.teams.conftest import APP_ID, TENANT

VARIABLES = (
    "MICROSOFT_APP_ID",
    "MICROSOFT_APP_PASSWORD",
    "MICROSOFT_APP_TYPE",
    "MICROSOFT_APP_TENANT_ID",
    "TEAMS_MAX_BODY_BYTES",
    "TEAMS_OPENID_METADATA_URL",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(str(tmp_path))  # no .env file from the checkout


def test_the_defaults_leave_authentication_off() -> None:
    settings = load_teams_settings()

    assert settings == TeamsSettings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.auth_enabled, settings.teams_max_body_bytes) == (False, MIB)
    assert settings.microsoft_app_type == "MultiTenant"


def test_a_complete_multi_tenant_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    monkeypatch.setenv("MICROSOFT_APP_PASSWORD", "s3cret-value")
    monkeypatch.setenv("MICROSOFT_APP_TYPE", "multitenant")

    settings = load_teams_settings()

    assert (settings.auth_enabled, settings.microsoft_app_type) == (True, "MultiTenant")


def test_single_tenant_needs_the_tenant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    monkeypatch.setenv("MICROSOFT_APP_PASSWORD", "s3cret-value")
    monkeypatch.setenv("MICROSOFT_APP_TYPE", "SingleTenant")

    with pytest.raises(SettingsError, match="MICROSOFT_APP_TENANT_ID"):
        load_teams_settings()
    monkeypatch.setenv("MICROSOFT_APP_TENANT_ID", TENANT)
    assert load_teams_settings().microsoft_app_tenant_id == TENANT


def test_managed_identity_needs_no_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    monkeypatch.setenv("MICROSOFT_APP_TYPE", "UserAssignedMSI")
    monkeypatch.setenv("MICROSOFT_APP_TENANT_ID", TENANT)

    assert load_teams_settings().microsoft_app_password is None


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("MICROSOFT_APP_TYPE", "Sometimes", "MICROSOFT_APP_TYPE"),
        ("MICROSOFT_APP_ID", "my-bot", "MICROSOFT_APP_ID"),
        ("TEAMS_MAX_BODY_BYTES", "10", "TEAMS_MAX_BODY_BYTES"),
        ("TEAMS_OPENID_METADATA_URL", "file:///etc/passwd", "TEAMS_OPENID_METADATA_URL"),
    ],
)
def test_a_bad_value_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(SettingsError, match=named):
        load_teams_settings()


def test_an_app_id_without_password_is_refused_and_no_secret_is_echoed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)

    with pytest.raises(SettingsError, match="MICROSOFT_APP_PASSWORD") as caught:
        load_teams_settings()
    monkeypatch.setenv("MICROSOFT_APP_PASSWORD", "x")
    monkeypatch.setenv("MICROSOFT_APP_TYPE", "SingleTenant")
    with pytest.raises(SettingsError) as again:
        load_teams_settings()

    assert "s3cret" not in str(caught.value)
    assert "'x'" not in str(again.value)


def test_blank_values_count_as_not_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", "  ")
    monkeypatch.setenv("MICROSOFT_APP_PASSWORD", "")

    assert load_teams_settings().auth_enabled is False
