package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/adquaif/adquaif/asm/step"
)

var (
	// An access through a pointer register: mnemonic, post-increment,
	// offset (post-increment: the increment) and register.
	accessRE = regexp.MustCompile(`^\S+?(\.P)? .*?(-?\d+)\((R\d+)\)`)
	addRE    = regexp.MustCompile(`^ADD \$(\d+), (R\d+)$`)
	cbzRE    = regexp.MustCompile(`^CBZ (R\d+), (\S+)$`)
)

// ifParam is a per-neuron program that reads row VTh first inside an If
// block on another stream (I) and again after it, so that the row must move
// the same whether the block runs or not.
func ifParam() *step.Program {
	p := &step.Program{Frame: step.AdQuaIFFrame, Name: "IfParamF32PN", Func: "IfParam", Tag: "F32PN", DType: step.F32, PerNeur: true,
		Regs: make([]step.Class, 5), Names: make([]string, 5)}
	p.Ops = []step.Op{
		{Kind: step.OpLoad, Dst: 0, Stream: step.SV},
		{Kind: step.OpIf, Stream: step.SI, Body: []step.Op{
			{Kind: step.OpLoad, Dst: 1, Stream: step.SI},
			{Kind: step.OpParam, Dst: 2, Param: step.CVTh},
			{Kind: step.OpAdd, Dst: 0, A: 1, B: 2},
		}},
		{Kind: step.OpParam, Dst: 3, Param: step.CVTh},
		{Kind: step.OpAdd, Dst: 4, A: 0, B: 3},
		{Kind: step.OpStore, Stream: step.SV, A: 4},
	}
	return p
}

// TestPointersMoveOnEveryPath follows the loop bodies of the sections that
// walk their pointers by post-increment (one step, and programs without a
// Loop) of every program and of ifParam, for every combination of the
// optional streams given, taking the If blocks of the given ones: each
// pointer held in a register (a given stream's, or a per-neuron row's) must
// address only the data of the iteration and move past all of it.
func TestPointersMoveOnEveryPath(t *testing.T) {
	if err := ifParam().Validate(); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, p := range append(step.All(), ifParam()) {
		for _, sc := range p.Sections() {
			if sc == step.ManySteps {
				continue
			}
			sec, err := lowerSection(p, sc)
			if err != nil {
				t.Fatal(err)
			}
			for label, b := range sec.bodies {
				checkPointerPaths(t, sec.l, label, b.lines)
				checked++
			}
		}
	}
	if checked == 0 {
		t.Fatal("no body checked")
	}
}

// checkPointerPaths checks one body (label names it) on every path.
func checkPointerPaths(t *testing.T, l *lowering, label string, lines []string) {
	t.Helper()
	lanes := l.lanes
	switch {
	case strings.HasSuffix(label, "loop2"):
		lanes *= 2
	case strings.HasSuffix(label, "tail"):
		lanes = 1
	}
	// The pointers in registers, with the bytes of one iteration; the
	// optional streams' bits in a combination of given streams.
	width := map[string]int{}
	bit := map[string]int{}
	for s, ptr := range l.stream {
		spec := l.p.Streams[s]
		if ptr == nil || ptr.reg == "" || spec.Packed() {
			continue
		}
		width[ptr.reg] = lanes * spec.ElemSize(l.p.DType)
		if spec.Optional {
			bit[ptr.reg] = len(bit)
		}
	}
	for _, ptr := range l.row {
		if ptr != nil && ptr.reg != "" {
			width[ptr.reg] = lanes * l.size
		}
	}
	// The lines that matter, parsed once: branches on a pointer,
	// additions to one and accesses through one.
	type move struct {
		line      string
		reg       string
		n         int
		post, add bool
		skip      string // a CBZ's label
	}
	var moves []move
	at := map[string]int{}
	for _, line := range lines {
		switch m := accessRE.FindStringSubmatch(line); {
		case strings.HasSuffix(line, ":"):
			at[strings.TrimSuffix(line, ":")] = len(moves)
		case strings.HasPrefix(line, "//"):
		case cbzRE.MatchString(line):
			c := cbzRE.FindStringSubmatch(line)
			moves = append(moves, move{line: line, reg: c[1], skip: c[2]})
		case addRE.MatchString(line):
			a := addRE.FindStringSubmatch(line)
			n, _ := strconv.Atoi(a[1])
			moves = append(moves, move{line: line, reg: a[2], n: n, add: true})
		case m != nil:
			n, _ := strconv.Atoi(m[2])
			moves = append(moves, move{line: line, reg: m[3], n: n, post: m[1] != ""})
		}
	}
	for given := 0; given < 1<<len(bit); given++ {
		absent := func(r string) bool { b, ok := bit[r]; return ok && given&(1<<b) == 0 }
		adv := map[string]int{}
		for i := 0; i < len(moves); i++ {
			mv := moves[i]
			w, ok := width[mv.reg]
			switch {
			case mv.skip != "":
				if absent(mv.reg) {
					i = at[mv.skip] - 1
				}
			case !ok || absent(mv.reg):
			case mv.add:
				adv[mv.reg] += mv.n
			default:
				off := adv[mv.reg]
				if !mv.post {
					off += mv.n
				}
				if off < 0 || off >= w {
					t.Errorf("%s %s %s, streams given %b: %q addresses byte %d of the iteration's %d", l.p.Name, l.sec, label, given, mv.line, off, w)
				}
				if mv.post {
					adv[mv.reg] += mv.n
				}
			}
		}
		for r, w := range width {
			if !absent(r) && adv[r] != w {
				t.Errorf("%s %s %s, streams given %b: %s moved %d bytes, not %d", l.p.Name, l.sec, label, given, r, adv[r], w)
			}
		}
	}
}
