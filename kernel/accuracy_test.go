package kernel_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/adquaif/adquaif/internal/reference"
	"github.com/adquaif/adquaif/kernel"
)

// These tests hold the generic path to the accuracy contract against
// internal/reference, which evaluates the contract's formulas exactly in math/big.
// Every other path is bit-identical to the generic one (tested elsewhere),
// so this covers them too.

func format[F kernel.Float]() reference.Format {
	if unsafe.Sizeof(F(0)) == 4 {
		return reference.Float32
	}
	return reference.Float64
}

// useGeneric forces the generic path for the test and restores the
// previous one.
func useGeneric(t *testing.T) {
	t.Helper()
	prev := kernel.ISA()
	if err := kernel.SetISA("generic"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := kernel.SetISA(prev); err != nil {
			t.Error(err)
		}
	})
}

// population is one Step call: a configuration, the time and the buffers.
type population[F kernel.Float] struct {
	cfg            kernel.Config[F]
	t              F
	v, w, last     []F
	i, g, delta    []F // nil: absent
	noSpike, noRef bool
}

// params returns the parameters of neuron j.
func (p *population[F]) params(j int) reference.Params {
	s := p.cfg.Params
	pick := func(x F, per []F) float64 {
		if per != nil {
			return float64(per[j%len(per)])
		}
		return float64(x)
	}
	var per kernel.PerNeuron[F]
	if p.cfg.PerNeuron != nil {
		per = *p.cfg.PerNeuron
	}
	return reference.Params{
		R: pick(s.R, per.R), Tau: pick(s.Tau, per.Tau), TauW: pick(s.TauW, per.TauW), TauRef: pick(s.TauRef, per.TauRef),
		VTh: pick(s.VTh, per.VTh), VReset: pick(s.VReset, per.VReset), VRest: pick(s.VRest, per.VRest), VC: pick(s.VC, per.VC),
		C: pick(s.C, per.C), A: pick(s.A, per.A), B: pick(s.B, per.B),
	}
}

func at[F kernel.Float](s []F, j int) float64 {
	if s == nil {
		return 0
	}
	return float64(s[j])
}

// input is neuron j's reference input.
func (p *population[F]) input(j int) reference.Input {
	return reference.Input{
		V: float64(p.v[j]), W: float64(p.w[j]), Last: float64(p.last[j]),
		I: at(p.i, j), G: at(p.g, j), Delta: at(p.delta, j), T: float64(p.t), DT: float64(p.cfg.DT),
		Hard: p.cfg.Reset == kernel.HardReset, P: p.params(j),
	}
}

// result is the outcome of one Step: the outputs per neuron.
type result[F kernel.Float] struct {
	v, w, last, spike []F
	ref               []bool
}

// step runs the generic path on copies of the state.
func (p *population[F]) step(tb testing.TB) *result[F] {
	tb.Helper()
	k, err := kernel.New(p.cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	r := &result[F]{v: append([]F(nil), p.v...), w: append([]F(nil), p.w...), last: append([]F(nil), p.last...)}
	b := kernel.Buffers[F]{V: r.v, W: r.w, LastSpike: r.last, I: p.i, G: p.g, Delta: p.delta}
	if !p.noSpike {
		r.spike = make([]F, len(p.v))
		b.Spike = r.spike
	}
	if !p.noRef {
		r.ref = make([]bool, len(p.v))
		b.Refractory = r.ref
	}
	if err := k.Step(p.t, b); err != nil {
		tb.Fatalf("Step: %v", err)
	}
	return r
}

func (r *result[F]) output(j int) reference.Output {
	o := reference.Output{V: float64(r.v[j]), W: float64(r.w[j]), Last: float64(r.last[j])}
	if r.spike != nil {
		o.Spike, o.HasSpike = float64(r.spike[j]), true
	}
	if r.ref != nil {
		o.Ref, o.HasRef = r.ref[j], true
	}
	return o
}

// worst records the largest errors seen, in units of ε·S (the contract's literal
// bound) and ε·SX (the bound with exprel's argument rounding carried).
type worst struct {
	lit, ext     float64
	litIn, extIn reference.Input
	checked      int
}

func (w *worst) add(in reference.Input, lit, ext float64) {
	w.checked++
	if lit > w.lit && !math.IsInf(lit, 0) {
		w.lit, w.litIn = lit, in
	}
	if ext > w.ext && !math.IsInf(ext, 0) {
		w.ext, w.extIn = ext, in
	}
}

// check steps p and checks every neuron with reference.Check, returning
// the exact steps for further assertions.
func check[F kernel.Float](t *testing.T, name string, p *population[F], ws *worst) ([]*reference.Exact, *result[F]) {
	t.Helper()
	f := format[F]()
	r := p.step(t)
	exs := make([]*reference.Exact, len(p.v))
	fails := 0
	for j := range p.v {
		in, out := p.input(j), r.output(j)
		if !in.Finite() {
			continue
		}
		ex := reference.Compute(f, &in)
		exs[j] = ex
		if err := ex.Check(f, &in, &out); err != nil {
			t.Errorf("%s: neuron %d: %v", name, j, err)
			if fails++; fails > 5 {
				t.FailNow()
			}
			continue
		}
		if ws != nil {
			b := ex.Taken(f, &in, &out)
			ws.add(in, math.Max(reference.Units(f, out.V, &b.V, false), reference.Units(f, out.W, &b.W, false)),
				math.Max(reference.Units(f, out.V, &b.V, true), reference.Units(f, out.W, &b.W, true)))
		}
	}
	return exs, r
}

// sane draws parameters around BrainPy's defaults.
func sane[F kernel.Float](rng *rand.Rand) kernel.Params[F] {
	u := func(lo, hi float64) F { return F(lo + (hi-lo)*rng.Float64()) }
	return kernel.Params[F]{
		R: u(0.1, 10), Tau: u(1, 100), TauW: u(1, 1000), TauRef: u(0, 5),
		VTh: u(-45, 0), VReset: u(-80, -60), VRest: u(-75, -55), VC: u(-60, -40),
		C: u(0.01, 0.2), A: u(-2, 2), B: u(0, 1),
	}
}

// wide draws a value of random sign and a magnitude log-uniform over
// 2^lo..2^hi, or zero.
func wide[F kernel.Float](rng *rand.Rand, lo, hi int) F {
	if rng.IntN(16) == 0 {
		return 0
	}
	x := math.Ldexp(1+rng.Float64(), lo+rng.IntN(hi-lo+1))
	if rng.IntN(2) == 0 {
		x = -x
	}
	return F(x)
}

// extreme draws parameters over a wide range that New may refuse; the
// caller retries.
func extreme[F kernel.Float](rng *rand.Rand, e int) kernel.Params[F] {
	pos := func() F { return F(math.Abs(float64(wide[F](rng, -e, e))) + 1e-30) }
	p := kernel.Params[F]{
		R: wide[F](rng, -e, e), Tau: pos(), TauW: pos(), TauRef: F(math.Abs(float64(wide[F](rng, -e, e)))),
		VTh: wide[F](rng, -e, e), VRest: wide[F](rng, -e, e), VC: wide[F](rng, -e, e),
		C: wide[F](rng, -e, e), A: wide[F](rng, -e, e), B: wide[F](rng, -e, e),
	}
	p.VReset = p.VTh - F(math.Abs(float64(wide[F](rng, -e, e))))
	if !(p.VReset < p.VTh) {
		p.VReset = p.VTh - 1 - F(math.Abs(float64(p.VTh)))/2
	}
	return p
}

// fillState gives n neurons random state around the parameters p (neuron
// j's), with inputs present or not.
func fillState[F kernel.Float](rng *rand.Rand, pop *population[F], m int, spread float64) {
	pop.v, pop.w, pop.last = make([]F, m), make([]F, m), make([]F, m)
	if rng.IntN(3) > 0 {
		pop.i = make([]F, m)
	}
	if rng.IntN(2) == 0 {
		pop.g = make([]F, m)
	}
	if rng.IntN(3) == 0 {
		pop.delta = make([]F, m)
	}
	pop.noSpike, pop.noRef = rng.IntN(4) == 0, rng.IntN(4) == 0
	for j := 0; j < m; j++ {
		p := pop.params(j)
		pop.v[j] = F(p.VTh + (rng.Float64()*2-1)*spread*(1+math.Abs(p.VTh-p.VReset)))
		pop.w[j] = F((rng.Float64()*2 - 1) * spread)
		// About a third of the neurons are refractory.
		pop.last[j] = pop.t - F(p.TauRef*3*rng.Float64())
		if pop.i != nil {
			pop.i[j] = F((rng.Float64()*2 - 1) * spread * 10)
		}
		if pop.g != nil {
			// Mostly the positive conductances of synapses, a few negative
			// (the API takes any value).
			pop.g[j] = F(rng.Float64() * spread * 3)
			if rng.IntN(8) == 0 {
				pop.g[j] = -pop.g[j]
			}
		}
		if pop.delta != nil {
			pop.delta[j] = F((rng.Float64()*2 - 1) * spread)
		}
	}
}

// perNeuron gives a random subset of the parameters per-neuron values of
// length n drawn by gen.
func perNeuron[F kernel.Float](rng *rand.Rand, n int, gen func() kernel.Params[F]) *kernel.PerNeuron[F] {
	var pn kernel.PerNeuron[F]
	fields := []*[]F{&pn.R, &pn.Tau, &pn.TauW, &pn.TauRef, &pn.VTh, &pn.VReset, &pn.VRest, &pn.VC, &pn.C, &pn.A, &pn.B}
	use := make([]bool, len(fields))
	for i := range use {
		use[i] = rng.IntN(2) == 0
	}
	use[pVTh], use[pVReset] = use[pVTh] || use[pVReset], use[pVTh] || use[pVReset] // keep V_th > V_reset per neuron
	for i, fp := range fields {
		if use[i] {
			*fp = make([]F, n)
		}
	}
	for j := 0; j < n; j++ {
		p := gen()
		vals := []F{p.R, p.Tau, p.TauW, p.TauRef, p.VTh, p.VReset, p.VRest, p.VC, p.C, p.A, p.B}
		for i, fp := range fields {
			if use[i] {
				(*fp)[j] = vals[i]
			}
		}
	}
	return &pn
}

const (
	pVTh    = 4
	pVReset = 5
)

var dts = []float64{0.01, 0.1, 0.25, 1}

// randomConfig draws a configuration New accepts.
func randomConfig[F kernel.Float](rng *rand.Rand, gen func() kernel.Params[F], dt func() F) (kernel.Config[F], int) {
	for {
		cfg := kernel.Config[F]{Params: gen(), DT: dt(), Reset: kernel.Reset(rng.IntN(2))}
		n := 0
		if rng.IntN(2) == 0 {
			n = 1 + rng.IntN(9)
			cfg.PerNeuron = perNeuron(rng, n, gen)
		}
		if _, err := kernel.New(cfg); err == nil {
			return cfg, n
		}
	}
}

func testRandom[F kernel.Float](t *testing.T, extremeParams bool) {
	useGeneric(t)
	rng := rand.New(rand.NewPCG(7, uint64(unsafe.Sizeof(F(0)))))
	ws := &worst{}
	iters := 200
	if extremeParams {
		iters = 60
	}
	if testing.Short() {
		iters /= 4
	}
	e := 20
	if unsafe.Sizeof(F(0)) == 8 {
		e = 60
	}
	for it := 0; it < iters; it++ {
		var cfg kernel.Config[F]
		var n int
		spread := []float64{0.01, 0.3, 1, 3}[rng.IntN(4)]
		if extremeParams {
			cfg, n = randomConfig(rng, func() kernel.Params[F] { return extreme[F](rng, e) }, func() F { return F(math.Abs(float64(wide[F](rng, -e/2, e/2))) + 1e-6) })
			spread = math.Ldexp(1, rng.IntN(2*e)-e)
		} else {
			cfg, n = randomConfig(rng, func() kernel.Params[F] { return sane[F](rng) }, func() F { return F(dts[rng.IntN(len(dts))]) })
		}
		m := 1 + rng.IntN(40)
		if n > 0 {
			m = n * (1 + rng.IntN(4)) // batch rows sharing the per-neuron values
		}
		pop := &population[F]{cfg: cfg, t: F(rng.Float64() * 1000)}
		fillState(rng, pop, m, spread)
		check(t, "random", pop, ws)
	}
	t.Logf("%s %s: %d neurons, max error %.3f ε·S (literal), %.3f ε·SX (extended)", format[F]().Name,
		map[bool]string{false: "sane", true: "extreme"}[extremeParams], ws.checked, ws.lit, ws.ext)
	t.Logf("worst literal at %+v", ws.litIn)
}

func TestAccuracyRandom(t *testing.T) {
	t.Run("float32/sane", func(t *testing.T) { testRandom[float32](t, false) })
	t.Run("float64/sane", func(t *testing.T) { testRandom[float64](t, false) })
	t.Run("float32/extreme", func(t *testing.T) { testRandom[float32](t, true) })
	t.Run("float64/extreme", func(t *testing.T) { testRandom[float64](t, true) })
}

// single is a homogeneous population from explicit states.
func single[F kernel.Float](p kernel.Params[F], reset kernel.Reset, dt, t F, v, w, last []F) *population[F] {
	return &population[F]{cfg: kernel.Config[F]{Params: p, DT: dt, Reset: reset}, t: t, v: v, w: w, last: last}
}

func fill[F kernel.Float](m int, x F) []F {
	s := make([]F, m)
	for i := range s {
		s[i] = x
	}
	return s
}

func ulps[F kernel.Float](x F, k int) F {
	for ; k > 0; k-- {
		x = next(x, math.Inf(1))
	}
	for ; k < 0; k++ {
		x = next(x, math.Inf(-1))
	}
	return x
}

func next[F kernel.Float](x F, dir float64) F {
	if unsafe.Sizeof(F(0)) == 4 {
		return F(math.Nextafter32(float32(x), float32(dir)))
	}
	return F(math.Nextafter(float64(x), dir))
}

func testAdversarial[F kernel.Float](t *testing.T) {
	useGeneric(t)
	f := format[F]()
	d := kernel.Defaults[F]()
	for _, reset := range []kernel.Reset{kernel.SoftReset, kernel.HardReset} {
		ws := &worst{}
		name := func(s string) string { return f.Name + "/" + reset.String() + "/" + s }

		// Incoming V at threshold: the reset decision V >= V_th is exact.
		vs := []F{ulps(d.VTh, -2), ulps(d.VTh, -1), d.VTh, ulps(d.VTh, 1), ulps(d.VTh, 2)}
		exs, _ := check(t, name("V at V_th"), single(d, reset, 0.1, 100, vs, fill[F](5, 0.5), fill[F](5, 0)), ws)
		for j, ex := range exs {
			if ex.Spk != (j >= 2) {
				t.Errorf("%s: V = %v: reset decision %v", name("V at V_th"), vs[j], ex.Spk)
			}
		}

		// Outgoing V' at threshold: Delta puts the exact V' within a few
		// ulp of V_th, where either spike decision is acceptable.
		{
			m := 64
			pop := single(d, reset, 0.1, 100, make([]F, m), fill[F](m, 1), fill[F](m, 0))
			pop.i = make([]F, m)
			for j := range pop.v {
				pop.v[j] = F(-60 + float64(j)*0.37)
				pop.i[j] = F(float64(j) * 0.1)
			}
			pop.delta = make([]F, m)
			r := pop.step(t)
			for j := range pop.delta {
				pop.delta[j] = d.VTh - r.v[j] // V' lands on V_th up to rounding
				pop.delta[j] = ulps(pop.delta[j], j%7-3)
			}
			exs, r := check(t, name("V' at V_th"), pop, ws)
			// Make sure the ambiguous zone is exercised: some exact V'
			// within tolerance of V_th, on both sides of it.
			near, above, below := 0, 0, 0
			for j, ex := range exs {
				gap := new(big.Float).Sub(ex.Int.V.X, big.NewFloat(float64(d.VTh)))
				if new(big.Float).Abs(gap).Cmp(reference.Tol(f, &ex.Int.V)) <= 0 {
					near++
				}
				if r.v[j] >= d.VTh {
					above++
				} else {
					below++
				}
			}
			if near < m/4 || above == 0 || below == 0 {
				t.Errorf("%s: %d of %d exact V' within tolerance of V_th, %d spiking, %d not", name("V' at V_th"), near, m, above, below)
			}
		}

		// The refractory boundary: t - last == tau_ref exactly (not
		// refractory), a few ulp either side, and large t where the
		// subtraction rounds. V = -50 is below threshold, so a held neuron
		// keeps V' == V exactly.
		exactHits := 0
		for _, tauRef := range []F{d.TauRef, 1.5, 0.25} {
			p := d
			p.TauRef = tauRef
			for _, tt := range []F{10, 1e5, 3.25e6} {
				last := tt - tauRef
				lasts := []F{ulps(last, -2), ulps(last, -1), last, ulps(last, 1), ulps(last, 2)}
				pop := single(p, reset, 0.1, tt, fill[F](5, -50), fill[F](5, 0.2), lasts)
				exs, r := check(t, name("t-last at tau_ref"), pop, ws)
				for j, ex := range exs {
					held := r.v[j] == pop.v[j]
					if float64(tt)-float64(lasts[j]) == float64(tauRef) {
						exactHits++
						if ex.Refr || held || r.ref[j] {
							t.Errorf("%s: t - last == tau_ref = %v must not be refractory (exact %v, kernel held %v, ref' %v)", name("t-last at tau_ref"), tauRef, ex.Refr, held, r.ref[j])
						}
					}
					if !ex.RefrNear && held != ex.Refr {
						t.Errorf("%s: t = %v last = %v: held %v, exact refr %v", name("t-last at tau_ref"), tt, lasts[j], held, ex.Refr)
					}
				}
			}
		}
		if exactHits == 0 {
			t.Errorf("%s: no case had t - last == tau_ref exactly", name("t-last at tau_ref"))
		}

		// Far above threshold: soft reset stays above and spikes again.
		check(t, name("far above"), single(d, reset, 0.1, 100, []F{-29, 0, 10, 100, 1e3, 3e3}, fill[F](6, 2), fill[F](6, 99)), ws)

		// Runaway V: dt*J large, exprel near and past overflow, and V'
		// beyond the float range (+Inf expected).
		{
			var vs []F
			for x := 100.0; x < 1e9; x *= 1.7 {
				vs = append(vs, F(x))
			}
			check(t, name("runaway"), single(d, reset, 0.1, 100, vs, fill[F](len(vs), 0), fill[F](len(vs), -1e7)), ws)
			p := d
			p.C, p.R, p.VRest, p.VC = 1, 0, 0, 0
			// f = v^2 exactly 0 at v = 0 and large elsewhere; c/tau big
			// makes exprel overflow while f stays in range.
			vs = []F{0, 1e-3, 0.5, 1, 2, 4, 8, 16, 32}
			for _, dt := range []F{1, 10, 100} {
				check(t, name("exprel overflow"), single(p, kernel.HardReset, dt, 0, vs, fill[F](len(vs), 0), fill[F](len(vs), -1e7)), ws)
			}
		}

		// exprel's small-argument region: v around (V_rest + V_c)/2, where
		// J = 0, and z across the Taylor switch.
		{
			mid := (float64(d.VRest) + float64(d.VC)) / 2
			var vs []F
			for k := -40; k <= 0; k++ {
				vs = append(vs, F(mid+math.Ldexp(1, k)), F(mid-math.Ldexp(1, k)))
			}
			vs = append(vs, F(mid), ulps(F(mid), 1), ulps(F(mid), -1))
			check(t, name("small z"), single(d, reset, 0.1, 100, vs, fill[F](len(vs), 0.3), fill[F](len(vs), -1e7)), ws)
		}

		// Subnormals and zeros in the state, the inputs and the
		// parameters.
		{
			tiny := F(math.SmallestNonzeroFloat64)
			if unsafe.Sizeof(F(0)) == 4 {
				tiny = F(math.SmallestNonzeroFloat32)
			}
			sub := []F{0, tiny, -tiny, tiny * 3, tiny * 1000, -tiny * 12345}
			p := d
			p.VRest, p.VC, p.B = 0, 0, 0
			pop := single(p, reset, 0.1, 100, append([]F(nil), sub...), append([]F(nil), sub...), fill[F](len(sub), -1e7))
			pop.i = append([]F(nil), sub...)
			pop.delta = append([]F(nil), sub...)
			check(t, name("subnormal state"), pop, ws)
			p.A, p.C, p.R = tiny*7, tiny*3, tiny*5
			pop = single(p, reset, 0.1, 100, append([]F(nil), sub...), append([]F(nil), sub...), fill[F](len(sub), -1e7))
			pop.i = []F{1, -1, 1e3, 0, tiny, 1e-3}
			check(t, name("subnormal params"), pop, ws)
		}

		// Time constants far from the defaults: tau_w << dt (keep
		// underflows to 0), tau << dt, dt far below tau.
		for _, tc := range []struct{ tau, tauW, dt F }{{10, 1e-3, 1}, {1e-2, 10, 1}, {10, 10, 1e-6}, {1e4, 1e5, 0.1}, {0.5, 1e-6, 100}} {
			p := d
			p.Tau, p.TauW = tc.tau, tc.tauW
			vs := []F{-80, -65, -57.5, -50, -40, -30, -20}
			pop := single(p, reset, tc.dt, 100, vs, fill[F](len(vs), 3), fill[F](len(vs), -1e7))
			pop.i = fill[F](len(vs), 5)
			check(t, name("time constants"), pop, ws)
		}

		// Conductance inputs, BrainPy's COBA g*(E - V) with E_e = 0 and E_i
		// = -80 (I = g_e*E_e + g_i*E_i, G = g_e + g_i): from weak to so
		// stiff that dt*R*G/tau reaches exprel's slow path and its clamp;
		// v at and around the reversal potential I/G, where I - G*v
		// cancels; subnormal and zero conductances.
		{
			var vs, gs, is []F
			add := func(v, ge, gi F) {
				vs, gs, is = append(vs, v), append(gs, ge+gi), append(is, gi*-80)
			}
			for _, g := range []F{1e-3, 0.05, 0.5, 3, 40, 1e3, 1e5} {
				for _, v := range []F{-80, -70, -65, -50, -31, 0} {
					add(v, g, 0)
					add(v, 0, g)
					add(v, g, g/2)
				}
				rev := F(-80.0 / 3) // the reversal potential of g_e = g_i/2
				add(rev, g/2, g)
				add(ulps(rev, 1), g/2, g)
				add(ulps(rev, -3), g/2, g)
			}
			tiny := F(math.SmallestNonzeroFloat64)
			if unsafe.Sizeof(F(0)) == 4 {
				tiny = F(math.SmallestNonzeroFloat32)
			}
			add(-60, tiny, 0)
			add(-60, 0, tiny*3)
			add(-60, 0, 0)
			wg := &worst{}
			for _, dt := range []F{0.1, 1} {
				pop := single(d, reset, dt, 100, vs, fill[F](len(vs), 0.5), fill[F](len(vs), -1e7))
				pop.i, pop.g = is, gs
				check(t, name("conductance"), pop, wg)
			}
			t.Logf("%s: %d neurons, max error %.3f ε·S (literal), %.3f ε·SX (extended)", name("conductance"), wg.checked, wg.lit, wg.ext)
		}

		t.Logf("%s: %d neurons, max error %.3f ε·S (literal), %.3f ε·SX (extended)", name("adversarial"), ws.checked, ws.lit, ws.ext)
		t.Logf("worst literal at %+v", ws.litIn)
	}
}

func TestAccuracyAdversarial(t *testing.T) {
	t.Run("float32", testAdversarial[float32])
	t.Run("float64", testAdversarial[float64])
}

// TestAccuracyPerNeuronBatch checks that neuron j of every batch row uses
// the per-neuron values of j % n.
func TestAccuracyPerNeuronBatch(t *testing.T) {
	useGeneric(t)
	rng := rand.New(rand.NewPCG(11, 12))
	for _, reset := range []kernel.Reset{kernel.SoftReset, kernel.HardReset} {
		n := 7
		pn := perNeuron(rng, n, func() kernel.Params[float32] { return sane[float32](rng) })
		pn.C, pn.Tau = make([]float32, n), make([]float32, n)
		for j := 0; j < n; j++ {
			pn.C[j], pn.Tau[j] = float32(0.01*float64(j+1)), float32(5+float64(j))
		}
		pop := &population[float32]{cfg: kernel.Config[float32]{Params: kernel.Defaults[float32](), PerNeuron: pn, DT: 0.1, Reset: reset}, t: 50}
		fillState(rng, pop, 3*n, 1)
		pop.g = make([]float32, 3*n) // a conductance per neuron of every row
		for j := range pop.g {
			pop.g[j] = float32(j%5) * 0.2
		}
		check(t, "per-neuron batch", pop, nil)
		// The same neuron in different rows with the same state gives the
		// same result, and different neurons differ.
		for j := 0; j < n; j++ {
			pop.v[j], pop.v[j+n], pop.v[j+2*n] = -40, -40, -40
			pop.w[j], pop.w[j+n], pop.w[j+2*n] = 1, 1, 1
			pop.last[j], pop.last[j+n], pop.last[j+2*n] = -1e7, -1e7, -1e7
		}
		pop.i, pop.g, pop.delta = nil, nil, nil
		_, r := check(t, "per-neuron batch", pop, nil)
		for j := 0; j < n; j++ {
			if r.v[j] != r.v[j+n] || r.v[j] != r.v[j+2*n] {
				t.Errorf("neuron %d differs between rows: %v %v %v", j, r.v[j], r.v[j+n], r.v[j+2*n])
			}
			if j > 0 && r.v[j] == r.v[j-1] {
				t.Errorf("neurons %d and %d with different c and tau give the same V' %v", j-1, j, r.v[j])
			}
		}
	}
}

// TestCheckRejects is the negative control: Check must reject results
// moved beyond the tolerance and inconsistent decisions, so the tests above
// can fail.
func TestCheckRejects(t *testing.T) {
	useGeneric(t)
	testRejects[float32](t)
	testRejects[float64](t)
}

func testRejects[F kernel.Float](t *testing.T) {
	f := format[F]()
	rng := rand.New(rand.NewPCG(13, 14))
	rejected := 0
	for it := 0; it < 40; it++ {
		cfg, n := randomConfig(rng, func() kernel.Params[F] { return sane[F](rng) }, func() F { return 0.1 })
		pop := &population[F]{cfg: cfg, t: 100}
		fillState(rng, pop, max(n, 1)*2, 1)
		pop.noSpike, pop.noRef = false, false
		r := pop.step(t)
		for j := range pop.v {
			in, out := pop.input(j), r.output(j)
			ex := reference.Compute(f, &in)
			if err := ex.Check(f, &in, &out); err != nil {
				t.Fatal(err)
			}
			b := ex.Taken(f, &in, &out)
			// Move V' (or w') by 64 ε·SX away from the exact value.
			for _, which := range []int{0, 1} {
				q, o := &b.V, out
				if which == 1 {
					q = &b.W
				}
				move := new(big.Float).Mul(q.SX, big.NewFloat(64*f.Eps))
				bad := new(big.Float).Add(q.X, move)
				x, _ := bad.Float64()
				x = float64(F(x))
				if which == 0 {
					o.V = x
				} else {
					o.W = x
				}
				if ex.RefrNear {
					continue
				}
				if err := ex.Check(f, &in, &o); err == nil {
					t.Errorf("%s: %s moved by 64 ε·SX to %v (exact %s) passes", f.Name, []string{"V'", "w'"}[which], x, q.X.Text('g', 17))
				}
				rejected++
			}
			// A wrong last', spike' or refractory'.
			o := out
			o.Last = float64(pop.t) + 1
			if ex.Check(f, &in, &o) == nil {
				t.Errorf("%s: wrong last' passes", f.Name)
			}
			o = out
			o.Spike = 1 - o.Spike
			if ex.Check(f, &in, &o) == nil {
				t.Errorf("%s: flipped spike' passes", f.Name)
			}
			o = out
			o.Ref = !o.Ref
			if ex.Check(f, &in, &o) == nil {
				t.Errorf("%s: flipped refractory' passes", f.Name)
			}
			// A non-finite V' where nothing can overflow.
			o = out
			o.V = math.NaN()
			if ex.Check(f, &in, &o) == nil {
				t.Errorf("%s: NaN V' passes", f.Name)
			}
		}
	}
	if rejected == 0 {
		t.Errorf("%s: no perturbation was tried", f.Name)
	}
}
