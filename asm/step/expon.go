package step

// The inputs of exponential conductances (BrainPy's Expon synapse): a
// simulator keeps a conductance per neuron that decays between spikes and
// jumps where one arrives, and hands it to the step as docs/CONTRACT.md
// says, g*(E - V) as I += g*E, G += g. The Expon programs write one step's
// I and G from an excitatory conductance towards E_e and an inhibitory one
// towards E_i, both held relative to a decay factor (the simulator's
// frame: the conductances at this step are GE*decE and GI*decI), and a
// background current.

// The streams of ExponFrame.
const (
	SCondE Stream = iota // excitatory conductance, in the frame of decE
	SCondI               // inhibitory conductance, in the frame of decI
	SDrive               // background current
	SOutI                // the step's input current
	SOutG                // the step's input conductance
	numExponStreams
)

// The constants of ExponFrame, the call's.
const (
	CDecE  Const = iota // the excitatory conductance's factor at this step
	CDecI               // the inhibitory conductance's factor at this step
	CEE                 // E_e, the excitatory reversal potential (ExponEE programs)
	CEI                 // E_i, the inhibitory reversal potential
	CNextE              // ExponNext: the factor GE moves by, in place
	CNextI              // ExponNext: the factor GI moves by, in place
)

// ExponFrame is the frame of the Expon programs (generic.Expon32 and
// Expon64). GE and GI are State: ExponNext writes them back.
var ExponFrame = &Frame{
	Type:   "Expon",
	Prefix: "Expon",
	Streams: []StreamSpec{
		SCondE: {Name: "GE", Elem: ElemFloat, Dir: State, Doc: "excitatory conductance, relative to DecE"},
		SCondI: {Name: "GI", Elem: ElemFloat, Dir: State, Doc: "inhibitory conductance, relative to DecI"},
		SDrive: {Name: "Drive", Elem: ElemFloat, Dir: Input, Doc: "background current"},
		SOutI:  {Name: "I", Elem: ElemFloat, Dir: Output, Doc: "the step's input current"},
		SOutG:  {Name: "G", Elem: ElemFloat, Dir: Output, Doc: "the step's input conductance"},
	},
	Consts: []ConstSpec{
		CDecE:  {Name: "DecE", Doc: "the excitatory factor at this step"},
		CDecI:  {Name: "DecI", Doc: "the inhibitory factor at this step"},
		CEE:    {Name: "EE", Doc: "E_e"},
		CEI:    {Name: "EI", Doc: "E_i"},
		CNextE: {Name: "NextE", Doc: "ExponNext: GE's factor, in place"},
		CNextI: {Name: "NextI", Doc: "ExponNext: GI's factor, in place"},
	},
}

// Expon writes a step's inputs, per lane:
//
//	e, i = GE*decE, GI*decI
//	G    = e + i
//	I    = (Drive + E_e*e) + E_i*i
//
// and without ee the same with the E_e term left out, I = Drive + E_i*i:
// the program for E_e = 0 mV, the usual case, which it would cost two
// operations per lane to no effect (docs/CONTRACT.md).
func Expon(d DType, ee bool) *Program {
	b := newBuilder(&Program{Frame: ExponFrame, Func: exponFunc("Expon", ee), Tag: d.String(), DType: d})
	expon(b, ee)
	return b.p
}

// ExponNext is Expon that then moves the conductances to the next frame,
// GE *= nextE and GI *= nextI.
func ExponNext(d DType, ee bool) *Program {
	b := newBuilder(&Program{Frame: ExponFrame, Func: exponFunc("ExponNext", ee), Tag: d.String(), DType: d})
	ge, gi := expon(b, ee)
	b.Store(SCondE, b.Mul(ge, b.Param(CNextE)))
	b.Store(SCondI, b.Mul(gi, b.Param(CNextI)))
	return b.p
}

// exponFunc names the program: "EE" after "Expon" if it has the E_e term.
func exponFunc(name string, ee bool) string {
	if ee {
		return "ExponEE" + name[len("Expon"):]
	}
	return name
}

// expon emits Expon's ops and returns the registers of GE and GI.
func expon(b *builder, ee bool) (ge, gi Reg) {
	ge, gi = b.name("ge", b.Load(SCondE)), b.name("gi", b.Load(SCondI))
	e := b.name("e", b.Mul(ge, b.Param(CDecE)))
	i := b.name("i", b.Mul(gi, b.Param(CDecI)))
	b.Store(SOutG, b.Add(e, i))
	drive := b.Load(SDrive)
	if ee {
		drive = b.Add(drive, b.Mul(b.Param(CEE), e))
	}
	b.Store(SOutI, b.Add(drive, b.Mul(b.Param(CEI), i)))
	return ge, gi
}
