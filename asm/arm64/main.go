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
