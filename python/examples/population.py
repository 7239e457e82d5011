"""capi/example/population.c in Python: 1000 AdQuaIFRef neurons with
BrainPy's defaults, input currents spread from 0 to 60 mA, one second at
dt = 0.1 ms; prints the spike count of every 100th neuron.

PYTHONPATH=python ADQUAIF_LIB=./libadquaif.so python3 python/examples/population.py"""

import numpy as np

import adquaif

n, chunk, steps = 1000, 100, 10_000
k = adquaif.Kernel(np.float32, dt=0.1)
V = np.full(n, -65, np.float32)
w, last = np.zeros(n, np.float32), np.full(n, -1e7, np.float32)
I = np.float32(60) * np.arange(n, dtype=np.float32) / np.float32(n)  # mA
spike = np.zeros((chunk, n), np.float32)  # a row per step
count = np.zeros(n, np.int64)
for s in range(0, steps, chunk):
    k.run(np.float32(0.1) * np.float32(s), chunk, V, w, last, I=I, spike=spike)
    count += spike.sum(axis=0).astype(np.int64)
print(f"path {adquaif.isa()}: {n} neurons, 1 s, {count.sum()} spikes")
for j in range(0, n, 100):
    print(f"I = {I[j]:4.1f} mA: {count[j]:3d} spikes")
