package step

import (
	"fmt"
	"maps"
)

// Validate checks a program against its frame and the op table: its
// streams and constants exist, each access fits its stream's element kind
// and direction, register classes match, every register is defined before
// it is read on every path, Setup holds only loop-invariant ops, and the
// Loop rules hold: at most one Loop, at the top level; Time only inside
// it; the optional streams accessed only inside it and the state only
// outside it. An optional stream is accessed only inside an If block on
// it, so that a lowering may move its pointer there.
func (p *Program) Validate() error {
	if p.Frame == nil {
		return fmt.Errorf("%s: no frame", p.Name)
	}
	if err := p.Frame.check(); err != nil {
		return fmt.Errorf("%s: %w", p.Name, err)
	}
	defined := make([]bool, len(p.Regs))
	if err := p.checkSetup(defined); err != nil {
		return err
	}
	v := validation{p: p, hasLoop: LoopOf(p.Ops) != nil}
	if err := v.ops(p.Ops, defined, false, nil); err != nil {
		return err
	}
	if v.loops > 1 {
		return fmt.Errorf("%s: %d loops, want at most one", p.Name, v.loops)
	}
	return nil
}

// checkSetup checks that Setup holds only loop-invariant ops, and marks
// what they define.
func (p *Program) checkSetup(defined []bool) error {
	for i := range p.Setup {
		o := &p.Setup[i]
		switch o.Kind {
		case OpImm, OpParam:
		default:
			return fmt.Errorf("%s: setup op %d is %s, not loop-invariant", p.Name, i, o.Kind)
		}
		if err := p.checkOp(o, false, false); err != nil {
			return fmt.Errorf("%s: setup op %d: %w", p.Name, i, err)
		}
		defined[o.Dst] = true
	}
	return nil
}

// validation walks a program's body.
type validation struct {
	p       *Program
	hasLoop bool
	loops   int
}

// ops checks a list of ops, def marking the registers defined before it,
// given marking the streams of the If blocks around it.
func (v *validation) ops(ops []Op, def []bool, inLoop bool, given map[Stream]bool) error {
	for i := range ops {
		o := &ops[i]
		if o.Kind == OpLoop {
			v.loops++
		}
		if err := v.p.checkOp(o, v.hasLoop, inLoop); err != nil {
			return fmt.Errorf("%s: op %d: %w", v.p.Name, i, err)
		}
		if o.Access() && o.Kind != OpIf && v.p.Streams[o.Stream].Optional && !given[o.Stream] {
			return fmt.Errorf("%s: op %d (%s %s): an optional stream is accessed only inside an If block on it", v.p.Name, i, o.Kind, v.p.Streams[o.Stream].Name)
		}
		for _, r := range o.Inputs() {
			if !def[r] {
				return fmt.Errorf("%s: op %d (%s) reads r%d before it is defined", v.p.Name, i, o.Kind, r)
			}
		}
		if o.Kind.Info().Block {
			// A block may run or not: what it defines is defined after
			// it only if it was defined before.
			inner := append([]bool(nil), def...)
			in := given
			if o.Kind == OpIf {
				in = maps.Clone(given)
				if in == nil {
					in = map[Stream]bool{}
				}
				in[o.Stream] = true
			}
			if err := v.ops(o.Body, inner, inLoop || o.Kind == OpLoop, in); err != nil {
				return err
			}
		}
		if o.Defines() {
			def[o.Dst] = true
		}
	}
	return nil
}

// checkOp checks one op by itself: its operands, its stream or constant,
// and its place with respect to the Loop.
func (p *Program) checkOp(o *Op, hasLoop, inLoop bool) error {
	if o.Kind < 0 || o.Kind >= NumKinds {
		return fmt.Errorf("no op kind %d", o.Kind)
	}
	if err := p.checkRegs(o); err != nil {
		return err
	}
	if err := p.checkClasses(o); err != nil {
		return err
	}
	if err := p.checkStream(o); err != nil {
		return err
	}
	if o.Kind.Info().Param && (o.Param < 0 || int(o.Param) >= len(p.Consts)) {
		return fmt.Errorf("%s: no constant %d in frame %s", o.Kind, o.Param, p.Type)
	}
	if !o.Kind.Info().Block && o.Body != nil {
		return fmt.Errorf("%s has a body", o.Kind)
	}
	return p.checkLoop(o, hasLoop, inLoop)
}

// checkRegs checks that the registers o names exist.
func (p *Program) checkRegs(o *Op) error {
	regs := o.Inputs()
	if o.Defines() {
		regs = append(regs, o.Dst)
	}
	for _, r := range regs {
		if r < 0 || int(r) >= len(p.Regs) {
			return fmt.Errorf("%s: no register r%d", o.Kind, r)
		}
	}
	return nil
}

func (p *Program) checkClasses(o *Op) error {
	want := func(r Reg, c Class) error {
		if p.Regs[r] != c {
			return fmt.Errorf("%s: r%d is %s, want %s", o.Kind, r, p.Regs[r], c)
		}
		return nil
	}
	for i, r := range o.Inputs() {
		if err := want(r, p.ArgClass(o, i)); err != nil {
			return err
		}
	}
	if !o.Defines() {
		return nil
	}
	return want(o.Dst, p.ResultClass(o))
}

// streamElem is the element kind each stream op works on.
var streamElem = map[Kind]Elem{
	OpLoad: ElemFloat, OpStore: ElemFloat, OpStoreOne: ElemFloat,
	OpStoreBool: ElemBool, OpStoreBits: ElemBits,
}

// checkStream checks that the stream o names exists, holds what o reads or
// writes, and goes the way o uses it.
func (p *Program) checkStream(o *Op) error {
	info := o.Kind.Info()
	if info.Stream == NoStream {
		return nil
	}
	if o.Stream < 0 || int(o.Stream) >= len(p.Streams) {
		return fmt.Errorf("%s: no stream %d in frame %s", o.Kind, o.Stream, p.Type)
	}
	s := p.Streams[o.Stream]
	if e, ok := streamElem[o.Kind]; ok && e != s.Elem {
		return fmt.Errorf("%s %s: the stream does not hold what the op accesses", o.Kind, s.Name)
	}
	switch {
	case info.Stream == Reads && s.Dir == Output:
		return fmt.Errorf("%s %s: an output stream is not read", o.Kind, s.Name)
	case info.Stream == Writes && s.Dir == Input:
		return fmt.Errorf("%s %s: an input stream is not written", o.Kind, s.Name)
	case info.Stream == Tests && !s.Optional:
		return fmt.Errorf("%s %s: only an optional stream may be absent", o.Kind, s.Name)
	}
	return nil
}

// checkLoop checks op o's place with respect to the step loop, in a
// program that has one (hasLoop) or not.
func (p *Program) checkLoop(o *Op, hasLoop, inLoop bool) error {
	switch {
	case o.Kind == OpLoop && inLoop:
		return fmt.Errorf("a Loop inside a Loop")
	case o.Kind == OpTime && !inLoop:
		return fmt.Errorf("Time outside the Loop")
	case o.Access() && hasLoop && p.Streams[o.Stream].Optional != inLoop:
		return fmt.Errorf("%s %s: optional streams are accessed inside the Loop and the state outside it", o.Kind, p.Streams[o.Stream].Name)
	}
	return nil
}
