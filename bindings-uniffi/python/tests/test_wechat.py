"""WeChatCloud (issue 7) from Python against the engine's WeChat HTTP API (engine started by conftest)."""

from __future__ import annotations

import asyncio

import pytest

import minicloud

APP_ID = "wx-minicloud-local"
SECRET = "minicloud-local-secret"
ENV = "minicloud-local"


def wechat(engine, secret: str = SECRET) -> minicloud.WeChatCloud:
    config = minicloud.WeChatCloudConfig(app_id=APP_ID, app_secret=minicloud.AppSecret(secret), env=ENV, base_url=engine.url)
    return minicloud.WeChatCloud(config)


def stats(engine) -> dict:
    status, body = engine.admin("GET", "/dev/v1/stats")
    assert status == 200
    return body


async def test_invoke_cloud_function_decodes_resp_data(engine):
    result = await wechat(engine).invoke_cloud_function("wechatStyle", {"x": 1})
    assert result["event"]["x"] == 1
    assert result["event"]["userInfo"] == {"appId": APP_ID}


async def test_a_token_expiring_mid_run_is_refreshed_transparently(engine):
    client = wechat(engine)
    await client.invoke_cloud_function("wechatStyle")
    before = stats(engine)["wechat_token_fetches"]
    assert engine.admin("POST", "/dev/v1/wechat/expire-tokens")[0] == 204
    await client.invoke_cloud_function("wechatStyle")
    assert stats(engine)["wechat_token_fetches"] == before + 1


async def test_concurrent_calls_with_a_stale_token_make_one_token_fetch(engine):
    client = wechat(engine)
    await client.invoke_cloud_function("wechatStyle")
    assert engine.admin("POST", "/dev/v1/wechat/expire-tokens")[0] == 204
    before = stats(engine)["wechat_token_fetches"]
    results = await asyncio.gather(*(client.invoke_cloud_function("wechatStyle", {"i": i}) for i in range(200)))
    assert [r["event"]["i"] for r in results] == list(range(200))
    assert stats(engine)["wechat_token_fetches"] == before + 1


async def test_a_wrong_secret_fails_once_with_a_configuration_error(engine):
    before = stats(engine)["wechat_token_requests"]
    with pytest.raises(minicloud.WeChatError) as caught:
        await wechat(engine, "wrong-SECRET").invoke_cloud_function("wechatStyle")
    assert (caught.value.errcode, caught.value.kind) == (40001, "config")
    assert stats(engine)["wechat_token_requests"] == before + 1
    assert "wrong-SECRET" not in repr(caught.value) + str(caught.value)


async def test_a_failing_function_is_504002(engine):
    with pytest.raises(minicloud.WeChatError) as caught:
        await wechat(engine).invoke_cloud_function("throws")
    assert (caught.value.errcode, caught.value.kind) == (-504002, "function")


async def test_a_too_slow_function_is_501002(engine):
    with pytest.raises(minicloud.WeChatError) as caught:
        await wechat(engine).invoke_cloud_function("slow", {"hang": True})
    assert caught.value.errcode == -501002


async def test_cancelling_the_task_stops_the_call(engine):
    task = asyncio.ensure_future(wechat(engine).invoke_cloud_function("slow", {"hang": True}))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await wechat(engine).invoke_cloud_function("wechatStyle", {"after": True}))["event"]["after"] is True
