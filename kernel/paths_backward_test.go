package kernel

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/adquaif/adquaif/generic"
)

// The buffers of a Backward check, in order: Buffers' inputs, then Grads'.
const (
	bV = iota
	bW
	bLast
	bI
	bG
	bDelta
	bGV
	bGW
	bGSpike
	bGI
	bGG
	bGDelta
	numBack
)

var backNames = [numBack]string{"V", "W", "LastSpike", "I", "G", "Delta", "Grads.V", "Grads.W", "Grads.Spike", "Grads.I", "Grads.G", "Grads.Delta"}

// TestBackwardLanes runs Backward on every length 0..300 (100 with
// -short), each buffer in guarded memory at every placement, over soft and
// hard reset, homogeneous and per-neuron parameters (with batch rows), and
// every combination of the optional buffers, with the inputs of the path
// tests (special values included), on every path this CPU runs. Each
// neuron must get the bits of the generic backward program run on that
// neuron alone (a one-lane frame, the constants of its column), nothing
// outside the slices may change, and absent outputs are not written.
func TestBackwardLanes(t *testing.T) {
	defer SetISA(ISA())
	maxN := 300
	if testing.Short() {
		maxN = 100
	}
	for _, path := range Available() {
		if err := SetISA(path); err != nil {
			t.Fatal(err)
		}
		// A subtest per length, so that its guarded regions are unmapped
		// before the next (the whole test would pass the kernel's limit of
		// mappings).
		for n := 0; n <= maxN; n++ {
			t.Run(fmt.Sprintf("%s/n=%d", path, n), func(t *testing.T) {
				for p := placement(0); p < numPlacements; p++ {
					backwardLanes[float32](t, path, n, p)
					backwardLanes[float64](t, path, n, p)
				}
			})
		}
	}
}

func backwardLanes[F Float](t *testing.T, path string, n int, pl placement) {
	size := int(unsafe.Sizeof(F(0)))
	g := &gen[F]{r: rand.New(rand.NewPCG(uint64(n), uint64(pl)*2+uint64(size)+100)), sp: specials[F]()}
	var bufs [numBack]buffer
	for i := range bufs {
		bufs[i] = newBuffer(t, n, size, pl)
	}
	in := make([][]F, numBack)
	for i := range in {
		in[i] = make([]F, n)
	}
	for _, reset := range []Reset{SoftReset, HardReset} {
		for _, perNeuron := range []bool{false, true} {
			rows := 1
			if perNeuron && n > 0 && n%2 == 0 {
				rows = 2
			}
			pop := max(n/rows, 1)
			cfg := g.config(reset, perNeuron, pop)
			if g.r.IntN(2) == 0 {
				cfg.Surrogate = Surrogate[F]{Alpha: g.uniform(0.1, 1), Width: g.uniform(0.2, 3)}
			}
			k, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			// The constant table in guarded memory too: per-neuron
			// kernels read it per lane.
			cb := newBuffer(t, len(k.consts), size, pl)
			copy(floats[F](cb), k.consts)
			k.consts = floats[F](cb)
			for combo := 0; combo < 64; combo += 1 + g.r.IntN(3) {
				has := [numBack]bool{bV: true, bW: true, bLast: true, bGV: true, bGW: true,
					bI: combo&1 != 0, bG: combo&2 != 0, bDelta: combo&4 != 0, bGSpike: combo&8 != 0, bGI: combo&16 != 0, bGG: combo&32 != 0, bGDelta: combo&16 == 0}
				tm := []F{100, 1.75, 0, -1e30}[g.r.IntN(4)] // Backward refuses a t that is not finite
				for j := range n {
					in[bV][j], in[bW][j], in[bLast][j] = g.v(), g.other(10), g.last(cfg.Params.TauRef)
					in[bI][j], in[bG][j], in[bDelta][j] = g.other(60), g.cond(), g.other(5)
					in[bGV][j], in[bGW][j], in[bGSpike][j] = g.other(3), g.other(3), g.other(3)
					in[bGI][j], in[bGG][j], in[bGDelta][j] = 7, 7, 7 // the outputs must be written, or left alone when absent
				}
				got := make([][]F, numBack)
				for i := range got {
					got[i] = floats[F](bufs[i])
					copy(got[i], in[i])
				}
				opt := func(i int) []F {
					if !has[i] {
						return nil
					}
					return got[i]
				}
				b := Buffers[F]{V: got[bV], W: got[bW], LastSpike: got[bLast], I: opt(bI), G: opt(bG), Delta: opt(bDelta)}
				gr := Grads[F]{V: got[bGV], W: got[bGW], Spike: opt(bGSpike), I: opt(bGI), G: opt(bGG), Delta: opt(bGDelta)}
				if err := k.Backward(tm, b, gr); err != nil {
					t.Fatal(err)
				}
				what := func() string {
					return fmt.Sprintf("%s %T n=%d %s reset=%v perNeuron=%v (rows %d) has=%v t=%v", path, F(0), n, pl, reset, perNeuron, rows, has, tm)
				}
				for i := range bufs {
					if err := bufs[i].intact(); err != nil {
						t.Fatalf("%s: %s: %v", what(), backNames[i], err)
					}
				}
				for j := range n {
					want := oneLane(k, tm, in, has, j)
					for i := range got {
						if !sameBits(got[i][j], want[i]) {
							t.Fatalf("%s: %s[%d] = %v (%#x), alone %v; inputs V=%v W=%v Last=%v I=%v G=%v Delta=%v gV=%v gW=%v gS=%v", what(), backNames[i], j,
								got[i][j], bitsOf(got[i][j]), want[i], in[bV][j], in[bW][j], in[bLast][j], in[bI][j], in[bG][j], in[bDelta][j], in[bGV][j], in[bGW][j], in[bGSpike][j])
						}
					}
				}
			}
		}
	}
}

// oneLane is neuron j's every buffer after the backward program runs on
// it alone: a one-lane generic frame over copies of its values, with the
// constants of its column.
func oneLane[F Float](k *Kernel[F], tm F, in [][]F, has [numBack]bool, j int) [numBack]F {
	var v [numBack]F
	for i := range v {
		v[i] = in[i][j]
	}
	s := func(i int) []F {
		if !has[i] {
			return nil
		}
		return v[i : i+1]
	}
	col, stride := 0, 0
	if k.n > 0 {
		col, stride = j%k.n, k.n
	}
	ts := [1]F{tm}
	if unsafe.Sizeof(F(0)) == 4 {
		f := generic.Backward32{V: as[float32](s(bV)), W: as[float32](s(bW)), Last: as[float32](s(bLast)),
			I: as[float32](s(bI)), G: as[float32](s(bG)), Delta: as[float32](s(bDelta)),
			GV: as[float32](s(bGV)), GW: as[float32](s(bGW)), GSpike: as[float32](s(bGSpike)),
			GI: as[float32](s(bGI)), GG: as[float32](s(bGG)), GDelta: as[float32](s(bGDelta)),
			C: as[float32](k.consts[col:]), Stride: stride, N: 1, Steps: 1, T: as[float32](ts[:])}
		generic.BackwardF32(k.variant, &f)
		return v
	}
	f := generic.Backward64{V: as[float64](s(bV)), W: as[float64](s(bW)), Last: as[float64](s(bLast)),
		I: as[float64](s(bI)), G: as[float64](s(bG)), Delta: as[float64](s(bDelta)),
		GV: as[float64](s(bGV)), GW: as[float64](s(bGW)), GSpike: as[float64](s(bGSpike)),
		GI: as[float64](s(bGI)), GG: as[float64](s(bGG)), GDelta: as[float64](s(bGDelta)),
		C: as[float64](k.consts[col:]), Stride: stride, N: 1, Steps: 1, T: as[float64](ts[:])}
	generic.BackwardF64(k.variant, &f)
	return v
}

// TestBackwardWorkers: Config.Workers splits Backward into parts without
// changing a bit: every Workers from 2 to 4 gives Workers=1's results, on
// every path this CPU runs, over lengths that end in a partial vector and
// parts that start inside a batch row of a per-neuron kernel, with every
// optional buffer; and a split call allocates nothing once the pool is
// warm.
func TestBackwardWorkers(t *testing.T) {
	smallParts(t)
	defer SetISA(ISA())
	for _, path := range Available() {
		if err := SetISA(path); err != nil {
			t.Fatal(err)
		}
		for _, m := range []int{1, 65, 130, 195, 999, 4097} {
			for _, perNeuron := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/m=%d/perNeuron=%v", path, m, perNeuron), func(t *testing.T) {
					backwardWorkers[float32](t, m, perNeuron)
					backwardWorkers[float64](t, m, perNeuron)
				})
			}
		}
	}
	if raceDetector {
		return // the pooled state of parallel calls is dropped at random
	}
	k, err := New(Config[float32]{Params: Defaults[float32](), DT: 0.1, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	const m = 1 << 12
	mk := func() []float32 { return make([]float32, m) }
	b := Buffers[float32]{V: mk(), W: mk(), LastSpike: mk(), I: mk()}
	g := Grads[float32]{V: mk(), W: mk(), Spike: mk(), I: mk()}
	if k.parts(m, 1) != 2 {
		t.Fatalf("%d neurons make %d parts, want 2", m, k.parts(m, 1))
	}
	if err := k.Backward(1, b, g); err != nil { // warm the worker pool
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(10, func() { _ = k.Backward(1, b, g) }); a != 0 {
		t.Errorf("Backward with Workers=2 allocates %v times per call", a)
	}
}

// backwardWorkers compares Backward over m neurons split by Workers 2..4
// with one part; a per-neuron kernel has 3 batch rows of m/3 neurons or,
// for m not a multiple of 3, one.
func backwardWorkers[F Float](t *testing.T, m int, perNeuron bool) {
	g := &gen[F]{r: rand.New(rand.NewPCG(uint64(m), 77)), sp: specials[F]()}
	pop := m
	if perNeuron && m%3 == 0 {
		pop = m / 3
	}
	cfg := g.config(HardReset, perNeuron, pop)
	if m%2 == 0 {
		cfg.Reset = SoftReset
	}
	in := make([][]F, numBack)
	for i := range in {
		in[i] = make([]F, m)
	}
	tm := F(1.75)
	for j := range m {
		in[bV][j], in[bW][j], in[bLast][j] = g.v(), g.other(10), g.last(cfg.Params.TauRef)
		in[bI][j], in[bG][j], in[bDelta][j] = g.other(60), g.cond(), g.other(5)
		in[bGV][j], in[bGW][j], in[bGSpike][j] = g.other(3), g.other(3), g.other(3)
	}
	run := func(workers int) [][]F {
		cfg.Workers = workers
		k, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if want := min(workers, max(1, m/64)); k.parts(m, 1) != want {
			t.Fatalf("Workers=%d: %d parts of %d neurons, want %d", workers, k.parts(m, 1), m, want)
		}
		out := make([][]F, numBack)
		for i := range out {
			out[i] = append([]F(nil), in[i]...)
		}
		b := Buffers[F]{V: out[bV], W: out[bW], LastSpike: out[bLast], I: out[bI], G: out[bG], Delta: out[bDelta]}
		gr := Grads[F]{V: out[bGV], W: out[bGW], Spike: out[bGSpike], I: out[bGI], G: out[bGG], Delta: out[bGDelta]}
		if err := k.Backward(tm, b, gr); err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := run(1)
	for workers := 2; workers <= 4; workers++ {
		got := run(workers)
		for i := range got {
			for j := range got[i] {
				if !sameBits(got[i][j], want[i][j]) {
					t.Fatalf("%T Workers=%d: %s[%d] = %v, Workers=1 %v", F(0), workers, backNames[i], j, got[i][j], want[i][j])
				}
			}
		}
	}
}
