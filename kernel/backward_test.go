package kernel_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/adquaif/adquaif/internal/reference"
	"github.com/adquaif/adquaif/kernel"
)

// backPop is one Backward call: a population (the state before the step
// and its inputs), the conductance, and the gradients after the step.
type backPop[F kernel.Float] struct {
	population[F]
	gv, gw, gs      []F // gs nil: absent
	noGI, noGG, noD bool
}

func (p *backPop[F]) input(j int) reference.BackInput {
	alpha, width := float64(p.cfg.Surrogate.Alpha), float64(p.cfg.Surrogate.Width)
	if alpha == 0 {
		alpha = float64(F(0.3))
	}
	if width == 0 {
		width = 1
	}
	return reference.BackInput{Input: p.population.input(j), Surrogate: reference.Surrogate{Alpha: alpha, Width: width},
		GV: float64(p.gv[j]), GW: float64(p.gw[j]), GS: at(p.gs, j)}
}

// backResult is Backward's output.
type backResult[F kernel.Float] struct{ v, w, i, g, delta []F }

func (p *backPop[F]) backward(tb testing.TB) *backResult[F] {
	tb.Helper()
	k, err := kernel.New(p.cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	r := &backResult[F]{v: slices.Clone(p.gv), w: slices.Clone(p.gw)}
	m := len(p.v)
	if !p.noGI {
		r.i = make([]F, m)
	}
	if !p.noGG {
		r.g = make([]F, m)
	}
	if !p.noD {
		r.delta = make([]F, m)
	}
	b := kernel.Buffers[F]{V: p.v, W: p.w, LastSpike: p.last, I: p.i, G: p.g, Delta: p.delta}
	g := kernel.Grads[F]{V: r.v, W: r.w, Spike: p.gs, I: r.i, G: r.g, Delta: r.delta}
	if err := k.Backward(p.t, b, g); err != nil {
		tb.Fatalf("Backward: %v", err)
	}
	return r
}

func (r *backResult[F]) output(j int) reference.BackOutput {
	o := reference.BackOutput{V: float64(r.v[j]), W: float64(r.w[j])}
	if r.i != nil {
		o.I, o.HasI = float64(r.i[j]), true
	}
	if r.g != nil {
		o.G, o.HasG = float64(r.g[j]), true
	}
	if r.delta != nil {
		o.Delta, o.HasDelta = float64(r.delta[j]), true
	}
	return o
}

// checkBackward runs p's Backward and checks every neuron against the
// reference; it returns the largest error seen in units of ε·SX + η·A.
func checkBackward[F kernel.Float](t *testing.T, name string, p *backPop[F]) float64 {
	t.Helper()
	f := format[F]()
	r := p.backward(t)
	worst, fails := 0.0, 0
	for j := range p.v {
		in, out := p.input(j), r.output(j)
		if !in.Finite() {
			continue
		}
		ex := reference.ComputeBackward(f, &in)
		if err := ex.Check(f, &in, &out); err != nil {
			t.Errorf("%s: neuron %d: %v", name, j, err)
			if fails++; fails > 5 {
				t.FailNow()
			}
			continue
		}
		g := ex.Taken(f, &out)
		for _, c := range []struct {
			got float64
			q   *reference.Quantity
			has bool
		}{{out.V, &g.V, true}, {out.W, &g.W, true}, {out.I, &g.I, out.HasI}, {out.G, &g.G, out.HasG}, {out.Delta, &g.Delta, out.HasDelta}} {
			if u := reference.Units(f, c.got, c.q, true); c.has && !math.IsInf(u, 0) {
				worst = max(worst, u)
			}
		}
	}
	return worst
}

// randomBack draws a Backward call of m neurons: soft or hard reset,
// per-neuron parameters and batch rows or not, G and the optional
// gradients present or not, V near V_th (the surrogate active on the
// reset) and V' near it too (on the output: V is drawn within a few
// (V_th - V_reset) of V_th, and a third of the neurons are refractory, so
// V' = v stays near V_th).
func randomBack[F kernel.Float](rng *rand.Rand, m int, spread float64) *backPop[F] {
	p := &backPop[F]{}
	p.cfg = kernel.Config[F]{Params: sane[F](rng), DT: F([]float64{0.01, 0.1, 0.5}[rng.IntN(3)]), Reset: kernel.Reset(rng.IntN(2))}
	if rng.IntN(3) == 0 {
		p.cfg.Surrogate = kernel.Surrogate[F]{Alpha: F(0.1 + rng.Float64()), Width: F(0.2 + 2*rng.Float64())}
	}
	if rng.IntN(2) == 0 {
		n := m
		if rng.IntN(2) == 0 && m%3 == 0 {
			n = m / 3 // three batch rows
		}
		p.cfg.PerNeuron = perNeuron(rng, n, func() kernel.Params[F] { return sane[F](rng) })
	}
	p.t = F(10 + 10*rng.Float64())
	fillState(rng, &p.population, m, spread)
	if rng.IntN(2) == 0 {
		p.g = make([]F, m)
		for j := range p.g {
			p.g[j] = F(2 * rng.Float64())
		}
	}
	p.gv, p.gw = make([]F, m), make([]F, m)
	if rng.IntN(4) > 0 {
		p.gs = make([]F, m)
	}
	for j := range m {
		p.gv[j], p.gw[j] = F(rng.Float64()*4-2), F(rng.Float64()*4-2)
		if p.gs != nil {
			p.gs[j] = F(rng.Float64()*4 - 2)
		}
	}
	p.noGI, p.noGG, p.noD = rng.IntN(4) == 0, rng.IntN(4) == 0, rng.IntN(4) == 0
	return p
}

// TestBackwardAccuracy holds Backward to the backward contract: every
// gradient within 64·ε·S of the exact value of the contract's formulas
// (internal/reference), over soft and hard reset, refractory or not, near
// threshold, with G, per-neuron parameters and batch rows, in float32 and
// float64.
func TestBackwardAccuracy(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testBackwardAccuracy[float32](t) })
	t.Run("float64", func(t *testing.T) { testBackwardAccuracy[float64](t) })
}

func testBackwardAccuracy[F kernel.Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 1))
	calls := 200
	if testing.Short() {
		calls = 40
	}
	worst := 0.0
	for c := range calls {
		// Near threshold (spread 0.5 of V_th - V_reset), then runaway V
		// (exprel and exprel' on their slow paths).
		spread := []float64{0.5, 2, 40}[c%3]
		p := randomBack[F](rng, 48, spread)
		worst = max(worst, checkBackward(t, "random", p))
	}
	t.Logf("worst error %.3g ε·SX (the contract allows %d)", worst, reference.BackTol)
}

// TestBackwardFiniteDifferences checks Backward in float64 against central
// differences of Step itself, where the surrogate is inactive (a narrow
// width, V and V' away from V_th) and hard reset does not stop a gradient:
// there the step is differentiable and Backward is its derivative.
func TestBackwardFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	checked := 0
	for tries := 0; tries < 400 && checked < 100; tries++ {
		p := randomBack[float64](rng, 1, 1)
		p.cfg.Surrogate = kernel.Surrogate[float64]{Alpha: 0.3, Width: 1e-6}
		p.cfg.PerNeuron = nil
		p.noGI, p.noGG, p.noD = false, false, false
		if p.i == nil {
			p.i = []float64{5}
		}
		if p.g == nil {
			p.g = []float64{0.5}
		}
		if p.delta == nil {
			p.delta = []float64{0.1}
		}
		if p.gs == nil {
			p.gs = []float64{1}
		}
		in := p.input(0)
		ex := reference.ComputeBackward(reference.Float64, &in)
		d := p.cfg.Params.VTh - p.cfg.Params.VReset
		if ex.RefrNear || math.Abs(p.v[0]-p.cfg.Params.VTh) < 1e-3*d || p.cfg.Reset == kernel.HardReset && p.v[0] >= p.cfg.Params.VTh {
			continue
		}
		k, err := kernel.New(p.cfg)
		if err != nil {
			t.Fatal(err)
		}
		loss := func(v, w, i, g, delta float64) (float64, float64) {
			b := kernel.Buffers[float64]{V: []float64{v}, W: []float64{w}, LastSpike: slices.Clone(p.last), I: []float64{i}, G: []float64{g}, Delta: []float64{delta}}
			if err := k.Step(p.t, b); err != nil {
				t.Fatal(err)
			}
			return b.V[0], p.gv[0]*b.V[0] + p.gw[0]*b.W[0]
		}
		vout, _ := loss(p.v[0], p.w[0], p.i[0], p.g[0], p.delta[0])
		if math.Abs(vout-p.cfg.Params.VTh) < 1e-3*d || math.Abs(vout) > 1e3 {
			continue
		}
		r := p.backward(t)
		x := []float64{p.v[0], p.w[0], p.i[0], p.g[0], p.delta[0]}
		for c, got := range []float64{r.v[0], r.w[0], r.i[0], r.g[0], r.delta[0]} {
			h := 1e-5 * max(1, math.Abs(x[c]))
			xp, xm := slices.Clone(x), slices.Clone(x)
			xp[c] += h
			xm[c] -= h
			_, lp := loss(xp[0], xp[1], xp[2], xp[3], xp[4])
			_, lm := loss(xm[0], xm[1], xm[2], xm[3], xm[4])
			fd := (lp - lm) / (xp[c] - xm[c])
			if math.Abs(fd-got) > 1e-6*(1+math.Abs(got)) {
				t.Errorf("%+v: gradient %d = %v, central difference of Step %v", in, c, got, fd)
			}
		}
		checked++
	}
	if checked < 100 {
		t.Errorf("checked %d neurons, want 100", checked)
	}
}

// TestBackwardRefusesAndChangesNothing: bad lengths and overlaps are
// refused before anything is written.
func TestBackwardRefusesAndChangesNothing(t *testing.T) {
	const m = 12
	k, err := kernel.New(kernel.Config[float64]{Params: kernel.Defaults[float64](), DT: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	pn := kernel.Config[float64]{Params: kernel.Defaults[float64](), DT: 0.1, PerNeuron: &kernel.PerNeuron[float64]{A: []float64{1, 2, 3, 4, 5}}}
	kpn, err := kernel.New(pn)
	if err != nil {
		t.Fatal(err)
	}
	mk := func() []float64 {
		s := make([]float64, m)
		for j := range s {
			s[j] = float64(j) - 40
		}
		return s
	}
	cases := []struct {
		name   string
		k      *kernel.Kernel[float64]
		mutate func(*kernel.Buffers[float64], *kernel.Grads[float64])
		err    error
		msg    string
	}{
		{"W short", k, func(b *kernel.Buffers[float64], g *kernel.Grads[float64]) { b.W = b.W[:5] }, kernel.ErrLength, "Buffers.W"},
		{"G long", k, func(b *kernel.Buffers[float64], g *kernel.Grads[float64]) { b.G = make([]float64, m+1) }, kernel.ErrLength, "Buffers.G"},
		{"Grads.V short", k, func(b *kernel.Buffers[float64], g *kernel.Grads[float64]) { g.V = g.V[:3] }, kernel.ErrLength, "kernel: Grads.V:"},
		{"Grads.Spike empty", k, func(b *kernel.Buffers[float64], g *kernel.Grads[float64]) { g.Spike = g.Spike[:0] }, kernel.ErrLength, "Grads.Spike"},
		{"Grads.Delta short", k, func(b *kernel.Buffers[float64], g *kernel.Grads[float64]) { g.Delta = g.Delta[:1] }, kernel.ErrLength, "Grads.Delta"},
		{"not a multiple of n", kpn, func(b *kernel.Buffers[float64], g *kernel.Grads[float64]) {}, kernel.ErrLength, "multiple"},
		{"Grads.V is V", k, func(b *kernel.Buffers[float64], g *kernel.Grads[float64]) { g.V = b.V }, kernel.ErrOverlap, "Buffers.V/Grads.V"},
		{"Grads.W overlaps Grads.V", k, func(b *kernel.Buffers[float64], g *kernel.Grads[float64]) {
			s := make([]float64, 2*m)
			g.V, g.W = s[:m], s[m-1:2*m-1]
		}, kernel.ErrOverlap, "Grads.V/Grads.W"},
		{"Grads.I is I", k, func(b *kernel.Buffers[float64], g *kernel.Grads[float64]) { g.I = b.I }, kernel.ErrOverlap, "Buffers.I/Grads.I"},
		{"Grads.G is Grads.Spike", k, func(b *kernel.Buffers[float64], g *kernel.Grads[float64]) { g.G = g.Spike }, kernel.ErrOverlap, "Grads.Spike/Grads.G"},
		{"Grads.Delta is LastSpike", k, func(b *kernel.Buffers[float64], g *kernel.Grads[float64]) { g.Delta = b.LastSpike }, kernel.ErrOverlap, "Buffers.LastSpike/Grads.Delta"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := kernel.Buffers[float64]{V: mk(), W: mk(), LastSpike: mk(), I: mk(), G: mk(), Delta: mk()}
			g := kernel.Grads[float64]{V: mk(), W: mk(), Spike: mk(), I: mk(), G: mk(), Delta: mk()}
			tc.mutate(&b, &g)
			all := [][]float64{b.V, b.W, b.LastSpike, b.I, b.G, b.Delta, g.V, g.W, g.Spike, g.I, g.G, g.Delta}
			var before [][]float64
			for _, s := range all {
				before = append(before, slices.Clone(s))
			}
			err := tc.k.Backward(1, b, g)
			if !errors.Is(err, tc.err) || err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("Backward = %v, want %v naming %q", err, tc.err, tc.msg)
			}
			for i, s := range all {
				if !slices.Equal(s, before[i]) {
					t.Errorf("a refused Backward wrote to buffer %d", i)
				}
			}
		})
	}
	// A time that is not finite is refused too, before anything is written.
	b0 := kernel.Buffers[float64]{V: mk(), W: mk(), LastSpike: mk()}
	g0 := kernel.Grads[float64]{V: mk(), W: mk()}
	if err := k.Backward(math.NaN(), b0, g0); !errors.Is(err, kernel.ErrNotFinite) || !slices.Equal(g0.V, mk()) {
		t.Errorf("Backward at t = NaN: %v, Grads.V %v", err, g0.V)
	}
	// The read-only buffers may share memory.
	b := kernel.Buffers[float64]{V: mk(), W: mk(), LastSpike: mk()}
	b.I, b.Delta = b.V, b.V
	g := kernel.Grads[float64]{V: mk(), W: mk(), Spike: b.W}
	if err := k.Backward(1, b, g); err != nil {
		t.Errorf("read-only buffers sharing memory: %v", err)
	}
}

// TestSurrogateConfig: New refuses a NaN, infinite or negative surrogate
// and names the field; zero fields take BrainPy's defaults.
func TestSurrogateConfig(t *testing.T) {
	for _, c := range []struct {
		s    kernel.Surrogate[float64]
		name string
		err  error
	}{
		{kernel.Surrogate[float64]{Alpha: math.NaN()}, "Surrogate.Alpha", kernel.ErrNotFinite},
		{kernel.Surrogate[float64]{Width: math.Inf(1)}, "Surrogate.Width", kernel.ErrNotFinite},
		{kernel.Surrogate[float64]{Alpha: -0.1}, "Surrogate.Alpha", kernel.ErrRange},
		{kernel.Surrogate[float64]{Alpha: 1, Width: -2}, "Surrogate.Width", kernel.ErrRange},
	} {
		_, err := kernel.New(kernel.Config[float64]{Params: kernel.Defaults[float64](), DT: 0.1, Surrogate: c.s})
		var pe *kernel.ParamError
		if !errors.As(err, &pe) || pe.Name != c.name || !errors.Is(err, c.err) {
			t.Errorf("Surrogate %+v: New = %v, want a ParamError for %s wrapping %v", c.s, err, c.name, c.err)
		}
	}
	// The zero value is ReluGrad(0.3, 1): the same gradients as the
	// explicit values.
	run := func(s kernel.Surrogate[float64]) []float64 {
		k, err := kernel.New(kernel.Config[float64]{Params: kernel.Defaults[float64](), DT: 0.1, Surrogate: s})
		if err != nil {
			t.Fatal(err)
		}
		v := []float64{-31, -30, -29.5, -20, -68.5}
		g := kernel.Grads[float64]{V: []float64{1, 1, 1, 1, 1}, W: make([]float64, 5), Spike: []float64{1, 1, 1, 1, 1}}
		b := kernel.Buffers[float64]{V: v, W: make([]float64, 5), LastSpike: []float64{-1e7, -1e7, -1e7, -1e7, -1e7}}
		if err := k.Backward(0, b, g); err != nil {
			t.Fatal(err)
		}
		return g.V
	}
	zero, explicit, other := run(kernel.Surrogate[float64]{}), run(kernel.Surrogate[float64]{Alpha: 0.3, Width: 1}), run(kernel.Surrogate[float64]{Alpha: 0.6, Width: 1})
	if !slices.Equal(zero, explicit) || slices.Equal(zero, other) {
		t.Errorf("zero Surrogate: %v, ReluGrad(0.3, 1): %v, ReluGrad(0.6, 1): %v", zero, explicit, other)
	}
}

// TestBackwardAllocs: Backward allocates nothing.
func TestBackwardAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	p := randomBack[float32](rng, 300, 1)
	k, err := kernel.New(p.cfg)
	if err != nil {
		t.Fatal(err)
	}
	gv, gw, gi := slices.Clone(p.gv), slices.Clone(p.gw), make([]float32, 300)
	b := kernel.Buffers[float32]{V: p.v, W: p.w, LastSpike: p.last, I: p.i, G: p.g, Delta: p.delta}
	g := kernel.Grads[float32]{V: gv, W: gw, Spike: p.gs, I: gi}
	if n := testing.AllocsPerRun(20, func() {
		if err := k.Backward(p.t, b, g); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Backward allocates %v times per call", n)
	}
}
