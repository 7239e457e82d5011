package adquaif_test

// Benchmarks of one Step over every execution path this CPU can run, named
// n=%d/isa=%s/dtype=%s so that benchstat can compare paths and sizes, and a
// baseline: the same formula as a straightforward Go loop with math.Expm1.
//
//	go test -run '^$' -bench . -count 10 | tee new.txt

import (
	"fmt"
	"math"
	"testing"
	"unsafe"

	"github.com/adquaif/adquaif/kernel"
)

var sizes = []int{1 << 10, 1 << 12, 1 << 16, 1 << 22}

func BenchmarkStep(b *testing.B) {
	saved := kernel.ISA()
	defer kernel.SetISA(saved)
	for _, n := range sizes {
		for _, isa := range kernel.Available() {
			b.Run(fmt.Sprintf("n=%d/isa=%s/dtype=float32", n, isa), func(b *testing.B) { benchStep[float32](b, n, isa) })
			b.Run(fmt.Sprintf("n=%d/isa=%s/dtype=float64", n, isa), func(b *testing.B) { benchStep[float64](b, n, isa) })
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

func benchStep[F kernel.Float](b *testing.B, n int, isa string) {
	if err := kernel.SetISA(isa); err != nil {
		b.Fatal(err)
	}
	k, err := kernel.New(kernel.Config[F]{Params: kernel.Defaults[F](), DT: 0.1})
	if err != nil {
		b.Fatal(err)
	}
	buf := population[F](n)
	var x F
	// Per neuron: V, W, LastSpike and I read; V, W, LastSpike and Spike written.
	b.SetBytes(int64(8 * n * int(unsafe.Sizeof(x))))
	b.ReportAllocs()
	t := F(0)
	for b.Loop() {
		if err := k.Step(t, buf); err != nil {
			b.Fatal(err)
		}
		t += 0.1
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}

// BenchmarkNaive is the formula as a straightforward Go loop over float32
// state, computing in float64 with math.Expm1: the baseline the generic path
// is measured against.
func BenchmarkNaive(b *testing.B) {
	for _, n := range sizes[:2] {
		b.Run(fmt.Sprintf("n=%d/dtype=float32", n), func(b *testing.B) {
			buf := population[float32](n)
			p := kernel.Defaults[float64]()
			const dt = 0.1
			b.SetBytes(int64(8 * n * 4))
			t := 0.0
			for b.Loop() {
				naiveStep(buf, p, dt, t)
				t += dt
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}

func naiveStep(b kernel.Buffers[float32], p kernel.Params[float64], dt, t float64) {
	exprel := func(z float64) float64 {
		if z == 0 {
			return 1
		}
		return math.Expm1(z) / z
	}
	for j := range b.V {
		V, w := float64(b.V[j]), float64(b.W[j])
		spk := 0.0
		if V >= p.VTh {
			spk = 1
		}
		v := V - (p.VTh-p.VReset)*spk
		u := w + p.B*spk
		f := (p.C*(v-p.VRest)*(v-p.VC) - p.R*u + p.R*float64(b.I[j])) / p.Tau
		J := p.C * ((v - p.VRest) + (v - p.VC)) / p.Tau
		vc := v + dt*exprel(dt*J)*f
		g := (p.A*(vc-p.VRest) - u) / p.TauW
		wc := u + dt*exprel(-dt/p.TauW)*g
		if t-float64(b.LastSpike[j]) < p.TauRef {
			vc, wc = v, u
		}
		b.V[j], b.W[j] = float32(vc), float32(wc)
		b.Spike[j] = 0
		if vc >= p.VTh {
			b.LastSpike[j] = float32(t)
			b.Spike[j] = 1
		}
	}
}
