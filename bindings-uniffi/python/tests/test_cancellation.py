"""Cancelling the asyncio task of a call drops the Rust future, which closes the call's connection."""

from __future__ import annotations

import asyncio

import pytest

import minicloud
from scripted_server import HoldingServer


async def test_cancelling_the_task_closes_the_connection():
    server = HoldingServer()
    try:
        client = minicloud.Client(minicloud.ClientConfig(
            client_id="cancel", platform=minicloud.Platform.DESKTOP, host=server.base))
        task = asyncio.ensure_future(client.invoke("hang", None, None, 120_000))
        assert await asyncio.to_thread(server.held_open.wait, 30), "the request never reached the server"
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await asyncio.to_thread(server.held_closed.wait, 30), "the connection stayed open after cancel"
    finally:
        server.close()


async def test_a_call_past_its_time_limit_is_a_timeout_not_a_cancel():
    server = HoldingServer()
    try:
        client = minicloud.Client(minicloud.ClientConfig(
            client_id="cancel", platform=minicloud.Platform.DESKTOP, host=server.base))
        with pytest.raises(minicloud.RequestTimeoutError) as info:
            await client.invoke("hang", None, None, 200)
        assert (info.value.code, info.value.kind, str(info.value)) == (601, "timeout", "601: request timeout")
    finally:
        server.close()


async def test_cancel_token_stops_the_call_as_cancelled_and_closes_the_connection():
    server = HoldingServer()
    try:
        client = minicloud.Client(minicloud.ClientConfig(
            client_id="cancel", platform=minicloud.Platform.DESKTOP, host=server.base))
        token = minicloud.CancelToken()
        task = asyncio.ensure_future(client.invoke("hang", None, None, 120_000, cancel=token))
        assert await asyncio.to_thread(server.held_open.wait, 30), "the request never reached the server"
        token.cancel()
        with pytest.raises(minicloud.CancelledError) as info:
            await task
        assert (info.value.code, info.value.kind, str(info.value)) == (601, "cancelled", "601: request cancelled")
        assert await asyncio.to_thread(server.held_closed.wait, 30), "the connection stayed open after cancel"
    finally:
        server.close()
