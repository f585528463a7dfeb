"""Replays every shared vector (tests/vectors/*.json) through the Python package against a scripted loopback
server: every request (method, path, SDK headers in order, body bytes), every outcome and the storage
afterwards must be what the vector says."""

from __future__ import annotations

import asyncio
import json

import pytest

import minicloud
from conftest import REPO
from scripted_server import ScriptedServer

VECTORS = sorted((REPO / "tests" / "vectors").glob("*.json"))
PLATFORMS = {p.name.lower(): p for p in minicloud.Platform}


class VectorHost(minicloud.HostApis):
    def __init__(self, env: dict) -> None:
        self.env = env

    async def login_code(self):
        if self.env.get("loginHangs"):
            await asyncio.Event().wait()  # never answers; the call's time limit ends it
        if "loginFails" in self.env:
            raise minicloud.CallbackError.Failed(self.env["loginFails"])
        return self.env.get("loginCode")

    def app_name(self):
        return self.env.get("appName")

    def is_offline(self):
        return self.env.get("networkType") == "none"


class FixedClock(minicloud.Clock):
    def __init__(self, now: int) -> None:
        self.now = now

    def now_secs(self):
        return self.now


def test_every_vector_is_here():
    assert len(VECTORS) >= 40


def credentials(arg: dict):
    for kind in minicloud.AccountKind:
        if kind.name.lower() in arg:
            return kind, arg[kind.name.lower()], arg["password"]
    raise AssertionError(f"vector login args not understood: {arg}")


async def run_call(client: minicloud.Client, call: dict):
    args = call["args"]
    op = call["op"]
    if op in ("invoke", "invokeFunction"):
        method = client.invoke if op == "invoke" else client.invoke_function
        params = args[1] if len(args) > 1 else minicloud.ABSENT
        sync = args[2] if len(args) > 2 else None
        timeout_ms = float(call["timeoutMs"]) if "timeoutMs" in call else None  # float("NaN") for "NaN"
        return await method(args[0], params, sync, timeout_ms)
    if op == "login":
        return await client.login(*credentials(args[0]))
    if op == "register":
        return await client.register(*credentials(args[0]))
    if op == "loginWithSms":
        create_user = (args[2] if len(args) > 2 else {}).get("createUser", True)
        return await client.login_with_sms(args[0], args[1], create_user)
    if op == "anonymousLogin":
        return await client.anonymous_login()
    if op == "silentLogin":
        return await client.silent_login(True)
    if op == "logout":
        return await client.logout()
    if op == "clearSession":
        return client.clear_session()
    raise AssertionError(f"unknown op {op}")


async def outcome_of(client, call):
    try:
        return ("ok", await run_call(client, call))
    except minicloud.MinicloudError as e:
        return ("error", e)


def check(index: int, expect: dict, outcome: tuple) -> list:
    kind, value = outcome
    if "result" in expect and kind == "ok":
        return [] if value == expect["result"] else [f"call {index}: resolved {value!r}, expected {expect['result']!r}"]
    if "ok" in expect and kind == "ok":
        return []
    if "error" in expect and kind == "error":
        got = {"code": value.code, "message": value.message, "kind": value.kind, "status": value.status,
               "retryable": value.retryable}
        want = expect["error"]
        bad = [f for f in want if want[f] != got[f]]
        return [f"call {index}: error {got}, expected {want}"] if bad else []
    return [f"call {index}: got {kind} {value!r}, expected {expect}"]


@pytest.mark.parametrize("path", VECTORS, ids=[p.stem for p in VECTORS])
async def test_vector(path):
    vector = json.loads(path.read_text())
    c = vector["config"]
    server = ScriptedServer(vector["exchanges"], vector.get("concurrent", False), minicloud.client_version())
    store = minicloud.DictStore(vector["storage"])
    timeout = any(e.get("failure") == "timeout" for e in vector["exchanges"])
    config = minicloud.ClientConfig(
        client_id=c["clientId"], platform=PLATFORMS[c["platform"]], host=server.base, env=c.get("env"),
        auto_login=minicloud.AutoLogin.SILENT() if c.get("autoLogin") else None,
        store=minicloud.custom_store(store), max_request_bytes=c.get("maxRequestBytes"),
        max_response_bytes=c.get("maxResponseBytes"), sync_timeout_ms=1000 if timeout else None,
        host_apis=VectorHost(vector["hostEnv"]), clock=FixedClock(vector["now"]))
    client = minicloud.Client(config)
    try:
        if vector.get("concurrent"):
            outcomes = await asyncio.gather(*(outcome_of(client, call) for call in vector["calls"]))
        else:
            outcomes = [await outcome_of(client, call) for call in vector["calls"]]
    finally:
        server.close()
    problems = list(server.problems)
    for i, (call, outcome) in enumerate(zip(vector["calls"], outcomes)):
        problems += check(i, call["expect"], outcome)
    if server.unused():
        problems.append(f"requests never sent: {server.unused()}")
    for key, want in (vector.get("storageAfter") or {}).items():
        got = store.values.get(key)
        ok = got in (None, "") if want is None else got == want
        if not ok:
            problems.append(f"storage {key}: {got!r}, expected {want!r}")
    assert not problems, "\n".join(problems)
