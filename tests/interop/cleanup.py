# SPDX-License-Identifier: BSD-3-Clause
"""One cleanup list for the interop harness: try/finally, atexit and
SIGINT/SIGTERM/SIGHUP all run the same functions, last registered first."""

import atexit
import os
import signal
import sys

_cleanups = []
_installed = False


def register(fn):
    _install()
    _cleanups.append(fn)
    return fn


def unregister(fn):
    try:
        _cleanups.remove(fn)
    except ValueError:
        pass


def run_all():
    while _cleanups:
        fn = _cleanups.pop()
        try:
            fn()
        except Exception as e:  # keep cleaning up the rest
            print(f"[interop] cleanup {fn!r} failed: {e}", file=sys.stderr, flush=True)


def _on_signal(signum, _frame):
    print(f"[interop] signal {signum}: cleaning up", file=sys.stderr, flush=True)
    run_all()
    os._exit(128 + signum)


def _install():
    global _installed
    if _installed:
        return
    _installed = True
    atexit.register(run_all)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, _on_signal)
