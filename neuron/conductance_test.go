package neuron_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/adquaif/adquaif/kernel"
	"github.com/adquaif/adquaif/neuron"
)

// TestConductanceInputMatchesKernel runs a population with an excitatory
// and an inhibitory conductance input (E = 0 and -80 mV) whose conductances
// change in place every step, in every broadcast form, beside kernel.Step
// with I = x + g_e*0 + g_i*(-80) and G = g_e + g_i, and requires the same
// bits after every step.
func TestConductanceInputMatchesKernel(t *testing.T) {
	t.Run("float32", testConductanceInputMatchesKernel[float32])
	t.Run("float64", testConductanceInputMatchesKernel[float64])
}

func testConductanceInputMatchesKernel[F kernel.Float](t *testing.T) {
	const n, batch, steps = 6, 2, 600
	r := rand.New(rand.NewPCG(8, 9))
	p, err := neuron.New(neuron.Config[F]{Size: n, BatchSize: batch, RefVar: true})
	if err != nil {
		t.Fatal(err)
	}
	k, err := kernel.New(kernel.Config[F]{Params: kernel.Defaults[F](), DT: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	m := n * batch
	ge, gi, gk := make([]F, m), make([]F, n), make([]F, 1) // full, one row, one value
	const Ee, Ei, Ek = 0, -80, -90
	for _, in := range []struct {
		key string
		g   []F
		e   F
	}{{"E", ge, Ee}, {"I", gi, Ei}, {"K", gk, Ek}} {
		if err := p.AddConductanceInput(in.key, in.g, in.e); err != nil {
			t.Fatal(err)
		}
	}
	v, w, last, spike := make([]F, m), make([]F, m), make([]F, m), make([]F, m)
	ref := make([]bool, m)
	for i := range v {
		v[i], last[i] = -65, -1e7
	}
	I, G := make([]F, m), make([]F, m)
	spikes := 0
	for s := range steps {
		for j := range ge {
			ge[j] = F(2 * r.Float64())
		}
		for j := range gi {
			gi[j] = F(r.Float64())
		}
		gk[0] = F(0.05 * r.Float64())
		var x []F
		if s%2 == 0 {
			x = randomInput[F](n, 0, 40, r)
		}
		for j := range I {
			I[j] = 0
			if x != nil {
				I[j] = x[j%n]
			}
			I[j] += F(ge[j] * Ee)
			I[j] += F(gi[j%n] * Ei)
			I[j] += F(gk[0] * Ek)
			G[j] = ge[j] + gi[j%n] + gk[0]
		}
		got, err := p.Update(x)
		if err != nil {
			t.Fatal(err)
		}
		if err := k.Step(F(s)*F(0.1), kernel.Buffers[F]{V: v, W: w, LastSpike: last, I: I, G: G, Spike: spike, Refractory: ref}); err != nil {
			t.Fatal(err)
		}
		if !bitsEqual(got, spike) || !bitsEqual(p.V(), v) || !bitsEqual(p.W(), w) || !bitsEqual(p.LastSpikeTime(), last) || !slices.Equal(p.Refractory(), ref) {
			t.Fatalf("step %d: population and kernel.Step differ:\nV %v\n  %v\nw %v\n  %v", s, p.V(), v, p.W(), w)
		}
		for _, sp := range spike {
			spikes += int(sp)
		}
	}
	if spikes < 50 {
		t.Errorf("only %d spikes; the comparison proved little", spikes)
	}
}

// TestConductanceInputErrors: a key used twice, a conductance that does
// not broadcast at AddConductanceInput or (after InitState changed the
// batch) at Update; the refused calls change nothing.
func TestConductanceInputErrors(t *testing.T) {
	type F = float32
	p, err := neuron.New(neuron.Config[F]{Size: 3, BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	g := make([]F, 6)
	if err := p.AddConductanceInput("E", g, 0); err != nil {
		t.Fatal(err)
	}
	if err := p.AddConductanceInput("E", g[:3], 0); err == nil {
		t.Error("a key registered twice was accepted")
	}
	if err := p.AddConductanceInput("I", g[:4], -80); !errors.Is(err, neuron.ErrInputLength) {
		t.Errorf("a conductance of length 4 for size 3, batch 2: err = %v, want ErrInputLength", err)
	}
	if _, err := p.Update(nil); err != nil {
		t.Fatal(err)
	}
	if err := p.InitState(3); err != nil {
		t.Fatal(err)
	}
	v := slices.Clone(p.V())
	if _, err := p.Update(nil); !errors.Is(err, neuron.ErrInputLength) {
		t.Errorf("Update with a conductance of the old batch's length: err = %v, want ErrInputLength", err)
	}
	if p.Steps() != 0 || !bitsEqual(p.V(), v) {
		t.Error("a refused Update changed the population")
	}
}

func TestConductanceInputAllocs(t *testing.T) {
	p, err := neuron.New(neuron.Config[float32]{Size: 100, BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	ge, gi := make([]float32, 200), make([]float32, 100)
	if err := p.AddConductanceInput("E", ge, 0); err != nil {
		t.Fatal(err)
	}
	if err := p.AddConductanceInput("I", gi, -80); err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 200)
	if a := testing.AllocsPerRun(50, func() { p.Update(x) }); a != 0 {
		t.Errorf("Update with conductance inputs: %v allocations per call, want 0", a)
	}
}

// brainPyStep is BrainPy's AdQuaIFRef.update for one neuron in float64,
// written from its source rather than from the kernel: the spike of the
// incoming V resets it (soft), the current inputs are x + sum g_k*(E_k - v)
// evaluated at the reset v, and brainstate.nn.exp_euler_step integrates dv
// with the derivative of dv at v (inputs included) and dw with -1/tau_w;
// a refractory neuron keeps the reset v and w.
func brainPyStep(p kernel.Params[float64], dt, t, V, w, last, x float64, g, E []float64) (float64, float64) {
	spk := 0.0
	if V >= p.VTh {
		spk = 1
	}
	v := V - (p.VTh-p.VReset)*spk
	u := w + p.B*spk
	current := func(v float64) float64 {
		s := x
		for k := range g {
			s += g[k] * (E[k] - v)
		}
		return s
	}
	dv := func(v float64) float64 {
		return (p.C*(v-p.VRest)*(v-p.VC) - p.R*u + p.R*current(v)) / p.Tau
	}
	gsum := 0.0
	for _, gk := range g {
		gsum += gk
	}
	J := (p.C*((v-p.VRest)+(v-p.VC)) - p.R*gsum) / p.Tau
	exprel := func(z float64) float64 {
		if z == 0 {
			return 1
		}
		return math.Expm1(z) / z
	}
	vc := v + dt*exprel(dt*J)*dv(v)
	wc := u + dt*exprel(-dt/p.TauW)*(p.A*(vc-p.VRest)-u)/p.TauW
	if t-last < p.TauRef {
		return v, u
	}
	return vc, wc
}

// TestCOBAMatchesBrainPy checks one step of a population with BrainPy's
// COBA inputs g_e*(0 - V) and g_i*(-80 - V) against brainPyStep: neurons
// below, at and above threshold (reset in the step), some refractory.
// The kernel in float64 agrees to rounding; float32 to float32's rounding.
// The log also gives, for comparison, the error of the workaround the
// conductance input replaces: I = g_e*(0 - V) + g_i*(-80 - V) computed from
// V before the step, with no conductance in the Jacobian.
func TestCOBAMatchesBrainPy(t *testing.T) {
	const n = 4000
	r := rand.New(rand.NewPCG(21, 22))
	V, W, last, x, ge, gi := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	const tm = 0.0 // the population's first Update
	for j := range n {
		V[j] = -75 + 55*r.Float64() // some above V_th = -30: they reset in this step
		W[j] = 5 * r.Float64()
		last[j] = -1e7
		if j%10 == 0 {
			last[j] = tm - r.Float64() // within tau_ref = 1.7 ms: refractory
		}
		x[j] = 20 * r.Float64()
		ge[j], gi[j] = 0.5*r.Float64(), 1.5*r.Float64()
	}
	want := make([]float64, n)
	p := kernel.Defaults[float64]()
	for j := range n {
		want[j], _ = brainPyStep(p, 0.1, tm, V[j], W[j], last[j], x[j], []float64{ge[j], gi[j]}, []float64{0, -80})
	}
	maxErr := func(got []float64) (float64, int) {
		e, at := 0.0, 0
		for j := range got {
			if d := math.Abs(got[j] - want[j]); d > e {
				e, at = d, j
			}
		}
		return e, at
	}
	noNaN := func(t *testing.T, got []float64) {
		t.Helper()
		if slices.ContainsFunc(got, func(v float64) bool { return math.IsNaN(v) }) {
			t.Fatal("NaN in V'")
		}
	}

	// float64, through the population's conductance inputs.
	pop, err := neuron.New(neuron.Config[float64]{Size: n})
	if err != nil {
		t.Fatal(err)
	}
	copy(pop.V(), V)
	copy(pop.W(), W)
	copy(pop.LastSpikeTime(), last)
	if err := pop.AddConductanceInput("E", ge, 0); err != nil {
		t.Fatal(err)
	}
	if err := pop.AddConductanceInput("I", gi, -80); err != nil {
		t.Fatal(err)
	}
	if _, err := pop.Update(x); err != nil {
		t.Fatal(err)
	}
	noNaN(t, pop.V())
	e64, at64 := maxErr(pop.V())

	// float32, through kernel.Buffers.G directly.
	k32, err := kernel.New(kernel.Config[float32]{Params: kernel.Defaults[float32](), DT: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	v32, w32, l32, i32, g32 := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for j := range n {
		v32[j], w32[j], l32[j] = float32(V[j]), float32(W[j]), float32(last[j])
		i32[j] = float32(x[j] + gi[j]*-80)
		g32[j] = float32(ge[j] + gi[j])
	}
	if err := k32.Step(tm, kernel.Buffers[float32]{V: v32, W: w32, LastSpike: l32, I: i32, G: g32}); err != nil {
		t.Fatal(err)
	}
	got32 := make([]float64, n)
	for j := range n {
		got32[j] = float64(v32[j])
	}
	e32, at32 := maxErr(got32)

	// The workaround: the COBA current from V before the step, as a
	// current input alone.
	k64, err := kernel.New(kernel.Config[float64]{Params: p, DT: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	vn, wn, ln, in := slices.Clone(V), slices.Clone(W), slices.Clone(last), make([]float64, n)
	for j := range n {
		in[j] = x[j] + ge[j]*(0-V[j]) + gi[j]*(-80-V[j])
	}
	if err := k64.Step(tm, kernel.Buffers[float64]{V: vn, W: wn, LastSpike: ln, I: in}); err != nil {
		t.Fatal(err)
	}
	eNaive, _ := maxErr(vn)

	t.Logf("one step of %d COBA neurons against BrainPy's update in float64: max |V' error| %.3g mV (float64 kernel, neuron %d), %.3g mV (float32 kernel, neuron %d); I from V before the step without G: %.3g mV",
		n, e64, at64, e32, at32, eNaive)
	if e64 > 1e-10 {
		t.Errorf("float64: max error %.3g mV at neuron %d (V=%v), want rounding only", e64, at64, V[at64])
	}
	if e32 > 1e-4 {
		t.Errorf("float32: max error %.3g mV at neuron %d (V=%v), want float32 rounding only", e32, at32, V[at32])
	}
	if eNaive < 100*e32 {
		t.Errorf("the workaround's error %.3g mV is not far above the conductance input's %.3g: the test does not tell them apart", eNaive, e32)
	}
}
