package kernel

import (
	"errors"
	"math"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefaults(t *testing.T) {
	p := Defaults[float64]()
	want := Params[float64]{R: 1, Tau: 10, TauW: 10, TauRef: 1.7, VTh: -30, VReset: -68, VRest: -65, VC: -50, C: 0.07, A: 1, B: 0.1}
	assert.Equal(t, want, p)
	assert.Equal(t, float32(0.07), Defaults[float32]().C)
	assert.Equal(t, "soft", SoftReset.String())
	assert.Equal(t, "hard", HardReset.String())
}

func defaultConfig() Config[float64] {
	return Config[float64]{Params: Defaults[float64](), DT: 0.1}
}

func TestNewRefuses(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	cases := []struct {
		name   string
		mutate func(*Config[float64])
		err    error
		msg    string // a substring the message must contain
	}{
		{"dt zero", func(c *Config[float64]) { c.DT = 0 }, ErrRange, "DT"},
		{"dt negative", func(c *Config[float64]) { c.DT = -0.1 }, ErrRange, "DT"},
		{"dt NaN", func(c *Config[float64]) { c.DT = nan }, ErrNotFinite, "DT"},
		{"dt Inf", func(c *Config[float64]) { c.DT = inf }, ErrNotFinite, "DT"},
		{"tau zero", func(c *Config[float64]) { c.Params.Tau = 0 }, ErrRange, "Params.Tau "},
		{"tau_w negative", func(c *Config[float64]) { c.Params.TauW = -1 }, ErrRange, "Params.TauW"},
		{"tau_ref negative", func(c *Config[float64]) { c.Params.TauRef = -1 }, ErrRange, "Params.TauRef"},
		{"V_th below V_reset", func(c *Config[float64]) { c.Params.VTh = -70 }, ErrRange, "Params.VTh"},
		{"V_th equal V_reset", func(c *Config[float64]) { c.Params.VTh = c.Params.VReset }, ErrRange, "V_reset"},
		{"R NaN", func(c *Config[float64]) { c.Params.R = nan }, ErrNotFinite, "Params.R "},
		{"c Inf", func(c *Config[float64]) { c.Params.C = -inf }, ErrNotFinite, "Params.C "},
		{"a NaN", func(c *Config[float64]) { c.Params.A = nan }, ErrNotFinite, "Params.A "},
		{"b Inf", func(c *Config[float64]) { c.Params.B = inf }, ErrNotFinite, "Params.B "},
		{"V_rest NaN", func(c *Config[float64]) { c.Params.VRest = nan }, ErrNotFinite, "Params.VRest"},
		{"unknown reset", func(c *Config[float64]) { c.Reset = 7 }, ErrRange, "Reset"},
		{"V_th - V_reset overflows", func(c *Config[float64]) { c.Params.VTh, c.Params.VReset = 1e308, -1e308 }, ErrOverflow, "V_th - V_reset"},
		{"dt*c/tau overflows", func(c *Config[float64]) { c.Params.C, c.Params.Tau = 1e300, 1e-300 }, ErrOverflow, "Params.C"},
		{"dt*R/tau overflows", func(c *Config[float64]) { c.Params.R, c.Params.Tau = 1e300, 1e-300; c.Params.C = 0 }, ErrOverflow, "Params.R"},
		{"per-neuron tau", func(c *Config[float64]) {
			c.PerNeuron = &PerNeuron[float64]{Tau: []float64{10, 10, 0, 10}}
		}, ErrRange, "PerNeuron.Tau[2]"},
		{"per-neuron V_reset above scalar V_th", func(c *Config[float64]) {
			c.PerNeuron = &PerNeuron[float64]{VReset: []float64{-68, -20}}
		}, ErrRange, "PerNeuron.VReset[1]"},
		{"scalar NaN that a per-neuron slice overrides", func(c *Config[float64]) {
			c.Params.Tau = nan
			c.PerNeuron = &PerNeuron[float64]{Tau: []float64{10, 10}}
		}, ErrNotFinite, "Params.Tau "},
		{"per-neuron NaN", func(c *Config[float64]) {
			c.PerNeuron = &PerNeuron[float64]{A: []float64{1, nan}}
		}, ErrNotFinite, "PerNeuron.A[1]"},
		{"per-neuron lengths differ", func(c *Config[float64]) {
			c.PerNeuron = &PerNeuron[float64]{A: []float64{1, 2}, B: []float64{1, 2, 3}}
		}, ErrLength, "PerNeuron.B"},
		{"per-neuron empty", func(c *Config[float64]) {
			c.PerNeuron = &PerNeuron[float64]{A: []float64{}}
		}, ErrLength, "PerNeuron.A"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := defaultConfig()
			tc.mutate(&cfg)
			k, err := New(cfg)
			require.Error(t, err)
			assert.Nil(t, k)
			assert.ErrorIs(t, err, tc.err)
			assert.Contains(t, err.Error(), tc.msg)
			var pe *ParamError
			assert.True(t, errors.As(err, &pe), "want a *ParamError, got %T", err)
		})
	}
}

// The messages name the value at fault, with its own value, printed in the
// element type's precision.
func TestNewMessages(t *testing.T) {
	f32 := func(mutate func(*Config[float32])) error {
		cfg := Config[float32]{Params: Defaults[float32](), DT: 0.1}
		mutate(&cfg)
		_, err := New(cfg)
		return err
	}
	f64 := func(mutate func(*Config[float64])) error {
		cfg := defaultConfig()
		mutate(&cfg)
		_, err := New(cfg)
		return err
	}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"float32 DT", f32(func(c *Config[float32]) { c.DT = -0.1 }),
			"kernel: DT = -0.1: out of range: want a value > 0"},
		{"float32 tau_ref", f32(func(c *Config[float32]) { c.Params.TauRef = -1.7 }),
			"kernel: Params.TauRef = -1.7: out of range: want tau_ref >= 0"},
		{"per-neuron V_reset against scalar V_th", f64(func(c *Config[float64]) {
			c.PerNeuron = &PerNeuron[float64]{VReset: []float64{-68, -68, -68, -20}}
		}), "kernel: PerNeuron.VReset[3] = -20: out of range: want V_reset < V_th = -30"},
		{"per-neuron V_th against scalar V_reset", f32(func(c *Config[float32]) {
			c.PerNeuron = &PerNeuron[float32]{VTh: []float32{-30, -70.1}}
		}), "kernel: PerNeuron.VTh[1] = -70.1: out of range: want V_th > V_reset = -68"},
		{"tiny tau blames tau", f32(func(c *Config[float32]) { c.Params.Tau = 1e-45 }),
			"kernel: Params.Tau = 1e-45: derived constant overflows: dt*c/tau = 0.1*0.07/1e-45 is not finite in float32"},
		{"large c blames c", f64(func(c *Config[float64]) { c.Params.C, c.Params.Tau = 1e308, 1e-3 }),
			"kernel: Params.C = 1e+308: derived constant overflows: dt*c/tau = 0.1*1e+308/0.001 is not finite in float64"},
		{"large dt blames DT", f32(func(c *Config[float32]) { c.DT, c.Params.R = 3e38, 100 }),
			"kernel: DT = 3e+38: derived constant overflows: dt*R/tau = 3e+38*100/10 is not finite in float32"},
		{"large V_reset blames V_reset", f64(func(c *Config[float64]) { c.Params.VTh, c.Params.VReset = 1e308, -1.5e308 }),
			"kernel: Params.VReset = -1.5e+308: derived constant overflows: V_th - V_reset = 1e+308 - (-1.5e+308) is not finite in float64"},
		{"scalar NaN under a per-neuron value", f64(func(c *Config[float64]) {
			c.Params.Tau = math.NaN()
			c.PerNeuron = &PerNeuron[float64]{Tau: []float64{10, 10}}
		}), "kernel: Params.Tau = NaN: not finite: want a finite value"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Error(t, tc.err)
			assert.Equal(t, tc.want, tc.err.Error())
		})
	}
}

func TestNewFloat32Overflow(t *testing.T) {
	// Fine in float64, but dt*c/tau overflows float32.
	cfg := Config[float32]{Params: Defaults[float32](), DT: 1e20}
	cfg.Params.C = 1e20
	_, err := New(cfg)
	assert.ErrorIs(t, err, ErrOverflow)
}

func TestNewAcceptsEdges(t *testing.T) {
	cfg := defaultConfig()
	cfg.Params.TauRef = 0 // no refractory period
	cfg.Params.C, cfg.Params.A, cfg.Params.B, cfg.Params.R = 0, 0, 0, 0
	_, err := New(cfg)
	require.NoError(t, err)
	cfg = defaultConfig()
	cfg.Params.TauW = 1e-300 // exp(-dt/tau_w) underflows: w is reset to its target every step
	k, err := New(cfg)
	require.NoError(t, err)
	V, W, L := []float64{-65}, []float64{3}, []float64{-1e7}
	require.NoError(t, k.Step(0, Buffers[float64]{V: V, W: W, LastSpike: L}))
	assert.Equal(t, V[0]+65, W[0], "w jumps to its target a*(V - V_rest)")
}

type bufs struct{ V, W, L, I, G, D, S []float64 }

func newBufs(n int) bufs {
	b := bufs{make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)}
	for j := range n {
		b.V[j] = -70 + 45*float64(j)/float64(n)
		b.W[j] = float64(j % 3)
		b.L[j] = -1e7
		b.I[j] = float64(j % 40)
		b.G[j] = 0.1 * float64(j%4)
		b.D[j] = 0.5
	}
	return b
}

func (b bufs) buffers() Buffers[float64] {
	return Buffers[float64]{V: b.V, W: b.W, LastSpike: b.L, I: b.I, G: b.G, Delta: b.D, Spike: b.S}
}

func (b bufs) clone() bufs {
	return bufs{slices.Clone(b.V), slices.Clone(b.W), slices.Clone(b.L), slices.Clone(b.I), slices.Clone(b.G), slices.Clone(b.D), slices.Clone(b.S)}
}

func TestStepRefusesAndChangesNothing(t *testing.T) {
	k, err := New(defaultConfig())
	require.NoError(t, err)
	pn := defaultConfig()
	pn.PerNeuron = &PerNeuron[float64]{A: []float64{1, 2, 3}}
	kpn, err := New(pn)
	require.NoError(t, err)

	cases := []struct {
		name   string
		k      *Kernel[float64]
		mutate func(*Buffers[float64], bufs)
		err    error
		msg    string
	}{
		{"W short", k, func(b *Buffers[float64], _ bufs) { b.W = b.W[:5] }, ErrLength, "Buffers.W"},
		{"LastSpike long", k, func(b *Buffers[float64], _ bufs) { b.LastSpike = append(b.LastSpike, 0) }, ErrLength, "LastSpike"},
		{"I short", k, func(b *Buffers[float64], _ bufs) { b.I = b.I[:1] }, ErrLength, "Buffers.I"},
		{"G short", k, func(b *Buffers[float64], _ bufs) { b.G = b.G[:11] }, ErrLength, "Buffers.G"},
		{"G rows for one step", k, func(b *Buffers[float64], x bufs) { b.G = append(slices.Clone(x.G), x.G...) }, ErrLength, "Buffers.G"},
		{"Delta empty", k, func(b *Buffers[float64], _ bufs) { b.Delta = b.Delta[:0] }, ErrLength, "Delta"},
		{"Spike short", k, func(b *Buffers[float64], _ bufs) { b.Spike = b.Spike[:3] }, ErrLength, "Spike"},
		{"Refractory short", k, func(b *Buffers[float64], _ bufs) { b.Refractory = make([]bool, 2) }, ErrLength, "Refractory"},
		{"not a multiple of n", kpn, func(b *Buffers[float64], _ bufs) {
			b.V, b.W, b.LastSpike, b.I, b.G, b.Delta, b.Spike = b.V[:4], b.W[:4], b.LastSpike[:4], nil, nil, nil, nil
		}, ErrLength, "multiple"},
		{"V and W overlap", k, func(b *Buffers[float64], x bufs) {
			s := make([]float64, 2*len(x.V))
			b.V, b.W = s[:len(x.V)], s[len(x.V)-1:2*len(x.V)-1]
		}, ErrOverlap, "V/W"},
		{"Spike aliases I", k, func(b *Buffers[float64], _ bufs) { b.Spike = b.I }, ErrOverlap, "I/Spike"},
		{"Spike overlaps V", k, func(b *Buffers[float64], _ bufs) { b.Spike = b.V }, ErrOverlap, "V/Spike"},
		{"Spike aliases G", k, func(b *Buffers[float64], _ bufs) { b.Spike = b.G }, ErrOverlap, "G/Spike"},
		{"W overlaps G", k, func(b *Buffers[float64], x bufs) {
			s := make([]float64, 2*len(x.V))
			b.W, b.G = s[:len(x.V)], s[len(x.V)-1:2*len(x.V)-1]
		}, ErrOverlap, "W/G"},
		{"LastSpike is Delta", k, func(b *Buffers[float64], _ bufs) { b.Delta = b.LastSpike }, ErrOverlap, "LastSpike/Delta"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := newBufs(12)
			before := x.clone()
			b := x.buffers()
			tc.mutate(&b, x)
			err := tc.k.Step(1, b)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.err)
			assert.Contains(t, err.Error(), tc.msg)
			assert.Equal(t, before, x, "a refused Step wrote to its buffers")
		})
	}

	// A refused time changes nothing either, in Step and in Run.
	big := defaultConfig()
	big.DT = 1e308
	kBig, err := New(big)
	require.NoError(t, err)
	times := []struct {
		name string
		call func(Buffers[float64]) error
		msg  string
	}{
		{"Step NaN", func(b Buffers[float64]) error { return k.Step(math.NaN(), b) }, "kernel: t = NaN: not finite: want a finite time"},
		{"Step +Inf", func(b Buffers[float64]) error { return k.Step(math.Inf(1), b) }, "kernel: t = +Inf: not finite"},
		{"Run NaN", func(b Buffers[float64]) error { return k.Run(math.NaN(), 3, b) }, "kernel: t0 = NaN: not finite"},
		{"Run -Inf, no steps", func(b Buffers[float64]) error { return k.Run(math.Inf(-1), 0, b) }, "kernel: t0 = -Inf: not finite"},
		{"Run whose last time overflows", func(b Buffers[float64]) error { return kBig.Run(1e308, 3, b) },
			"kernel: t0 = 1e+308: not finite: the time of step 2, 1e+308 + 2*DT, is not finite"},
	}
	for _, tc := range times {
		t.Run(tc.name, func(t *testing.T) {
			x := newBufs(12)
			before := x.clone()
			err := tc.call(x.buffers())
			assert.ErrorIs(t, err, ErrNotFinite)
			assert.ErrorContains(t, err, tc.msg)
			var pe *ParamError
			assert.True(t, errors.As(err, &pe), "want a *ParamError, got %T", err)
			assert.Equal(t, before, x, "a refused call wrote to its buffers")
		})
	}
	// float32 times: refused in float32, printed in float32.
	k32, err := New(Config[float32]{Params: Defaults[float32](), DT: 1e38})
	require.NoError(t, err)
	V, W, L := []float32{-65}, []float32{0}, []float32{-1e7}
	b32 := Buffers[float32]{V: V, W: W, LastSpike: L}
	assert.EqualError(t, k32.Run(3e38, 3, b32), "kernel: t0 = 3e+38: not finite: the time of step 2, 3e+38 + 2*DT, is not finite")
	assert.Equal(t, []float32{-65}, V)
	require.NoError(t, k32.Run(3e38, 1, b32), "one step at a finite time")

	// A nil V blames V, not the buffers that have the length V should have.
	x := newBufs(12)
	b := x.buffers()
	b.V = nil
	assert.EqualError(t, k.Step(1, b), "kernel: Buffers.V: length mismatch: length 0, but W has length 12")

	// I, G and Delta are only read: they may share memory.
	x = newBufs(12)
	b = x.buffers()
	b.Delta, b.G = b.I, b.I
	assert.NoError(t, k.Step(1, b))
}

func TestStepUpdates(t *testing.T) {
	k, err := New(defaultConfig())
	require.NoError(t, err)
	// One neuron above threshold (resets and spikes no more), one at rest
	// with a strong input (moves up), one refractory (held).
	V := []float64{-20, -65, -40}
	W := []float64{0, 0, 1}
	L := []float64{-1e7, -1e7, 0.95}
	I := []float64{0, 100, 100}
	S := make([]float64, 3)
	R := make([]bool, 3)
	require.NoError(t, k.Step(1, Buffers[float64]{V: V, W: W, LastSpike: L, I: I, Spike: S, Refractory: R}))
	assert.InDelta(t, -58, V[0], 1, "soft reset moves V down by V_th - V_reset = 38, then integrates")
	assert.InDelta(t, 0.1+(1-math.Exp(-0.01))*(V[0]+65-0.1), W[0], 1e-12, "a spike adds b to w, which then relaxes")
	assert.Greater(t, V[1], -65.0)
	assert.Equal(t, -40.0, V[2], "refractory V is held")
	assert.Equal(t, 1.0, W[2], "refractory w is held")
	assert.Equal(t, []float64{0, 0, 0}, S)
	assert.Equal(t, []bool{false, false, true}, R)
	assert.Equal(t, []float64{-1e7, -1e7, 0.95}, L)

	// Far above threshold with soft reset, the neuron spikes again.
	V = []float64{100}
	W, L, S = []float64{0}, []float64{-1e7}, []float64{0}
	require.NoError(t, k.Step(2, Buffers[float64]{V: V, W: W, LastSpike: L, Spike: S}))
	assert.Equal(t, 1.0, S[0])
	assert.Equal(t, 2.0, L[0])
}

// Per-neuron values with batch rows give, to the bit, what homogeneous
// kernels with each neuron's values give.
func TestPerNeuronMatchesHomogeneous(t *testing.T) {
	const n, rows = 5, 3
	per := &PerNeuron[float32]{
		Tau:    []float32{5, 10, 20, 7, 13},
		VTh:    []float32{-30, -35, -25, -40, -30},
		C:      []float32{0.07, 0.05, 0.1, 0.02, 0.07},
		TauRef: []float32{0, 1, 2, 1.7, 5},
		B:      []float32{0.1, 0.2, 0, 1, 0.5},
	}
	for _, reset := range []Reset{SoftReset, HardReset} {
		cfg := Config[float32]{Params: Defaults[float32](), PerNeuron: per, DT: 0.25, Reset: reset}
		kpn, err := New(cfg)
		require.NoError(t, err)
		V, W, L, I, S := make([]float32, n*rows), make([]float32, n*rows), make([]float32, n*rows), make([]float32, n*rows), make([]float32, n*rows)
		for i := range V {
			V[i], W[i], L[i], I[i] = float32(-70+i*4), float32(i%4), float32(-1e7), float32(i*3)
		}
		want := [5][]float32{slices.Clone(V), slices.Clone(W), slices.Clone(L), slices.Clone(I), slices.Clone(S)}
		for step := range 20 {
			tm := float32(step) * cfg.DT
			require.NoError(t, kpn.Step(tm, Buffers[float32]{V: V, W: W, LastSpike: L, I: I, Spike: S}))
			for j := range n * rows {
				c := cfg
				c.PerNeuron = nil
				c.Params.Tau, c.Params.VTh, c.Params.C, c.Params.TauRef, c.Params.B = per.Tau[j%n], per.VTh[j%n], per.C[j%n], per.TauRef[j%n], per.B[j%n]
				k, err := New(c)
				require.NoError(t, err)
				require.NoError(t, k.Step(tm, Buffers[float32]{V: want[0][j : j+1], W: want[1][j : j+1], LastSpike: want[2][j : j+1], I: want[3][j : j+1], Spike: want[4][j : j+1]}))
			}
			require.Equal(t, want[0], V, "step %d reset %v", step, reset)
			require.Equal(t, want[1], W)
			require.Equal(t, want[2], L)
			require.Equal(t, want[4], S)
		}
	}
}

// A type defined from float32 runs the same code as float32.
func TestDefinedFloatType(t *testing.T) {
	type mV float32
	k1, err := New(Config[mV]{Params: Defaults[mV](), DT: 0.1})
	require.NoError(t, err)
	k2, err := New(Config[float32]{Params: Defaults[float32](), DT: 0.1})
	require.NoError(t, err)
	V1, W1, L1 := []mV{-50, -20}, []mV{0, 1}, []mV{-1e7, -1e7}
	V2, W2, L2 := []float32{-50, -20}, []float32{0, 1}, []float32{-1e7, -1e7}
	require.NoError(t, k1.Step(0, Buffers[mV]{V: V1, W: W1, LastSpike: L1}))
	require.NoError(t, k2.Step(0, Buffers[float32]{V: V2, W: W2, LastSpike: L2}))
	for i := range V1 {
		assert.Equal(t, V2[i], float32(V1[i]))
		assert.Equal(t, W2[i], float32(W1[i]))
	}
}

func TestStepAllocatesNothing(t *testing.T) {
	const n = 1000
	k64, err := New(defaultConfig())
	require.NoError(t, err)
	b := newBufs(n).buffers()
	b.Refractory = make([]bool, n)
	if a := testing.AllocsPerRun(20, func() { _ = k64.Step(1, b) }); a != 0 {
		t.Errorf("float64 Step allocates %v times per call", a)
	}
	cfg := Config[float32]{Params: Defaults[float32](), DT: 0.1, PerNeuron: &PerNeuron[float32]{A: make([]float32, 100)}}
	k32, err := New(cfg)
	require.NoError(t, err)
	V, W, L := make([]float32, n), make([]float32, n), make([]float32, n)
	b32 := Buffers[float32]{V: V, W: W, LastSpike: L, Spike: make([]float32, n)}
	if a := testing.AllocsPerRun(20, func() { _ = k32.Step(1, b32) }); a != 0 {
		t.Errorf("per-neuron float32 Step allocates %v times per call", a)
	}
}

// Many goroutines stepping disjoint parts of one population with one
// Kernel compute what one sequential Step computes.
func TestStepConcurrent(t *testing.T) {
	const n, parts, steps = 4096, 8, 10
	k, err := New(defaultConfig())
	require.NoError(t, err)
	seq, par := newBufs(n), newBufs(n)
	for s := range steps {
		require.NoError(t, k.Step(float64(s)*0.1, seq.buffers()))
		var wg sync.WaitGroup
		for p := range parts {
			lo, hi := p*n/parts, (p+1)*n/parts
			wg.Go(func() {
				b := Buffers[float64]{V: par.V[lo:hi], W: par.W[lo:hi], LastSpike: par.L[lo:hi], I: par.I[lo:hi], G: par.G[lo:hi], Delta: par.D[lo:hi], Spike: par.S[lo:hi]}
				assert.NoError(t, k.Step(float64(s)*0.1, b))
			})
		}
		wg.Wait()
	}
	assert.Equal(t, seq, par)
}

func TestISA(t *testing.T) {
	av := Available()
	require.NotEmpty(t, av)
	assert.Equal(t, "generic", av[len(av)-1])
	assert.Contains(t, av, ISA())
	saved := ISA()
	defer func() { require.NoError(t, SetISA(saved)) }()
	for _, name := range av {
		require.NoError(t, SetISA(name))
		assert.Equal(t, name, ISA())
	}
	err := SetISA("sse9")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sse9")
	assert.Contains(t, av, ISA(), "a refused SetISA must keep a valid path")
}

// ADQUAIF_ISA chooses the path at start-up; an unavailable name is reported
// on stderr and the best path is kept. The test re-runs its own binary.
func TestISAEnvironment(t *testing.T) {
	if os.Getenv("ADQUAIF_TEST_CHILD") != "" {
		os.Stdout.WriteString("ISA=" + ISA() + "\n")
		return
	}
	run := func(env string) (string, string) {
		cmd := testCommand(t, "-test.run=^TestISAEnvironment$")
		cmd.Env = append(os.Environ(), "ADQUAIF_TEST_CHILD=1", "ADQUAIF_ISA="+env)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if errors.Is(err, syscall.ENOEXEC) {
			t.Skip("this binary cannot be run again directly (emulated?); set ADQUAIF_EXEC to the emulator")
		}
		require.NoError(t, err, stderr.String())
		for _, line := range strings.Split(string(out), "\n") {
			if isa, ok := strings.CutPrefix(line, "ISA="); ok {
				return isa, stderr.String()
			}
		}
		t.Fatalf("child printed no ISA: %s", out)
		return "", ""
	}
	for _, name := range Available() {
		got, _ := run(name)
		assert.Equal(t, name, got)
	}
	got, stderr := run("sse9")
	assert.Equal(t, Available()[0], got)
	assert.Contains(t, stderr, "ADQUAIF_ISA")
	assert.Contains(t, stderr, "sse9")
}

// testCommand runs this test binary again with args. Under user-mode
// emulation (go test -exec qemu-aarch64) the binary cannot be executed
// directly: ADQUAIF_EXEC names the emulator to run it with.
func testCommand(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	if wrapper := os.Getenv("ADQUAIF_EXEC"); wrapper != "" {
		f := strings.Fields(wrapper)
		return exec.Command(f[0], append(append(f[1:], os.Args[0]), args...)...)
	}
	return exec.Command(os.Args[0], args...)
}
