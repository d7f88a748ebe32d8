"""Trend's Vision One SDK (`pytmv1` 0.11.0) against the emulator: one test per call an
integration makes on `/v3.0/iam/apiKeys`, each asserting what the SDK hands back.
"""

from __future__ import annotations

import logging
import re
from typing import List

import pytest
import pytmv1
from pytmv1 import ApiExpInMonths, ApiKeyRequest, ApiStatus, QueryOp, ResultCode

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture
def client(emulator):
    return pytmv1.init("sdk-tests", emulator.token, emulator.url)


def create(client, *keys: ApiKeyRequest) -> List:
    """Create keys in one call; every entry must have succeeded."""
    res = client.api_key.create(*keys)
    assert res.result_code == ResultCode.SUCCESS, res.errors
    return res.response.items


def key(name: str, role: str = "SIEM", **kw) -> ApiKeyRequest:
    return ApiKeyRequest(name=name, role=role, **kw)


def names(client, **fields) -> List[str]:
    res = client.api_key.list(top=200, **fields)
    assert res.result_code == ResultCode.SUCCESS, res.error
    return sorted(k.name for k in res.response.items)


def test_create_several_keys_in_one_call(client, emulator):
    items = create(
        client,
        key("ci-forever"),
        key("ci-yearly", months_to_expiration=ApiExpInMonths.TWELVE, description="pipeline"),
        key("ci-off", role="Auditor", status=ApiStatus.DISABLED),
    )
    assert [i.status for i in items] == [201, 201, 201]
    assert len({i.id for i in items}) == 3
    assert all(len(i.value) >= 32 for i in items)
    assert items[0].expired_date_time == "", "a key that never expires"
    assert ISO_UTC.match(items[1].expired_date_time)
    posts = [c for c in emulator.calls() if c["method"] == "POST"]
    assert [(c["path"], c["status"], c.get("items")) for c in posts] == [("/v3.0/iam/apiKeys", 207, 3)]
    assert names(client) == ["ci-forever", "ci-off", "ci-yearly"]


def test_duplicate_name_is_refused_per_item(client):
    create(client, key("taken"))
    res = client.api_key.create(key("fresh"), key("taken"))
    assert res.result_code == ResultCode.ERROR
    assert [e.status for e in res.errors] == [201, 409]
    assert res.errors[1].code == "Conflict"
    assert "taken" in res.errors[1].message
    assert names(client) == ["fresh", "taken"], "the other item of the call was created"


def test_list_with_a_filter(client):
    create(
        client,
        key("a-siem"),
        key("b-auditor", role="Auditor"),
        key("c-auditor-off", role="Auditor", status=ApiStatus.DISABLED),
        key("O'Brien"),
    )
    res = client.api_key.list(role="Auditor")
    assert res.result_code == ResultCode.SUCCESS, res.error
    assert sorted(k.name for k in res.response.items) == ["b-auditor", "c-auditor-off"]
    assert (res.response.count, res.response.total_count) == (2, 2)
    assert all(k.role == "Auditor" for k in res.response.items)
    assert names(client, role="Auditor", status="enabled") == ["b-auditor"]
    assert names(client, op=QueryOp.OR, name="a-siem", status="disabled") == ["a-siem", "c-auditor-off"]
    # The SDK does not escape quotes (a user must double them, as the filter grammar wants).
    assert names(client, name="O''Brien") == ["O'Brien"]


def test_consume_pages_through_everything(client, emulator):
    for batch in range(3):
        create(client, *(key(f"k{batch}-{i:02}") for i in range(40)))
    create(client, *(key(f"off-{i}", status=ApiStatus.DISABLED) for i in range(5)))
    seen: List[str] = []
    res = client.api_key.consume(lambda k: seen.append(k.name), top=50, status="enabled")
    assert res.result_code == ResultCode.SUCCESS, res.error
    assert res.response.total_consumed == 120
    assert sorted(seen) == sorted(f"k{b}-{i:02}" for b in range(3) for i in range(40))
    pages = [c for c in emulator.calls() if c["method"] == "GET" and c["path"] == "/v3.0/iam/apiKeys"]
    assert [p["status"] for p in pages] == [200, 200, 200], "120 keys at 50 a page, filter re-sent"


def test_get_with_its_etag(client):
    created = create(client, key("one", description="first"))[0]
    res = client.api_key.get(created.id)
    assert res.result_code == ResultCode.SUCCESS, res.error
    got = res.response.data
    assert (got.id, got.name, got.role, got.status, got.description) == (
        created.id,
        "one",
        "SIEM",
        ApiStatus.ENABLED,
        "first",
    )
    assert (got.expired_date_time, got.last_used_date_time) == ("", "")
    assert re.match(r'^"[^"]+"$', res.response.etag), res.response.etag


def test_update_with_if_match_as_the_sdk_sends_it(client, caplog):
    created = create(client, key("to-edit"))[0]
    etag = client.api_key.get(created.id).response.etag
    with caplog.at_level(logging.INFO, logger="pytmv1"):
        res = client.api_key.update(created.id, etag, description="edited")
    assert res.result_code == ResultCode.SUCCESS, res.error
    sent = [r.getMessage() for r in caplog.records if "Method=PATCH" in r.getMessage()]
    assert len(sent) == 1
    assert f"'If-Match': '{etag.strip(chr(34))}'" in sent[0], "the SDK strips the quotes"
    assert "sdk-admin-token" not in sent[0]


def test_the_update_is_visible(client):
    created = create(client, key("before"))[0]
    before = client.api_key.get(created.id).response
    res = client.api_key.update(
        created.id, before.etag, name="after", role="Auditor", status=ApiStatus.DISABLED, description="moved"
    )
    assert res.result_code == ResultCode.SUCCESS, res.error
    after = client.api_key.get(created.id).response
    assert (after.data.name, after.data.role, after.data.status, after.data.description) == (
        "after",
        "Auditor",
        ApiStatus.DISABLED,
        "moved",
    )
    assert after.etag != before.etag
    assert names(client, name="after") == ["after"]
    assert names(client, name="before") == []


def test_a_stale_etag_is_refused(client):
    created = create(client, key("contended"))[0]
    stale = client.api_key.get(created.id).response.etag
    assert client.api_key.update(created.id, stale, description="first writer").result_code == ResultCode.SUCCESS
    res = client.api_key.update(created.id, stale, description="second writer")
    assert res.result_code == ResultCode.ERROR
    assert (res.error.status, res.error.code) == (412, "PreconditionFailed")
    assert client.api_key.get(created.id).response.data.description == "first writer"


def test_delete_several_in_one_call(client, emulator):
    a, b, c = create(client, key("del-a"), key("del-b"), key("keep"))
    res = client.api_key.delete(a.id, b.id)
    assert res.result_code == ResultCode.SUCCESS, res.errors
    assert [i.status for i in res.response.items] == [204, 204]
    deletes = [x for x in emulator.calls() if x["path"] == "/v3.0/iam/apiKeys/delete"]
    assert [(x["status"], x.get("items")) for x in deletes] == [(207, 2)]
    assert names(client) == ["keep"]


def test_a_deleted_key_is_not_found(client):
    gone = create(client, key("gone"))[0]
    assert client.api_key.delete(gone.id).result_code == ResultCode.SUCCESS
    res = client.api_key.get(gone.id)
    assert res.result_code == ResultCode.ERROR
    assert (res.error.status, res.error.code) == (404, "NotFound")
    again = client.api_key.delete(gone.id)
    assert again.result_code == ResultCode.ERROR
    assert [e.status for e in again.errors] == [404]


def test_a_wrong_token_is_an_error_the_sdk_parses(emulator):
    wrong = pytmv1.init("sdk-tests", "not-a-key", emulator.url)
    res = wrong.api_key.list()
    assert res.result_code == ResultCode.ERROR
    assert (res.error.status, res.error.code) == (401, "InvalidCredentials")
    assert res.error.message
    created = wrong.api_key.create(key("never"))
    assert created.result_code == ResultCode.ERROR
    assert [(e.status, e.code) for e in created.errors] == [(401, "InvalidCredentials")]
    assert all(c["status"] == 401 for c in emulator.calls())
