// Package fuzz holds differential fuzz targets: every execution path of
// package kernel against the generic one, bit for bit.
package fuzz

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"unsafe"

	"github.com/adquaif/adquaif/kernel"
)

// decoder reads the fuzzer's bytes; past the end it reads zeros.
type decoder struct{ b []byte }

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		return 0
	}
	x := d.b[0]
	d.b = d.b[1:]
	return x
}

func (d *decoder) bits(n int) uint64 {
	var x uint64
	for i := 0; i < n; i++ {
		x |= uint64(d.byte()) << (8 * i)
	}
	return x
}

func raw[F kernel.Float](d *decoder) F {
	var x F
	if unsafe.Sizeof(x) == 4 {
		return F(math.Float32frombits(uint32(d.bits(4))))
	}
	return F(math.Float64frombits(d.bits(8)))
}

func specials[F kernel.Float]() []F {
	var big float64 = math.MaxFloat64
	if unsafe.Sizeof(F(0)) == 4 {
		big = math.MaxFloat32
	}
	return []F{F(math.NaN()), F(math.Inf(1)), F(math.Inf(-1)), 0, F(math.Copysign(0, -1)), F(big), F(-big),
		F(math.SmallestNonzeroFloat64), smallest[F](), -smallest[F](), 1e30, -1e30}
}

// smallest is the smallest positive subnormal of F.
func smallest[F kernel.Float]() F {
	if unsafe.Sizeof(F(0)) == 4 {
		return F(math.Float32frombits(1))
	}
	return F(math.Float64frombits(1))
}

// state is a neuron value: raw bits (so NaN, ±Inf, ±0, subnormals and huge
// values are all reached), a special value, or a value in the model's
// working range (spikes, the refractory boundary, both exprel branches).
func state[F kernel.Float](d *decoder) F {
	switch m := d.byte(); m % 4 {
	case 1:
		sp := specials[F]()
		return sp[int(m/4)%len(sp)]
	case 2:
		return raw[F](d)
	default:
		return F(int16(d.bits(2)))/64 - 60
	}
}

// conductance is a synapse's conductance (0 to 16 S), so large that dt*J
// takes exprel's slow path, a special value, or raw bits.
func conductance[F kernel.Float](d *decoder) F {
	switch m := d.byte(); m % 4 {
	case 1:
		sp := specials[F]()
		return sp[int(m/4)%len(sp)]
	case 2:
		return raw[F](d)
	case 3:
		return F(d.bits(2)) * 16
	default:
		return F(d.bits(2)) / 4096
	}
}

// param is the default scaled by up to ±12.5% (zero bytes decode to
// BrainPy's defaults, a valid configuration), a special value, or raw bits
// (mostly refused by New).
func param[F kernel.Float](d *decoder, def F) F {
	switch m := d.byte(); m % 4 {
	case 1:
		sp := specials[F]()
		return sp[int(m/4)%len(sp)]
	case 2:
		return raw[F](d)
	default:
		return def * (1 + F(int8(d.byte()))/1024)
	}
}

func sameBits[F kernel.Float](x, y F) bool {
	if x != x && y != y {
		return true
	}
	if unsafe.Sizeof(x) == 4 {
		return math.Float32bits(float32(x)) == math.Float32bits(float32(y))
	}
	return math.Float64bits(float64(x)) == math.Float64bits(float64(y))
}

// FuzzPaths decodes a kernel configuration, states and inputs from the
// fuzzer's bytes and checks that every available path gives generic's
// results bit for bit (a NaN may differ in payload only). Configurations
// that New refuses must be refused with one of kernel's errors.
//
// Layout: flags (bit 0 float64, bit 1 hard reset, bit 2 per-neuron, bits
// 3-7 I, Delta, Spike, Refractory, G present), n, batch rows, t, dt, the 11
// parameters (per-neuron: a byte of which ones are per neuron, then their
// values neuron by neuron), then V, W, LastSpike, I, Delta per neuron, and
// G after them if present.
func FuzzPaths(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x7f, 17, 0})
	f.Add([]byte{0x7e, 33, 1, 2, 0, 0, 0, 0xff, 0xff})
	f.Add([]byte{0x7d, 65, 2})
	f.Add([]byte{0xff, 17, 0})
	f.Add([]byte{0xfe, 33, 1, 2, 0, 0, 0, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &decoder{b: data}
		flags := d.byte()
		if flags&1 == 0 {
			fuzzPaths[float32](t, d, flags)
		} else {
			fuzzPaths[float64](t, d, flags)
		}
	})
}

func fuzzPaths[F kernel.Float](t *testing.T, d *decoder, flags byte) {
	n := int(d.byte()) % 100
	rows := 1 + int(d.byte())%3
	perNeuron := flags&4 != 0
	tm := state[F](d)
	cfg := kernel.Config[F]{Reset: kernel.Reset(flags >> 1 & 1)}
	cfg.DT = param[F](d, 0.1)
	def := kernel.Defaults[F]()
	p := []*F{&cfg.Params.R, &cfg.Params.Tau, &cfg.Params.TauW, &cfg.Params.TauRef, &cfg.Params.VTh, &cfg.Params.VReset,
		&cfg.Params.VRest, &cfg.Params.VC, &cfg.Params.C, &cfg.Params.A, &cfg.Params.B}
	defs := []F{def.R, def.Tau, def.TauW, def.TauRef, def.VTh, def.VReset, def.VRest, def.VC, def.C, def.A, def.B}
	for i := range p {
		*p[i] = param[F](d, defs[i])
	}
	m := n
	if perNeuron {
		pop := max(n, 1)
		m = n * rows
		per := &kernel.PerNeuron[F]{}
		s := []*[]F{&per.R, &per.Tau, &per.TauW, &per.TauRef, &per.VTh, &per.VReset, &per.VRest, &per.VC, &per.C, &per.A, &per.B}
		which := d.bits(2) | 1<<4 // V_th is always per neuron: the population needs a size
		for i := range s {
			if which>>i&1 != 0 {
				*s[i] = make([]F, pop)
				for j := range *s[i] {
					(*s[i])[j] = param[F](d, defs[i])
				}
			}
		}
		cfg.PerNeuron = per
	}
	k, err := kernel.New(cfg)
	if err != nil {
		for _, e := range []error{kernel.ErrNotFinite, kernel.ErrRange, kernel.ErrOverflow, kernel.ErrLength} {
			if errors.Is(err, e) {
				return
			}
		}
		t.Fatalf("New refused %+v with an error that wraps none of kernel's: %v", cfg, err)
	}

	hasI, hasDelta, hasSpike, hasRef, hasG := flags&8 != 0, flags&16 != 0, flags&32 != 0, flags&64 != 0, flags&128 != 0
	in := make([][]F, 6)
	for i := range in {
		in[i] = make([]F, m)
	}
	for j := 0; j < m; j++ {
		for i := range 5 {
			in[i][j] = state[F](d)
		}
		if hasG {
			in[5][j] = conductance[F](d)
		}
	}
	type result struct {
		v    [][]F
		spk  []F
		refr []bool
	}
	timeFinite := !math.IsNaN(float64(tm)) && !math.IsInf(float64(tm), 0)
	run := func(path string) result {
		if err := kernel.SetISA(path); err != nil {
			t.Fatal(err)
		}
		r := result{v: make([][]F, 3)}
		for i := range r.v {
			r.v[i] = append([]F(nil), in[i]...)
		}
		b := kernel.Buffers[F]{V: r.v[0], W: r.v[1], LastSpike: r.v[2]}
		if hasI {
			b.I = in[3]
		}
		if hasDelta {
			b.Delta = in[4]
		}
		if hasG {
			b.G = in[5]
		}
		if hasSpike {
			r.spk = make([]F, m)
			for j := range r.spk {
				r.spk[j] = 7 // neither 0 nor 1: the step must write it
			}
			b.Spike = r.spk
		}
		if hasRef {
			r.refr = make([]bool, m)
			b.Refractory = r.refr
		}
		// A time that is not finite is refused, and nothing written.
		switch err := k.Step(tm, b); {
		case timeFinite && err != nil:
			t.Fatalf("%s: Step: %v", path, err)
		case !timeFinite && !errors.Is(err, kernel.ErrNotFinite):
			t.Fatalf("%s: Step(t = %v) returned %v, want an error wrapping ErrNotFinite", path, tm, err)
		}
		return r
	}
	defer kernel.SetISA(kernel.ISA())
	want := run("generic")
	for _, path := range kernel.Available() {
		if path == "generic" {
			continue
		}
		got := run(path)
		what := func() string {
			return fmt.Sprintf("%s %T n=%d rows=%d reset=%v perNeuron=%v t=%v cfg=%+v", path, F(0), n, rows, cfg.Reset, perNeuron, tm, cfg.Params)
		}
		for i, name := range []string{"V", "W", "LastSpike"} {
			for j := range got.v[i] {
				if !sameBits(got.v[i][j], want.v[i][j]) {
					t.Fatalf("%s: %s[%d] = %v, generic %v (V=%v W=%v Last=%v I=%v Delta=%v G=%v, present %v)", what(), name, j,
						got.v[i][j], want.v[i][j], in[0][j], in[1][j], in[2][j], in[3][j], in[4][j], in[5][j], hasG)
				}
			}
		}
		for j := range got.spk {
			if !sameBits(got.spk[j], want.spk[j]) {
				t.Fatalf("%s: Spike[%d] = %v, generic %v", what(), j, got.spk[j], want.spk[j])
			}
		}
		for j := range got.refr {
			if got.refr[j] != want.refr[j] {
				t.Fatalf("%s: Refractory[%d] = %v, generic %v", what(), j, got.refr[j], want.refr[j])
			}
		}
	}
}
