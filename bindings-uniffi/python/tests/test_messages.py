"""Text in Chinese, emoji and mixed scripts through the message paths of Python (a WeChat function's failure, a
function name, a 知晓云 function's failure, a log line), the app secret never printed, and a panic inside one of
our exports arriving as an exception. Against a real engine on a temporary functions directory."""

from __future__ import annotations

import json
import logging
import pathlib

import pytest

import minicloud
from minicloud import _ffi
from conftest import CLIENT_ID, start_engine, stop_engine

# Each with a separator right after non-ASCII text, where the old redaction sliced inside a character.
TEXTS = ["余额不足:100", "支付失败=余额不足 💸", "订单🚀:已取消 (Ошибка: 名=x)", "é\u0301:ü\u0308=😀"]
SECRET = "秘密-app-secret-🔑"


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    functions = tmp_path_factory.mktemp("functions")
    (functions / "wxFails").mkdir()
    (functions / "wxFails" / "index.js").write_text(
        "const cloud = require('wx-server-sdk')\nexports.main = async (event) => { throw new Error(event.message) }",
        encoding="utf-8")
    (functions / "fails").mkdir()
    (functions / "fails" / "index.js").write_text(
        "exports.main = async (event) => { throw new Error(event.data.message) }", encoding="utf-8")
    running = start_engine(functions)
    yield running
    stop_engine(running)


def config(engine, secret: str = "minicloud-local-secret") -> minicloud.WeChatCloudConfig:
    return minicloud.WeChatCloudConfig(app_id="wx-minicloud-local", app_secret=minicloud.AppSecret(secret),
                                       env="minicloud-local", base_url=engine.url)


@pytest.mark.parametrize("text", TEXTS)
async def test_a_wechat_function_throwing_chinese_text_fails_with_that_errmsg(engine, text):
    with pytest.raises(minicloud.WeChatError) as caught:
        await minicloud.WeChatCloud(config(engine)).invoke_cloud_function("wxFails", {"message": text})
    assert caught.value.errcode == -504002
    assert caught.value.errmsg == f"functions execute fail: {text}"
    assert str(caught.value) == f"-504002: functions execute fail: {text} (function)"


async def test_a_chinese_function_name_is_an_invalid_argument_naming_it(engine):
    with pytest.raises(minicloud.WeChatError) as caught:
        await minicloud.WeChatCloud(config(engine)).invoke_cloud_function("名=x")
    assert caught.value.kind == "invalid_argument"
    assert 'function name "名=x" is not valid' in caught.value.errmsg


@pytest.mark.parametrize("text", TEXTS)
async def test_a_zhixiaoyun_function_failing_in_chinese_resolves_with_code_1_and_its_message(engine, text):
    client = minicloud.Client(minicloud.ClientConfig(client_id=CLIENT_ID, platform=minicloud.Platform.DESKTOP,
                                                     host=engine.url, auto_login=minicloud.AutoLogin.ANONYMOUS()))
    result = await client.invoke("fails", {"message": text})
    assert (result["code"], result["error"]["message"]) == (1, text)


async def test_a_log_line_naming_a_chinese_path_reaches_python_logging_intact(engine, tmp_path, caplog):
    blocked = tmp_path / "会话目录🔒"
    session_file = blocked / "会话.json"
    client = minicloud.Client(minicloud.ClientConfig(
        client_id=CLIENT_ID, platform=minicloud.Platform.DESKTOP, host=engine.url,
        store=minicloud.StoreChoice.FILE(path=str(session_file))))
    blocked.write_text("a file where the session directory should be", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="minicloud"):
        await client.anonymous_login()
    messages = [r.getMessage() for r in caplog.records if r.name == "minicloud"]
    assert any(str(pathlib.Path("会话目录🔒") / "会话.json") in m for m in messages), messages


async def test_a_host_login_failing_in_chinese_carries_the_hosts_words(engine):
    words = "login:fail 用户拒绝授权 🙅 (拒绝=1)"

    class Refusing(minicloud.HostApis):
        async def login_code(self):
            raise minicloud.CallbackError.Failed(words)

        def app_name(self):
            return None

        def is_offline(self):
            return False

    client = minicloud.Client(minicloud.ClientConfig(client_id=CLIENT_ID, platform=minicloud.Platform.WX,
                                                     host=engine.url, host_apis=Refusing()))
    with pytest.raises(minicloud.MinicloudError) as caught:
        await client.silent_login()
    assert caught.value.code == 614
    assert words in json.dumps(caught.value.details, ensure_ascii=False), caught.value.details


def test_printing_a_wechat_config_never_shows_the_secret(engine):
    printed = config(engine, SECRET)
    for text in (str(printed), repr(printed), str(printed.app_secret), repr(printed.app_secret), f"{printed}"):
        assert SECRET not in text, text
    assert str(printed.app_secret) == "[redacted]"


def test_a_panic_inside_an_export_is_an_internal_error_carrying_its_message():
    with pytest.raises(_ffi.InternalError, match="崩溃 💥: 名=x"):
        _ffi.panic_in_export("崩溃 💥: 名=x")


async def test_a_panic_inside_an_async_export_is_an_internal_error_carrying_its_message():
    with pytest.raises(_ffi.InternalError, match="异步崩溃 💥"):
        await _ffi.panic_in_async_export("异步崩溃 💥")
