"""A loopback HTTP/1.1 server answering as a vector's exchanges script says, recording what it saw.

Raw sockets (not http.server) so header order and exact body bytes are visible, and so it can reset a
connection, or hold one open until the client goes away (to prove cancellation closes it)."""

from __future__ import annotations

import json
import socket
import struct
import threading
import typing

# Headers a transport adds on its own; vectors list only the SDK's headers (tests/vectors/README.md).
TRANSPORT_HEADERS = {"host", "content-type", "content-length", "accept", "user-agent", "connection",
                     "accept-encoding", "transfer-encoding"}


def _read_request(conn: socket.socket, buf: bytearray) -> typing.Optional[tuple]:
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        buf += chunk
    head, _, rest = bytes(buf).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    length = next((int(v) for k, v in headers if k.lower() == "content-length"), None)
    body = bytearray(rest)
    while length is not None and len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    buf[:] = body[length or 0:]
    return method, path, headers, (bytes(body[:length]).decode("utf-8") if length is not None else None)


def _reset(conn: socket.socket) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


class ScriptedServer:
    """Serves ``exchanges`` (the vector's list) on 127.0.0.1; ``problems`` collects every mismatch."""

    def __init__(self, exchanges: list, concurrent: bool, version: str) -> None:
        self.exchanges = [dict(e, used=False) for e in exchanges]
        self.concurrent = concurrent
        self.version = version
        self.problems: typing.List[str] = []
        self.lock = threading.Lock()
        self.held_closed = threading.Event()  # set when a held connection was closed by the client
        self.held_open = threading.Event()  # set when a request is being held
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.sock.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _seen(self, method, path, headers, body) -> dict:
        listed = [[k, "$VERSION" if v == self.version else v] for k, v in headers
                  if k.lower() not in TRANSPORT_HEADERS]
        return {"method": method, "path": path, "headers": listed, "body": body}

    @staticmethod
    def _same(want: dict, seen: dict) -> bool:
        return (want["method"] == seen["method"] and want["path"] == seen["path"] and want["body"] == seen["body"]
                and [[k.lower(), v] for k, v in want["headers"]] == [[k.lower(), v] for k, v in seen["headers"]])

    def _serve(self, conn: socket.socket) -> None:
        buf = bytearray()
        try:
            while True:
                request = _read_request(conn, buf)
                if request is None:
                    conn.close()
                    return
                seen = self._seen(*request)
                with self.lock:
                    unused = [e for e in self.exchanges if not e["used"]]
                    candidates = unused if self.concurrent else unused[:1]
                    match = next((e for e in candidates if self._same(e["request"], seen)), None)
                    if match is None:
                        expected = json.dumps(unused[0]["request"]) if unused else "no more requests"
                        self.problems.append(f"unexpected request\n  sent:     {json.dumps(seen)}\n  expected: {expected}")
                    else:
                        match["used"] = True
                if match is None:
                    _reset(conn)
                    return
                if "failure" in match:
                    if match["failure"] in ("timeout", "hang"):
                        self._hold(conn)
                    else:
                        _reset(conn)
                    return
                self._answer(conn, match["response"])
        except OSError:
            conn.close()

    def _hold(self, conn: socket.socket) -> None:
        """Never answers; returns when the client closes the connection."""
        self.held_open.set()
        try:
            while conn.recv(65536):
                pass
        except OSError:
            pass
        self.held_closed.set()
        conn.close()

    @staticmethod
    def _answer(conn: socket.socket, response: dict) -> None:
        body = (response.get("body") or "").encode("utf-8")
        lines = [f"HTTP/1.1 {response['status']} Scripted", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in (response.get("headers") or {}).items() if k.lower() != "content-length"]
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    def unused(self) -> typing.List[dict]:
        with self.lock:
            return [e["request"] for e in self.exchanges if not e["used"]]


class HoldingServer(ScriptedServer):
    """Holds every request open until the client closes the connection, then answers nothing."""

    def __init__(self) -> None:
        super().__init__([], concurrent=True, version="")

    def _serve(self, conn: socket.socket) -> None:
        request = _read_request(conn, bytearray())
        if request is None:
            conn.close()
            return
        if request[1].startswith("/quick"):
            self._answer(conn, {"status": 200, "body": '{"code":0,"data":"quick","error":{}}'})
            conn.close()
            return
        self._hold(conn)
