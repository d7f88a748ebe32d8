"""Trend's Deep Security / Workload Security SDK (`deep-security-api==20.0.463`) as a real client
of the emulator's `/api`: the calls a key-management script makes, written the way Trend's
examples write them, each step a test of its own. What the SDK cannot parse, the emulator must
not send.
"""

from __future__ import annotations

import time

import deepsecurity
import pytest
from deepsecurity.rest import ApiException

from workload_fixtures import *  # noqa: F401,F403 (the `workload` fixture)
from workload_fixtures import WorkloadEmulator

API_VERSION = "v1"
DAY_MS = 24 * 60 * 60 * 1000


def client(emu: WorkloadEmulator, secret: str) -> deepsecurity.ApiClient:
    """An SDK client as Trend's examples configure one: `host` and `api-secret-key`."""
    configuration = deepsecurity.Configuration()
    configuration.host = emu.api_url
    configuration.api_key["api-secret-key"] = secret
    return deepsecurity.ApiClient(configuration)


def keys_api(emu: WorkloadEmulator, secret: str = "") -> deepsecurity.APIKeysApi:
    return deepsecurity.APIKeysApi(client(emu, secret or emu.token))


def find_role(emu: WorkloadEmulator, name: str) -> deepsecurity.Role:
    """The role with exactly this name, found with a search filter (wildcards off)."""
    criteria = deepsecurity.SearchCriteria()
    criteria.field_name = "name"
    criteria.string_test = "equal"
    criteria.string_value = name
    criteria.string_wildcards = False
    search_filter = deepsecurity.SearchFilter(max_items=1, search_criteria=[criteria])
    roles_api = deepsecurity.AdministratorRolesApi(client(emu, emu.token))
    found = roles_api.search_administrator_roles(API_VERSION, search_filter=search_filter)
    assert len(found.roles) == 1, f"role {name!r}: {found.roles}"
    return found.roles[0]


def new_key(emu: WorkloadEmulator, name: str = "ci-deploy", **fields) -> deepsecurity.ApiKey:
    """Create a key as Trend's example does: role id, locale, time zone, expiry in milliseconds."""
    role = find_role(emu, fields.pop("role", "Auditor"))
    api_key = deepsecurity.ApiKey()
    api_key.key_name = name
    api_key.description = fields.pop("description", "made by the SDK suite")
    api_key.role_id = role.id
    api_key.locale = fields.pop("locale", "en-US")
    api_key.time_zone = fields.pop("time_zone", "Asia/Tokyo")
    api_key.expiry_date = fields.pop("expiry_date", int(round(time.time() * 1000)) + 30 * DAY_MS)
    assert not fields, fields
    return keys_api(emu).create_api_key(api_key, API_VERSION)


def test_find_a_role_by_exact_name(workload):
    role = find_role(workload, "Auditor")
    assert (role.id, role.name, role.allow_web_service) == (2, "Auditor", True)
    assert role.rights.platform_rights.apikey_rights.can_view_api_keys is True
    assert role.rights.platform_rights.apikey_rights.can_create_new_api_keys is False
    # Wildcards are on unless turned off: a `%` pattern finds by prefix.
    criteria = deepsecurity.SearchCriteria(field_name="name", string_test="equal", string_value="Full%")
    roles_api = deepsecurity.AdministratorRolesApi(client(workload, workload.token))
    found = roles_api.search_administrator_roles(
        API_VERSION, search_filter=deepsecurity.SearchFilter(search_criteria=[criteria])
    )
    assert [r.name for r in found.roles] == ["Full Access"]


def test_create_a_key_with_role_locale_time_zone_and_expiry(workload):
    before = int(time.time() * 1000)
    expiry = before + 30 * DAY_MS
    key = new_key(workload, role="Key Manager", locale="ja-JP", time_zone="Europe/Berlin", expiry_date=expiry)
    assert isinstance(key, deepsecurity.ApiKey)
    assert isinstance(key.id, int) and key.id > 0
    assert key.secret_key.startswith(f"{key.id}:")
    assert (key.key_name, key.role_id, key.locale, key.time_zone) == ("ci-deploy", 3, "ja-JP", "Europe/Berlin")
    assert key.expiry_date == expiry
    assert key.active is True and key.service_account is False
    assert before - 1000 <= key.created <= int(time.time() * 1000) + 1000
    # The secret works at once.
    current = keys_api(workload, key.secret_key).describe_current_api_key(API_VERSION)
    assert current.id == key.id


def test_describe_shows_the_key_without_its_secret(workload):
    key = new_key(workload)
    described = keys_api(workload).describe_api_key(key.id, API_VERSION)
    assert described.secret_key is None
    assert (described.id, described.key_name, described.role_id) == (key.id, key.key_name, key.role_id)
    assert (described.description, described.expiry_date) == (key.description, key.expiry_date)


def test_modify_one_field_and_the_others_stay(workload):
    key = new_key(workload)
    change = deepsecurity.ApiKey()
    change.description = "rotated quarterly"
    modified = keys_api(workload).modify_api_key(key.id, change, API_VERSION)
    assert modified.description == "rotated quarterly"
    again = keys_api(workload).describe_api_key(key.id, API_VERSION)
    assert again.description == "rotated quarterly"
    assert (again.key_name, again.role_id, again.locale, again.time_zone, again.expiry_date, again.active) == (
        key.key_name,
        key.role_id,
        key.locale,
        key.time_zone,
        key.expiry_date,
        key.active,
    )
    assert modified.secret_key is None


def test_list_every_key_without_secrets(workload):
    made = {new_key(workload, name=f"list-{i}").id for i in range(3)}
    listed = keys_api(workload).list_api_keys(API_VERSION)
    assert {k.id for k in listed.api_keys} == made
    assert all(k.secret_key is None for k in listed.api_keys)
    # The same through a search: the keys of one name.
    criteria = deepsecurity.SearchCriteria(
        field_name="keyName", string_test="equal", string_value="list-1", string_wildcards=False
    )
    found = keys_api(workload).search_api_keys(
        API_VERSION, search_filter=deepsecurity.SearchFilter(search_criteria=[criteria])
    )
    assert [k.key_name for k in found.api_keys] == ["list-1"]


def test_replace_the_secret(workload):
    key = new_key(workload)
    replaced = keys_api(workload).replace_api_secret_key(key.id, API_VERSION)
    assert replaced.id == key.id
    assert replaced.secret_key and replaced.secret_key != key.secret_key
    assert keys_api(workload, replaced.secret_key).describe_current_api_key(API_VERSION).id == key.id
    with pytest.raises(ApiException) as old:
        keys_api(workload, key.secret_key).describe_current_api_key(API_VERSION)
    assert old.value.status == 401


def test_delete_then_404(workload):
    key = new_key(workload)
    assert keys_api(workload).delete_api_key(key.id, API_VERSION) is None
    with pytest.raises(ApiException) as gone:
        keys_api(workload).describe_api_key(key.id, API_VERSION)
    assert gone.value.status == 404
    assert "The API key does not exist." in gone.value.body
    assert workload.keys() == []


def test_a_wrong_secret_is_401(workload):
    with pytest.raises(ApiException) as denied:
        keys_api(workload, "1:bm90LXRoZS1zZWNyZXQ=").list_api_keys(API_VERSION)
    assert denied.value.status == 401
    assert "Invalid API Key" in denied.value.body


def test_an_expired_key_is_refused_by_the_emulator_clock(workload):
    key = new_key(workload, expiry_date=int(time.time() * 1000) + DAY_MS)
    workload.control("POST", "/clock", {"advanceSeconds": 2 * 86400})
    with pytest.raises(ApiException) as expired:
        keys_api(workload, key.secret_key).describe_current_api_key(API_VERSION)
    assert expired.value.status == 403
