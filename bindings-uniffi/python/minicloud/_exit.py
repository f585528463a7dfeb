"""Keeps the core's threads from calling into a finalizing interpreter.

uniffi resumes an awaiting coroutine from the Rust thread that finished the work: that thread runs
``loop.call_soon_threadsafe``, which releases the GIL while it writes to the loop's wake-up socket. The loop may
already run the resumed coroutine, the program may end, and the interpreter may start finalizing inside that
window; when the Rust thread then wants the GIL back, CPython (before 3.14) ends it with ``pthread_exit``, whose
forced unwind through the Rust frames aborts the whole process ("FATAL: exception not rethrown", at exit, after
the program's own work succeeded). The same holds for every other call from a Rust thread into Python (the
logger, a session store). So each of those counts itself in and out with :func:`guard`, and at exit the
interpreter waits, releasing the GIL, until none is left (at most :data:`EXIT_WAIT_SECONDS`).
"""

from __future__ import annotations

import atexit
import threading
import time
import types

#: The longest the interpreter waits at exit for the core's threads to leave Python.
EXIT_WAIT_SECONDS = 5.0

_lock = threading.Lock()
_active = 0
_installed: list = []


class guard:
    """``with guard():`` around Python code that a Rust thread runs."""

    def __enter__(self) -> None:
        global _active
        with _lock:
            _active += 1

    def __exit__(self, *exc: object) -> None:
        global _active
        with _lock:
            _active -= 1


def active() -> int:
    """How many Rust-thread calls into Python are running now."""
    return _active


def _wait_for_callbacks() -> None:
    deadline = time.monotonic() + EXIT_WAIT_SECONDS
    while _active and time.monotonic() < deadline:
        time.sleep(0.001)  # releases the GIL: the callback thread takes it back and returns to Rust


def install(ffi: types.ModuleType) -> None:
    """Replaces uniffi's continuation callback in the generated module ``ffi`` with one inside :func:`guard`
    (same behaviour: resolve the awaiting future on its loop), and waits for callbacks at exit."""
    handles = ffi._UniffiContinuationHandleMap
    set_result = ffi._uniffi_set_future_result

    @ffi._UNIFFI_RUST_FUTURE_CONTINUATION_CALLBACK
    def _guarded_continuation(future_ptr, poll_code):
        with guard():
            (eventloop, future) = handles.remove(future_ptr)
            eventloop.call_soon_threadsafe(set_result, future, poll_code)

    _installed.append(_guarded_continuation)  # the C function pointer lives as long as this object
    ffi._uniffi_continuation_callback = _guarded_continuation
    atexit.register(_wait_for_callbacks)
