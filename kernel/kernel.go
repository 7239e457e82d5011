// Package kernel steps populations of Adaptive Quadratic Integrate-and-Fire
// neurons with an absolute refractory period, BrainPy's
// brainpy.state.AdQuaIFRef, as fast as the CPU allows.
//
// One call of [Kernel.Step] advances every neuron by one exponential-Euler
// step of DT:
//
//	spk = V >= V_th;  v = spk ? V - (V_th - V_reset) : V  (soft; hard: V - (V - V_reset));  u = w + b*spk
//	V'  = v + dt*exprel(dt*J)*f(v) (+ Delta),  f(v) = (c(v-V_rest)(v-V_c) - R*u + R*(I - G*v))/tau
//	J   = f'(v) = (c((v-V_rest) + (v-V_c)) - R*G)/tau
//	w'  = u + dt*exprel(-dt/tau_w)*(a(V' - V_rest) - u)/tau_w
//	both held at (v, u) while t - last < tau_ref;  spike = V' >= V_th;  last' = spike ? t : last
//
// exactly as docs/CONTRACT.md in the repository defines it: the step, its
// accuracy, what is refused, and this API.
//
// The reset comes first: after a Step, the V of a neuron that just spiked
// still holds its pre-reset value (V >= V_th), and the next Step applies
// the reset at its start (BrainPy's order). An input computed from V
// between steps must therefore use the value the next step resets V to
// (V - (V_th - V_reset), or V - (V - V_reset) with HardReset, where
// V >= V_th). A conductance-based input g*(E - V) needs no such care: give
// g in Buffers.G and the step evaluates it at the reset v, and includes it
// in J as BrainPy's exponential Euler does. How a simulator's inputs map
// onto the buffers, summed over its projections:
//
//	current-based (BrainPy's CUBA output, a current x, mA):  I += x
//	conductance-based (COBA: g*(E - V), g in S, E in mV):    I += g*E;  G += g
//	delta input (d mV added to V after integration):         Delta += d
//
// Every execution path (AVX-512, AVX2, NEON, and the generic Go of package
// generic) is generated from one description of the step and returns
// bit-identical results; [ISA] reports the path in use and [SetISA] or the
// environment variable ADQUAIF_ISA forces one. Results are within 16 units
// of roundoff of the exact value, relative to the running-error sum of the
// formula's magnitudes (where |dt*J| is large, that sum carries exprel's
// sensitivity to the rounding of its argument, which no floating-point
// evaluation avoids).
//
// [Kernel.Backward] is the step's vector-Jacobian product with BrainPy's
// surrogate gradient ([Config.Surrogate]): given the state before a step
// and the loss's gradients after it, the gradients before it and those of
// the step's inputs, bit-identical on every path and within 64 units of
// roundoff of the running-error sum of its formulas; package neuron's Tape
// runs it back through a recorded trajectory.
//
// [Expon] writes a step's I and G from two exponential conductances (an
// excitatory one and an inhibitory one, each towards its reversal
// potential and decaying by a factor per step) and a background current, on the same paths and
// bit-identical on all of them: the input rows of a COBA network.
package kernel

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/adquaif/adquaif/generic"
)

// Float is the element type of a kernel: float32 or float64, or a type
// defined from one.
type Float interface{ ~float32 | ~float64 }

// Params are the model constants in mV, ms, mA, ohm, S.
type Params[F Float] struct {
	R, Tau, TauW, TauRef, VTh, VReset, VRest, VC, C, A, B F
}

// Defaults returns BrainPy's defaults for AdQuaIFRef: R=1, tau=10, tau_w=10,
// tau_ref=1.7, V_th=-30, V_reset=-68, V_rest=-65, V_c=-50, c=0.07, a=1, b=0.1.
func Defaults[F Float]() Params[F] {
	return Params[F]{R: 1, Tau: 10, TauW: 10, TauRef: 1.7, VTh: -30, VReset: -68, VRest: -65, VC: -50, C: 0.07, A: 1, B: 0.1}
}

// Reset is the rule that resets V after a spike.
type Reset uint8

const (
	SoftReset Reset = iota // V -= V_th - V_reset (BrainPy's default)
	HardReset              // V -= V - V_reset: V_reset (NaN for an infinite V)
)

func (r Reset) String() string {
	switch r {
	case SoftReset:
		return "soft"
	case HardReset:
		return "hard"
	}
	return fmt.Sprintf("Reset(%d)", uint8(r))
}

// PerNeuron gives per-neuron values; a nil slice keeps the scalar from Params.
// Every non-nil slice has the population's length n.
type PerNeuron[F Float] struct {
	R, Tau, TauW, TauRef, VTh, VReset, VRest, VC, C, A, B []F
}

// Config configures a kernel.
type Config[F Float] struct {
	Params    Params[F]
	PerNeuron *PerNeuron[F] // nil: a homogeneous population
	DT        F             // ms, > 0
	Reset     Reset
	// Workers is how many goroutines share one Step, Run or Backward (0
	// or 1: the calling goroutine only), at most runtime.GOMAXPROCS(0) at
	// the time of the call: more could not run at once. Results are
	// identical for any value.
	Workers int
	// Surrogate is the spike function's derivative, for Backward; the zero
	// value is BrainPy's ReluGrad(alpha=0.3, width=1).
	Surrogate Surrogate[F]
}

// Kernel steps a population. It is immutable after New: one Kernel may step
// any number of disjoint buffers from many goroutines at once.
type Kernel[F Float] struct {
	cfg Config[F]
	// n is the per-neuron population size, 0 for a homogeneous kernel.
	n int
	// consts is the table the generated code reads (generic.Frame.C and
	// Backward.C): BackwardNumConsts values, or rows of n per-neuron values.
	// The backward frame's constants extend the step's, so the step reads
	// its NumConsts from the same table.
	consts    []F
	variant   int       // generic.Variant: the index generic.StepF32/F64 and the dispatch take
	calls     sync.Pool // *runCall[F], for runs split across workers
	backCalls sync.Pool // *backCall[F], for Backward split across workers
}

// Errors wrapped by the errors of New and Step, for errors.Is.
var (
	ErrNotFinite = errors.New("not finite")
	ErrRange     = errors.New("out of range")
	ErrOverflow  = errors.New("derived constant overflows")
	ErrLength    = errors.New("length mismatch")
	ErrOverlap   = errors.New("buffers overlap")
)

// ParamError reports an invalid parameter or dt, or an invalid argument of
// Step or Run (the time, the number of steps). Index is the neuron for a
// per-neuron value and -1 for a scalar.
type ParamError struct {
	// Name is the Config field, e.g. "Params.TauW" or "PerNeuron.TauW", or
	// the argument: "t" (Step), "t0" or "steps" (Run).
	Name  string
	Index int
	Value float64
	Err   error // one of ErrNotFinite, ErrRange, ErrOverflow, ErrLength
	Why   string
	// bits is the size of the element type that Value came from, 32 or 64
	// (0: not a value of the element type), so that a float32 value is
	// printed as the float32 it is rather than as its float64 widening.
	bits int
}

func (e *ParamError) Error() string {
	name := e.Name
	if e.Index >= 0 {
		name = fmt.Sprintf("%s[%d]", name, e.Index)
	}
	return fmt.Sprintf("kernel: %s = %s: %v: %s", name, formatValue(e.Value, e.bits), e.Err, e.Why)
}

// formatValue prints x, a value of an element type of the given size in
// bits (0 for other values, such as a count), in the shortest form that
// reads back as the same value of that type.
func formatValue(x float64, bits int) string {
	if bits != 32 {
		bits = 64
	}
	return strconv.FormatFloat(x, 'g', -1, bits)
}

// typeBits is the size of F in bits.
func typeBits[F Float]() int { return 8 * int(unsafe.Sizeof(F(0))) }

func (e *ParamError) Unwrap() error { return e.Err }

// BufferError reports buffers that Step, Run or Backward refuses; nothing
// was written.
type BufferError struct {
	Name string // the Buffers field, "Grads." or "Conductances." and its field, or two joined by "/" for an overlap
	Err  error  // ErrLength or ErrOverlap
	Why  string
}

func (e *BufferError) Error() string {
	name := e.Name
	if !strings.HasPrefix(name, "Grads.") && !strings.HasPrefix(name, "Conductances.") {
		name = "Buffers." + name
	}
	return fmt.Sprintf("kernel: %s: %v: %s", name, e.Err, e.Why)
}

func (e *BufferError) Unwrap() error { return e.Err }

// paramNames lists the fields of Params and PerNeuron in order, with
// BrainPy's names for the messages.
var paramNames = [...]struct{ field, brainpy string }{
	{"R", "R"}, {"Tau", "tau"}, {"TauW", "tau_w"}, {"TauRef", "tau_ref"}, {"VTh", "V_th"},
	{"VReset", "V_reset"}, {"VRest", "V_rest"}, {"VC", "V_c"}, {"C", "c"}, {"A", "a"}, {"B", "b"},
}

const (
	pR = iota
	pTau
	pTauW
	pTauRef
	pVTh
	pVReset
	pVRest
	pVC
	pC
	pA
	pB
	numParams
)

func (p *Params[F]) list() [numParams]F {
	return [numParams]F{p.R, p.Tau, p.TauW, p.TauRef, p.VTh, p.VReset, p.VRest, p.VC, p.C, p.A, p.B}
}

func (p *PerNeuron[F]) list() [numParams][]F {
	return [numParams][]F{p.R, p.Tau, p.TauW, p.TauRef, p.VTh, p.VReset, p.VRest, p.VC, p.C, p.A, p.B}
}

// New validates the configuration and precomputes what every step reuses.
//
// It refuses a parameter or DT that is NaN or infinite (a scalar in Params
// too when PerNeuron overrides it); Tau, TauW or DT not > 0; TauRef < 0;
// VTh <= VReset; an unknown Reset; per-neuron slices of different or zero
// lengths; and parameters whose derived step constants (DT*C/Tau, DT*R/Tau,
// VTh-VReset, A*(1-exp(-DT/TauW))) overflow. An overflow is blamed on the
// value that contributes the most to it.
func New[F Float](cfg Config[F]) (*Kernel[F], error) {
	if cfg.Reset != SoftReset && cfg.Reset != HardReset {
		return nil, &ParamError{Name: "Reset", Index: -1, Value: float64(cfg.Reset), Err: ErrRange, Why: "want SoftReset or HardReset"}
	}
	if cfg.Workers < 0 {
		return nil, &ParamError{Name: "Workers", Index: -1, Value: float64(cfg.Workers), Err: ErrRange, Why: "want >= 0"}
	}
	dt := float64(cfg.DT)
	if err := checkValue("DT", -1, cfg.DT, true); err != nil {
		return nil, err
	}
	alpha, width, err := cfg.Surrogate.resolve()
	if err != nil {
		return nil, err
	}
	cfg.Surrogate = Surrogate[F]{F(alpha), F(width)}
	k := &Kernel[F]{cfg: cfg}
	scalars := cfg.Params.list()
	// A NaN is refused wherever it is, even in a scalar that per-neuron
	// values override: it is never a deliberate value.
	for i, x := range scalars {
		if err := checkValue("Params."+paramNames[i].field, -1, x, false); err != nil {
			return nil, err
		}
	}
	var per [numParams][]F
	if cfg.PerNeuron != nil {
		per = cfg.PerNeuron.list()
		for i, s := range per {
			if s == nil {
				continue
			}
			if len(s) == 0 {
				return nil, &ParamError{Name: "PerNeuron." + paramNames[i].field, Index: -1, Err: ErrLength, Why: "a per-neuron slice must not be empty"}
			}
			if k.n == 0 {
				k.n = len(s)
			} else if len(s) != k.n {
				return nil, &ParamError{Name: "PerNeuron." + paramNames[i].field, Index: -1, Value: float64(len(s)), Err: ErrLength,
					Why: fmt.Sprintf("length %d, other per-neuron slices have %d", len(s), k.n)}
			}
		}
	}
	k.variant = generic.Variant(int(cfg.Reset), k.n > 0)
	if k.n == 0 {
		k.consts = make([]F, generic.BackwardNumConsts)
		if err := fill(k.consts, 1, 0, -1, dt, alpha, width, func(i int) F { return scalars[i] }, func(int) bool { return false }); err != nil {
			return nil, err
		}
		return k, nil
	}
	k.consts = make([]F, generic.BackwardNumConsts*k.n)
	for j := 0; j < k.n; j++ {
		value := func(i int) F {
			if per[i] != nil {
				return per[i][j]
			}
			return scalars[i]
		}
		isPer := func(i int) bool { return per[i] != nil }
		if err := fill(k.consts, k.n, j, j, dt, alpha, width, value, isPer); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// checkValue refuses NaN and infinities, and values <= 0 if positive.
func checkValue[F Float](name string, index int, v F, positive bool) error {
	x := float64(v)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return &ParamError{Name: name, Index: index, Value: x, Err: ErrNotFinite, Why: "want a finite value", bits: typeBits[F]()}
	}
	if positive && !(x > 0) {
		return &ParamError{Name: name, Index: index, Value: x, Err: ErrRange, Why: "want a value > 0", bits: typeBits[F]()}
	}
	return nil
}

// fill validates one neuron's parameters and writes its constants to column
// j of a table with the given row stride. index is the neuron for messages
// (-1 when every value is a scalar); isPer tells which values are per-neuron.
// alpha and width are the surrogate's.
func fill[F Float](table []F, stride, j, index int, dt, alpha, width float64, value func(int) F, isPer func(int) bool) error {
	var p [numParams]float64
	for i := range p {
		p[i] = float64(value(i))
	}
	// name is the field of parameter i (-1: DT) and the index to report.
	name := func(i int) (string, int) {
		switch {
		case i < 0:
			return "DT", -1
		case isPer(i):
			return "PerNeuron." + paramNames[i].field, index
		}
		return "Params." + paramNames[i].field, -1
	}
	bits := typeBits[F]()
	for i := range p {
		nm, ix := name(i)
		if err := checkValue(nm, ix, value(i), i == pTau || i == pTauW); err != nil {
			return err
		}
	}
	if nm, ix := name(pTauRef); p[pTauRef] < 0 {
		return &ParamError{Name: nm, Index: ix, Value: p[pTauRef], Err: ErrRange, Why: "want tau_ref >= 0", bits: bits}
	}
	if !(p[pVTh] > p[pVReset]) {
		// Blame the per-neuron value when only one of the two is one.
		if isPer(pVReset) && !isPer(pVTh) {
			nm, ix := name(pVReset)
			return &ParamError{Name: nm, Index: ix, Value: p[pVReset], Err: ErrRange,
				Why: "want V_reset < V_th = " + formatValue(p[pVTh], bits), bits: bits}
		}
		nm, ix := name(pVTh)
		return &ParamError{Name: nm, Index: ix, Value: p[pVTh], Err: ErrRange,
			Why: "want V_th > V_reset = " + formatValue(p[pVReset], bits), bits: bits}
	}
	c, err := constants[F](dt, alpha, width, p)
	if err != nil {
		err.Name, err.Index = name(err.Index)
		return err
	}
	for i, x := range c {
		table[i*stride+j] = x
	}
	return nil
}

// constants derives the constants of the step and its backward
// (asm/step's AdQuaIFFrame and BackwardFrame) from one neuron's parameters
// and the surrogate. A non-nil error has Index set to the parameter to
// blame (-1: DT) and Value to its value.
//
// Everything is computed in float64 with one rounding per operation (no
// fused operations, no platform math), so the table is the same on every
// GOARCH; float32 constants are then rounded once more.
func constants[F Float](dt, alpha, width float64, p [numParams]float64) ([generic.BackwardNumConsts]F, *ParamError) {
	var c [generic.BackwardNumConsts]F
	bits := typeBits[F]()
	str := func(x float64) string { return formatValue(x, bits) }
	// overflow blames the first of the params (-1: DT) that contributes
	// the most to an overflowing value, by the exponent it adds: grow[i]
	// is log2 of factor i (negated for a divisor), or of the magnitude of
	// a term of a sum.
	overflow := func(params []int, grow []float64, what string) *ParamError {
		worst := 0
		for i := range grow {
			if grow[i] > grow[worst] {
				worst = i
			}
		}
		x := dt
		if params[worst] >= 0 {
			x = p[params[worst]]
		}
		return &ParamError{Index: params[worst], Value: x, Err: ErrOverflow,
			Why: fmt.Sprintf("%s is not finite in float%d", what, bits), bits: bits}
	}
	finite := func(x F) bool { f := float64(x); return !math.IsInf(f, 0) && !math.IsNaN(f) }
	log2 := func(x float64) float64 { return math.Log2(math.Abs(x)) }

	c[generic.CVTh] = F(p[pVTh])
	c[generic.CVReset] = F(p[pVReset])
	c[generic.CVThRst] = F(p[pVTh]) - F(p[pVReset])
	if !finite(c[generic.CVThRst]) {
		return c, overflow([]int{pVTh, pVReset}, []float64{log2(p[pVTh]), log2(p[pVReset])},
			fmt.Sprintf("V_th - V_reset = %s - (%s)", str(p[pVTh]), str(p[pVReset])))
	}
	c[generic.CB] = F(p[pB])
	c[generic.CVRest] = F(p[pVRest])
	c[generic.CVC] = F(p[pVC])
	c[generic.CTauRef] = F(p[pTauRef])
	c[generic.CDtCTau] = F(mulDiv(dt, p[pC], p[pTau]))
	if !finite(c[generic.CDtCTau]) {
		return c, overflow([]int{pC, pTau, -1}, []float64{log2(p[pC]), -log2(p[pTau]), log2(dt)},
			fmt.Sprintf("dt*c/tau = %s*%s/%s", str(dt), str(p[pC]), str(p[pTau])))
	}
	c[generic.CDtRTau] = F(mulDiv(dt, p[pR], p[pTau]))
	if !finite(c[generic.CDtRTau]) {
		return c, overflow([]int{pR, pTau, -1}, []float64{log2(p[pR]), -log2(p[pTau]), log2(dt)},
			fmt.Sprintf("dt*R/tau = %s*%s/%s", str(dt), str(p[pR]), str(p[pTau])))
	}
	// The w update u + dt*exprel(-dt/tau_w)*(a(V-V_rest) - u)/tau_w is
	// keep*u + ka*(V - V_rest) with loss = 1 - exp(-x), x = dt/tau_w.
	x := float64(dt / p[pTauW])
	loss := 1.0
	if x < math.MaxFloat64 {
		loss = float64(x * exprel64(-x))
	}
	c[generic.CKeep] = F(float64(1 - loss))
	c[generic.CKa] = F(mulDiv(p[pA], loss, 1))
	if !finite(c[generic.CKa]) {
		// 1 - exp(-dt/tau_w) <= 1: a alone overflows.
		return c, overflow([]int{pA}, []float64{0}, fmt.Sprintf("a*(1 - exp(-dt/tau_w)) = %s*%s", str(p[pA]), str(loss)))
	}
	// Backward's: sigma(x)/d with x = (V - V_th)/d, d = V_th - V_reset as
	// the step rounds it.
	c[generic.BackwardCInvD] = F(float64(1 / float64(c[generic.CVThRst])))
	if !finite(c[generic.BackwardCInvD]) {
		return c, overflow([]int{pVTh, pVReset}, []float64{-log2(p[pVTh]), -log2(p[pVReset])},
			fmt.Sprintf("1/(V_th - V_reset) = 1/(%s - (%s))", str(p[pVTh]), str(p[pVReset])))
	}
	c[generic.BackwardCNegInvD] = -c[generic.BackwardCInvD]
	c[generic.BackwardCAlpha] = F(alpha)
	c[generic.BackwardCWidth] = F(width)
	// Exact, or infinite as the sum the program would compute.
	c[generic.BackwardCDtCTau2] = c[generic.CDtCTau] + c[generic.CDtCTau]
	return c, nil
}

// mulDiv is a*b/c, rounded twice when a*b is a normal float64, and exactly
// once through math/big otherwise (so that no intermediate overflows).
func mulDiv(a, b, c float64) float64 {
	ab := float64(a * b)
	if r := float64(ab / c); ab != 0 && !math.IsInf(ab, 0) && math.Abs(ab) >= 0x1p-1022 {
		return r
	}
	return bigMulDiv(a, b, c)
}

// exprel64 is the library's own float64 exprel (the generic path's, which
// is the same on every GOARCH).
func exprel64(x float64) float64 {
	buf := [1]float64{x}
	generic.ExprelF64(&generic.Frame64{V: buf[:], N: 1})
	return buf[0]
}

// as converts a slice of a type defined from float32 or float64 to the
// underlying type, without copying.
func as[T, F Float](s []F) []T {
	if unsafe.Sizeof(T(0)) != unsafe.Sizeof(F(0)) {
		panic("kernel: element size mismatch")
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}
