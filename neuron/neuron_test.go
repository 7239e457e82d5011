package neuron_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/adquaif/adquaif/kernel"
	"github.com/adquaif/adquaif/neuron"
)

// bitsEqual compares two slices bit for bit, so that the comparison holds
// for NaN and tells -0 from +0: every path must reproduce kernel.Step
// exactly, not approximately.
func bitsEqual[F kernel.Float](a, b []F) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(float64(a[i])) != math.Float64bits(float64(b[i])) {
			return false
		}
	}
	return true
}

func TestDefaults(t *testing.T) {
	t.Run("float32", testDefaults[float32])
	t.Run("float64", testDefaults[float64])
}

func testDefaults[F kernel.Float](t *testing.T) {
	p, err := neuron.New(neuron.Config[F]{Size: 3})
	if err != nil {
		t.Fatal(err)
	}
	// BrainPy's AdQuaIFRef signature, written out rather than taken from
	// kernel.Defaults so that a wrong default there fails here too.
	want := kernel.Params[F]{R: 1, Tau: 10, TauW: 10, TauRef: 1.7, VTh: -30, VReset: -68, VRest: -65, VC: -50, C: 0.07, A: 1, B: 0.1}
	if got := p.Params(); got != want {
		t.Errorf("Params() = %+v, want %+v", got, want)
	}
	if p.DT() != F(0.1) || p.Reset() != kernel.SoftReset || p.Size() != 3 || p.BatchSize() != 1 {
		t.Errorf("DT, Reset, Size, BatchSize = %v, %v, %d, %d; want 0.1, soft, 3, 1", p.DT(), p.Reset(), p.Size(), p.BatchSize())
	}
	for name, s := range map[string][]F{"V": p.V(), "W": p.W(), "LastSpikeTime": p.LastSpikeTime(), "Spike": p.Spike()} {
		w := map[string]F{"V": -65, "W": 0, "LastSpikeTime": -1e7, "Spike": 0}[name]
		if len(s) != 3 || slices.ContainsFunc(s, func(x F) bool { return x != w }) {
			t.Errorf("%s() = %v, want 3 x %v", name, s, w)
		}
	}
	if p.Refractory() != nil {
		t.Errorf("Refractory() = %v without RefVar, want nil", p.Refractory())
	}
	if p.Steps() != 0 || p.Time() != 0 {
		t.Errorf("Steps, Time = %d, %v; want 0, 0", p.Steps(), p.Time())
	}
}

// params returns per-neuron values around BrainPy's defaults, varied enough
// that neurons spike at different rates.
func perNeuron[F kernel.Float](n int, r *rand.Rand) *kernel.PerNeuron[F] {
	vary := func(x, spread float64) []F {
		s := make([]F, n)
		for i := range s {
			s[i] = F(x + spread*(2*r.Float64()-1))
		}
		return s
	}
	return &kernel.PerNeuron[F]{Tau: vary(10, 3), TauW: vary(50, 40), TauRef: vary(2, 1.5), B: vary(0.5, 0.4), VTh: vary(-30, 5)}
}

func randomInput[F kernel.Float](m int, lo, hi float64, r *rand.Rand) []F {
	x := make([]F, m)
	for i := range x {
		x[i] = F(lo + (hi-lo)*r.Float64())
	}
	return x
}

// TestUpdateMatchesKernel runs a population and, beside it, kernel.Step on
// buffers of its own at t = k*DT, and requires the same state after every
// step.
func TestUpdateMatchesKernel(t *testing.T) {
	t.Run("float32", testUpdateMatchesKernel[float32])
	t.Run("float64", testUpdateMatchesKernel[float64])
}

func testUpdateMatchesKernel[F kernel.Float](t *testing.T) {
	const n, batch, steps = 7, 3, 1000
	for _, reset := range []kernel.Reset{kernel.SoftReset, kernel.HardReset} {
		r := rand.New(rand.NewPCG(1, uint64(reset)))
		per := perNeuron[F](n, r)
		params := kernel.Defaults[F]()
		params.A = 0.5
		const dt = 0.05
		p, err := neuron.New(neuron.Config[F]{Size: n, BatchSize: batch, Params: params, PerNeuron: per, DT: dt, Reset: reset, RefVar: true})
		if err != nil {
			t.Fatal(err)
		}
		k, err := kernel.New(kernel.Config[F]{Params: params, PerNeuron: per, DT: dt, Reset: reset})
		if err != nil {
			t.Fatal(err)
		}
		m := n * batch
		v, w, last, spike := make([]F, m), make([]F, m), make([]F, m), make([]F, m)
		ref := make([]bool, m)
		for i := range v {
			v[i], last[i] = -65, -1e7
		}
		full := make([]F, m)
		spikes := 0
		for s := 0; s < steps; s++ {
			// Cycle through every way to give the input, so that the
			// broadcasts are checked against their expansion.
			var x, d, xs, ds []F
			switch s % 4 {
			case 0:
				xs = randomInput[F](m, 0, 80, r)
				x = xs
			case 1:
				x = randomInput[F](1, 0, 80, r)
				xs = full
				for i := range xs {
					xs[i] = x[0]
				}
			case 2:
				x = randomInput[F](n, 0, 80, r)
				xs = full
				for i := range xs {
					xs[i] = x[i%n]
				}
			case 3:
				// no input
			}
			if s%5 == 0 {
				d = randomInput[F](n, -2, 2, r)
				ds = slices.Concat(d, d, d)
			}
			got, err := p.UpdateDelta(x, d)
			if err != nil {
				t.Fatal(err)
			}
			if err := k.Step(F(s)*F(dt), kernel.Buffers[F]{V: v, W: w, LastSpike: last, I: xs, Delta: ds, Spike: spike, Refractory: ref}); err != nil {
				t.Fatal(err)
			}
			if !bitsEqual(got, spike) || !bitsEqual(p.V(), v) || !bitsEqual(p.W(), w) || !bitsEqual(p.LastSpikeTime(), last) || !slices.Equal(p.Refractory(), ref) {
				t.Fatalf("%v reset, step %d: population and kernel.Step differ:\nV %v\n  %v\nw %v\n  %v\nspike %v\n      %v",
					reset, s, p.V(), v, p.W(), w, got, spike)
			}
			for _, sp := range spike {
				spikes += int(sp)
			}
		}
		if spikes < 50 {
			t.Errorf("%v reset: only %d spikes; the comparison proved little", reset, spikes)
		}
	}
}

// TestBatchRows checks that every batch row is an independent copy of the
// population sharing the per-neuron parameters: stepping a batch equals
// stepping each row alone.
func TestBatchRows(t *testing.T) {
	type F = float32
	const n, batch, steps = 5, 4, 400
	r := rand.New(rand.NewPCG(2, 2))
	per := perNeuron[F](n, r)
	v0 := randomInput[F](n*batch, -70, -40, r)
	cfg := neuron.Config[F]{Size: n, BatchSize: batch, PerNeuron: per, RefVar: true, V0: neuron.Values(v0)}
	all, err := neuron.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]*neuron.AdQuaIFRef[F], batch)
	for b := range rows {
		c := cfg
		c.BatchSize = 0
		c.V0 = neuron.Values(v0[b*n : (b+1)*n])
		if rows[b], err = neuron.New(c); err != nil {
			t.Fatal(err)
		}
	}
	x := randomInput[F](n*batch, 10, 60, r)
	spikes := 0
	for s := 0; s < steps; s++ {
		got, err := all.Update(x)
		if err != nil {
			t.Fatal(err)
		}
		for b, row := range rows {
			lo, hi := b*n, (b+1)*n
			want, err := row.Update(x[lo:hi])
			if err != nil {
				t.Fatal(err)
			}
			if !bitsEqual(got[lo:hi], want) || !bitsEqual(all.V()[lo:hi], row.V()) || !bitsEqual(all.W()[lo:hi], row.W()) ||
				!slices.Equal(all.Refractory()[lo:hi], row.Refractory()) {
				t.Fatalf("step %d row %d: batch %v, alone %v", s, b, all.V()[lo:hi], row.V())
			}
			for _, sp := range want {
				spikes += int(sp)
			}
		}
	}
	if spikes == 0 {
		t.Fatal("no spikes: the inputs do not exercise the per-neuron parameters")
	}
}

// TestResetState runs, resets, and requires the fresh state and the same
// trajectory again.
func TestResetState(t *testing.T) {
	type F = float64
	const n, batch = 4, 2
	w0 := []F{0, 1, 2, 3}
	p, err := neuron.New(neuron.Config[F]{Size: n, BatchSize: batch, RefVar: true, V0: neuron.Constant[F](-60), W0: neuron.Values(w0)})
	if err != nil {
		t.Fatal(err)
	}
	x := []F{20, 30, 40, 50}
	run := func() (v []F, spikes int) {
		for range 300 {
			s, err := p.Update(x)
			if err != nil {
				t.Fatal(err)
			}
			for _, sp := range s {
				spikes += int(sp)
			}
		}
		return slices.Clone(p.V()), spikes
	}
	v1, s1 := run()
	if s1 == 0 {
		t.Fatal("no spikes before the reset")
	}
	if err := p.ResetState(); err != nil {
		t.Fatal(err)
	}
	for i := range n * batch {
		if p.V()[i] != -60 || p.W()[i] != w0[i%n] || p.LastSpikeTime()[i] != -1e7 || p.Spike()[i] != 0 || p.Refractory()[i] {
			t.Fatalf("neuron %d after ResetState: V %v w %v last %v spike %v ref %v", i, p.V()[i], p.W()[i], p.LastSpikeTime()[i], p.Spike()[i], p.Refractory()[i])
		}
	}
	if p.Steps() != 0 || p.Time() != 0 {
		t.Fatalf("clock after ResetState: %d steps, t = %v", p.Steps(), p.Time())
	}
	v2, s2 := run()
	if !bitsEqual(v1, v2) || s1 != s2 {
		t.Fatalf("the run after ResetState differs: %v (%d spikes), first %v (%d spikes)", v2, s2, v1, s1)
	}

	// InitState changes the batch size and initializes the new state.
	if err := p.InitState(5); err != nil {
		t.Fatal(err)
	}
	if p.BatchSize() != 5 || len(p.V()) != 5*n || len(p.Refractory()) != 5*n || p.W()[4*n+3] != 3 {
		t.Fatalf("after InitState(5): batch %d, %d V, %d refractory, w %v", p.BatchSize(), len(p.V()), len(p.Refractory()), p.W())
	}
	if _, err := p.Update(slices.Repeat(x, 5)); err != nil {
		t.Fatal(err)
	}
}

// TestRefractory follows one neuron through a spike: the step of the spike
// and the tau_ref that follow are refractory, V and w are held at their
// reset values, and the last spike time is the spike's t = k*DT.
func TestRefractory(t *testing.T) {
	type F = float64
	params := kernel.Defaults[F]()
	params.TauRef = 2
	const dt = 0.1
	p, err := neuron.New(neuron.Config[F]{Size: 1, Params: params, DT: dt, RefVar: true})
	if err != nil {
		t.Fatal(err)
	}
	x := []F{40}
	spikeStep := -1
	for s := 0; s < 1000 && spikeStep < 0; s++ {
		spk, err := p.Update(x)
		if err != nil {
			t.Fatal(err)
		}
		if spk[0] == 1 {
			spikeStep = s
		} else if p.Refractory()[0] {
			t.Fatalf("step %d: refractory before any spike", s)
		}
	}
	if spikeStep < 0 {
		t.Fatal("no spike in 1000 steps at 40 mA")
	}
	if !p.Refractory()[0] || p.LastSpikeTime()[0] != F(spikeStep)*dt {
		t.Fatalf("spike step %d: refractory %v, last spike %v; want true, %v", spikeStep, p.Refractory()[0], p.LastSpikeTime()[0], F(spikeStep)*dt)
	}
	vSpike := p.V()[0]
	// The next step applies the soft reset and holds its result.
	if _, err := p.Update(x); err != nil {
		t.Fatal(err)
	}
	held, heldW := p.V()[0], p.W()[0]
	if want := vSpike - (params.VTh - params.VReset); held != want {
		t.Fatalf("after the spike V = %v, want the soft reset %v", held, want)
	}
	for s := spikeStep + 2; ; s++ {
		spk, err := p.Update(x)
		if err != nil {
			t.Fatal(err)
		}
		// The explicit conversions round each time before the
		// subtraction, as the kernel sees them; Go may otherwise fuse
		// a*b - c*d into an FMA (it does on arm64).
		inRef := F(F(s)*dt)-F(F(spikeStep)*dt) < params.TauRef
		if p.Refractory()[0] != inRef {
			t.Fatalf("step %d (%.1f ms after the spike): refractory %v, want %v", s, F(s-spikeStep)*dt, p.Refractory()[0], inRef)
		}
		if !inRef {
			if p.V()[0] == held {
				t.Fatalf("step %d: V still held at %v after the refractory period", s, held)
			}
			break
		}
		if p.V()[0] != held || p.W()[0] != heldW || spk[0] != 0 {
			t.Fatalf("step %d, refractory: V %v w %v spike %v; want held at %v, %v and no spike", s, p.V()[0], p.W()[0], spk[0], held, heldW)
		}
	}
}

// TestTimeFromStepCount checks that time is k*DT rounded once, not a sum of
// DTs, which in float32 drifts by whole steps over a long run.
func TestTimeFromStepCount(t *testing.T) {
	type F = float32
	p, err := neuron.New(neuron.Config[F]{Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	var sum F
	const steps = 200_000
	for range steps {
		if _, err := p.Update(nil); err != nil {
			t.Fatal(err)
		}
		sum += p.DT()
	}
	if want := F(steps) * F(0.1); p.Time() != want || p.Steps() != steps {
		t.Fatalf("after %d steps: Steps %d, Time %v; want %v", steps, p.Steps(), p.Time(), want)
	}
	if sum == p.Time() {
		t.Fatalf("accumulated time %v equals k*dt: the test cannot tell the two apart", sum)
	}
}

func TestErrors(t *testing.T) {
	type F = float32
	var paramErr *kernel.ParamError
	for _, c := range []struct {
		name string
		cfg  neuron.Config[F]
		is   func(error) bool
	}{
		{"size 0", neuron.Config[F]{}, nil},
		{"negative size", neuron.Config[F]{Size: -5}, nil},
		{"negative batch", neuron.Config[F]{Size: 2, BatchSize: -1}, nil},
		{"per-neuron length", neuron.Config[F]{Size: 3, PerNeuron: &kernel.PerNeuron[F]{TauW: []F{1, 2}}}, nil},
		{"tau 0", neuron.Config[F]{Size: 3, Params: func() kernel.Params[F] { p := kernel.Defaults[F](); p.Tau = 0; return p }()},
			func(err error) bool { return errors.As(err, &paramErr) && paramErr.Name == "Params.Tau" }},
		{"negative dt", neuron.Config[F]{Size: 3, DT: -0.1},
			func(err error) bool { return errors.As(err, &paramErr) && paramErr.Name == "DT" }},
		{"per-neuron tau_w", neuron.Config[F]{Size: 2, PerNeuron: &kernel.PerNeuron[F]{TauW: []F{1, -2}}},
			func(err error) bool {
				return errors.As(err, &paramErr) && paramErr.Name == "PerNeuron.TauW" && paramErr.Index == 1
			}},
		{"reset", neuron.Config[F]{Size: 3, Reset: 7}, nil},
		{"V0 length", neuron.Config[F]{Size: 3, V0: neuron.Values([]F{1, 2})}, nil},
	} {
		p, err := neuron.New(c.cfg)
		if err == nil || p != nil {
			t.Errorf("%s: New = %v, %v; want an error", c.name, p, err)
			continue
		}
		if c.is != nil && !c.is(err) {
			t.Errorf("%s: wrong error %v", c.name, err)
		}
	}

	p, err := neuron.New(neuron.Config[F]{Size: 3, BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Update(make([]F, 6)); err != nil {
		t.Fatal(err)
	}
	v := slices.Clone(p.V())
	for _, c := range []struct {
		name string
		x, d []F
		want error
	}{
		{"input length 2", []F{1, 2}, nil, neuron.ErrInputLength},
		{"input length 0", []F{}, nil, neuron.ErrInputLength},
		{"input length 7", make([]F, 7), nil, neuron.ErrInputLength},
		{"delta length 4", nil, make([]F, 4), neuron.ErrInputLength},
		{"input is V", p.V(), nil, kernel.ErrOverlap},
	} {
		if _, err := p.UpdateDelta(c.x, c.d); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
		if p.Steps() != 1 || !bitsEqual(p.V(), v) {
			t.Fatalf("%s: a refused Update changed the population (steps %d, V %v, was %v)", c.name, p.Steps(), p.V(), v)
		}
	}
	if err := p.InitState(-1); err == nil {
		t.Error("InitState(-1) succeeded")
	}
	if p.BatchSize() != 2 || p.Steps() != 1 {
		t.Error("a refused InitState changed the population")
	}
	// A batch whose state cannot fit is refused before it is allocated.
	if err := p.InitState(math.MaxInt / 3); err == nil || !strings.Contains(err.Error(), "neuron: batch size 3074457345618258602 times size 3: the state needs") {
		t.Errorf("InitState(MaxInt/3) = %v, want an error saying the state does not fit", err)
	}
	if p.BatchSize() != 2 || p.Steps() != 1 {
		t.Error("a refused InitState changed the population")
	}
}

// Sizes whose state does not fit in memory are refused with an error, not
// a runtime panic or an exhausted machine.
func TestSizeBeyondMemory(t *testing.T) {
	for _, c := range []struct {
		cfg  neuron.Config[float32]
		want string
	}{
		{neuron.Config[float32]{Size: math.MaxInt}, "neuron: Config.Size = 9223372036854775807: the state needs more than 2^64 bytes of memory"},
		{neuron.Config[float32]{Size: 1 << 40}, "neuron: Config.Size = 1099511627776: the state needs 24.0 TiB of memory, more than the "},
		{neuron.Config[float32]{Size: 1 << 20, BatchSize: 1 << 20, RefVar: true}, "neuron: batch size 1048576 times size 1048576: the state needs 25.0 TiB of memory, more than the "},
	} {
		p, err := neuron.New(c.cfg)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("New(%+v) = %v, %v; want an error starting %q", c.cfg, p, err, c.want)
		}
	}
	// Within the limit a population is made; above it, refused.
	prev := debug.SetMemoryLimit(64 << 20)
	defer debug.SetMemoryLimit(prev)
	if _, err := neuron.New(neuron.Config[float64]{Size: 1 << 20}); err != nil {
		t.Errorf("48 MiB of state under a 64 MiB limit: %v", err)
	}
	if _, err := neuron.New(neuron.Config[float64]{Size: 2 << 20}); err == nil || !strings.Contains(err.Error(), "needs 96.0 MiB of memory, more than the 64.0 MiB this process can use") {
		t.Errorf("96 MiB of state under a 64 MiB limit: %v", err)
	}
}

// A partly filled Params fails on its zeros; the error says why and what
// to do, and is still the kernel's.
func TestPartlyFilledParams(t *testing.T) {
	_, err := neuron.New(neuron.Config[float32]{Size: 10, Params: kernel.Params[float32]{TauW: 100}})
	var pe *kernel.ParamError
	if !errors.As(err, &pe) || pe.Name != "Params.Tau" || !errors.Is(err, kernel.ErrRange) {
		t.Fatalf("New with only TauW set = %v, want kernel's error about Params.Tau", err)
	}
	if !strings.Contains(err.Error(), "a partly filled Config.Params keeps its zero fields; start from kernel.Defaults") {
		t.Errorf("the error does not say how to fill Params: %v", err)
	}
	// A zero set on purpose in the defaults gets no such hint.
	p := kernel.Defaults[float32]()
	p.Tau = 0
	if _, err := neuron.New(neuron.Config[float32]{Size: 10, Params: p}); err == nil || strings.Contains(err.Error(), "partly filled") {
		t.Errorf("New with Tau = 0 in the defaults = %v, want kernel's error alone", err)
	}
}

func TestUpdateAllocs(t *testing.T) {
	p, err := neuron.New(neuron.Config[float32]{Size: 100, BatchSize: 2, RefVar: true})
	if err != nil {
		t.Fatal(err)
	}
	full := make([]float32, 200)
	for i := range full {
		full[i] = float32(i) / 4
	}
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"nil", func() { p.Update(nil) }},
		{"full", func() { p.Update(full) }},
		// The first broadcast allocates the input buffer; AllocsPerRun's
		// warm-up run takes that, and the measured runs reuse it.
		{"scalar", func() { p.Update(full[7:8]) }},
		{"row", func() { p.Update(full[:100]) }},
		{"delta", func() { p.UpdateDelta(full, full[:1]) }},
	} {
		if a := testing.AllocsPerRun(50, c.f); a != 0 {
			t.Errorf("Update(%s): %v allocations per call, want 0", c.name, a)
		}
	}
}
