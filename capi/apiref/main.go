// Command apiref runs cases through the Go API for the Python binding's
// tests, which compare its results with theirs bit for bit. It reads a JSON
// array of cases from stdin and writes a JSON array of results to stdout;
// arrays are base64 strings of native-endian values, so nothing is lost to
// decimal conversion.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"unsafe"

	"github.com/adquaif/adquaif/kernel"
)

// A case is a kernel (dtype "float32" or "float64", reset "soft" or "hard",
// parameters and per-neuron arrays by BrainPy's names, the surrogate's
// Alpha and Width) and one Step (Steps = 0) or Run, on the state V, W, Last
// and the inputs that are not empty. Spike, Refractory and SpikeBits, if >
// 0, are the rows of those outputs to return. With Backward, the call is
// Backward instead, of the gradients GV, GW and GSpike (if not empty);
// GI, GG and GDelta ask for those gradients.
type Case struct {
	DType, Reset string
	DT, T0       float64
	Steps        int
	Workers      int
	Params       map[string]float64
	PerNeuron    map[string][]byte
	Alpha, Width float64
	V, W, Last   []byte
	I, G, Delta  []byte

	Spike, Refractory, SpikeBits int

	Backward       bool
	GV, GW, GSpike []byte
	GI, GG, GDelta bool
}

// A Result holds the state after the call and the requested outputs (or,
// for Backward, the gradients), or the error's message.
type Result struct {
	V, W, Last, Spike, Refractory, SpikeBits []byte
	GV, GW, GI, GG, GDelta                   []byte
	Error                                    string
}

func main() {
	var cases []Case
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		fmt.Fprintln(os.Stderr, "apiref:", err)
		os.Exit(2)
	}
	results := make([]Result, len(cases))
	for i, c := range cases {
		var err error
		if c.DType == "float64" {
			results[i], err = run[float64](c)
		} else {
			results[i], err = run[float32](c)
		}
		if err != nil {
			results[i] = Result{Error: err.Error()}
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(results); err != nil {
		fmt.Fprintln(os.Stderr, "apiref:", err)
		os.Exit(2)
	}
}

func values[F kernel.Float](b []byte) []F {
	if b == nil {
		return nil
	}
	s := make([]F, len(b)/int(unsafe.Sizeof(F(0))))
	copy(bytes(s), b)
	return s
}

func bytes[T any](s []T) []byte {
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(zero)))
}

func run[F kernel.Float](c Case) (Result, error) {
	p := kernel.Defaults[F]()
	fields := map[string]*F{"R": &p.R, "tau": &p.Tau, "tau_w": &p.TauW, "tau_ref": &p.TauRef, "V_th": &p.VTh,
		"V_reset": &p.VReset, "V_rest": &p.VRest, "V_c": &p.VC, "c": &p.C, "a": &p.A, "b": &p.B}
	for name, x := range c.Params {
		f, ok := fields[name]
		if !ok {
			return Result{}, fmt.Errorf("apiref: unknown parameter %q", name)
		}
		*f = F(x)
	}
	cfg := kernel.Config[F]{Params: p, DT: F(c.DT), Workers: c.Workers, Surrogate: kernel.Surrogate[F]{Alpha: F(c.Alpha), Width: F(c.Width)}}
	if c.Reset == "hard" {
		cfg.Reset = kernel.HardReset
	}
	if len(c.PerNeuron) > 0 {
		pn := &kernel.PerNeuron[F]{}
		slices := map[string]*[]F{"R": &pn.R, "tau": &pn.Tau, "tau_w": &pn.TauW, "tau_ref": &pn.TauRef, "V_th": &pn.VTh,
			"V_reset": &pn.VReset, "V_rest": &pn.VRest, "V_c": &pn.VC, "c": &pn.C, "a": &pn.A, "b": &pn.B}
		for name, b := range c.PerNeuron {
			s, ok := slices[name]
			if !ok {
				return Result{}, fmt.Errorf("apiref: unknown per-neuron parameter %q", name)
			}
			*s = values[F](b)
		}
		cfg.PerNeuron = pn
	}
	k, err := kernel.New(cfg)
	if err != nil {
		return Result{}, err
	}
	b := kernel.Buffers[F]{V: values[F](c.V), W: values[F](c.W), LastSpike: values[F](c.Last),
		I: values[F](c.I), G: values[F](c.G), Delta: values[F](c.Delta)}
	n := len(b.V)
	if c.Backward {
		return backward(k, F(c.T0), b, c)
	}
	if c.Spike > 0 {
		b.Spike = make([]F, c.Spike*n)
	}
	if c.Refractory > 0 {
		b.Refractory = make([]bool, c.Refractory*n)
	}
	if c.SpikeBits > 0 {
		b.SpikeBits = make([]uint64, c.SpikeBits*((n+63)/64))
	}
	if c.Steps == 0 {
		err = k.Step(F(c.T0), b)
	} else {
		err = k.Run(F(c.T0), c.Steps, b)
	}
	if err != nil {
		return Result{}, err
	}
	r := Result{V: bytes(b.V), W: bytes(b.W), Last: bytes(b.LastSpike)}
	if b.Spike != nil {
		r.Spike = bytes(b.Spike)
	}
	if b.Refractory != nil {
		r.Refractory = bytes(b.Refractory)
	}
	if b.SpikeBits != nil {
		r.SpikeBits = bytes(b.SpikeBits)
	}
	return r, nil
}

func backward[F kernel.Float](k *kernel.Kernel[F], t F, b kernel.Buffers[F], c Case) (Result, error) {
	n := len(b.V)
	g := kernel.Grads[F]{V: values[F](c.GV), W: values[F](c.GW), Spike: values[F](c.GSpike)}
	for _, o := range []struct {
		want bool
		s    *[]F
	}{{c.GI, &g.I}, {c.GG, &g.G}, {c.GDelta, &g.Delta}} {
		if o.want {
			*o.s = make([]F, n)
		}
	}
	if err := k.Backward(t, b, g); err != nil {
		return Result{}, err
	}
	r := Result{GV: bytes(g.V), GW: bytes(g.W)}
	for _, o := range []struct {
		s   []F
		out *[]byte
	}{{g.I, &r.GI}, {g.G, &r.GG}, {g.Delta, &r.GDelta}} {
		if o.s != nil {
			*o.out = bytes(o.s)
		}
	}
	return r, nil
}
