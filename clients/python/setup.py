"""Builds the canary_shm C extension from the repository's one C header.

Where the header comes from, first match wins:
  1. CANARY_SHM_INCLUDE (a directory holding canary_shm.h);
  2. include/ next to this file: an sdist (`python -m build`) carries a copy
     there, taken from the checkout when the sdist is made;
  3. ../../Sources/CCanaryShm/include: a checkout of the Canary repository.

Nothing is written into the source tree: setuptools' build directory and
egg-info go to a temporary directory (removed at exit), so `pip install
./clients/python` works from a read-only checkout and leaves it as it was.
"""
import atexit
import os
import shutil
import tempfile

from setuptools import Extension, setup
from setuptools.command.sdist import sdist

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKOUT_INCLUDE = os.path.normpath(os.path.join(HERE, "..", "..", "Sources", "CCanaryShm", "include"))


def header_directory():
    candidates = [os.environ.get("CANARY_SHM_INCLUDE"), os.path.join(HERE, "include"), CHECKOUT_INCLUDE]
    for directory in candidates:
        if directory and os.path.isfile(os.path.join(directory, "canary_shm.h")):
            return directory
    raise SystemExit(
        "canary_shm.h not found (looked in $CANARY_SHM_INCLUDE, ./include and "
        f"{CHECKOUT_INCLUDE}): build from a checkout of the Canary repository "
        "(pip install ./clients/python), from its sdist, or set CANARY_SHM_INCLUDE to Sources/CCanaryShm/include")


class SdistWithHeader(sdist):
    """Stages the release tree in the scratch directory (not next to this
    file) and puts the header into its include/."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        target = os.path.join(base_dir, "include")
        os.makedirs(target, exist_ok=True)
        shutil.copy2(os.path.join(header_directory(), "canary_shm.h"), target)

    def make_distribution(self):
        name = self.distribution.get_fullname()
        staging = tempfile.mkdtemp(dir=SCRATCH)
        self.make_release_tree(os.path.join(staging, name), self.filelist.files)
        base_name = os.path.join(os.path.abspath(self.dist_dir), name)
        self.archive_files = []
        for fmt in self.formats:
            archive = self.make_archive(base_name, fmt, root_dir=staging, base_dir=name, owner=self.owner, group=self.group)
            self.archive_files.append(archive)
            self.distribution.dist_files.append(("sdist", "", archive))


INCLUDE = header_directory()
SCRATCH = tempfile.mkdtemp(prefix="canary-shm-build-")
atexit.register(shutil.rmtree, SCRATCH, True)

setup(
    cmdclass={"sdist": SdistWithHeader},
    options={
        "build": {"build_base": os.path.join(SCRATCH, "build")},
        "egg_info": {"egg_base": SCRATCH},
    },
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
