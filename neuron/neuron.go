// Package neuron is a population of AdQuaIFRef neurons in the style of
// BrainPy's brainpy.state.AdQuaIFRef, on top of package kernel: a size and a
// batch size, BrainPy's parameters and defaults, initializers for V and w,
// InitState and ResetState, and Update(x), which advances the population by
// one step of dt and returns its spikes.
//
// The step itself is kernel's (see its documentation and the project's
// docs/CONTRACT.md); this package keeps the state, the clock and the input buffers,
// so that
//
//	pop, _ := neuron.New(neuron.Config[float32]{Size: 100})
//	for range steps {
//		spikes, _ := pop.Update(current)
//		...
//	}
//
// is BrainPy's
//
//	pop = brainpy.state.AdQuaIFRef(100); pop.init_state()
//	for i in range(steps):
//	    with brainstate.environ.context(t=i*dt): spikes = pop.update(current)
//
// A conductance-based input g*(E - V), BrainPy's COBA output that a
// projection registers on its target with add_current_input, is registered
// once with AddConductanceInput: every Update reads its conductance g, which
// the caller's synapses update in place, and passes g*E to the kernel's
// input current and g to its input conductance (kernel.Buffers.G), so that
// the step differentiates through it as BrainPy's exponential Euler does.
//
// Update allocates nothing: the state is allocated once, by New and
// InitState (and the buffer for broadcast inputs at the first Update that
// broadcasts one, and the sums of conductance inputs when the first is
// added).
package neuron

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unsafe"

	"github.com/adquaif/adquaif/internal/memlimit"
	"github.com/adquaif/adquaif/kernel"
)

// Defaults that BrainPy takes from its environment or its initializers
// rather than from the model's parameters.
const (
	DefaultDT            = 0.1  // ms, brainstate's usual environ dt
	DefaultV0            = -65  // mV, V_initializer = Constant(-65 mV)
	DefaultW0            = 0    // mA, w_initializer = Constant(0 mA)
	InitialLastSpikeTime = -1e7 // ms, last_spike_time at InitState: long ago, so no neuron starts refractory
)

// Config configures a population. Its zero value, with Size set, is
// BrainPy's AdQuaIFRef(Size) with its defaults.
type Config[F kernel.Float] struct {
	// Size is the number of neurons (BrainPy's in_size), > 0.
	Size int
	// BatchSize is the number of independent copies (batch rows) of the
	// population that every Update steps at once. 0, BrainPy's
	// batch_size=None, and 1 both mean one row.
	BatchSize int
	// Params are the scalar parameters. The zero value means
	// kernel.Defaults (BrainPy's), so start from kernel.Defaults to change
	// a few of them: a partly filled Params keeps its zeros.
	Params kernel.Params[F]
	// PerNeuron overrides parameters neuron by neuron: each non-nil slice
	// has length Size and is shared by every batch row. nil: none.
	PerNeuron *kernel.PerNeuron[F]
	// DT is the time step in ms; 0 means DefaultDT (0.1 ms).
	DT F
	// Reset is BrainPy's spk_reset; the zero value is kernel.SoftReset,
	// BrainPy's default.
	Reset kernel.Reset
	// RefVar keeps a boolean refractory state, read with Refractory
	// (BrainPy's ref_var=True).
	RefVar bool
	// V0 and W0 initialize V (mV) and w (mA) at InitState and ResetState;
	// nil means Constant(DefaultV0) and Constant(DefaultW0).
	V0, W0 Initializer[F]
	// Workers is kernel.Config.Workers: goroutines that share each Update
	// (0 or 1: the calling goroutine). Results do not depend on it.
	Workers int
}

// AdQuaIFRef is a population of adaptive quadratic integrate-and-fire
// neurons with an absolute refractory period. Its state holds BatchSize rows
// of Size neurons, row after row; neuron j of row r is element r*Size + j
// of every state slice.
//
// A population is not safe for concurrent use.
type AdQuaIFRef[F kernel.Float] struct {
	cfg  Config[F]
	k    *kernel.Kernel[F]
	rows int

	v, w, last, spike []F
	ref               []bool // nil unless cfg.RefVar
	// in and delta hold broadcast inputs; they are allocated on first use,
	// since most simulations pass full-length inputs or none.
	in, delta []F
	// cond are the conductance inputs, in the order they were added; sumI
	// and sumG the kernel's input current and conductance that an Update
	// sums them into (allocated with the first).
	cond       []condInput[F]
	sumI, sumG []F
	steps      int
}

// condInput is a conductance-based input g*(E - V).
type condInput[F kernel.Float] struct {
	key string
	g   []F
	e   F
}

// New validates cfg, builds the kernel and initializes the state with
// InitState(cfg.BatchSize). Its errors name the offending field; kernel
// errors (a *kernel.ParamError for a bad parameter or DT) are returned as
// they are, or wrapped with a hint when a zero that a partly filled Params
// kept is to blame. A population whose state would not fit in memory is
// refused before anything is allocated.
func New[F kernel.Float](cfg Config[F]) (*AdQuaIFRef[F], error) {
	if cfg.Size <= 0 {
		return nil, fmt.Errorf("neuron: Config.Size = %d: want a size > 0", cfg.Size)
	}
	if cfg.BatchSize < 0 {
		return nil, fmt.Errorf("neuron: Config.BatchSize = %d: want 0 (no batch) or a batch size > 0", cfg.BatchSize)
	}
	if cfg.Params == (kernel.Params[F]{}) {
		cfg.Params = kernel.Defaults[F]()
	}
	if cfg.DT == 0 {
		cfg.DT = DefaultDT
	}
	if cfg.V0 == nil {
		cfg.V0 = Constant[F](DefaultV0)
	}
	if cfg.W0 == nil {
		cfg.W0 = Constant[F](DefaultW0)
	}
	if cfg.PerNeuron != nil {
		for _, f := range perNeuronFields(cfg.PerNeuron) {
			if f.s != nil && len(f.s) != cfg.Size {
				return nil, fmt.Errorf("neuron: PerNeuron.%s has %d values for Size %d", f.name, len(f.s), cfg.Size)
			}
		}
	}
	k, err := kernel.New(kernel.Config[F]{Params: cfg.Params, PerNeuron: cfg.PerNeuron, DT: cfg.DT, Reset: cfg.Reset, Workers: cfg.Workers})
	var pe *kernel.ParamError
	if errors.As(err, &pe) && strings.HasPrefix(pe.Name, "Params.") && pe.Value == 0 && zeros(&cfg.Params) > 1 {
		// A zero among others, where BrainPy has none: a Params that was
		// filled in part (an empty one means the defaults).
		return nil, fmt.Errorf("%w (neuron: a partly filled Config.Params keeps its zero fields; start from kernel.Defaults and change the fields you need)", err)
	}
	if err != nil {
		return nil, err
	}
	p := &AdQuaIFRef[F]{cfg: cfg, k: k}
	if err := p.InitState(cfg.BatchSize); err != nil {
		return nil, err
	}
	return p, nil
}

// zeros counts the fields of p that are zero (none of BrainPy's defaults is).
func zeros[F kernel.Float](p *kernel.Params[F]) int {
	n := 0
	for _, x := range [...]F{p.R, p.Tau, p.TauW, p.TauRef, p.VTh, p.VReset, p.VRest, p.VC, p.C, p.A, p.B} {
		if x == 0 {
			n++
		}
	}
	return n
}

type namedSlice[F kernel.Float] struct {
	name string
	s    []F
}

func perNeuronFields[F kernel.Float](p *kernel.PerNeuron[F]) [11]namedSlice[F] {
	return [...]namedSlice[F]{
		{"R", p.R}, {"Tau", p.Tau}, {"TauW", p.TauW}, {"TauRef", p.TauRef}, {"VTh", p.VTh},
		{"VReset", p.VReset}, {"VRest", p.VRest}, {"VC", p.VC}, {"C", p.C}, {"A", p.A}, {"B", p.B},
	}
}

// InitState allocates the state for batchSize rows (0 and 1 both mean one
// row) and initializes it as ResetState does (BrainPy's init_state).
func (p *AdQuaIFRef[F]) InitState(batchSize int) error {
	if batchSize < 0 {
		return fmt.Errorf("neuron: batch size %d: want 0 (no batch) or a batch size > 0", batchSize)
	}
	rows := max(batchSize, 1)
	if rows > math.MaxInt/p.cfg.Size {
		return fmt.Errorf("neuron: batch size %d times size %d overflows", rows, p.cfg.Size)
	}
	m := rows * p.cfg.Size
	// The state, and the two buffers that broadcast inputs take.
	var need memlimit.Need
	need.Add(m, 6*int(unsafe.Sizeof(F(0))))
	if p.cfg.RefVar {
		need.Add(m, 1)
	}
	if err := need.Check(); err != nil {
		if rows == 1 {
			return fmt.Errorf("neuron: Config.Size = %d: the state %v", p.cfg.Size, err)
		}
		return fmt.Errorf("neuron: batch size %d times size %d: the state %v", rows, p.cfg.Size, err)
	}
	q := *p
	q.rows = rows
	q.v, q.w, q.last, q.spike = make([]F, m), make([]F, m), make([]F, m), make([]F, m)
	q.ref = nil
	if p.cfg.RefVar {
		q.ref = make([]bool, m)
	}
	q.in, q.delta = nil, nil
	q.sumI, q.sumG = nil, nil
	if len(q.cond) > 0 {
		q.sumI, q.sumG = make([]F, m), make([]F, m)
	}
	if err := q.ResetState(); err != nil {
		return err
	}
	*p = q
	return nil
}

// ResetState sets V and w from their initializers, the last spike times to
// InitialLastSpikeTime, the spikes to 0 and the refractory state to false,
// and restarts the clock at t = 0 (BrainPy's reset_state). The batch size is
// kept. If an initializer fails, ResetState returns its error and the state
// is undefined until a ResetState that succeeds.
func (p *AdQuaIFRef[F]) ResetState() error {
	if err := p.cfg.V0.Init(p.v, p.cfg.Size); err != nil {
		return fmt.Errorf("neuron: V0: %w", err)
	}
	if err := p.cfg.W0.Init(p.w, p.cfg.Size); err != nil {
		return fmt.Errorf("neuron: W0: %w", err)
	}
	for i := range p.last {
		p.last[i] = InitialLastSpikeTime
	}
	clear(p.spike)
	clear(p.ref)
	p.steps = 0
	return nil
}

// ErrInputLength is wrapped by the error of an Update whose input has a
// length that does not broadcast to the state.
var ErrInputLength = errors.New("input length does not broadcast to the population")

// Update advances every neuron by one step of DT with input current x (mA)
// and returns the spikes of this step: 1 or 0 per neuron, in the layout of
// the state. The returned slice is the population's own and is overwritten
// by the next Update.
//
// x broadcasts as in BrainPy: nil means no input, one value is given to
// every neuron, Size values to every batch row, and BatchSize*Size values
// give each neuron of each row its own. Update n (counting from 0 after
// InitState or ResetState) runs at t = n*DT, computed from n so that time
// does not drift. On error nothing has changed, not even the clock.
func (p *AdQuaIFRef[F]) Update(x []F) ([]F, error) { return p.UpdateDelta(x, nil) }

// UpdateDelta is Update with a delta input as well: delta (mV) is added to V
// after integration (BrainPy's delta inputs) and broadcasts like x.
func (p *AdQuaIFRef[F]) UpdateDelta(x, delta []F) ([]F, error) {
	in, err := p.broadcast(x, &p.in, "input")
	if err != nil {
		return nil, err
	}
	d, err := p.broadcast(delta, &p.delta, "delta")
	if err != nil {
		return nil, err
	}
	var g []F
	if len(p.cond) > 0 {
		for _, c := range p.cond {
			if err := p.broadcasts(c.g, c.key); err != nil {
				return nil, err
			}
		}
		in, g = p.sumConductances(in)
	}
	err = p.k.Step(p.Time(), kernel.Buffers[F]{
		V: p.v, W: p.w, LastSpike: p.last, I: in, G: g, Delta: d, Spike: p.spike, Refractory: p.ref,
	})
	if err != nil {
		return nil, err
	}
	p.steps++
	return p.spike, nil
}

// AddConductanceInput registers a conductance-based input g*(E - V) with
// reversal potential E (mV): BrainPy's COBA output of a projection, which
// it registers with post.add_current_input(key, ...). Every later Update
// reads g (S), a slice that the caller keeps updating in place (the
// synapses' conductance), broadcast like Update's x, and adds g*E to the
// input current and g to the input conductance, which enters the step's
// Jacobian. Inputs are summed in the order they were added, after x:
//
//	I = x + g1*E1 + g2*E2 + ...,  G = g1 + g2 + ...
//
// key names the input, as in BrainPy; a key already used, or a g whose
// length does not broadcast, is an error and registers nothing.
func (p *AdQuaIFRef[F]) AddConductanceInput(key string, g []F, E F) error {
	for _, c := range p.cond {
		if c.key == key {
			return fmt.Errorf("neuron: conductance input %q is already registered", key)
		}
	}
	if err := p.broadcasts(g, key); err != nil {
		return err
	}
	if p.sumI == nil {
		p.sumI, p.sumG = make([]F, len(p.v)), make([]F, len(p.v))
	}
	p.cond = append(p.cond, condInput[F]{key, g, E})
	return nil
}

// broadcasts checks that the conductance of input key has a length Update
// broadcasts: 1, Size or BatchSize*Size.
func (p *AdQuaIFRef[F]) broadcasts(g []F, key string) error {
	switch len(g) {
	case 1, p.cfg.Size, len(p.v):
		return nil
	}
	return fmt.Errorf("neuron: conductance input %q has length %d; want 1, Size = %d or BatchSize*Size = %d: %w", key, len(g), p.cfg.Size, len(p.v), ErrInputLength)
}

// sumConductances adds the conductance inputs to the current in (nil: zero)
// into sumI and sums their conductances into sumG. Each product is its own
// rounding (converted explicitly, so that no compiler fuses it with the
// sum), so the sums are the same on every GOARCH.
func (p *AdQuaIFRef[F]) sumConductances(in []F) ([]F, []F) {
	I, G := p.sumI, p.sumG
	if in != nil {
		copy(I, in)
	} else {
		clear(I)
	}
	clear(G)
	size := p.cfg.Size
	for _, c := range p.cond {
		for lo := 0; lo < len(I); lo += size {
			var row []F
			switch len(c.g) {
			case 1:
				row = nil
			case size:
				row = c.g
			default:
				row = c.g[lo : lo+size]
			}
			for j := lo; j < lo+size; j++ {
				g := c.g[0]
				if row != nil {
					g = row[j-lo]
				}
				I[j] += F(g * c.e)
				G[j] += g
			}
		}
	}
	return I, G
}

// broadcast returns x as a full-length buffer, copying it into *buf
// (allocated on first use) unless it already has the state's length.
func (p *AdQuaIFRef[F]) broadcast(x []F, buf *[]F, what string) ([]F, error) {
	m, size := len(p.v), p.cfg.Size
	switch len(x) {
	case m:
		return x, nil
	case 0:
		if x == nil {
			return nil, nil
		}
	case 1, size:
		if len(*buf) != m {
			*buf = make([]F, m)
		}
		b := *buf
		if len(x) == 1 {
			for i := range b {
				b[i] = x[0]
			}
			return b, nil
		}
		for lo := 0; lo < m; lo += size {
			copy(b[lo:lo+size], x)
		}
		return b, nil
	}
	return nil, fmt.Errorf("neuron: %s has length %d; want nil, 1, Size = %d or BatchSize*Size = %d: %w", what, len(x), size, m, ErrInputLength)
}

// V returns the membrane potentials (mV). The slice is the state itself:
// writing to it changes the population, as assigning V.value does in
// BrainPy.
func (p *AdQuaIFRef[F]) V() []F { return p.v }

// W returns the adaptation currents (mA), the state itself like V.
func (p *AdQuaIFRef[F]) W() []F { return p.w }

// LastSpikeTime returns the time (ms) of each neuron's last spike, or
// InitialLastSpikeTime; the state itself like V.
func (p *AdQuaIFRef[F]) LastSpikeTime() []F { return p.last }

// Spike returns the spikes of the last Update (1 or 0 per neuron), all zero
// after InitState and ResetState.
func (p *AdQuaIFRef[F]) Spike() []F { return p.spike }

// Refractory returns BrainPy's refractory state, true for a neuron that was
// refractory during the last Update or spiked in it; nil unless
// Config.RefVar.
func (p *AdQuaIFRef[F]) Refractory() []bool { return p.ref }

// Size returns the number of neurons in one batch row.
func (p *AdQuaIFRef[F]) Size() int { return p.cfg.Size }

// BatchSize returns the number of batch rows, at least 1.
func (p *AdQuaIFRef[F]) BatchSize() int { return p.rows }

// DT returns the time step in ms.
func (p *AdQuaIFRef[F]) DT() F { return p.cfg.DT }

// Params returns the scalar parameters (with defaults filled in).
func (p *AdQuaIFRef[F]) Params() kernel.Params[F] { return p.cfg.Params }

// Reset returns the spike reset rule.
func (p *AdQuaIFRef[F]) Reset() kernel.Reset { return p.cfg.Reset }

// Steps returns the number of Updates since InitState or ResetState.
func (p *AdQuaIFRef[F]) Steps() int { return p.steps }

// Time returns the time in ms at which the next Update runs, Steps()*DT.
func (p *AdQuaIFRef[F]) Time() F { return F(p.steps) * p.cfg.DT }
