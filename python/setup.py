"""Builds the package with its C library: go build -buildmode=c-shared of
../capi, or a copy of the library named by the environment variable
ADQUAIF_LIB (for machines without Go)."""

import os
import shutil
import subprocess
import sys

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LIBRARY = {"darwin": "libadquaif.dylib", "win32": "adquaif.dll"}.get(sys.platform, "libadquaif.so")


class BuildWithLibrary(build_py):
    def run(self):
        super().run()
        target = os.path.join(self.build_lib, "adquaif", LIBRARY)
        given = os.environ.get("ADQUAIF_LIB")
        if given:
            shutil.copyfile(given, target)
            return
        if not os.path.exists(os.path.join(ROOT, "go.mod")) or not os.path.isdir(os.path.join(ROOT, "capi")):
            sys.exit(f"adquaif: {ROOT} is not the adquaif source tree; set ADQUAIF_LIB to a built libadquaif")
        go = shutil.which("go") or "/usr/local/go/bin/go"
        subprocess.run([go, "build", "-buildmode=c-shared", "-o", os.path.abspath(target), "./capi"], cwd=ROOT, check=True)
        header = os.path.splitext(target)[0] + ".h"  # go build's own header; adquaif.h is the contract
        if os.path.exists(header):
            os.remove(header)


class WithLibrary(Distribution):
    def has_ext_modules(self):
        return True  # a platform wheel: the package carries a native library


setup(cmdclass={"build_py": BuildWithLibrary}, distclass=WithLibrary)
