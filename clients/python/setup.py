"""Builds the canary_shm C extension from the repository's one C header.

The header is not copied: it is found at ../../Sources/CCanaryShm/include
relative to this file (pip >= 21.3 builds in the source tree), or wherever
CANARY_SHM_INCLUDE points.
"""
import os

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
INCLUDE = os.environ.get("CANARY_SHM_INCLUDE") or os.path.normpath(
    os.path.join(HERE, "..", "..", "Sources", "CCanaryShm", "include"))
if not os.path.isfile(os.path.join(INCLUDE, "canary_shm.h")):
    raise SystemExit(
        f"canary_shm.h not found in {INCLUDE}: build from a checkout of the Canary repository "
        "(pip install ./clients/python), or set CANARY_SHM_INCLUDE to Sources/CCanaryShm/include")

setup(
    ext_modules=[
        Extension(
            "canary_shm._canary_shm",
            sources=["src/canary_shm/_canary_shm.c"],
            include_dirs=[INCLUDE],
            depends=[os.path.join(INCLUDE, "canary_shm.h")],
            extra_compile_args=["-std=c11", "-O2", "-Wall", "-Wextra"],
        )
    ],
)
