"""MinappServer (issue 14) from Python against the engine's open API (engine started by conftest): the core
runs the token flow; this checks the Python shapes — dicts in and out, errors, cancellation, the secret."""

from __future__ import annotations

import asyncio

import pytest

import minicloud
from conftest import CLIENT_ID

SECRET = "minicloud-local-secret"


def server(engine, secret: str = SECRET) -> minicloud.MinappServer:
    config = minicloud.MinappServerConfig(client_id=CLIENT_ID, client_secret=minicloud.ClientSecret(secret), host=engine.url)
    return minicloud.MinappServer(config)


def token_fetches(engine) -> int:
    status, body = engine.admin("GET", "/dev/v1/stats")
    assert status == 200
    return body["open_api_token_fetches"]


async def test_invoke_runs_a_function_as_a_server(engine):
    result = await server(engine).invoke("echo", {"名字": "小明 🌏"})
    assert result["code"] == 0
    assert result["data"]["data"] == {"名字": "小明 🌏"}
    assert result["data"]["user"] is None


async def test_debug_returns_the_runs_facts_and_log_lines(engine):
    run = await server(engine).debug("eventDump", {"k": "值"})
    assert run["code"] == 0 and isinstance(run["job_id"], str) and run["billing_time"] >= 100
    assert " LOG event.data:  { k: '值' }" in run["log"]


async def test_concurrent_calls_share_one_token_fetch(engine):
    client = server(engine)
    before = token_fetches(engine)
    results = await asyncio.gather(*(client.invoke("echo", {"i": i}) for i in range(100)))
    assert [r["data"]["data"]["i"] for r in results] == list(range(100))
    assert token_fetches(engine) == before + 1


async def test_an_unknown_function_is_a_not_found_error(engine):
    with pytest.raises(minicloud.NotFoundError) as caught:
        await server(engine).invoke("noSuchFunction")
    assert (caught.value.code, caught.value.message) == (404, "404: not found")


async def test_a_wrong_secret_names_the_authorize_step_and_hides_the_secret(engine):
    with pytest.raises(minicloud.UnauthenticatedError) as caught:
        await server(engine, "错误的-secret").invoke("echo")
    assert caught.value.code == 401 and "authorize step failed" in caught.value.message
    assert "错误的-secret" not in repr(caught.value) + str(caught.value) + str(caught.value.details)


async def test_a_cancelled_token_stops_the_call(engine):
    token = minicloud.CancelToken()
    token.cancel()
    with pytest.raises(minicloud.CancelledError):
        await server(engine).invoke("slow", {}, cancel=token)


async def test_functions_can_be_created_listed_and_their_jobs_read(engine):
    client = server(engine)
    page = await client.list_functions(limit=200)
    assert "echo" in [f["name"] for f in page["objects"]]
    await client.invoke("echo", {"x": 1})
    jobs = await client.list_jobs("echo", minicloud.JobQuery(status="fulfilled"))
    assert jobs["meta"]["total_count"] >= 1
    assert jobs["objects"][0]["service_type"] == "time_sensitive"


def test_a_printed_config_never_shows_the_secret():
    secret = "秘密-client-secret-🔑"
    config = minicloud.MinappServerConfig(client_id="c", client_secret=minicloud.ClientSecret(secret))
    for text in (str(config), repr(config), str(config.client_secret), repr(config.client_secret)):
        assert secret not in text
