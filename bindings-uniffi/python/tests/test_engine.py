"""End-to-end: the Python package against a real local engine (`minicloud serve`, started by conftest)."""

from __future__ import annotations

import ast
import asyncio
import json
import subprocess
import sys
import uuid

import pytest

import minicloud
from conftest import CLIENT_ID


def make_client(engine, **overrides) -> minicloud.Client:
    fields = dict(client_id=CLIENT_ID, platform=minicloud.Platform.DESKTOP, host=engine.url)
    fields.update(overrides)
    return minicloud.Client(minicloud.ClientConfig(**fields))


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def test_anonymous_login_then_invoke_returns_the_functions_result(engine):
    client = make_client(engine)
    await client.anonymous_login()
    assert await client.invoke("helloWorld", {"name": "allen"}) == {"code": 0, "data": "hello allen", "error": {}}


async def test_invoke_without_params_sends_no_data(engine):
    client = make_client(engine, auto_login=minicloud.AutoLogin.ANONYMOUS())
    result = await client.invoke("echo")
    assert result["data"]["data"] == "absent"


async def test_invoke_function_alias_reaches_the_function(engine):
    client = make_client(engine, auto_login=minicloud.AutoLogin.ANONYMOUS())
    result = await client.invoke_function("echo", {"k": [1, "二"]})
    assert result["data"]["data"] == {"k": [1, "二"]}


async def test_unknown_function_raises_not_found(engine):
    client = make_client(engine, auto_login=minicloud.AutoLogin.ANONYMOUS())
    with pytest.raises(minicloud.NotFoundError) as info:
        await client.invoke("noSuchFunction")
    assert (info.value.code, str(info.value), info.value.kind, info.value.status) == (
        404, "404: not found", "not_found", 404)


async def test_throwing_function_resolves_with_code_1(engine):
    client = make_client(engine, auto_login=minicloud.AutoLogin.ANONYMOUS())
    result = await client.invoke("throws")
    assert result["code"] == 1 and "boom" in result["error"]["message"]


async def test_auto_login_anonymous_logs_in_by_itself(engine):
    client = make_client(engine, auto_login=minicloud.AutoLogin.ANONYMOUS())
    assert client.session() is None
    result = await client.invoke("echo", {})
    assert result["data"]["user"]["id"] is not None
    assert client.session()["is_anonymous"] is True


async def test_register_then_login_keeps_the_token_in_the_custom_store_only(engine):
    store = minicloud.DictStore()
    client = make_client(engine, store=minicloud.custom_store(store))
    name = unique("reg")
    await client.register(minicloud.AccountKind.USERNAME, name, "pw-123")
    client.clear_session()
    result = await client.login(minicloud.AccountKind.USERNAME, name, "pw-123")
    token = store.values["ifx_baas_auth_token"]
    assert isinstance(token, str) and token
    assert token not in json.dumps(result)
    assert result["is_anonymous"] is False and result["user_id"] == store.values["ifx_baas_uid"]


async def test_wrong_password_raises_an_http_error_with_the_servers_text(engine):
    client = make_client(engine)
    name = unique("wrong")
    await client.register(minicloud.AccountKind.USERNAME, name, "right")
    with pytest.raises(minicloud.MinicloudError) as info:
        await client.login(minicloud.AccountKind.USERNAME, name, "wrong")
    assert info.value.status == info.value.code and 400 <= info.value.code < 500


async def test_sms_login_signs_the_user_in(engine):
    client = make_client(engine)
    await client.login_with_sms("13800000000", "123456", True)
    assert (await client.invoke("echo", {}))["data"]["user"]["id"] is not None


async def test_file_store_session_survives_a_new_client(engine, tmp_path):
    path = str(tmp_path / "session.json")
    first = make_client(engine, store=minicloud.StoreChoice.FILE(path))
    login = await first.anonymous_login()
    second = make_client(engine, store=minicloud.StoreChoice.FILE(path))
    result = await second.invoke("echo", {})
    assert result["data"]["user"]["id"] == login["user_id"]


async def test_logout_clears_the_session(engine):
    client = make_client(engine)
    await client.anonymous_login()
    await client.logout()
    assert client.session() is None
    with pytest.raises(minicloud.UnauthenticatedError):
        await client.invoke("echo", {})


async def test_empty_function_name_is_605_before_sending(engine):
    client = make_client(engine)
    with pytest.raises(minicloud.InvalidArgumentError) as info:
        await client.invoke("")
    assert (info.value.code, str(info.value)) == (605, "605: incorrect parameter type")


async def test_unencodable_params_are_an_invalid_argument(engine):
    client = make_client(engine)
    with pytest.raises(minicloud.InvalidArgumentError) as info:
        await client.invoke("echo", {"x": object()})
    assert info.value.code == 605 and "JSON" in str(info.value)


async def test_a_failing_custom_store_does_not_fail_the_call(engine):
    class Broken:
        calls = 0

        def get(self, key):
            Broken.calls += 1
            raise RuntimeError("keychain locked")

        def set(self, key, value):
            Broken.calls += 1
            raise RuntimeError("keychain locked")

    client = make_client(engine, store=minicloud.custom_store(Broken()))
    result = await client.anonymous_login()
    assert result["is_anonymous"] is True and Broken.calls > 0


async def test_a_failing_session_write_is_logged_to_pythons_logging(engine, caplog):
    class ReadOnly:
        def get(self, key):
            return None

        def set(self, key, value):
            raise RuntimeError("keychain locked")

    client = make_client(engine, store=minicloud.custom_store(ReadOnly()))
    with caplog.at_level("WARNING", logger="minicloud"):
        await client.anonymous_login()
    records = [r for r in caplog.records if r.name == "minicloud"]
    assert records, "the core's warning reached logging"
    assert records[0].levelname == "WARNING"
    assert records[0].getMessage().startswith("session store write failed key=ifx_baas_")
    assert "set failed: RuntimeError" in records[0].getMessage()
    assert records[0].minicloud_target == "minicloud_uniffi"


def test_a_store_that_calls_back_into_its_client_does_not_deadlock(engine):
    # App code in a store may read the session or the user from inside a write. Run in a fresh interpreter
    # with a time limit: a deadlock would hold the GIL and freeze this one.
    script = f"""
import asyncio, json, minicloud
class CallingBack:
    def __init__(self):
        self.values, self.client, self.seen = {{}}, None, []
    def get(self, key):
        return self.values.get(key)
    def set(self, key, value):
        user = self.client.current_user() if self.client else None
        self.seen.append((key, user is not None))
        self.values[key] = value
async def main():
    store = CallingBack()
    client = minicloud.Client(minicloud.ClientConfig(
        client_id={CLIENT_ID!r}, platform=minicloud.Platform.DESKTOP, host={engine.url!r},
        store=minicloud.custom_store(store)))
    store.client = client
    user = await client.anonymous_login()
    client.clear_session()
    print(json.dumps({{"anonymous": user["is_anonymous"], "keys": [k for k, _ in store.seen]}}, ensure_ascii=False))
asyncio.run(main())
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["anonymous"] is True
    assert "ifx_baas_auth_token" in result["keys"]
    assert result["keys"][-5:] == ["ifx_baas_auth_token", "ifx_baas_is_logined_baas", "ifx_baas_is_anonymous_user",
                                   "ifx_baas_userinfo", "ifx_baas_uid"]


def test_invoke_function_is_logged_deprecated_once_per_process(engine):
    # A fresh interpreter: the notice is process-wide, and other tests here call invoke_function too.
    script = f"""
import asyncio, logging, minicloud
seen = []
class Collect(logging.Handler):
    def emit(self, record):
        seen.append((record.getMessage(), record.minicloud_target))
logging.getLogger("minicloud").addHandler(Collect())
async def main():
    for _ in range(2):
        client = minicloud.Client(minicloud.ClientConfig(
            client_id={CLIENT_ID!r}, platform=minicloud.Platform.DESKTOP, host={engine.url!r},
            auto_login=minicloud.AutoLogin.ANONYMOUS()))
        await client.invoke_function("echo", {{}})
        await client.invoke_function("echo", {{}})
asyncio.run(main())
print(seen)
"""
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    seen = ast.literal_eval(run.stdout.strip().splitlines()[-1])
    assert seen == [("invokeFunction is deprecated; use invoke", "minicloud::deprecated")]


async def test_cancelled_task_stops_the_call_and_later_calls_work(engine):
    client = make_client(engine, auto_login=minicloud.AutoLogin.ANONYMOUS())
    await client.invoke("echo", {})
    task = asyncio.ensure_future(client.invoke("slow", {"hang": True}, None, 60_000))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await client.invoke("slow", {}) == {"code": 0, "data": "quick", "error": {}}


async def test_concurrent_auto_login_calls_share_one_login(engine):
    before = engine.login_count()
    client = make_client(engine, auto_login=minicloud.AutoLogin.ANONYMOUS())
    results = await asyncio.gather(*(client.invoke("echo", {"i": i}) for i in range(5)))
    assert [r["code"] for r in results] == [0] * 5
    assert engine.login_count() - before == 1


async def test_revoked_session_is_renewed_once_with_auto_login(engine):
    client = make_client(engine, auto_login=minicloud.AutoLogin.ANONYMOUS())
    await client.invoke("echo", {})
    before = engine.login_count()
    assert engine.admin("POST", "/dev/v1/sessions/revoke")[0] == 204
    assert (await client.invoke("echo", {}))["code"] == 0
    assert engine.login_count() - before == 1


async def test_revoked_session_without_auto_login_is_401(engine):
    engine.login_count()  # skips when the engine has no test controls
    client = make_client(engine)
    await client.anonymous_login()
    assert engine.admin("POST", "/dev/v1/sessions/revoke")[0] == 204
    with pytest.raises(minicloud.UnauthenticatedError) as info:
        await client.invoke("echo", {})
    assert info.value.status == 401


async def test_a_raw_store_raising_an_unexpected_exception_does_not_fail_the_call(engine):
    class Raw(minicloud.SessionStore):
        calls = 0

        def get(self, key):
            Raw.calls += 1
            raise KeyError(key)

        def set(self, key, value_json):
            Raw.calls += 1
            raise ZeroDivisionError()

    client = make_client(engine, store=minicloud.StoreChoice.CUSTOM(Raw()))
    result = await client.anonymous_login()
    assert result["is_anonymous"] is True and Raw.calls > 0


async def test_async_invoke_answers_status_ok(engine):
    client = make_client(engine, auto_login=minicloud.AutoLogin.ANONYMOUS())
    answer = await client.invoke("echo", {}, False)
    assert answer.get("status", (answer.get("data") or {}).get("status")) == "ok"


async def test_silent_login_on_desktop_is_unsupported(engine):
    client = make_client(engine)
    with pytest.raises(minicloud.UnsupportedError) as info:
        await client.silent_login()
    assert info.value.code == 611


async def test_zero_time_limit_is_605(engine):
    client = make_client(engine)
    with pytest.raises(minicloud.InvalidArgumentError) as info:
        await client.invoke("echo", {}, None, 0)
    assert str(info.value) == "605: timeoutMs must be a number of milliseconds from 1 to 2147483647, got 0"


async def test_silent_login_uses_the_hosts_login_code(engine):
    class WeChat(minicloud.HostApis):
        asked = 0

        async def login_code(self):
            WeChat.asked += 1
            return unique("wx-code")

        def app_name(self):
            return None

        def is_offline(self):
            return False

    client = make_client(engine, platform=minicloud.Platform.WX, host_apis=WeChat(),
                         auto_login=minicloud.AutoLogin.SILENT())
    result = await client.invoke("echo", {})
    assert result["data"]["user"]["openid"] and WeChat.asked == 1


async def test_server_side_expiry_is_renewed_once_with_auto_login(engine):
    client = make_client(engine, auto_login=minicloud.AutoLogin.ANONYMOUS())
    await client.invoke("echo", {})
    before = engine.login_count()
    assert engine.admin("POST", "/dev/v1/sessions/expire")[0] == 204
    assert (await client.invoke("echo", {}))["code"] == 0
    assert engine.login_count() - before == 1
