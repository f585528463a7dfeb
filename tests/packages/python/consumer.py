"""A user's program against the installed wheel: checks the wheel's metadata, then invokes helloWorld on the
engine scripts/test-packages.sh started (MINICLOUD_URL, MINICLOUD_CLIENT_ID)."""

import asyncio
import importlib.metadata
import os

import minicloud


def check_metadata() -> None:
    meta = importlib.metadata.metadata("minicloud-sdk")
    assert meta["Summary"], "no description in METADATA"
    assert meta["License-Expression"] == "Apache-2.0" or meta["License"] == "Apache-2.0", meta["License"]
    urls = meta.get_all("Project-URL") or []
    assert any("github.com/minicloud/minicloud" in u for u in urls), urls
    assert "minicloud" in (meta.get_payload() or ""), "no README in METADATA"
    files = [str(f) for f in importlib.metadata.files("minicloud-sdk") or []]
    assert any(f.endswith("LICENSE") for f in files), files


async def main() -> None:
    client = minicloud.Client(minicloud.ClientConfig(
        client_id=os.environ["MINICLOUD_CLIENT_ID"], platform=minicloud.Platform.DESKTOP,
        host=os.environ["MINICLOUD_URL"], auto_login=minicloud.AutoLogin.ANONYMOUS()))
    assert await client.invoke("helloWorld", {"name": "allen"}) == {"code": 0, "data": "hello allen", "error": {}}
    mixed = "小明 🚀 café"
    assert (await client.invoke("helloWorld", {"name": mixed}))["data"] == f"hello {mixed}"
    try:
        await client.invoke("noSuchFunction")
        raise AssertionError("noSuchFunction did not raise")
    except minicloud.NotFoundError as e:
        assert e.code == 404, e.code
    print("python: hello allen")


check_metadata()
asyncio.run(main())
