"""The Go API's results for the bit-identity tests, from capi/apiref."""

import base64
import json
import os
import shutil
import subprocess
import unittest

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _b64(a):
    return None if a is None else base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()


def go_api(cases):
    """Runs cases (dicts of apiref's Case fields, arrays as numpy arrays)
    through the Go API and returns its results, arrays as bytes. Skips the
    test when go or the source tree is not at hand."""
    go = shutil.which("go") or ("/usr/local/go/bin/go" if os.path.exists("/usr/local/go/bin/go") else None)
    if go is None or not os.path.exists(os.path.join(ROOT, "capi", "apiref", "main.go")):
        raise unittest.SkipTest("the Go API's results need go and the source tree (capi/apiref)")
    enc = []
    for c in cases:
        e = {}
        for k, v in c.items():
            if isinstance(v, np.ndarray):
                e[k] = _b64(v)
            elif k == "PerNeuron":
                e[k] = {name: _b64(a) for name, a in v.items()}
            else:
                e[k] = v
        enc.append(e)
    out = subprocess.run([go, "run", "./capi/apiref"], cwd=ROOT, input=json.dumps(enc).encode(),
                         capture_output=True, check=True).stdout
    res = json.loads(out)
    for r in res:
        for k, v in r.items():
            if k != "Error" and v is not None:
                r[k] = base64.b64decode(v)
    return res
