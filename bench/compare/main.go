//go:build cgo

// Command compare runs the library's paths side by side with the references
// that issue targets are stated against, in one process, and prints a table
// of medians and ratios:
//
//   - the same formula as a plain C loop (ref.c), built with
//     gcc -O3 -march=native -ffast-math, vectorised with glibc's libmvec;
//   - the memory roofline: a C loop that reads and writes the bytes one
//     step moves (4 arrays in, 4 out);
//   - the straightforward Go loop of package bench/naive.
//
// Run it with
//
//	go run ./bench/compare
//
// Each figure is the median of several timed repeats of many steps, so
// ratios taken from one run compare like with like on a noisy machine.
package main

/*
#cgo CFLAGS: -O3 -march=native -ffast-math
#cgo LDFLAGS: -lm
#include "ref.h"
*/
import "C"

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unsafe"

	"github.com/adquaif/adquaif/bench/naive"
	"github.com/adquaif/adquaif/kernel"
)

var (
	repeats = flag.Int("repeats", 7, "timed repeats per figure; the median is reported")
	target  = flag.Duration("time", 100*time.Millisecond, "approximate duration of one repeat")
	large   = flag.Int("large", 1<<24, "neurons for the out-of-cache rows")
)

func main() {
	flag.Parse()
	fmt.Printf("CPU: %s, %d-core; paths: %s\n\n", cpuName(), runtime.NumCPU(), strings.Join(kernel.Available(), " "))
	best := kernel.Available()[0]
	var rows []row

	c32 := measure(4096, func(n, steps int, s *state[float32]) { s.c32(steps) })
	o32 := measureStep[float32](4096, best)
	rows = append(rows, row{"float32, n=4096: " + best + " vs C -O3 -ffast-math", o32, c32, 2.0})

	c64 := measure(4096, func(n, steps int, s *state[float64]) { s.c64(steps) })
	o64 := measureStep[float64](4096, best)
	rows = append(rows, row{"float64, n=4096: " + best + " vs C double", o64, c64, 2.0})

	// A conductance input moves one more stream: its cost against the same
	// population without it (the target: within 10%), the two measured in
	// turn, three times each, and the medians compared.
	var with, without [3]float64
	for i := range with {
		without[i] = measureStep[float32](4096, best)
		with[i] = measureSteps[float32](4096, best, 1, false, 1, true)
	}
	rows = append(rows, row{"float32, n=4096: " + best + " with G vs without", median(with[:]), median(without[:]), 1 / 1.1})

	cp := measure(*large, func(n, steps int, s *state[float32]) { s.copy(steps) })
	ol := measureStep[float32](*large, best)
	rows = append(rows, row{fmt.Sprintf("float32, n=%s: %s vs copy roofline", size(*large), best), ol, cp, 0.8})

	nv := measure(4096, func(n, steps int, s *state[float32]) {
		p := kernel.Defaults[float64]()
		t0 := s.clock(steps)
		for i := range steps {
			naive.Step(s.buffers(), p, 0.1, t0+float64(i)*0.1)
		}
	})
	og := measureStep[float32](4096, "generic")
	rows = append(rows, row{"generic float32, n=4096 vs Go loop with math.Expm1", og, nv, 3.0})

	const runSteps = 64 // a path call's chunk
	stepLoop := measureSteps[float32](*large, best, runSteps, false, 1, false)
	run := measureSteps[float32](*large, best, runSteps, true, 1, false)
	rows = append(rows, row{fmt.Sprintf("Run of %d steps vs a Step loop, n=%s, %s", runSteps, size(*large), best), run, stepLoop, 3.0})

	w1 := measureSteps[float32](*large/4, best, 1, false, 1, false)
	w2 := measureSteps[float32](*large/4, best, 1, false, 2, false)
	rows = append(rows, row{fmt.Sprintf("Workers: 2 vs 1, n=%s, %s, Step", size(*large/4), best), w2, w1, 1.8})
	r1 := measureSteps[float32](*large/4, best, runSteps, true, 1, false)
	r2 := measureSteps[float32](*large/4, best, runSteps, true, 2, false)
	rows = append(rows, row{fmt.Sprintf("Workers: 2 vs 1, n=%s, %s, Run of %d steps", size(*large/4), best, runSteps), r2, r1, 1.8})

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "what\tsteps/s\tbaseline steps/s\tratio\ttarget\tmet\t")
	for _, r := range rows {
		ratio := r.ours / r.base
		met := "yes"
		if ratio < r.target {
			met = "NO"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t>= %.2f\t%s\t\n", r.what, si(r.ours), si(r.base), ratio, r.target, met)
	}
	tw.Flush()
}

type row struct {
	what       string
	ours, base float64 // neuron-steps per second
	target     float64
}

// state is one population's buffers, in Go memory shared with C.
type state[F kernel.Float] struct {
	V, W, L, I, S []F
	G             []F // nil: no conductance input
	step          int // steps taken: time goes on across runs, as in a simulation
}

// clock returns the time of the next step and advances the count by steps.
func (s *state[F]) clock(steps int) float64 {
	t := float64(s.step) * 0.1
	s.step += steps
	return t
}

func newState[F kernel.Float](n int) *state[F] {
	s := &state[F]{V: make([]F, n), W: make([]F, n), L: make([]F, n), I: make([]F, n), S: make([]F, n)}
	for j := range n {
		s.V[j] = F(-70 + 45*float64(j%97)/97)
		s.W[j] = F(j % 5)
		s.L[j] = -1e7
		s.I[j] = F(j % 60)
	}
	return s
}

func (s *state[F]) buffers() kernel.Buffers[F] {
	return kernel.Buffers[F]{V: s.V, W: s.W, LastSpike: s.L, I: s.I, G: s.G, Spike: s.S}
}

func ptr[T, F any](s []F) *T { return (*T)(unsafe.Pointer(unsafe.SliceData(s))) }

func (s *state[F]) c32(steps int) {
	p := kernel.Defaults[float32]()
	cp := C.struct_params32{C.float(p.R), C.float(p.Tau), C.float(p.TauW), C.float(p.TauRef), C.float(p.VTh),
		C.float(p.VReset), C.float(p.VRest), C.float(p.VC), C.float(p.C), C.float(p.A), C.float(p.B), 0.1}
	C.ref_step_f32(C.long(len(s.V)), C.int(steps), C.float(s.clock(steps)), &cp, ptr[C.float](s.V), ptr[C.float](s.W), ptr[C.float](s.L), ptr[C.float](s.I), ptr[C.float](s.S))
}

func (s *state[F]) c64(steps int) {
	p := kernel.Defaults[float64]()
	cp := C.struct_params64{C.double(p.R), C.double(p.Tau), C.double(p.TauW), C.double(p.TauRef), C.double(p.VTh),
		C.double(p.VReset), C.double(p.VRest), C.double(p.VC), C.double(p.C), C.double(p.A), C.double(p.B), 0.1}
	C.ref_step_f64(C.long(len(s.V)), C.int(steps), C.double(s.clock(steps)), &cp, ptr[C.double](s.V), ptr[C.double](s.W), ptr[C.double](s.L), ptr[C.double](s.I), ptr[C.double](s.S))
}

func (s *state[F]) copy(steps int) {
	C.copy_f32(C.long(len(s.V)), C.int(steps), ptr[C.float](s.V), ptr[C.float](s.W), ptr[C.float](s.L), ptr[C.float](s.I), ptr[C.float](s.S))
}

// measureStep measures one Step per call, on the calling goroutine.
func measureStep[F kernel.Float](n int, isa string) float64 {
	return measureSteps[F](n, isa, 1, false, 1, false)
}

// measureSteps measures a kernel with the given workers advancing steps
// steps per call, by Run or by a loop of Step; withG adds a conductance
// input as the library's BenchmarkStep does: G of up to 0.6 S with reversal
// potential -70 mV (I += G*E), which keeps the currents near newState's.
func measureSteps[F kernel.Float](n int, isa string, steps int, byRun bool, workers int, withG bool) float64 {
	if err := kernel.SetISA(isa); err != nil {
		fail(err)
	}
	k, err := kernel.New(kernel.Config[F]{Params: kernel.Defaults[F](), DT: 0.1, Workers: workers})
	if err != nil {
		fail(err)
	}
	s := newState[F](n)
	if withG {
		s.G = make([]F, n)
		for j := range n {
			s.G[j] = F(0.1 * float64(j%7))
			s.I[j] += s.G[j] * -70
		}
	}
	return float64(steps) * measureOn(s, func(n, reps int, s *state[F]) {
		b := s.buffers()
		for range reps {
			t0 := F(s.clock(steps))
			if byRun {
				err = k.Run(t0, steps, b)
			} else {
				for i := range steps {
					err = k.Step(t0+F(F(i)*0.1), b)
				}
			}
			if err != nil {
				fail(err)
			}
		}
	})
}

// measure returns the median neuron-steps per second of run over repeats,
// each about *target long, on a fresh population of n neurons.
func measure[F kernel.Float](n int, run func(n, steps int, s *state[F])) float64 {
	return measureOn(newState[F](n), run)
}

// measureOn is measure on the population s.
func measureOn[F kernel.Float](s *state[F], run func(n, steps int, s *state[F])) float64 {
	n := len(s.V)
	run(n, 1, s) // warm up: page in the buffers, settle the clock
	steps := 1
	for {
		start := time.Now()
		run(n, steps, s)
		if d := time.Since(start); d > *target/4 {
			steps = max(1, int(float64(steps)*float64(*target)/float64(d)))
			break
		}
		steps *= 4
	}
	rates := make([]float64, *repeats)
	for i := range rates {
		start := time.Now()
		run(n, steps, s)
		rates[i] = float64(n) * float64(steps) / time.Since(start).Seconds()
	}
	return median(rates)
}

func median(xs []float64) float64 {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	return xs[len(xs)/2]
}

func si(x float64) string {
	switch {
	case x >= 1e9:
		return fmt.Sprintf("%.2fG", x/1e9)
	case x >= 1e6:
		return fmt.Sprintf("%.1fM", x/1e6)
	}
	return fmt.Sprintf("%.0f", x)
}

func size(n int) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%dM", n>>20)
	}
	return fmt.Sprint(n)
}

func cpuName() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
			}
		}
	}
	return "unknown CPU"
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "compare:", err)
	os.Exit(1)
}
