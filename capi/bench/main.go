// Command bench measures what a call of the C API costs from C and from
// Python (package adquaif), side by side with the same call of the Go API:
//
//	go run ./capi/bench
//
// It builds libadquaif.so and capi/testdata/bench.c in a temporary
// directory, then takes turns between the three callers on each
// measurement (float32, BrainPy's defaults, a held input current, one
// thread) and prints medians: nanoseconds per call of one neuron's step,
// and neuron-steps per second of Step and of Run at larger sizes. Times are
// process CPU time, not wall time, so that other work on a shared machine
// (waiting for a core) does not enter them; they include the Go runtime's
// own threads, in the Go API's column too. Python runs
// with /usr/bin/python3 (Debian's, with python3-numpy) unless -python says
// otherwise; its row is left out if it cannot import numpy.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/adquaif/adquaif/kernel"
)

type measure struct {
	what                 string
	mode                 string // "step" or "run"
	n, steps, calls      int
	perCall, neuronSteps bool // report ns per call, steps/s
}

func main() {
	python := flag.String("python", "/usr/bin/python3", "the Python with numpy to measure")
	repeats := flag.Int("repeats", 5, "measurements per caller and row (the median is printed)")
	flag.Parse()
	log.SetFlags(0)
	root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		log.Fatalf("bench: go list -m: %v", err)
	}
	src := strings.TrimSpace(string(root))
	dir, err := os.MkdirTemp("", "adquaif-bench-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	lib := filepath.Join(dir, "libadquaif.so")
	run(src, "go", "build", "-buildmode=c-shared", "-o", lib, "./capi")
	cbench := filepath.Join(dir, "bench")
	run(src, "gcc", "-O2", "-std=c11", "-I", "capi", "capi/testdata/bench.c", "-o", cbench, "-L", dir, "-ladquaif", "-Wl,-rpath,"+dir)
	usePython := exec.Command(*python, "-c", "import numpy").Run() == nil
	if !usePython {
		fmt.Fprintf(os.Stderr, "bench: %s cannot import numpy: no Python column\n", *python)
	}
	rows := []measure{
		{"step, n=1 (ns per call)", "step", 1, 1, 200_000, true, false},
		{"step, n=4096", "step", 4096, 1, 20_000, false, true},
		{"run of 100 steps, n=4096", "run", 4096, 100, 400, false, true},
		{"step, n=1M", "step", 1 << 20, 1, 60, false, true},
		{"run of 100 steps, n=1M", "run", 1 << 20, 100, 3, false, true},
	}
	fmt.Printf("CPU paths: %s (using %s); process CPU time, medians of %d, taking turns\n\n", strings.Join(kernel.Available(), " "), kernel.ISA(), *repeats)
	fmt.Printf("%-36s %12s %12s %12s %10s\n", "float32, BrainPy's defaults", "Go API", "C", "Python", "Python/Go")
	for _, m := range rows {
		var goT, cT, pyT []float64
		for range *repeats {
			goT = append(goT, goCalls(m))
			cT = append(cT, external(src, cbench, m, nil))
			if usePython {
				pyT = append(pyT, external(src, *python, m, []string{filepath.Join(src, "python", "bench.py")},
					"PYTHONPATH="+filepath.Join(src, "python"), "ADQUAIF_LIB="+lib))
			}
		}
		cells := []string{}
		vals := []float64{}
		for _, ts := range [][]float64{goT, cT, pyT} {
			if len(ts) == 0 {
				cells = append(cells, "-")
				continue
			}
			slices.Sort(ts)
			ns := ts[len(ts)/2] / float64(m.calls) // per call
			v := ns
			cell := fmt.Sprintf("%.0f ns", ns)
			if m.neuronSteps {
				v = float64(m.n*m.steps) / ns * 1e9
				cell = si(v)
			}
			vals = append(vals, v)
			cells = append(cells, cell)
		}
		ratio := "-"
		if len(vals) == 3 {
			r := vals[2] / vals[0]
			if m.perCall {
				r = vals[0] / vals[2]
			}
			ratio = fmt.Sprintf("%.0f%%", 100*r)
		}
		fmt.Printf("%-36s %12s %12s %12s %10s\n", m.what, cells[0], cells[1], cells[2], ratio)
	}
	fmt.Println("\nsteps/s are neuron-steps per second; Python/Go is the share of the Go API's speed.")
}

func run(dir, name string, args ...string) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		log.Fatalf("bench: %s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// external runs a caller's timing program and returns its nanoseconds.
func external(dir, exe string, m measure, pre []string, env ...string) float64 {
	args := append(pre, m.mode, strconv.Itoa(m.n), strconv.Itoa(m.steps), strconv.Itoa(m.calls))
	cmd := exec.Command(exe, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		log.Fatalf("bench: %s %s: %v", exe, strings.Join(args, " "), err)
	}
	ns, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		log.Fatalf("bench: %s printed %q", exe, out)
	}
	return ns
}

// goCalls times the same calls of the Go API.
func goCalls(m measure) float64 {
	k, err := kernel.New(kernel.Config[float32]{Params: kernel.Defaults[float32](), DT: 0.1})
	if err != nil {
		log.Fatal(err)
	}
	b := kernel.Buffers[float32]{V: make([]float32, m.n), W: make([]float32, m.n), LastSpike: make([]float32, m.n), I: make([]float32, m.n)}
	for j := range m.n {
		b.V[j], b.LastSpike[j], b.I[j] = -65, -1e7, 60*float32(j)/float32(m.n)
	}
	start := cpuTime()
	for c := range m.calls {
		t := 0.1 * float32(c*m.steps)
		if m.mode == "step" {
			err = k.Step(t, b)
		} else {
			err = k.Run(t, m.steps, b)
		}
		if err != nil {
			log.Fatal(err)
		}
	}
	return float64(cpuTime() - start)
}

// cpuTime is the process's CPU time (user and system) in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		log.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// si formats x with a G, M or k suffix.
func si(x float64) string {
	switch {
	case x >= 1e9:
		return fmt.Sprintf("%.2f G", x/1e9)
	case x >= 1e6:
		return fmt.Sprintf("%.1f M", x/1e6)
	}
	return fmt.Sprintf("%.0f k", x/1e3)
}
