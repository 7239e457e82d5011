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
)

// TestStateInRegisters checks the Steps > 1 section of every step kernel,
// in each of its loops (two vectors, one, a lane): no instruction of the
// step loop addresses V, W or the last spike time, and each is stored after
// the step loop from the very register it was loaded into before it, so the
// state crosses memory once per call and the back edge keeps it in place.
func TestStateInRegisters(t *testing.T) {
	for _, p := range step.All() {
		if step.LoopOf(p.Ops) == nil {
			continue
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
				ptr := sec.l.stream[s].reg
				for _, line := range b.lines[begin:end] {
					if strings.Contains(line, "("+ptr+")") {
						t.Errorf("%s %s: the step loop accesses %s: %s", p.Name, label, spec.Name, line)
					}
				}
				var loaded, stored []int
				for _, line := range b.lines[:begin] {
					if m := stateLoadRE.FindStringSubmatch(line); m != nil && m[1] == ptr {
						r, _ := strconv.Atoi(m[2])
						loaded = append(loaded, r)
					}
				}
				type st struct{ off, reg int }
				var sts []st
				for _, line := range b.lines[end:] {
					if m := stateStoreRE.FindStringSubmatch(line); m != nil && m[3] == ptr {
						r, _ := strconv.Atoi(m[1])
						off, _ := strconv.Atoi(m[2])
						sts = append(sts, st{off, r})
					}
				}
				slices.SortFunc(sts, func(a, b st) int { return a.off - b.off })
				for _, x := range sts {
					stored = append(stored, x.reg)
				}
				if len(loaded) == 0 || !slices.Equal(loaded, stored) {
					t.Errorf("%s %s: %s loaded into %v before the step loop, stored from %v after it", p.Name, label, spec.Name, loaded, stored)
				}
			}
		}
	}
}
