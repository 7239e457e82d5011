package adquaif_test

// Benchmarks of one Step over every execution path this CPU can run, named
// n=%d/isa=%s/dtype=%s so that benchstat can compare paths and sizes, and a
// baseline: the same formula as a straightforward Go loop with math.Expm1.
//
//	go test -run '^$' -bench . -count 10 | tee new.txt

import (
	"fmt"
	"slices"
	"testing"
	"unsafe"

	"github.com/adquaif/adquaif/bench/naive"
	"github.com/adquaif/adquaif/kernel"
)

var sizes = []int{1 << 10, 1 << 12, 1 << 16, 1 << 22, 1 << 24}

func BenchmarkStep(b *testing.B) {
	saved := kernel.ISA()
	defer kernel.SetISA(saved)
	for _, n := range sizes {
		for _, isa := range kernel.Available() {
			b.Run(fmt.Sprintf("n=%d/isa=%s/dtype=float32", n, isa), func(b *testing.B) { benchStep[float32](b, n, isa, false) })
			b.Run(fmt.Sprintf("n=%d/isa=%s/dtype=float64", n, isa), func(b *testing.B) { benchStep[float64](b, n, isa, false) })
			// With a conductance input as well: BrainPy's COBA synapses.
			b.Run(fmt.Sprintf("n=%d/isa=%s/dtype=float32/input=G", n, isa), func(b *testing.B) { benchStep[float32](b, n, isa, true) })
			b.Run(fmt.Sprintf("n=%d/isa=%s/dtype=float64/input=G", n, isa), func(b *testing.B) { benchStep[float64](b, n, isa, true) })
		}
	}
}

// population is a state in the regime a simulation sees: a spread of
// potentials and inputs, some neurons spiking and refractory.
func population[F kernel.Float](n int) kernel.Buffers[F] {
	b := kernel.Buffers[F]{V: make([]F, n), W: make([]F, n), LastSpike: make([]F, n), I: make([]F, n), Spike: make([]F, n)}
	for j := range n {
		b.V[j] = F(-70 + 45*float64(j%97)/97)
		b.W[j] = F(j % 5)
		b.LastSpike[j] = F(-1e7)
		b.I[j] = F(j % 60)
	}
	return b
}

// benchStep times Step on population(n), with a conductance input too if
// withG: G of up to 0.6 S with reversal potential -70 mV (I += G*E), which
// keeps the input currents near population's.
func benchStep[F kernel.Float](b *testing.B, n int, isa string, withG bool) {
	if err := kernel.SetISA(isa); err != nil {
		b.Fatal(err)
	}
	k, err := kernel.New(kernel.Config[F]{Params: kernel.Defaults[F](), DT: 0.1})
	if err != nil {
		b.Fatal(err)
	}
	buf := population[F](n)
	streams := 8 // per neuron: V, W, LastSpike and I read; V, W, LastSpike and Spike written
	if withG {
		buf.G = make([]F, n)
		for j := range n {
			buf.G[j] = F(0.1 * float64(j%7))
			buf.I[j] += F(buf.G[j] * -70)
		}
		streams++
	}
	var x F
	b.SetBytes(int64(streams * n * int(unsafe.Sizeof(x))))
	stepLoop(b, k, buf)
}

// stepLoop times Step on buf and reports neuron-steps per second.
func stepLoop[F kernel.Float](b *testing.B, k *kernel.Kernel[F], buf kernel.Buffers[F]) {
	b.ReportAllocs()
	t := F(0)
	for b.Loop() {
		if err := k.Step(t, buf); err != nil {
			b.Fatal(err)
		}
		t += 0.1
	}
	b.ReportMetric(float64(len(buf.V))*float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}

// BenchmarkBackward times Backward beside Step, on every path: the same
// population, with gradients of V', w' and spike' in and dL/dI out.
func BenchmarkBackward(b *testing.B) {
	saved := kernel.ISA()
	defer kernel.SetISA(saved)
	for _, n := range sizes[:4] {
		for _, isa := range kernel.Available() {
			b.Run(fmt.Sprintf("n=%d/isa=%s/dtype=float32", n, isa), func(b *testing.B) { benchBackward[float32](b, n, isa, 1) })
			b.Run(fmt.Sprintf("n=%d/isa=%s/dtype=float64", n, isa), func(b *testing.B) { benchBackward[float64](b, n, isa, 1) })
		}
	}
}

// BenchmarkBackwardWorkers measures Backward split across goroutines.
func BenchmarkBackwardWorkers(b *testing.B) {
	const n = 1 << 20
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("n=%d/isa=%s/dtype=float32/workers=%d", n, kernel.ISA(), w), func(b *testing.B) { benchBackward[float32](b, n, kernel.ISA(), w) })
	}
}

func benchBackward[F kernel.Float](b *testing.B, n int, isa string, workers int) {
	if err := kernel.SetISA(isa); err != nil {
		b.Fatal(err)
	}
	k, err := kernel.New(kernel.Config[F]{Params: kernel.Defaults[F](), DT: 0.1, Workers: workers})
	if err != nil {
		b.Fatal(err)
	}
	buf := population[F](n)
	g := kernel.Grads[F]{V: make([]F, n), W: make([]F, n), Spike: make([]F, n), I: make([]F, n)}
	for j := range n {
		g.V[j], g.W[j], g.Spike[j] = F(j%7)/7, F(j%3)/3, 1
	}
	// Backward works in place on a fixed state here, so the gradients of
	// the neurons that the surrogate does not reach shrink by a constant
	// factor per call and turn subnormal after a few thousand calls, where
	// Intel's FPUs take a microcode assist per instruction: refilling them
	// every refill calls keeps them normal, at a cost of a copy spread
	// over that many calls.
	const refill = 256
	gV, gW := slices.Clone(g.V), slices.Clone(g.W)
	var x F
	// Per neuron: V, W, LastSpike, I and the gradients V, W, Spike read;
	// the gradients V, W and I written.
	b.SetBytes(int64(10 * n * int(unsafe.Sizeof(x))))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%refill == 0 {
			copy(g.V, gV)
			copy(g.W, gW)
		}
		if err := k.Backward(1, buf, g); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}

// BenchmarkNaive is the baseline the generic path is measured against: the
// formula as a straightforward Go loop (package bench/naive).
func BenchmarkNaive(b *testing.B) {
	for _, n := range sizes[:2] {
		b.Run(fmt.Sprintf("n=%d/dtype=float32", n), func(b *testing.B) {
			buf := population[float32](n)
			p := kernel.Defaults[float64]()
			const dt = 0.1
			b.SetBytes(int64(8 * n * 4))
			t := 0.0
			for b.Loop() {
				naive.Step(buf, p, dt, t)
				t += dt
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}

// BenchmarkRun compares Run over many steps (the state crosses memory once
// per call) with the same steps as a loop of Step calls, input held.
func BenchmarkRun(b *testing.B) {
	const steps = 16
	for _, n := range []int{1 << 16, 1 << 22} {
		for _, mode := range []string{"run", "step-loop"} {
			b.Run(fmt.Sprintf("n=%d/isa=%s/dtype=float32/steps=%d/%s", n, kernel.ISA(), steps, mode), func(b *testing.B) {
				k, err := kernel.New(kernel.Config[float32]{Params: kernel.Defaults[float32](), DT: 0.1})
				if err != nil {
					b.Fatal(err)
				}
				buf := population[float32](n)
				b.SetBytes(int64(8 * n * 4 * steps))
				for b.Loop() {
					if mode == "run" {
						err = k.Run(0, steps, buf)
					} else {
						for s := range steps {
							err = k.Step(float32(s)*0.1, buf)
						}
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n)*steps*float64(b.N)/b.Elapsed().Seconds(), "steps/s")
			})
		}
	}
}

// BenchmarkWorkers measures Step split across goroutines.
func BenchmarkWorkers(b *testing.B) {
	for _, n := range []int{1 << 18, 1 << 22} {
		benchWorkers(b, n)
	}
}

func benchWorkers(b *testing.B, n int) {
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("n=%d/isa=%s/dtype=float32/workers=%d", n, kernel.ISA(), w), func(b *testing.B) {
			k, err := kernel.New(kernel.Config[float32]{Params: kernel.Defaults[float32](), DT: 0.1, Workers: w})
			if err != nil {
				b.Fatal(err)
			}
			buf := population[float32](n)
			b.SetBytes(int64(8 * n * 4))
			stepLoop(b, k, buf)
		})
	}
}

// BenchmarkSpikeOutputs measures the cost of the compact spike outputs.
func BenchmarkSpikeOutputs(b *testing.B) {
	const n = 1 << 16
	for _, out := range []string{"spike", "bits", "index"} {
		b.Run(fmt.Sprintf("n=%d/isa=%s/dtype=float32/out=%s", n, kernel.ISA(), out), func(b *testing.B) {
			k, err := kernel.New(kernel.Config[float32]{Params: kernel.Defaults[float32](), DT: 0.1})
			if err != nil {
				b.Fatal(err)
			}
			buf := population[float32](n)
			index := make([]int32, 0, n)
			switch out {
			case "bits":
				buf.Spike, buf.SpikeBits = nil, make([]uint64, n/64)
			case "index":
				buf.Spike, buf.SpikeIndex = nil, &index
			}
			stepLoop(b, k, buf)
		})
	}
}

// BenchmarkExpon times Expon, the input rows of two exponential
// conductances, on every path, with E_e = 0 (the program without its term)
// and E_e = -10.
func BenchmarkExpon(b *testing.B) {
	saved := kernel.ISA()
	defer kernel.SetISA(saved)
	for _, n := range sizes[:3] {
		for _, isa := range kernel.Available() {
			for _, eE := range []float64{0, -10} {
				b.Run(fmt.Sprintf("n=%d/isa=%s/dtype=float32/eE=%v", n, isa, eE), func(b *testing.B) { benchExpon(b, n, isa, float32(eE)) })
				b.Run(fmt.Sprintf("n=%d/isa=%s/dtype=float64/eE=%v", n, isa, eE), func(b *testing.B) { benchExpon(b, n, isa, eE) })
			}
		}
	}
}

func benchExpon[F kernel.Float](b *testing.B, n int, isa string, eE F) {
	if err := kernel.SetISA(isa); err != nil {
		b.Fatal(err)
	}
	c := kernel.Conductances[F]{GE: make([]F, n), GI: make([]F, n), Drive: make([]F, n), I: make([]F, n), G: make([]F, n)}
	for j := range n {
		c.GE[j], c.GI[j], c.Drive[j] = F(0.1*float64(j%11)), F(1.2*float64(j%3)), F(36+float64(j%7))
	}
	var x F
	b.SetBytes(int64(5 * n * int(unsafe.Sizeof(x)))) // GE, GI, Drive read; I, G written
	b.ReportAllocs()
	for b.Loop() {
		if err := kernel.Expon(c, 0.98, 0.99, eE, -80); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}
