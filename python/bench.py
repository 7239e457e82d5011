"""Times calls of adquaif.Kernel for capi/bench (run with PYTHONPATH=python).

python3 bench.py step|run N STEPS CALLS prints the process CPU time,
in nanoseconds, of CALLS calls of k.step (STEPS must be 1) or k.run of STEPS steps, on N
float32 neurons with BrainPy's defaults and a held input current."""

import sys
import time

import numpy as np

import adquaif


def main(mode, n, steps, calls):
    n, steps, calls = int(n), int(steps), int(calls)
    k = adquaif.Kernel(np.float32, dt=0.1, workers=0)
    V = np.full(n, -65, np.float32)
    w, last = np.zeros(n, np.float32), np.full(n, -1e7, np.float32)
    I = (np.float32(60) * np.arange(n, dtype=np.float32) / np.float32(n)).astype(np.float32)
    start = time.process_time_ns()
    if mode == "step":
        for c in range(calls):
            k.step(0.1 * c, V, w, last, I=I)
    else:
        for c in range(calls):
            k.run(0.1 * (c * steps), steps, V, w, last, I=I)
    print(time.process_time_ns() - start)


if __name__ == "__main__":
    main(*sys.argv[1:])
