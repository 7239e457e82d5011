package kernel

import (
	"fmt"
	"unsafe"

	"github.com/adquaif/adquaif/generic"
)

// Buffers for one step. V, W and LastSpike are updated in place.
// With PerNeuron values of length n, the buffers may hold several batch rows:
// their length is a multiple of n and neuron j uses the values of j % n.
type Buffers[F Float] struct {
	V, W, LastSpike []F
	I               []F    // input current; nil means zero
	Delta           []F    // delta input added to V after integration; nil means none
	Spike           []F    // out: 1 or 0 per neuron; nil: not written
	Refractory      []bool // out: BrainPy's ref_var; nil: not written
}

// Step advances every neuron by one step of DT at time t. It is safe to call
// concurrently on disjoint buffers, and it allocates nothing.
//
// It refuses, before writing anything, buffers of different lengths (a
// per-neuron kernel also needs a multiple of its population size) and
// buffers that overlap, except I and Delta, which are only read.
func (k *Kernel[F]) Step(t F, b Buffers[F]) error {
	if err := k.check(&b); err != nil {
		return err
	}
	m := len(b.V)
	if m == 0 {
		return nil
	}
	rows, n := 1, m
	if k.n > 0 {
		rows, n = m/k.n, k.n
	}
	id := current()
	if unsafe.Sizeof(F(0)) == 4 {
		f := generic.Frame32{C: as[float32](k.consts), Stride: n, N: n, T: float32(t)}
		for r := 0; r < rows; r++ {
			lo, hi := r*n, (r+1)*n
			f.V, f.W, f.Last = as[float32](b.V[lo:hi]), as[float32](b.W[lo:hi]), as[float32](b.LastSpike[lo:hi])
			f.I, f.Delta, f.Spike = as[float32](part(b.I, lo, hi)), as[float32](part(b.Delta, lo, hi)), as[float32](part(b.Spike, lo, hi))
			f.Ref = part(b.Refractory, lo, hi)
			step32(id, k.variant, &f)
		}
		return nil
	}
	f := generic.Frame64{C: as[float64](k.consts), Stride: n, N: n, T: float64(t)}
	for r := 0; r < rows; r++ {
		lo, hi := r*n, (r+1)*n
		f.V, f.W, f.Last = as[float64](b.V[lo:hi]), as[float64](b.W[lo:hi]), as[float64](b.LastSpike[lo:hi])
		f.I, f.Delta, f.Spike = as[float64](part(b.I, lo, hi)), as[float64](part(b.Delta, lo, hi)), as[float64](part(b.Spike, lo, hi))
		f.Ref = part(b.Refractory, lo, hi)
		step64(id, k.variant, &f)
	}
	return nil
}

// part is s[lo:hi], or nil for an absent buffer.
func part[T any](s []T, lo, hi int) []T {
	if s == nil {
		return nil
	}
	return s[lo:hi]
}

// span is a buffer's name and byte range, for the overlap checks.
type span struct {
	name     string
	lo, hi   uintptr
	readOnly bool
}

func spanOf[T any](name string, s []T, readOnly bool) span {
	if len(s) == 0 {
		return span{name: name}
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	return span{name, lo, lo + uintptr(len(s))*unsafe.Sizeof(s[0]), readOnly}
}

func (k *Kernel[F]) check(b *Buffers[F]) error {
	m := len(b.V)
	lengths := [...]struct {
		name     string
		n        int
		optional bool
	}{
		{"W", len(b.W), false}, {"LastSpike", len(b.LastSpike), false},
		{"I", len(b.I), b.I == nil}, {"Delta", len(b.Delta), b.Delta == nil},
		{"Spike", len(b.Spike), b.Spike == nil}, {"Refractory", len(b.Refractory), b.Refractory == nil},
	}
	for _, l := range lengths {
		if !l.optional && l.n != m {
			return &BufferError{Name: l.name, Err: ErrLength, Why: fmt.Sprintf("length %d, V has %d", l.n, m)}
		}
	}
	if k.n > 0 && m%k.n != 0 {
		return &BufferError{Name: "V", Err: ErrLength, Why: fmt.Sprintf("length %d is not a multiple of the %d per-neuron values", m, k.n)}
	}
	spans := [...]span{
		spanOf("V", b.V, false), spanOf("W", b.W, false), spanOf("LastSpike", b.LastSpike, false),
		spanOf("I", b.I, true), spanOf("Delta", b.Delta, true),
		spanOf("Spike", b.Spike, false), spanOf("Refractory", b.Refractory, false),
	}
	for i, a := range spans {
		for _, c := range spans[i+1:] {
			if a.readOnly && c.readOnly {
				continue
			}
			if a.lo < c.hi && c.lo < a.hi {
				return &BufferError{Name: a.name + "/" + c.name, Err: ErrOverlap, Why: "a buffer the step writes must not share memory with another buffer"}
			}
		}
	}
	return nil
}
