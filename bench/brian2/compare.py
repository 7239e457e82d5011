"""Side by side: `adquaif network` and the same network in Brian2.

Builds the command and Brian2's cpp_standalone program once, then runs them
in turn (the command with a Run per delay window, then with a Step per step,
then Brian2), -repeats times, each on one thread (the command with
GOMAXPROCS=1 and the kernel's Workers at 0, Brian2 without OpenMP; with
-pin, both pinned to CPU 0 by taskset), and prints the medians of the
processor time per model second of the simulation loop (set-up and
compilation excluded on both sides), the rates and the ISI CV.

Processor time, because that is what Brian2 measures: its single-threaded
standalone program times its run loop with std::clock(), the process's
processor time. The command reports it too (getrusage, user and system),
beside its wall time; on a machine shared with other work the two differ,
and only processor time compares the two programs fairly.

    /usr/bin/python3 bench/brian2/compare.py -duration 1000 -repeats 5
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import coba  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


PIN = []


def pinned(cmd):
    return PIN + cmd


def go_run(binary, args):
    env = dict(os.environ, GOMAXPROCS="1")
    out = subprocess.run(pinned([binary, "network"] + args), check=True, capture_output=True, text=True, env=env).stdout

    def field(pattern):
        m = re.search(pattern, out, re.M)
        if not m:
            sys.exit("no %r in the output of adquaif network:\n%s" % (pattern, out))
        return m.group(1)

    def secs(text):
        return float(text.split()[0]) / (1000 if text.endswith(" ms") else 1)

    return dict(
        run_seconds=secs(field(r"^cpu time +([0-9.]+ m?s) ")),
        wall_seconds=secs(field(r"^wall time +([0-9.]+ m?s) ")),
        total_spikes=int(field(r"^total spikes (\d+)$")),
        rate_exc=float(field(r"^rates +excitatory ([0-9.]+) Hz")),
        rate_inh=float(field(r"inhibitory ([0-9.]+) Hz")),
        isi_cv=float(field(r"^ISI CV +([0-9.]+)")),
        path=field(r"^path +(\S+)"),
        shares=field(r"^time spent +(.*)$"),
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-duration", type=float, default=1000, help="model time in ms")
    ap.add_argument("-n", type=int, default=4000)
    ap.add_argument("-delay", type=float, default=1.0, help="synaptic delay in ms")
    ap.add_argument("-repeats", type=int, default=5, help="runs of each; the median is reported (at least 3)")
    ap.add_argument("-pin", action="store_true", help="pin both to CPU 0 with taskset")
    args = ap.parse_args()
    if args.pin:
        if not shutil.which("taskset"):
            sys.exit("-pin: no taskset on this machine")
        PIN.extend(["taskset", "-c", "0"])
    if args.repeats < 3:
        sys.exit("-repeats %d: want at least 3" % args.repeats)
    common = ["-duration", str(args.duration), "-n", str(args.n), "-delay", str(args.delay)]
    with tempfile.TemporaryDirectory() as tmp:
        binary = os.path.join(tmp, "adquaif")
        subprocess.run(["go", "build", "-o", binary, "./cmd/adquaif"], cwd=ROOT, check=True)
        project = os.path.join(tmp, "brian2")
        brian = coba.build(args.duration, project, args.n, args.delay)
        runs = {"adquaif (Run per window)": [], "adquaif -step (Step per step)": [], "Brian2 cpp_standalone": []}
        walls = {name: [] for name in runs}
        last = {}
        for _ in range(args.repeats):
            last["adquaif (Run per window)"] = go_run(binary, common)
            last["adquaif -step (Step per step)"] = go_run(binary, common + ["-step"])
            subprocess.run(pinned(["./main"]), cwd=project, check=True, capture_output=True)
            last["Brian2 cpp_standalone"] = dict(brian, run_seconds=coba.run_time(project))
            for name, r in last.items():
                runs[name].append(r["run_seconds"])
                if "wall_seconds" in r:
                    walls[name].append(r["wall_seconds"])
    sec = args.duration / 1000
    print("COBA network, %d neurons, %g ms, delay %g ms, dt 0.1 ms, float32, one thread%s; median (min-max) of %d runs, alternating"
          % (args.n, args.duration, args.delay, " pinned to CPU 0" if args.pin else "", args.repeats))
    print("kernel path: %s\n" % last["adquaif (Run per window)"]["path"])
    print("%-30s %22s %16s %8s %8s %7s %9s" % ("", "cpu per model second", "wall (median)", "E (Hz)", "I (Hz)", "ISI CV", "spikes"))
    for name, times in runs.items():
        r = last[name]
        wall = "%.1f ms" % (1000 * statistics.median(walls[name]) / sec) if walls[name] else "n/a"
        print("%-30s %9.1f ms (%.0f-%.0f) %16s %8.2f %8.2f %7.2f %9d" % (
            name, 1000 * statistics.median(times) / sec, 1000 * min(times) / sec, 1000 * max(times) / sec, wall,
            r["rate_exc"], r["rate_inh"], r["isi_cv"], r["total_spikes"]))
    print()
    for what, pick in (("medians", statistics.median), ("fastest runs", min)):
        go = pick(runs["adquaif (Run per window)"])
        print("%s: adquaif is %.2fx faster than Brian2 per model second (processor time), %.1fx real time; Run per window is %.2fx faster than Step per step"
              % (what, pick(runs["Brian2 cpp_standalone"]) / go, sec / go, pick(runs["adquaif -step (Step per step)"]) / go))
    print("adquaif time spent (last run): %s" % last["adquaif (Run per window)"]["shares"])


if __name__ == "__main__":
    main()
