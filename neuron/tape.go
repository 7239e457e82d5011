package neuron

import (
	"errors"
	"fmt"

	"github.com/adquaif/adquaif/kernel"
)

// A Tape records a population's steps so that a loss's gradients can be
// carried back through them: backpropagation through time with BrainPy's
// surrogate gradients (kernel.Backward, Config.Surrogate). Each Update
// through the tape stores the state before the step and the step's
// inputs; Backward then runs kernel.Backward over the recorded steps, last
// first, from the gradients of the final state to those of the state
// before the first step, handing out dL/dI and dL/dDelta of every step on
// the way.
//
// Memory: a recorded step keeps V, w and the last spike time of every
// neuron (3 values of F), plus the input current and the delta input when
// the step had them (up to 5 values: 20 bytes per neuron in float32, 40 in
// float64), all allocated by NewTape for its capacity (the input rows at
// the first step that has that input). 100 ms at dt = 0.1 ms of 1000
// float32 neurons with input current: 1000 steps * 1000 neurons * 16 bytes
// = 16 MB.
type Tape[F kernel.Float] struct {
	pop      *AdQuaIFRef[F]
	capacity int
	steps    int
	first    int // pop.Steps() when the first recorded step ran
	m        int // values per row: the population's state

	v, w, last, in, delta []F // capacity rows of m
	hasIn, hasDelta       []bool
	times                 []F

	// Backward's scratch rows: dL/dspike, dL/dI, dL/dDelta of one step,
	// and dL/dV, dL/dw when the caller gives none.
	gs, gi, gd, gv, gw []F
}

// ErrTape is wrapped by the error of a Tape used on a population that was
// stepped, reset or resized outside it, or that is full.
var ErrTape = errors.New("tape does not match its population")

// NewTape returns a tape for up to capacity steps of p, starting at the
// next Update through it.
func NewTape[F kernel.Float](p *AdQuaIFRef[F], capacity int) (*Tape[F], error) {
	if capacity <= 0 {
		return nil, fmt.Errorf("neuron: tape capacity %d: want > 0", capacity)
	}
	m := len(p.v)
	if capacity > int(^uint(0)>>1)/m/3 {
		return nil, fmt.Errorf("neuron: tape of %d steps of %d neurons overflows", capacity, m)
	}
	tp := &Tape[F]{pop: p, capacity: capacity, m: m, first: p.steps}
	tp.v, tp.w, tp.last = make([]F, capacity*m), make([]F, capacity*m), make([]F, capacity*m)
	tp.hasIn, tp.hasDelta, tp.times = make([]bool, capacity), make([]bool, capacity), make([]F, capacity)
	tp.gs, tp.gi, tp.gd, tp.gv, tp.gw = make([]F, m), make([]F, m), make([]F, m), make([]F, m), make([]F, m)
	return tp, nil
}

// Len is the number of recorded steps.
func (tp *Tape[F]) Len() int { return tp.steps }

// Reset forgets the recorded steps (keeping the memory): the next Update
// through the tape records from the population's current state, as after
// ResetState for a new trial.
func (tp *Tape[F]) Reset() {
	tp.steps = 0
	tp.first = tp.pop.steps
}

// Update is the population's Update, recorded.
func (tp *Tape[F]) Update(x []F) ([]F, error) { return tp.UpdateDelta(x, nil) }

// UpdateDelta is the population's UpdateDelta, recorded. It refuses, and
// the population does not step, when the tape is full or the population
// was stepped, reset or resized since the tape's last step (Reset the tape
// after ResetState).
func (tp *Tape[F]) UpdateDelta(x, delta []F) ([]F, error) {
	p := tp.pop
	switch {
	case len(p.v) != tp.m:
		return nil, fmt.Errorf("neuron: the population holds %d neurons, the tape %d per step: %w", len(p.v), tp.m, ErrTape)
	case p.steps != tp.first+tp.steps:
		return nil, fmt.Errorf("neuron: the population is at step %d, the tape's next step is %d (Reset the tape after ResetState): %w", p.steps, tp.first+tp.steps, ErrTape)
	case tp.steps == tp.capacity:
		return nil, fmt.Errorf("neuron: the tape is full (%d steps): %w", tp.capacity, ErrTape)
	}
	in, err := p.broadcast(x, &p.in, "input")
	if err != nil {
		return nil, err
	}
	d, err := p.broadcast(delta, &p.delta, "delta")
	if err != nil {
		return nil, err
	}
	s, m := tp.steps, tp.m
	row := func(rows []F) []F { return rows[s*m : (s+1)*m] }
	copy(row(tp.v), p.v)
	copy(row(tp.w), p.w)
	copy(row(tp.last), p.last)
	tp.hasIn[s], tp.hasDelta[s] = in != nil, d != nil
	if in != nil {
		if tp.in == nil {
			tp.in = make([]F, tp.capacity*m)
		}
		copy(row(tp.in), in)
	}
	if d != nil {
		if tp.delta == nil {
			tp.delta = make([]F, tp.capacity*m)
		}
		copy(row(tp.delta), d)
	}
	tp.times[s] = p.Time()
	spikes, err := p.UpdateDelta(in, d)
	if err != nil {
		return nil, err
	}
	tp.steps++
	return spikes, nil
}

// Gradients configures Tape.Backward.
type Gradients[F kernel.Float] struct {
	// V and W hold dL/dV and dL/dw of the state after the last recorded
	// step and receive those of the state before the first (nil: zero in,
	// not returned). Each has the state's length.
	V, W []F
	// Spike, if not nil, writes dL/dspike of recorded step s (0 first)
	// into dst, which holds zeros; nil: the spikes carry no loss.
	Spike func(s int, dst []F)
	// Input, if not nil, receives dL/dI of recorded step s, and dL/dDelta
	// if that step had a delta input (else dDelta is nil). The slices are
	// the tape's and are overwritten by the next step back.
	Input func(s int, dI, dDelta []F)
}

// Backward carries the gradients back through every recorded step, last
// first (kernel.Backward of each, from the recorded state and inputs). It
// allocates nothing.
func (tp *Tape[F]) Backward(g Gradients[F]) error {
	m := tp.m
	gv, gw := g.V, g.W
	for _, x := range []struct {
		name string
		s    []F
	}{{"V", g.V}, {"W", g.W}} {
		if x.s != nil && len(x.s) != m {
			return fmt.Errorf("neuron: Gradients.%s has %d values for a state of %d: %w", x.name, len(x.s), m, ErrInputLength)
		}
	}
	if gv == nil {
		gv = tp.gv
		clear(gv)
	}
	if gw == nil {
		gw = tp.gw
		clear(gw)
	}
	for s := tp.steps - 1; s >= 0; s-- {
		row := func(rows []F, has bool) []F {
			if !has {
				return nil
			}
			return rows[s*m : (s+1)*m]
		}
		b := kernel.Buffers[F]{V: row(tp.v, true), W: row(tp.w, true), LastSpike: row(tp.last, true),
			I: row(tp.in, tp.hasIn[s]), Delta: row(tp.delta, tp.hasDelta[s])}
		grads := kernel.Grads[F]{V: gv, W: gw}
		if g.Spike != nil {
			clear(tp.gs)
			g.Spike(s, tp.gs)
			grads.Spike = tp.gs
		}
		if g.Input != nil {
			grads.I = tp.gi
			if tp.hasDelta[s] {
				grads.Delta = tp.gd
			}
		}
		if err := tp.pop.k.Backward(tp.times[s], b, grads); err != nil {
			return err
		}
		if g.Input != nil {
			g.Input(s, grads.I, grads.Delta)
		}
	}
	return nil
}
