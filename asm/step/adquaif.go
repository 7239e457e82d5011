package step

import "fmt"

// The AdQuaIFRef model: its frame (streams and constants), its step
// program and the programs the library compiles (All). exprel.go holds the
// exprel helper the step calls.

// The streams of AdQuaIFFrame, indices into its Streams.
const (
	SV     Stream = iota // membrane potential, read and written
	SW                   // adaptation current, read and written
	SLast                // last spike time, read and written
	SI                   // input current, optional input
	SDelta               // delta input, optional input
	SG                   // input conductance, optional input
	SSpike               // spike output (1 or 0), optional
	SRef                 // refractory output ([]bool), optional
	SBits                // spike output as bits ([]uint64: lane j is bit j%64 of word j/64), optional
	numStreams
)

// The constants of AdQuaIFFrame, precomputed by the kernel package from the
// parameters and dt: indices into its Consts.
const (
	CVTh    Const = iota // V_th
	CVThRst              // V_th - V_reset (soft reset)
	CVReset              // V_reset (hard reset)
	CB                   // b
	CVRest               // V_rest
	CVC                  // V_c
	CDtCTau              // dt*c/tau
	CDtRTau              // dt*R/tau
	CKeep                // exp(-dt/tau_w): the share of w kept over one step
	CKa                  // a*(1 - exp(-dt/tau_w))
	CTauRef              // tau_ref
	numConsts
)

// AdQuaIFFrame is the frame of the step programs and of exprel (generic.Frame32
// and Frame64). BackwardFrame extends it.
var AdQuaIFFrame = &Frame{
	Type: "Frame",
	Streams: []StreamSpec{
		SV:     {Name: "V", Elem: ElemFloat, Dir: State, Doc: "membrane potential"},
		SW:     {Name: "W", Elem: ElemFloat, Dir: State, Doc: "adaptation current"},
		SLast:  {Name: "Last", Elem: ElemFloat, Dir: State, Doc: "last spike time"},
		SI:     {Name: "I", Elem: ElemFloat, Dir: Input, Optional: true, Doc: "input current"},
		SDelta: {Name: "Delta", Elem: ElemFloat, Dir: Input, Optional: true, Doc: "delta input, added to V"},
		SG:     {Name: "G", Elem: ElemFloat, Dir: Input, Optional: true, Doc: "input conductance: the input current is I - G*v"},
		SSpike: {Name: "Spike", Elem: ElemFloat, Dir: Output, Optional: true, Doc: "1 where the neuron spiked, else 0"},
		SRef:   {Name: "Ref", Elem: ElemBool, Dir: Output, Optional: true, Doc: "refractory after the step"},
		SBits:  {Name: "Bits", Elem: ElemBits, Dir: Output, Optional: true, Doc: "spikes, a bit per neuron"},
	},
	Consts: []ConstSpec{
		CVTh:    {Name: "VTh", Doc: "V_th"},
		CVThRst: {Name: "VThRst", Doc: "V_th - V_reset (soft reset)"},
		CVReset: {Name: "VReset", Doc: "V_reset (hard reset)"},
		CB:      {Name: "B", Doc: "b"},
		CVRest:  {Name: "VRest", Doc: "V_rest"},
		CVC:     {Name: "VC", Doc: "V_c"},
		CDtCTau: {Name: "DtCTau", Doc: "dt*c/tau"},
		CDtRTau: {Name: "DtRTau", Doc: "dt*R/tau"},
		CKeep:   {Name: "Keep", Doc: "exp(-dt/tau_w): the share of w kept over one step"},
		CKa:     {Name: "Ka", Doc: "a*(1 - exp(-dt/tau_w))"},
		CTauRef: {Name: "TauRef", Doc: "tau_ref"},
	},
}

// Step is the AdQuaIFRef step of docs/CONTRACT.md for one variant, made Frame.Steps
// times with the state in registers. Per lane and step, with the constants
// of Const precomputed from the parameters and dt:
//
//	spk = V >= V_th
//	v   = spk ? V - (V_th-V_reset) : V         (soft)   spk ? V - (V-V_reset) : V   (hard)
//	u   = spk ? w + b : w
//	a1, a2 = v - V_rest, v - V_c
//	F   = dt*c/tau * a1*a2 + dt*R/tau * ((I - G*v) - u)  = dt*f(v)
//	z   = dt*c/tau * (a1 + a2) - gd  (one FMA)          = dt*J,  gd = dt*R/tau * G
//	Vc  = v + exprel(z)*F (+ Delta)
//	Wc  = keep*u + ka*(Vc - V_rest)               = u + dt*exprel(-dt/tau_w)*g
//	refr = t - last < tau_ref
//	V', w' = refr ? (v, u) : (Vc, Wc)
//	spike = V' >= V_th;  last' = spike ? t : last;  ref' = refr || spike
//
// The spike test V >= V_th is the exact sign of the contract's
// heaviside((V - V_th)/(V_th - V_reset)), since V_th > V_reset.
//
// The resets are the contract's V - (V_th - V_reset)*spk and
// V - (V - V_reset)*spk with spk in {0, 1}, as selects. Where spk = 1 the
// product by 1 is exact, so the select's V - (V - V_reset) has the bits of
// the contract's formula for every V: V_reset up to the rounding of
// V - V_reset (coarse for a large V, 0 once V - V_reset rounds to V), and
// NaN for V = +Inf. Where spk = 0 the select keeps V, and the contract's
// product is left out: (V_th - V_reset)*0 is +0 and changes no V, but
// (V - V_reset)*0 is NaN for V = -Inf and -0 for V = -0 with V_reset >= 0,
// so the literal hard reset would turn a V of -Inf that did not spike into
// NaN (BrainPy's arithmetic form does), and -0 into +0. A neuron that did
// not spike is left as it is by either reset: -Inf stays -Inf (and becomes
// NaN in the integration unless refractory), -0 stays -0.
func Step(v Variant) *Program { return stepProgram(AdQuaIFFrame, "Step", v, false) }

// stepProgram is the step of variant v over frame fr, named fn, with the
// headroom frame's extra streams used if extra.
func stepProgram(fr *Frame, fn string, v Variant, extra bool) *Program {
	b := newBuilder(&Program{Frame: fr, Func: fn, Tag: v.Name(), DType: v.DType, Reset: v.Reset, PerNeur: v.PerNeur})
	V, W, last := b.name("V", b.Load(SV)), b.name("W", b.Load(SW)), b.name("Last", b.Load(SLast))
	b.Loop(func() { stepOnce(b, v, V, W, last, extra) })
	b.Store(SV, V)
	b.Store(SW, W)
	b.Store(SLast, last)
	return b.p
}

// stepOnce emits one step inside the Loop: it reads the state registers V,
// W and last and assigns them the state after the step.
func stepOnce(b *builder, v Variant, V, W, last Reg, extra bool) {
	fw := forwardOps(b, v, V, W, extra)
	wc := b.name("wc", b.FMA(b.Param(CKa), b.name("dv", b.Sub(fw.vc, fw.vrest)), b.name("wkeep", b.Mul(b.Param(CKeep), fw.u))))

	t := b.name("t", b.Time())
	refr := b.name("refr", b.LT(b.name("since", b.Sub(t, last)), b.Param(CTauRef)))
	b.set(V, b.Select(refr, fw.vr, fw.vc))
	b.set(W, b.Select(refr, fw.u, wc))
	sp := b.name("sp", b.GE(V, fw.vth))
	b.SelectInto(last, sp, t)
	b.If(SSpike, func() { b.StoreOne(SSpike, sp) })
	b.If(SRef, func() { b.StoreBool(SRef, b.name("ref", b.Or(refr, sp))) })
	b.If(SBits, func() { b.StoreBits(SBits, sp) })
	if extra {
		b.If(sY, func() { b.Store(sY, fw.F) })
	}
}

// forward holds the registers of a step's forward ops that the step and
// its backward program both read.
type forward struct {
	vth, vr, u, vrest Reg
	F, z, phi, vc     Reg // dt*f(v), dt*J, exprel(dt*J), Vc
	large             Reg // |z| past exprel's short polynomial: its Rare mask
}

// forwardOps emits the step's ops from the state registers V and W up to
// Vc, the integrated V: the same ops in Step and Backward, so that
// Backward's V' has the bits of Step's.
func forwardOps(b *builder, v Variant, V, W Reg, extra bool) forward {
	var fw forward
	fw.vth = b.Param(CVTh)
	spk := b.name("spk", b.GE(V, fw.vth))
	var vr Reg
	if v.Reset == Soft {
		vr = b.Select(spk, b.name("vs", b.Sub(V, b.Param(CVThRst))), V)
	} else {
		vr = b.Select(spk, b.name("vh", b.Sub(V, b.name("dv", b.Sub(V, b.Param(CVReset))))), V)
	}
	fw.vr = b.name("vr", vr)
	u := b.name("u", b.Select(spk, b.name("wb", b.Add(W, b.Param(CB))), W))
	fw.u = u

	in := b.name("in", b.Zero()) // a register of its own, so that If can assign it
	b.If(SI, func() { b.set(in, b.Load(SI)) })
	if extra {
		b.If(sX1, func() { b.set(in, b.FMA(b.Param(cK1), b.Load(sX1), in)) })
		b.If(sX2, func() { b.set(in, b.FMA(b.Param(cK2), b.Load(sX2), in)) })
	}

	// The input current I - G*v and the Jacobian's -dt*R/tau*G. G*v is an
	// FMA adding +0, which makes an exact zero of either sign +0, and
	// subtracting +0 leaves I as it is. The Jacobian's term is the addend
	// ngd of z's FMA, -0 without G, with which the FMA rounds as Mul alone
	// would: G = ±0 gives the bits of no G wherever v is finite, and no G
	// costs no op past ngd's. ngd and in are registers of their own, so
	// that the block assigns nothing computed before it (z assigned in the
	// block cost AVX-512 two of its pinned constants in every section).
	ngd := b.name("ngd", b.NegZero())
	b.If(SG, func() {
		g := b.name("g", b.Load(SG))
		b.set(ngd, b.Sub(ngd, b.name("gd", b.Mul(b.Param(CDtRTau), g)))) // -0 - x is -x exactly
		b.set(in, b.Sub(in, b.name("gv", b.FMA(g, vr, b.Zero()))))
	})

	vrest := b.Param(CVRest)
	fw.vrest = vrest
	a1 := b.name("a1", b.Sub(vr, vrest))
	a2 := b.name("a2", b.Sub(vr, b.Param(CVC)))
	dtct := b.Param(CDtCTau)
	F := b.name("F", b.FMA(dtct, b.name("a12", b.Mul(a1, a2)), b.name("drive", b.Mul(b.Param(CDtRTau), b.name("iu", b.Sub(in, u))))))
	z := b.name("z", b.FMA(dtct, b.name("a1a2", b.Add(a1, a2)), ngd))
	fw.F, fw.z = F, z
	fw.phi, fw.large = exprel(b, z)
	vc := b.name("vc", b.FMA(fw.phi, F, vr))
	b.If(SDelta, func() { b.set(vc, b.Add(vc, b.Load(SDelta))) })
	fw.vc = vc
	return fw
}

// extraStreams are the headroom frame's streams past the step's: two
// optional inputs and an optional output, and its constants past the
// step's: two.
const (
	sX1 Stream = numStreams + iota
	sX2
	sY
)

const (
	cK1 Const = numConsts + iota
	cK2
)

// HeadroomFrame is AdQuaIFFrame with room taken: two more optional float
// inputs, one more optional float output and two more constants, in the
// shape the next inputs of the model take (a conductance input and its
// reversal potential). No kernel uses it: TestHeadroom lowers Headroom's
// programs on every path to check that the lowerings still allocate a
// program larger than today's.
var HeadroomFrame = &Frame{
	Type:   "Headroom",
	Prefix: "Headroom",
	Streams: append(AdQuaIFFrame.Streams[:numStreams:numStreams],
		StreamSpec{Name: "X1", Elem: ElemFloat, Dir: Input, Optional: true, Doc: "extra input, K1 per unit"},
		StreamSpec{Name: "X2", Elem: ElemFloat, Dir: Input, Optional: true, Doc: "extra input, K2 per unit"},
		StreamSpec{Name: "Y", Elem: ElemFloat, Dir: Output, Optional: true, Doc: "the step's dt*f(v)"}),
	Consts: append(AdQuaIFFrame.Consts[:numConsts:numConsts],
		ConstSpec{Name: "K1", Doc: "weight of X1"},
		ConstSpec{Name: "K2", Doc: "weight of X2"}),
}

// Headroom is Step(v) over HeadroomFrame, its extra streams used as real
// ones would be: I += K1*X1 and I += K2*X2 in If blocks (each a load, a
// constant and an FMA on the input's path), and the drift F stored to Y at
// the end of the step, which keeps F live across the step's second half.
func Headroom(v Variant) *Program {
	p := stepProgram(HeadroomFrame, "Headroom", v, true)
	if err := p.Validate(); err != nil {
		panic(fmt.Sprint("step: invalid program: ", err))
	}
	return p
}

// All returns every program the library compiles on every path: the step
// variants, exprel for each type, the backward step's variants, exprel'
// for each type, then the Expon programs (expon.go) for each type, without
// and with E_e.
func All() []*Program {
	var ps []*Program
	for _, v := range Variants() {
		ps = append(ps, Step(v))
	}
	ps = append(ps, Exprel(F32), Exprel(F64))
	for _, v := range Variants() {
		ps = append(ps, Backward(v))
	}
	ps = append(ps, ExprelDeriv(F32), ExprelDeriv(F64))
	for _, ee := range []bool{false, true} {
		ps = append(ps, Expon(F32, ee), Expon(F64, ee), ExponNext(F32, ee), ExponNext(F64, ee))
	}
	return validated(ps)
}

// validated returns ps after checking every program.
func validated(ps []*Program) []*Program {
	for _, p := range ps {
		if err := p.Validate(); err != nil {
			panic(fmt.Sprint("step: invalid program: ", err))
		}
	}
	return ps
}
