package kernel

import (
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/adquaif/adquaif/generic"
)

// TestBackwardManySteps runs the backward programs' many-step section
// (Frame.Steps > 1: the step loop, which Backward itself never enters) on
// every path and compares the gradients with generic's, bit for bit: every
// variant, lengths 1..69, each optional stream present or absent, its rows
// one per step. The generated code of that section is the lowerings' too
// (states parked, values on the stack), so it is held to the same bits.
func TestBackwardManySteps(t *testing.T) {
	paths := Available()
	if len(paths) == 1 {
		t.Skipf("only %v runs here: nothing to compare", paths)
	}
	for _, name := range paths[:len(paths)-1] {
		var id isa
		for i, n := range isaNames {
			if n == name {
				id = isa(i)
			}
		}
		for seed := uint64(0); seed < 200; seed++ {
			backwardSteps[float32](t, id, seed)
			backwardSteps[float64](t, id, seed)
		}
	}
}

func backwardSteps[F Float](t *testing.T, id isa, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 7))
	g := &gen[F]{r: r, sp: specials[F](), t: F(r.IntN(1000)) * 0.1}
	n, steps := 1+r.IntN(69), 2+r.IntN(3)
	reset, per := Reset(r.IntN(2)), r.IntN(2) == 0
	cfg := g.config(reset, per, n)
	k, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	fill := func(rows int, f func() F) []F {
		s := make([]F, n*rows)
		for i := range s {
			s[i] = f()
		}
		return s
	}
	optional := func(f func() F) []F {
		if r.IntN(3) == 0 {
			return nil
		}
		return fill(steps, f)
	}
	V, W := fill(1, g.v), fill(1, func() F { return g.other(50) })
	last := fill(1, func() F { return g.last(cfg.Params.TauRef) })
	I, G, D := optional(func() F { return g.other(100) }), optional(func() F { return g.other(1) }), optional(func() F { return g.other(10) })
	GV, GW := fill(1, func() F { return g.other(2) }), fill(1, func() F { return g.other(2) })
	GS := optional(func() F { return g.other(2) })
	outs := [3]bool{r.IntN(2) == 0, r.IntN(2) == 0, r.IntN(2) == 0}
	T := make([]F, steps)
	for s := range T {
		T[s] = g.t + F(s)*cfg.DT
	}
	var rows [generic.BackwardNumStreams]int
	for i := range rows {
		rows[i] = n
	}
	stride := 0
	if per {
		stride = n
	}
	// run returns GV, GW, GI, GG, GDelta after the call on path p.
	run := func(p isa) [5][]F {
		o := [5][]F{append([]F(nil), GV...), append([]F(nil), GW...)}
		for i, want := range outs {
			if want {
				o[2+i] = fill(steps, func() F { return 12345 })
			}
		}
		if unsafe.Sizeof(F(0)) == 4 {
			f := generic.Backward32{V: as[float32](V), W: as[float32](W), Last: as[float32](last), I: as[float32](I), G: as[float32](G), Delta: as[float32](D),
				GV: as[float32](o[0]), GW: as[float32](o[1]), GSpike: as[float32](GS), GI: as[float32](o[2]), GG: as[float32](o[3]), GDelta: as[float32](o[4]),
				C: as[float32](k.consts), Stride: stride, N: n, Steps: steps, Rows: rows, T: as[float32](T)}
			backwardPath32(p, k.variant, &f)
		} else {
			f := generic.Backward64{V: as[float64](V), W: as[float64](W), Last: as[float64](last), I: as[float64](I), G: as[float64](G), Delta: as[float64](D),
				GV: as[float64](o[0]), GW: as[float64](o[1]), GSpike: as[float64](GS), GI: as[float64](o[2]), GG: as[float64](o[3]), GDelta: as[float64](o[4]),
				C: as[float64](k.consts), Stride: stride, N: n, Steps: steps, Rows: rows, T: as[float64](T)}
			backwardPath64(p, k.variant, &f)
		}
		return o
	}
	want, got := run(isaGeneric), run(id)
	for b, name := range [...]string{"GV", "GW", "GI", "GG", "GDelta"} {
		for i := range want[b] {
			if !sameBits(got[b][i], want[b][i]) {
				t.Fatalf("%v, seed %d (n %d, %d steps, %v, per-neuron %v): %s[%d] = %v, generic %v", id, seed, n, steps, reset, per, name, i, got[b][i], want[b][i])
			}
		}
	}
}
