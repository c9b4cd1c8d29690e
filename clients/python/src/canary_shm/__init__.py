"""Canary shared-memory client: record samples, route requests.

Built by pip from Sources/CCanaryShm/include/canary_shm.h, the same C
implementation the Swift agent uses. See README.md.
"""
from ._canary_shm import LAYOUT_VERSION, Recorder, RoutePage, ShmError, key_hash, unlink

OK, CLIENT_ERROR, SERVER_ERROR, TIMEOUT = 0, 1, 2, 3

__all__ = [
    "LAYOUT_VERSION", "Recorder", "RoutePage", "ShmError", "key_hash", "unlink",
    "OK", "CLIENT_ERROR", "SERVER_ERROR", "TIMEOUT",
]
