package kernel

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/adquaif/adquaif/generic"
)

// Surrogate is BrainPy's ReluGrad(alpha, width), the spike function's
// derivative that Backward uses: sigma(x) = max(0, alpha*(width - |x|)),
// x = (V - V_th)/(V_th - V_reset). A zero Alpha or Width takes BrainPy's
// default (alpha = 0.3, width = 1), so the zero value is ReluGrad().
type Surrogate[F Float] struct{ Alpha, Width F }

// Defaults for a zero Surrogate field: braintools.surrogate.ReluGrad's.
const (
	surrogateAlpha = 0.3
	surrogateWidth = 1
)

// resolve is s with BrainPy's defaults in its zero fields, after checking
// that every field is finite and not negative.
func (s Surrogate[F]) resolve() (alpha, width float64, err error) {
	alpha, width = float64(s.Alpha), float64(s.Width)
	for _, f := range [...]struct {
		name string
		x    float64
	}{{"Surrogate.Alpha", alpha}, {"Surrogate.Width", width}} {
		if err := checkValue(f.name, -1, f.x, false); err != nil {
			return 0, 0, err
		}
		if f.x < 0 {
			return 0, 0, &ParamError{Name: f.name, Index: -1, Value: f.x, Err: ErrRange, Why: "want a value >= 0 (0: BrainPy's default)"}
		}
	}
	if alpha == 0 {
		alpha = surrogateAlpha
	}
	if width == 0 {
		width = surrogateWidth
	}
	return alpha, width, nil
}

// Grads carries a loss's gradients back through one step.
type Grads[F Float] struct {
	V, W        []F // in: dL/dV', dL/dw' after the step; out, in place: dL/dV, dL/dw before it
	Spike       []F // in: dL/dspike'; nil means zero
	I, G, Delta []F // out: dL/dI, dL/dG, dL/dDelta; nil: not written
}

// Backward is the backward step of Step(t, b): b holds the state before
// the step (V, W, LastSpike) and the step's inputs (I, G, Delta), and is
// only read; g holds the gradients after the step and receives those
// before it.
//
// It is the vector-Jacobian product of the step, jax.vjp of BrainPy's
// update with the spike function's derivative taken from Config.Surrogate
// (docs/CONTRACT.md, "The backward step"); the refractory test and the last spike
// time carry no gradient, and with hard reset neither does the V that
// stands in V_th's place. Per neuron, with phi = exprel(dt*J) and
// d = V_th - V_reset:
//
//	hV  = gV + gS*sigma((V' - V_th)/d)/d
//	refractory:  hv, hu = hV, gW;  gI = gG = gDelta = 0
//	otherwise:   hVc = hV + gW*K*a,  K = dt*exprel(-dt/tau_w)/tau_w
//	             hu  = gW*(1 - K) - hVc*dt*phi*R/tau
//	             hv  = hVc*(1 + dt*phi*J + dt^2*exprel'(dt*J)*(2c/tau)*f(v))
//	             gI, gG, gDelta = hVc*dt*phi*R/tau, -hVc*dt*R/tau*(phi*v + dt*exprel'(dt*J)*f(v)), hVc
//	dV  = hv*(1 - sigma(x0)) + hu*b*sigma(x0)/d   (hard: hv*(1 - (V - V_reset)*sigma(x0)/d) + ...)
//	dw  = hu
//
// It refuses, before writing anything, a t that is NaN or infinite,
// buffers of different lengths (a per-neuron kernel also needs a multiple
// of its population size) and a written buffer (g.V, g.W, g.I, g.G, g.Delta) that shares memory with any
// other. b.Spike, b.Refractory, b.SpikeBits and b.SpikeIndex are not used.
// Like Step, it is safe on disjoint buffers from many goroutines, allocates
// nothing, and is split across Config.Workers goroutines as Step is; it runs
// on the path that ISA reports. Every path and every Workers gives the same
// bits.
func (k *Kernel[F]) Backward(t F, b Buffers[F], g Grads[F]) error {
	if err := k.checkTime("t", t, 1); err != nil {
		return err
	}
	if err := k.checkBackward(&b, &g); err != nil {
		return err
	}
	if len(b.V) == 0 {
		return nil
	}
	if parts := k.parts(len(b.V), 1); parts > 1 {
		k.backwardParallel(t, &b, &g, parts)
		return nil
	}
	k.backward(current(), t, &b, &g, 0, len(b.V))
	return nil
}

// backCall is one Backward split across workers (runParts): the buffers
// are copied in, so that pointers to the caller's do not escape.
type backCall[F Float] struct {
	k      *Kernel[F]
	t      F
	b      Buffers[F]
	g      Grads[F]
	isa    isa
	bounds []int
	wg     sync.WaitGroup
}

func (c *backCall[F]) runPart(i int) {
	c.k.backward(c.isa, c.t, &c.b, &c.g, c.bounds[i], c.bounds[i+1])
}

// backwardParallel runs Backward in parts, its call from a per-kernel
// sync.Pool.
func (k *Kernel[F]) backwardParallel(t F, b *Buffers[F], g *Grads[F], parts int) {
	c, _ := k.backCalls.Get().(*backCall[F])
	if c == nil {
		c = new(backCall[F])
	}
	c.k, c.t, c.b, c.g, c.isa = k, t, *b, *g, current()
	runParts(c, len(b.V), parts, &c.bounds, &c.wg)
	c.b, c.g = Buffers[F]{}, Grads[F]{} // do not keep the caller's buffers alive from the pool
	k.backCalls.Put(c)
}

// checkBackward validates Backward's buffers; nothing is written if it
// fails.
func (k *Kernel[F]) checkBackward(b *Buffers[F], g *Grads[F]) error {
	m := len(b.V)
	lengths := [...]struct {
		name   string
		n      int
		absent bool
	}{
		{"W", len(b.W), false}, {"LastSpike", len(b.LastSpike), false},
		{"I", len(b.I), b.I == nil}, {"G", len(b.G), b.G == nil}, {"Delta", len(b.Delta), b.Delta == nil},
		{"Grads.V", len(g.V), false}, {"Grads.W", len(g.W), false}, {"Grads.Spike", len(g.Spike), g.Spike == nil},
		{"Grads.I", len(g.I), g.I == nil}, {"Grads.G", len(g.G), g.G == nil}, {"Grads.Delta", len(g.Delta), g.Delta == nil},
	}
	for i := range lengths {
		l := &lengths[i]
		if !l.absent && l.n != m {
			return &BufferError{Name: l.name, Err: ErrLength, Why: fmt.Sprintf("length %d, want %d (V has %d)", l.n, m, m)}
		}
	}
	if k.n > 0 && m%k.n != 0 {
		return &BufferError{Name: "V", Err: ErrLength, Why: fmt.Sprintf("length %d is not a multiple of the %d per-neuron values", m, k.n)}
	}
	spans := [...]span{
		spanOf("V", b.V, true), spanOf("W", b.W, true), spanOf("LastSpike", b.LastSpike, true),
		spanOf("I", b.I, true), spanOf("G", b.G, true), spanOf("Delta", b.Delta, true),
		spanOf("Grads.V", g.V, false), spanOf("Grads.W", g.W, false), spanOf("Grads.Spike", g.Spike, true),
		spanOf("Grads.I", g.I, false), spanOf("Grads.G", g.G, false), spanOf("Grads.Delta", g.Delta, false),
	}
	return overlap(spans[:], "", "Backward")
}

// backward runs the backward program over neurons lo..hi-1 through path
// id, a batch row at a time for a per-neuron kernel (its constants are
// addressed from the neuron's column in the table).
func (k *Kernel[F]) backward(id isa, t F, b *Buffers[F], g *Grads[F], lo, hi int) {
	row := len(b.V)
	if k.n > 0 {
		row = k.n
	}
	ts := [1]F{t}
	for a := lo; a < hi; {
		e := min(hi, (a/row+1)*row)
		j0 := 0
		if k.n > 0 {
			j0 = a % row
		}
		part := func(s []F) []F {
			if s == nil {
				return nil
			}
			return s[a:e]
		}
		if unsafe.Sizeof(F(0)) == 4 {
			f := generic.Backward32{
				V: as[float32](part(b.V)), W: as[float32](part(b.W)), Last: as[float32](part(b.LastSpike)),
				I: as[float32](part(b.I)), G: as[float32](part(b.G)), Delta: as[float32](part(b.Delta)),
				GV: as[float32](part(g.V)), GW: as[float32](part(g.W)), GSpike: as[float32](part(g.Spike)),
				GI: as[float32](part(g.I)), GG: as[float32](part(g.G)), GDelta: as[float32](part(g.Delta)),
				C: as[float32](k.consts[j0:]), Stride: k.n, N: e - a, Steps: 1, T: as[float32](ts[:]),
			}
			backwardPath32(id, k.variant, &f)
		} else {
			f := generic.Backward64{
				V: as[float64](part(b.V)), W: as[float64](part(b.W)), Last: as[float64](part(b.LastSpike)),
				I: as[float64](part(b.I)), G: as[float64](part(b.G)), Delta: as[float64](part(b.Delta)),
				GV: as[float64](part(g.V)), GW: as[float64](part(g.W)), GSpike: as[float64](part(g.Spike)),
				GI: as[float64](part(g.I)), GG: as[float64](part(g.G)), GDelta: as[float64](part(g.Delta)),
				C: as[float64](k.consts[j0:]), Stride: k.n, N: e - a, Steps: 1, T: as[float64](ts[:]),
			}
			backwardPath64(id, k.variant, &f)
		}
		a = e
	}
}
