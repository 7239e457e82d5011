package kernel

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// zeroCase is a configuration of the zero-conductance tests: BrainPy's
// defaults, and parameters that make the step's intermediate values zero
// (c = -0, V_rest = V_c = 0, b = 0, V_th > 0; and with R < 0), where a sign
// of zero could show: with them, V = -0, w = +0 and I = -0 give v = -0 and
// dt*f(v) = -0.
type zeroCase[F Float] struct {
	name string
	cfg  Config[F]
}

func zeroCases[F Float]() []zeroCase[F] {
	zeros := Defaults[F]()
	zeros.C, zeros.VRest, zeros.VC, zeros.B, zeros.VTh = F(math.Copysign(0, -1)), 0, 0, 0, 30
	negR := zeros
	negR.R = -1
	var cs []zeroCase[F]
	for _, reset := range []Reset{SoftReset, HardReset} {
		cs = append(cs,
			zeroCase[F]{"defaults/" + reset.String(), Config[F]{Params: Defaults[F](), DT: 0.1, Reset: reset}},
			zeroCase[F]{"zeros/" + reset.String(), Config[F]{Params: zeros, DT: 0.1, Reset: reset}},
			zeroCase[F]{"zeros,R<0/" + reset.String(), Config[F]{Params: negR, DT: 0.1, Reset: reset}})
	}
	return cs
}

// zeroSpecials are the special values of F, each repeated so that it meets
// every combination of zeroInputs' W and I.
func zeroSpecials[F Float]() []F {
	var vs []F
	for _, x := range specials[F]() {
		for range 35 {
			vs = append(vs, x)
		}
	}
	return vs
}

// zeroInputs fills W, I and LastSpike for the V values already in b: zeros
// of both signs and ordinary values in turn, so that every V meets each;
// a few neurons are refractory.
func zeroInputs[F Float](b *Buffers[F], t F) {
	negZero := F(math.Copysign(0, -1))
	for j := range b.V {
		b.W[j] = [...]F{0, negZero, 0.5, -2, negZero}[j%5]
		b.I[j] = [...]F{negZero, 0, 0, 30, -7, negZero, 0}[j%7]
		b.LastSpike[j] = -1e7
		if j%11 == 0 {
			b.LastSpike[j] = t
		}
	}
}

// vIsFinite reports whether the potential after the reset, v, is finite:
// exactly where V is (the hard reset of V = +Inf, V - (V - V_reset), is
// NaN).
func vIsFinite[F Float](V F) bool {
	x := float64(V)
	return !math.IsInf(x, 0) && !math.IsNaN(x)
}

// zeroRun steps states three times from the same start: with G == nil,
// G all +0 and G all -0, on the current path, into buffers it reuses.
type zeroRun[F Float] struct {
	out  [3]Buffers[F]
	g    [3][]F
	size int
}

func newZeroRun[F Float](size int) *zeroRun[F] {
	z := &zeroRun[F]{size: size}
	for r := range z.out {
		z.out[r] = Buffers[F]{V: make([]F, size), W: make([]F, size), LastSpike: make([]F, size),
			Spike: make([]F, size), Refractory: make([]bool, size), SpikeBits: make([]uint64, (size+63)/64)}
	}
	z.g[1], z.g[2] = make([]F, size), make([]F, size)
	for j := range size {
		z.g[2][j] = F(math.Copysign(0, -1))
	}
	return z
}

// bytesOf is the memory of s.
func bytesOf[T any](s []T) []byte {
	var x T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(x)))
}

// check steps the state in b (V, W, LastSpike, I) with the three G and
// reports the first neuron with finite v whose outputs differ.
func (z *zeroRun[F]) check(t *testing.T, what string, k *Kernel[F], tm F, b Buffers[F]) {
	t.Helper()
	m := len(b.V)
	for r := range z.out {
		o := &z.out[r]
		o.V, o.W, o.LastSpike = o.V[:m], o.W[:m], o.LastSpike[:m]
		o.Spike, o.Refractory, o.SpikeBits = o.Spike[:m], o.Refractory[:m], o.SpikeBits[:(m+63)/64]
		copy(o.V, b.V)
		copy(o.W, b.W)
		copy(o.LastSpike, b.LastSpike)
		o.I, o.G = b.I, nil
		if r > 0 {
			o.G = z.g[r][:m]
		}
		if err := k.Step(tm, *o); err != nil {
			t.Fatal(err)
		}
	}
	n := &z.out[0]
	for r := 1; r < 3; r++ {
		o := &z.out[r]
		if bytes.Equal(bytesOf(o.V), bytesOf(n.V)) && bytes.Equal(bytesOf(o.W), bytesOf(n.W)) && bytes.Equal(bytesOf(o.LastSpike), bytesOf(n.LastSpike)) &&
			bytes.Equal(bytesOf(o.Spike), bytesOf(n.Spike)) && bytes.Equal(bytesOf(o.Refractory), bytesOf(n.Refractory)) && bytes.Equal(bytesOf(o.SpikeBits), bytesOf(n.SpikeBits)) {
			continue
		}
		for j := range m {
			if !vIsFinite(b.V[j]) {
				continue
			}
			if !sameBits(o.V[j], n.V[j]) || !sameBits(o.W[j], n.W[j]) || !sameBits(o.LastSpike[j], n.LastSpike[j]) ||
				!sameBits(o.Spike[j], n.Spike[j]) || o.Refractory[j] != n.Refractory[j] {
				t.Fatalf("%s isa=%s G=%v: neuron %d (V=%v %#x W=%v I=%v last=%v): V' %v %#x W' %v %#x last' %v spike %v ref %v, with G == nil V' %v %#x W' %v %#x last' %v spike %v ref %v",
					what, ISA(), o.G[0], j, b.V[j], bitsOf(b.V[j]), b.W[j], b.I[j], b.LastSpike[j],
					o.V[j], bitsOf(o.V[j]), o.W[j], bitsOf(o.W[j]), o.LastSpike[j], o.Spike[j], o.Refractory[j],
					n.V[j], bitsOf(n.V[j]), n.W[j], bitsOf(n.W[j]), n.LastSpike[j], n.Spike[j], n.Refractory[j])
			}
		}
		for w := range o.SpikeBits {
			if o.SpikeBits[w] != n.SpikeBits[w] && finiteWord(b.V, w) {
				t.Fatalf("%s isa=%s: SpikeBits[%d] = %#x, with G == nil %#x", what, ISA(), w, o.SpikeBits[w], n.SpikeBits[w])
			}
		}
	}
}

// finiteWord reports whether every neuron of SpikeBits word w has finite v.
func finiteWord[F Float](V []F, w int) bool {
	for j := w * 64; j < min(len(V), (w+1)*64); j++ {
		if !vIsFinite(V[j]) {
			return false
		}
	}
	return true
}

// TestConductanceZero checks that G all zero, +0 or -0, gives exactly the
// bits of G == nil wherever v is finite, on every path: in float32 for the
// special values and a sample of the bit patterns of V, and on the best
// path without -short for every bit pattern with the zero-making
// parameters and soft reset; in float64 for the special values, random bit patterns and
// ordinary values.
func TestConductanceZero(t *testing.T) {
	defer SetISA(ISA())
	const block = 1 << 16
	z32, z64 := newZeroRun[float32](block), newZeroRun[float64](block)
	b32 := Buffers[float32]{V: make([]float32, block), W: make([]float32, block), LastSpike: make([]float32, block), I: make([]float32, block)}
	for _, path := range Available() {
		if err := SetISA(path); err != nil {
			t.Fatal(err)
		}
		for _, c := range zeroCases[float32]() {
			k, err := New(c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			sp := zeroSpecials[float32]()
			b := Buffers[float32]{V: sp, W: b32.W[:len(sp)], LastSpike: b32.LastSpike[:len(sp)], I: b32.I[:len(sp)]}
			zeroInputs(&b, 100)
			z32.check(t, "float32 specials "+c.name, k, 100, b)
			stride := uint64(4099)
			if path == Available()[0] && !testing.Short() && c.name == "zeros/soft" {
				stride = 1
			}
			for lo := uint64(0); lo < 1<<32; lo += block * stride {
				n := 0
				for x := lo; x < 1<<32 && n < block; x += stride {
					b32.V[n] = math.Float32frombits(uint32(x))
					n++
				}
				b := Buffers[float32]{V: b32.V[:n], W: b32.W[:n], LastSpike: b32.LastSpike[:n], I: b32.I[:n]}
				zeroInputs(&b, 100)
				z32.check(t, "float32 "+c.name, k, 100, b)
			}
		}
		rng := rand.New(rand.NewPCG(3, 4))
		for _, c := range zeroCases[float64]() {
			k, err := New(c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			m := block
			if testing.Short() {
				m = 4096
			}
			b := Buffers[float64]{V: make([]float64, m), W: make([]float64, m), LastSpike: make([]float64, m), I: make([]float64, m)}
			sp := zeroSpecials[float64]()
			for j := range b.V {
				switch {
				case j < len(sp):
					b.V[j] = sp[j]
				case j%2 == 0:
					b.V[j] = math.Float64frombits(rng.Uint64())
				default:
					b.V[j] = -100 + float64(120*rng.Float64())
				}
			}
			zeroInputs(&b, 100)
			z64.check(t, "float64 "+c.name, k, 100, b)
		}
	}
}

// TestConductanceZeroInfinite checks the one case where G = 0 and G == nil
// differ, as the contract's I - G*v says: where v is infinite, 0*v is NaN, so an
// integrating neuron's V' and w' are NaN (no spike, last unchanged), while
// G == nil has no conductance term; a refractory neuron holds v either way.
func TestConductanceZeroInfinite(t *testing.T) {
	defer SetISA(ISA())
	testZeroInfinite[float32](t)
	testZeroInfinite[float64](t)
}

func testZeroInfinite[F Float](t *testing.T) {
	inf := F(math.Inf(1))
	for _, path := range Available() {
		if err := SetISA(path); err != nil {
			t.Fatal(err)
		}
		for _, reset := range []Reset{SoftReset, HardReset} {
			k, err := New(Config[F]{Params: Defaults[F](), DT: 0.1, Reset: reset})
			if err != nil {
				t.Fatal(err)
			}
			var V []F
			for _, x := range []F{inf, -inf} {
				V = append(V, x, x) // integrating, then refractory
			}
			m := len(V)
			const tm = 100
			last := make([]F, m)
			for j := range last {
				last[j] = -1e7
				if j%2 == 1 {
					last[j] = tm
				}
			}
			b := Buffers[F]{V: append([]F(nil), V...), W: make([]F, m), LastSpike: append([]F(nil), last...),
				G: make([]F, m), Spike: make([]F, m), Refractory: make([]bool, m)}
			if err := k.Step(tm, b); err != nil {
				t.Fatal(err)
			}
			for j := range m {
				v := V[j] // -Inf does not spike; +Inf - (V_th - V_reset) is +Inf
				if reset == HardReset && v > 0 {
					v = F(math.NaN()) // Inf - (Inf - V_reset)
				}
				if j%2 == 1 {
					if !sameBits(b.V[j], v) || b.Spike[j] != map[bool]F{false: 0, true: 1}[v >= -30] {
						t.Errorf("%T isa=%s %v: refractory V=%v, G=0: V' = %v spike %v, want V' = %v held", F(0), ISA(), reset, V[j], b.V[j], b.Spike[j], v)
					}
					continue
				}
				if !math.IsNaN(float64(b.V[j])) || !math.IsNaN(float64(b.W[j])) || b.Spike[j] != 0 || b.LastSpike[j] != last[j] {
					t.Errorf("%T isa=%s %v: V=%v, G=0: V' = %v w' = %v spike %v last' %v, want NaN, NaN, 0, %v (0*v = NaN)",
						F(0), ISA(), reset, V[j], b.V[j], b.W[j], b.Spike[j], b.LastSpike[j], last[j])
				}
			}
		}
	}
}
