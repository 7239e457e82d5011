// Command arm64 lowers the step programs of asm/step to Go arm64 assembly
// using NEON: 4 float32 or 2 float64 lanes per 128-bit V register. It writes
// kernel/step_arm64.s and the Go declarations in kernel/step_arm64.go.
//
// Every op becomes one instruction (or a short fixed sequence for the ops
// that NEON has no single instruction for: stores of 1.0/0.0 and of bools,
// immediates). Floating-point arithmetic and comparisons that Go's assembler
// lacks are WORD encodings from the format table in enc.go; the rest uses
// Go's own mnemonics. FMA is VFMLA (fused, one rounding), comparisons are
// FCMGE/FCMGT (ordered: false on NaN), selects are BSL/BIT/BIF; nothing
// depends on FPCR beyond Go's default (round to nearest, no flush to zero).
//
// Each kernel has a main loop over one or two vectors (two, interleaved op
// by op, where the registers allow), a loop over one vector, and a
// lane-by-lane remainder that loads and stores lane 0 only, so no slice is
// read or written past its end. Loop-invariant values (Program.Setup) are
// broadcast once into vector registers from V31 down; the body's values
// get registers by a linear scan over the unrolled, flattened ops (blocks
// only branch forward, so a value keeps one register over its whole live
// range). Instead of spilling, a constant that does not fit stays in memory
// or in the instruction stream and is broadcast again before each use, and a
// Rare block may borrow the register of a pinned constant that it does not
// read, broadcasting the constant back before the block ends.
//
// Every stream and per-neuron constant row is addressed through a pointer
// whose home is a slot of a pointer table in the kernel's stack frame; the
// generator keeps the most used pointers in general registers instead (all
// of them, for today's programs), ranking them by accesses per vector with
// an access in the step loop counted 64 times. A pointer left in the table
// is loaded into a scratch register for an access (once for the copies of
// one op) and stored back when the access moves it, so a program with more
// streams and rows than registers still lowers. Everything about streams,
// constants, ops and the frame's layout comes from asm/step's tables; the
// code of each op kind is the table lowerings (ops.go).
//
// The assembly is meant to be read: each op's code follows a comment with
// the IR op (the builder's value names included), and each function's
// header says what the generator chose for each section: vectors per
// iteration, the constants pinned in vector registers, and the register
// (or table slot) of every pointer, counter and row distance.
//
// A step kernel (a program with a Loop) has two such sections, chosen on
// entry by Frame.Steps. For one step (the Step API) the Loop's body runs
// once per vector, t = T[0] is a pinned broadcast and every stream is walked
// by post-increment: the kernel a program without a Loop would have. For
// several, each vector (or remainder lane) runs the whole step loop with V,
// w and the last spike time in vector registers, loaded before the loop and
// stored after it. The scan handles the back edge by tying: a register the
// body assigns anew gets the register of the value it replaces in the next
// step, reserved between that value's last read and the new definition for
// values that die by then (so the final selects write in place); anything
// else live into the loop is live over all of it. Inside the loop, t is a
// VLD1R.P of T[s], the optional streams are read and written through row
// pointers set for each vector and stepped by Frame.Rows (folded into a
// post-increment by register where the distance has a register), and the
// per-neuron rows are read at fixed offsets and move after the loop. The
// steps of one vector are a chain of dependent operations, so this section
// interleaves two vectors even if that means pinning fewer constants.
//
// StoreBits packs the spike mask of an access (the vectors of one
// iteration, or the remainder's lane) into the low bits of a general
// register with shifts alone: USHR leaves 0 or 1 per element, USRA folds
// each pair of elements into one of twice the width, XTN narrows, no
// constant needed. Steps = 1 makes the accesses in lane order: it ORs them
// into a register at the lane (a shift takes its amount mod 64), stores the
// word when its last lane is in, and after the loops merges the last,
// partial word with the bits past the call. Steps > 1 writes each step's
// bits to that step's row, through a row pointer set per vector and stepped
// by Rows[Bits] words: two float32 vectors fill a byte, which the main loop
// (8 lanes an iteration from lane 0) stores whole; any other access inserts
// its bits into the 64-bit word holding them: rotate the word right by the
// lane, insert at bit 0, rotate back. Either way no bit of a lane past N is
// written, and an absent Bits costs one branch per iteration.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"path/filepath"

	"github.com/adquaif/adquaif/asm/step"
)

func main() {
	out := flag.String("out", "", "directory of package kernel")
	verbose := flag.Bool("v", false, "print the instruction counts of each kernel")
	flag.Parse()
	if *out == "" {
		log.Fatal("arm64: -out is required")
	}
	files, stats, err := generate()
	if err != nil {
		log.Fatal(err)
	}
	if *verbose {
		for _, st := range stats {
			log.Print(st)
		}
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(*out, name), src, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// The files generate writes in package kernel.
const (
	asmFile  = "step_arm64.s"
	declFile = "step_arm64.go"
)

// generate lowers every program of step.All and returns the files of
// package kernel it makes, by name (the assembly and the Go declarations),
// and one line of statistics per kernel section.
func generate() (files map[string][]byte, stats []string, err error) {
	var asm, gd bytes.Buffer
	asm.WriteString("// Code generated by asm/arm64 from the programs of asm/step. DO NOT EDIT.\n\n")
	asm.WriteString("//go:build !purego\n\n#include \"textflag.h\"\n")
	gd.WriteString("// Code generated by asm/arm64 from the programs of asm/step. DO NOT EDIT.\n\n")
	gd.WriteString("//go:build !purego\n\npackage kernel\n\nimport \"github.com/adquaif/adquaif/generic\"\n")
	for _, p := range step.All() {
		k, err := lowerProgram(p)
		if err != nil {
			return nil, nil, err
		}
		asm.WriteString(k.text)
		fmt.Fprintf(&gd, "\n// %s is asm/step.%s in NEON, %d lanes per vector: its main loop\n", k.name, p.Name, k.lanes)
		if len(k.unroll) == 1 {
			fmt.Fprintf(&gd, "// computes %d vector(s) per iteration, the remainder lane by lane.\n", k.unroll[0])
		} else {
			fmt.Fprintf(&gd, "// computes %d vector(s) per iteration for one step, %d for several (each\n", k.unroll[0], k.unroll[1])
			gd.WriteString("// making all the steps with its state in registers), the remainder lane by lane.\n")
		}
		fmt.Fprintf(&gd, "// generic.%s is its reference, bit for bit.\n", p.Name)
		gd.WriteString("//\n//go:noescape\n")
		fmt.Fprintf(&gd, "func %s(f *generic.%s)\n", k.name, p.GoType(p.DType))
		stats = append(stats, k.stats...)
	}
	src, err := format.Source(gd.Bytes())
	if err != nil {
		return nil, nil, fmt.Errorf("arm64: declarations do not parse: %v", err)
	}
	return map[string][]byte{asmFile: asm.Bytes(), declFile: src}, stats, nil
}
