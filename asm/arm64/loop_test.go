package main

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/adquaif/adquaif/asm/step"
)

var (
	stateLoadRE  = regexp.MustCompile(`^(?:VLD1\.P \d+|FMOV[SD]\.P \d+)\((R\d+)\), \[?[VF](\d+)`)
	stateStoreRE = regexp.MustCompile(`^FMOV[QSD] F(\d+), (-\d+)\((R\d+)\)$`)
	tableLoadRE  = regexp.MustCompile(`^MOVD (\S+\(SP\)), (R\d+)`)
)

// TestStateInRegisters checks the Steps > 1 section of every step kernel,
// in each of its loops (two vectors, one, a lane): no instruction of the
// step loop addresses a State stream (for the step V, W and the last spike
// time), and each that the program stores is stored after the step loop
// from the very register it was loaded into before it, so the state
// crosses memory once per call and the back edge keeps it in place (a
// state that the program only reads, as the backward step's V, is loaded
// and not stored). A pointer in the stack table is followed into the
// register it is loaded into.
func TestStateInRegisters(t *testing.T) {
	for _, p := range step.All() {
		if step.LoopOf(p.Ops) == nil {
			continue
		}
		stores := map[step.Stream]bool{}
		for _, o := range p.Ops {
			if o.IsStore() {
				stores[o.Stream] = true
			}
		}
		sec, err := lowerSection(p, step.ManySteps)
		if err != nil {
			t.Fatal(err)
		}
		for label, b := range sec.bodies {
			begin, end := -1, -1
			for i, line := range b.lines {
				if strings.HasPrefix(line, "manystep") && strings.HasSuffix(line, ":") {
					begin = i
				}
				if begin >= 0 && line == "BNE "+strings.TrimSuffix(b.lines[begin], ":") {
					end = i
				}
			}
			if begin < 0 || end < 0 {
				t.Errorf("%s %s: no step loop", p.Name, label)
				continue
			}
			for s, spec := range p.Streams {
				if spec.Dir != step.State {
					continue
				}
				// follow returns the register that holds the
				// stream's pointer after line: its own register, or
				// the scratch register loaded from its table slot.
				ptr := sec.l.stream[s].reg
				slot := "ptr" + spec.Name + "-"
				var held string
				follow := func(line string) string {
					if m := tableLoadRE.FindStringSubmatch(line); m != nil {
						if strings.HasPrefix(m[1], slot) {
							held = m[2]
						} else if held == m[2] {
							held = ""
						}
					}
					if ptr != "" {
						return ptr
					}
					return held
				}
				for _, line := range b.lines[begin:end] {
					if ptr != "" && strings.Contains(line, "("+ptr+")") || strings.Contains(line, slot) {
						t.Errorf("%s %s: the step loop accesses %s: %s", p.Name, label, spec.Name, line)
					}
				}
				var loaded, stored []int
				held = ""
				for _, line := range b.lines[:begin] {
					r := follow(line)
					if m := stateLoadRE.FindStringSubmatch(line); m != nil && m[1] == r {
						n, _ := strconv.Atoi(m[2])
						loaded = append(loaded, n)
					}
				}
				type st struct{ off, reg int }
				var sts []st
				held = ""
				for _, line := range b.lines[end:] {
					r := follow(line)
					if m := stateStoreRE.FindStringSubmatch(line); m != nil && m[3] == r {
						n, _ := strconv.Atoi(m[1])
						off, _ := strconv.Atoi(m[2])
						sts = append(sts, st{off, n})
					}
				}
				slices.SortFunc(sts, func(a, b st) int { return a.off - b.off })
				for _, x := range sts {
					stored = append(stored, x.reg)
				}
				want := loaded
				if !stores[step.Stream(s)] {
					want = nil
				}
				if len(loaded) == 0 || !slices.Equal(want, stored) {
					t.Errorf("%s %s: %s loaded into %v before the step loop, stored from %v after it (stored by the program: %v)", p.Name, label, spec.Name, loaded, stored, stores[step.Stream(s)])
				}
			}
		}
	}
}
