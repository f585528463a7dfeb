"""minicloud for Python: call 知晓云 (ifanr minapp) cloud functions through the minicloud Rust core.

A thin idiomatic layer over the uniffi-generated module ``minicloud._ffi``: asyncio coroutines that take and
return plain dicts, and errors raised as :class:`MinicloudError` subclasses. Every protocol rule (headers,
HError codes and messages, sessions, auto-login, the 401 resend) lives in the core.

    import asyncio, minicloud

    async def main():
        client = minicloud.Client(minicloud.ClientConfig(
            client_id="a4d2d62965ddb57fa4d6", platform=minicloud.Platform.DESKTOP, host="http://127.0.0.1:8000"))
        await client.anonymous_login()
        print(await client.invoke("helloWorld", {"name": "allen"}))  # {'code': 0, 'data': 'hello allen', ...}

    asyncio.run(main())

Cancelling the task that awaits a call stops the call and closes its connection.
"""

from __future__ import annotations

import atexit
import json
import logging
import typing

from . import _ffi
from ._ffi import (  # noqa: F401  (re-exported)
    AccountKind,
    AppSecret,
    AutoLogin,
    CallbackError,
    CancelToken,
    ClientConfig,
    ClientSecret,
    JobQuery,
    MinappServerConfig,
    Clock,
    Credentials,
    HostApis,
    Logger,
    LogLevel,
    Platform,
    SessionStore,
    StoreChoice,
    WeChatCloudConfig,
    WeChatTokenMode,
    client_version,
)

__all__ = [
    "AccountKind", "AutoLogin", "CallbackError", "CancelToken", "Client", "ClientConfig", "Clock", "Credentials", "HostApis",
    "Platform", "SessionStore", "StoreChoice", "client_version", "DictStore", "custom_store",
    "Logger", "LogLevel", "forward_logs", "set_logger",
    "MinicloudError", "NetworkError", "RequestTimeoutError", "CancelledError", "InvalidArgumentError",
    "UnsupportedError", "UnauthenticatedError", "NotFoundError", "HttpError", "InvalidResponseError",
    "WeChatCloud", "WeChatCloudConfig", "WeChatTokenMode", "WeChatError", "AppSecret",
    "MinappServer", "MinappServerConfig", "ClientSecret", "JobQuery",
]


class MinicloudError(Exception):
    """A failed minicloud call. ``str(e)`` and ``message`` are exactly the core's HError message
    (``"404: not found"``); ``code``, ``kind``, ``status``, ``request_id``, ``retryable`` and ``details``
    (a dict/str parsed from JSON, secrets removed) come from the core unchanged."""

    def __init__(self, code: int, message: str, kind: str, status: typing.Optional[int],
                 request_id: typing.Optional[str], retryable: bool, details: typing.Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.kind = kind
        self.status = status
        self.request_id = request_id
        self.retryable = retryable
        self.details = details

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code}, message={self.message!r}, kind={self.kind!r})"


class NetworkError(MinicloudError):
    """No network (600), or the connection failed (601, kind ``network``)."""


class RequestTimeoutError(MinicloudError):
    """The call ran past its time limit (601, kind ``timeout``)."""


class CancelledError(MinicloudError):
    """The core reports the call as cancelled (601, kind ``cancelled``)."""


class InvalidArgumentError(MinicloudError):
    """A bad argument or config, or a body over the payload limit (605), or used uninitialized (602)."""


class UnsupportedError(MinicloudError):
    """The platform cannot do this, e.g. silent login without a host login code (611)."""


class UnauthenticatedError(MinicloudError):
    """HTTP 401."""


class NotFoundError(MinicloudError):
    """HTTP 404, e.g. no cloud function by that name."""


class HttpError(MinicloudError):
    """Any other non-2xx answer (403, 429, 5xx, ...)."""


class InvalidResponseError(MinicloudError):
    """An answer that is not what the protocol promises (not JSON, truncated, over the size limit)."""


_BY_KIND: typing.Dict[str, typing.Type[MinicloudError]] = {
    "network": NetworkError,
    "timeout": RequestTimeoutError,
    "cancelled": CancelledError,
    "invalid_argument": InvalidArgumentError,
    "payload_too_large": InvalidArgumentError,
    "uninitialized": InvalidArgumentError,
    "unsupported": UnsupportedError,
    "unauthenticated": UnauthenticatedError,
    "not_found": NotFoundError,
    "invalid_response": InvalidResponseError,
    "response_too_large": InvalidResponseError,
}


def _convert(error: _ffi.MinicloudError) -> MinicloudError:
    details = error.details()
    cls = _BY_KIND.get(error.kind(), HttpError)
    return cls(error.code(), error.message(), error.kind(), error.status(), error.request_id(), error.retryable(),
               json.loads(details) if details is not None else None)


def _json_or_repr(value: typing.Any) -> str:
    """A value as JSON text for the core's argument checks; a value JSON cannot hold is passed as its repr."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return json.dumps(repr(value))


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: typing.Any = _Absent()
"""Marks absent params: ``invoke(name)`` omits ``data``; ``invoke(name, None)`` sends ``"data": null``."""


def _login_result(r: _ffi.LoginResult) -> dict:
    """The signed-in user (the core's current-user shape; ``profile`` is the official object's ``toJSON()``)."""
    return {
        "user_id": json.loads(r.user_id_json) if r.user_id_json is not None else None,
        "openid": r.openid,
        "unionid": r.unionid,
        "is_anonymous": r.is_anonymous,
        "expires_at": r.expires_at,
        "profile": json.loads(r.profile_json),
    }


class DictStore:
    """A plain in-process store of decoded values, usable as a custom store (handy in tests)."""

    def __init__(self, values: typing.Optional[dict] = None) -> None:
        self.values: dict = dict(values or {})

    def get(self, key: str) -> typing.Any:
        return self.values.get(key)

    def set(self, key: str, value: typing.Any) -> None:
        self.values[key] = value


class _JsonStore(SessionStore):
    """Adapts an object with ``get(key) -> value | None`` / ``set(key, value)`` of plain Python values to the
    core's JSON-text store. Exceptions become :class:`CallbackError` (the core logs them and carries on)."""

    def __init__(self, store: typing.Any) -> None:
        self._store = store

    def get(self, key: str) -> typing.Optional[str]:
        try:
            value = self._store.get(key)
        except Exception as e:  # an app store failing must not fail the call
            raise CallbackError.Failed(f"get failed: {type(e).__name__}") from None
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def set(self, key: str, value_json: str) -> None:
        try:
            self._store.set(key, json.loads(value_json))
        except Exception as e:
            raise CallbackError.Failed(f"set failed: {type(e).__name__}") from None


_PY_LEVELS = {
    LogLevel.ERROR: logging.ERROR,
    LogLevel.WARN: logging.WARNING,
    LogLevel.INFO: logging.INFO,
    LogLevel.DEBUG: logging.DEBUG,
    LogLevel.TRACE: logging.DEBUG - 5,
}


class _PythonLogging(Logger):
    """Hands the core's log events to Python's ``logging``, logger ``minicloud`` (the event's Rust target is
    the record's ``minicloud_target``)."""

    def log(self, level: LogLevel, target: str, message: str) -> None:
        logging.getLogger("minicloud").log(_PY_LEVELS[level], "%s", message, extra={"minicloud_target": target})


def set_logger(logger: typing.Optional[Logger], max_level: LogLevel = LogLevel.WARN) -> None:
    """Sends the core's log events at ``max_level`` and above to ``logger`` (a :class:`Logger` with
    ``log(level, target, message)``), replacing the default forwarding to Python's ``logging``; ``None``
    stops forwarding."""
    _ffi.set_logger(logger, max_level)


def forward_logs(level: int = logging.WARNING) -> None:
    """Forwards the core's log events at ``level`` (a ``logging`` level) and above to Python's ``logging``,
    logger ``minicloud``. Done at import with ``logging.WARNING`` (failed session writes, the deprecated
    ``invoke_function``); call ``forward_logs(logging.DEBUG)`` to see every failed exchange too."""
    # The most verbose minicloud level that ``level`` still lets through.
    most_verbose_first = (LogLevel.TRACE, LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR)
    max_level = next((lvl for lvl in most_verbose_first if _PY_LEVELS[lvl] >= level), LogLevel.ERROR)
    _ffi.set_logger(_PythonLogging(), max_level)


forward_logs()
# The core's threads may outlive the interpreter's shutdown; stop calling into Python before it goes away.
atexit.register(lambda: _ffi.set_logger(None, LogLevel.ERROR))


def custom_store(store: typing.Any) -> StoreChoice:
    """A :class:`StoreChoice` keeping the session in ``store`` (any object with ``get(key)``/``set(key, value)``
    of plain Python values, e.g. a Keychain wrapper or :class:`DictStore`)."""
    return StoreChoice.CUSTOM(_JsonStore(store))


class Client:
    """A 知晓云 client. Every call is a coroutine; errors are :class:`MinicloudError` subclasses."""

    def __init__(self, config: ClientConfig) -> None:
        try:
            self.ffi = _ffi.Client(config)
        except _ffi.MinicloudError as e:
            raise _convert(e) from None

    async def invoke(self, name: str, params: typing.Any = ABSENT, sync: typing.Optional[bool] = None,
                     timeout_ms: typing.Optional[float] = None, cancel: typing.Optional[CancelToken] = None) -> typing.Any:
        """``BaaS.invoke``: the server's body as a dict (``{"code": 0, "data": ..., "error": {}}``; a failed
        function is ``code: 1``, not an exception). Params must be JSON-serializable. Cancelling the awaiting
        task stops the call; so does ``cancel.cancel()`` (then :class:`CancelledError`, kind ``cancelled``)."""
        if cancel is not None:
            return await self._invoke(lambda *a: self.ffi.invoke_cancellable(*a, cancel), name, params, sync, timeout_ms)
        return await self._invoke(self.ffi.invoke, name, params, sync, timeout_ms)

    async def invoke_function(self, name: str, params: typing.Any = ABSENT, sync: typing.Optional[bool] = None,
                              timeout_ms: typing.Optional[float] = None) -> typing.Any:
        """``invokeFunction``, the deprecated name of :meth:`invoke`."""
        return await self._invoke(self.ffi.invoke_function, name, params, sync, timeout_ms)

    async def _invoke(self, method, name, params, sync, timeout_ms):
        if not isinstance(name, str) or not (sync is None or isinstance(sync, bool)):
            # Let the core word the error (HError 605), as for every other binding.
            try:
                _ffi.check_invoke_args(_json_or_repr(name), None if sync is None else _json_or_repr(sync))
            except _ffi.MinicloudError as e:
                raise _convert(e) from None
        try:
            params_json = None if params is ABSENT else json.dumps(params, ensure_ascii=False)
        except (TypeError, ValueError) as e:
            raise InvalidArgumentError(605, f"605: params cannot be encoded as JSON: {e}", "invalid_argument",
                                       None, None, False, None) from None
        try:
            return json.loads(await method(name, params_json, sync, timeout_ms))
        except _ffi.MinicloudError as e:
            raise _convert(e) from None

    async def _call(self, coroutine):
        try:
            return await coroutine
        except _ffi.MinicloudError as e:
            raise _convert(e) from None

    async def login(self, kind: AccountKind, account: str, password: str) -> dict:
        """Password login; returns ``{user_id, is_anonymous, expires_at, profile}`` (never the token)."""
        return _login_result(await self._call(self.ffi.login(Credentials(kind, account, password))))

    async def register(self, kind: AccountKind, account: str, password: str) -> dict:
        """Registration; signs the new user in."""
        return _login_result(await self._call(self.ffi.register(Credentials(kind, account, password))))

    async def login_with_sms(self, phone: str, code: str, create_user: bool = True) -> dict:
        """SMS login with a verification code."""
        return _login_result(await self._call(self.ffi.login_with_sms(phone, code, create_user)))

    async def anonymous_login(self) -> dict:
        """Anonymous login: a temporary user."""
        return _login_result(await self._call(self.ffi.anonymous_login()))

    async def silent_login(self, create_user: bool = True) -> dict:
        """Silent login with the host's login code (``HostApis.login_code``); with a live session it sends
        nothing and returns the current user."""
        return _login_result(await self._call(self.ffi.silent_login(create_user)))

    async def login_with_wechat(self, create_user: bool = True, with_union_id: bool = False) -> dict:
        """``loginWithWechat(null, {createUser, withUnionID})``: silent login, by unionid when asked."""
        return _login_result(await self._call(self.ffi.login_with_wechat(create_user, with_union_id)))

    async def get_current_user(self) -> dict:
        """``getCurrentUser``: the signed-in user's profile from the server; 604 without a live session."""
        return _login_result(await self._call(self.ffi.get_current_user()))

    def current_user(self) -> typing.Optional[dict]:
        """The signed-in user as the stored session describes it (no request), or ``None`` without a token."""
        user = self.ffi.current_user()
        return None if user is None else _login_result(user)

    async def logout(self) -> None:
        """Destroys the session on the server, then clears it locally."""
        await self._call(self.ffi.logout())

    def clear_session(self) -> None:
        """Forgets the session locally."""
        self.ffi.clear_session()

    def session(self) -> typing.Optional[dict]:
        """The stored session without its token: ``{expires_at, is_anonymous}``, or ``None``."""
        s = self.ffi.session()
        return None if s is None else {"expires_at": s.expires_at, "is_anonymous": s.is_anonymous}


class WeChatError(Exception):
    """A failed WeChat cloud call: WeChat's ``errcode`` (``None`` when WeChat never answered) and ``errmsg``,
    plus ``kind`` (``auth``, ``config``, ``quota``, ``system``, ``function``, ``invalid_argument``, ``network``,
    ``timeout``, ``cancelled``, ``invalid_response``) and ``retryable``. Never carries a token or the secret."""

    def __init__(self, error: "_ffi.WeChatCloudError") -> None:
        super().__init__(str(error))
        self.errcode = error.errcode()
        self.errmsg = error.errmsg()
        self.kind = error.kind()
        self.retryable = error.retryable()

    def __repr__(self) -> str:
        return f"WeChatError(errcode={self.errcode}, errmsg={self.errmsg!r}, kind={self.kind!r})"


class WeChatCloud:
    """WeChat cloud's server-side ``invokeCloudFunction`` with a managed access_token (fetched once for all
    concurrent calls, renewed ahead of expiry, refreshed once on 40001/40014/42001). Keep it on servers: an
    app secret must never ship inside an app."""

    def __init__(self, config: WeChatCloudConfig) -> None:
        try:
            self.ffi = _ffi.WeChatCloud(config)
        except _ffi.WeChatCloudError as e:
            raise WeChatError(e) from None

    async def invoke_cloud_function(self, name: str, event: typing.Any = None,
                                    cancel: typing.Optional[CancelToken] = None) -> typing.Any:
        """Runs ``name`` with ``event`` (``{}`` when ``None``) and returns its return value (``resp_data``,
        decoded). Cancelling the awaiting task stops the call; so does ``cancel.cancel()``."""
        try:
            event_json = None if event is None else json.dumps(event, ensure_ascii=False)
        except (TypeError, ValueError) as e:
            raise InvalidArgumentError(605, f"605: event cannot be encoded as JSON: {e}", "invalid_argument",
                                       None, None, False, None) from None
        try:
            if cancel is not None:
                text = await self.ffi.invoke_cloud_function_cancellable(name, event_json, cancel)
            else:
                text = await self.ffi.invoke_cloud_function(name, event_json)
        except _ffi.WeChatCloudError as e:
            raise WeChatError(e) from None
        return json.loads(text)


def _data_json(data: typing.Any) -> typing.Optional[str]:
    """Call data as JSON text (``ABSENT``: not sent); a value JSON cannot hold is the core's 605."""
    if data is ABSENT:
        return None
    try:
        return json.dumps(data, ensure_ascii=False)
    except (TypeError, ValueError) as e:
        raise InvalidArgumentError(605, f"605: data cannot be encoded as JSON: {e}", "invalid_argument",
                                   None, None, False, None) from None


class MinappServer:
    """The 知晓云 open API from the server side: run functions as a server, debug them, manage them and read
    their job records, with the access token (client ID + secret, then a code, then the token) fetched,
    cached, renewed and refreshed once on a 401 by the core. Answers are plain dicts; errors are
    :class:`MinicloudError` subclasses with the HTTP status as ``code`` (404 unknown function, 400 schedule
    failure, 401 token). Keep it on servers: a client secret must never ship inside an app."""

    def __init__(self, config: MinappServerConfig) -> None:
        try:
            self.ffi = _ffi.MinappServer(config)
        except _ffi.MinicloudError as e:
            raise _convert(e) from None

    async def _run(self, call: typing.Awaitable[typing.Any]) -> typing.Any:
        try:
            text = await call
        except _ffi.MinicloudError as e:
            raise _convert(e) from None
        return None if text is None else json.loads(text)

    async def invoke(self, name: str, data: typing.Any = ABSENT, sync: bool = True,
                     cancel: typing.Optional[CancelToken] = None) -> typing.Any:
        """Runs ``name`` as a server: ``{code, data, error}`` (``{"status": "ok"}`` when not ``sync``)."""
        return await self._run(self.ffi.invoke(name, _data_json(data), sync, cancel))

    async def debug(self, name: str, data: typing.Any = ABSENT,
                    cancel: typing.Optional[CancelToken] = None) -> dict:
        """Runs ``name`` and returns its result with ``job_id``, ``execution_time``, ``billing_time``,
        ``mem_usage`` and ``log``."""
        return await self._run(self.ffi.debug(name, _data_json(data), cancel))

    async def list_functions(self, limit: typing.Optional[int] = None, offset: typing.Optional[int] = None) -> dict:
        """One page of functions: ``{meta, objects}``."""
        return await self._run(self.ffi.list_functions(limit, offset))

    async def get_function(self, name: str) -> dict:
        return await self._run(self.ffi.get_function(name))

    async def create_function(self, name: str, code: str, remark: typing.Optional[str] = None) -> dict:
        return await self._run(self.ffi.create_function(name, code, remark))

    async def update_function(self, name: str, code: typing.Optional[str] = None,
                              remark: typing.Optional[str] = None) -> dict:
        return await self._run(self.ffi.update_function(name, code, remark))

    async def delete_function(self, name: str) -> None:
        await self._run(self.ffi.delete_function(name))

    async def list_jobs(self, name: str, query: typing.Optional[JobQuery] = None) -> dict:
        """Function ``name``'s job records, filtered: ``{meta, objects}``."""
        return await self._run(self.ffi.list_jobs(name, query or JobQuery()))

    def __repr__(self) -> str:
        return "MinappServer(...)"
