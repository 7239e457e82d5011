package step

// Section is one of the code paths of a lowered function, chosen at run
// time by Frame.Steps. A program without a Loop has one section, Plain; a
// program with a Loop has two, so that one-step calls (the Step API) and
// many-step calls (Run) each run the code that suits them.
type Section int

const (
	Plain     Section = iota // a program without a Loop (exprel)
	OneStep                  // Steps <= 1: the Loop's body once
	ManySteps                // Steps > 1: the step loop, the state in registers
)

var sectionNames = [...]string{"plain", "one step", "many steps"}

func (s Section) String() string { return sectionNames[s] }

// Sections lists the sections of p's functions, in the order they are
// emitted.
func (p *Program) Sections() []Section {
	if LoopOf(p.Ops) == nil {
		return []Section{Plain}
	}
	return []Section{OneStep, ManySteps}
}

// LoopOf is the Loop op of ops (at the top level, where Validate allows
// it), or nil.
func LoopOf(ops []Op) *Op {
	for i := range ops {
		if ops[i].Kind == OpLoop {
			return &ops[i]
		}
	}
	return nil
}

// Used reports, per stream of p's frame, whether p's ops name it.
func (p *Program) Used() []bool {
	used := make([]bool, len(p.Streams))
	Walk(p.Ops, func(o *Op) {
		if o.Access() {
			used[o.Stream] = true
		}
	})
	return used
}

// UsedConsts reports, per constant of p's frame, whether p's body (not
// Setup) reads it: for a per-neuron program, the rows it loads.
func (p *Program) UsedConsts() []bool {
	used := make([]bool, len(p.Consts))
	Walk(p.Ops, func(o *Op) {
		if o.Kind.Info().Param {
			used[o.Param] = true
		}
	})
	return used
}

// Log2 is the least k with 1<<k >= n: the shift of an element size.
func Log2(n int) int {
	k := 0
	for 1<<k < n {
		k++
	}
	return k
}
