"""The interpreter never finalizes while a core thread is inside Python (see minicloud/_exit.py)."""

import subprocess
import sys

import minicloud
from minicloud import _exit


def test_uniffis_continuation_callback_is_the_guarded_one():
    assert minicloud._generated._uniffi_continuation_callback in _exit._installed


def test_exit_waits_for_a_thread_inside_a_callback():
    # A daemon thread stands in for a Rust thread resuming a coroutine: it is inside the guard, without the GIL,
    # when the program ends. Without the wait it would be cut off (and a Rust thread would abort the process).
    script = """
import os, threading, time, minicloud
from minicloud import _exit
inside = threading.Event()
def callback():
    with _exit.guard():
        inside.set()
        time.sleep(0.3)
        os.write(1, "回调已返回 ✅\\n".encode())
threading.Thread(target=callback, daemon=True).start()
inside.wait()
print("main done", flush=True)
"""
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, encoding="utf-8",
                         timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "main done\n回调已返回 ✅\n"
