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
	"flag"
	"log"
	"os"
	"path/filepath"
)

func main() {
	out := flag.String("out", "", "directory of package kernel")
	verbose := flag.Bool("v", false, "print the instruction counts of each kernel")
	flag.Parse()
	if *out == "" {
		log.Fatal("arm64: -out is required")
	}
	s, decl, stats, err := generate()
	if err != nil {
		log.Fatal(err)
	}
	if *verbose {
		for _, st := range stats {
			log.Print(st)
		}
	}
	if err := os.WriteFile(filepath.Join(*out, "step_arm64.s"), s, 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "step_arm64.go"), decl, 0o644); err != nil {
		log.Fatal(err)
	}
}
