//go:build !purego

package kernel

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestPathsGODEBUG turns CPU features off one at a time with GODEBUG (which
// x/sys/cpu honours) in a child run of this test binary, and checks that
// dispatch drops exactly the paths that need the feature, that ISA picks
// the best remaining one, and that the remaining paths still agree with
// generic.
func TestPathsGODEBUG(t *testing.T) {
	if os.Getenv("ADQUAIF_DISPATCH_CHILD") != "" {
		t.Skip("in the child run")
	}
	if os.Getenv("ADQUAIF_EMULATED") != "" {
		// Under qemu-user the child process would run natively, on a
		// CPU other than the emulated one.
		t.Skip("ADQUAIF_EMULATED: a child process would escape the emulator")
	}
	// What each path needs: its predicate in dispatch_amd64.go.
	needs := map[string][]string{
		"avx512": {"avx", "avx512f", "bmi2"},
		"avx2":   {"avx", "avx2", "fma", "bmi2"},
	}
	for _, off := range []string{"avx512f", "avx2", "fma", "bmi2", "avx", "avx512bw", "avx512vl", "avx512dq", "all"} {
		var want []string
		for _, p := range Available() {
			if p == "generic" || (off != "all" && !slices.Contains(needs[p], off)) {
				want = append(want, p)
			}
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestPathsGODEBUGChild$", "-test.v", "-test.count=1")
		cmd.Env = append(withoutISA(os.Environ()), "GODEBUG=cpu."+off+"=off", "ADQUAIF_DISPATCH_CHILD=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("GODEBUG=cpu.%s=off: %v\n%s", off, err, out)
		}
		line := "dispatch: ISA=" + want[0] + " Available=" + strings.Join(want, ",")
		if !strings.Contains(string(out), line+"\n") {
			t.Errorf("GODEBUG=cpu.%s=off: want %q in the child's output:\n%s", off, line, out)
		}
	}
}

func withoutISA(env []string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(s string) bool { return strings.HasPrefix(s, "ADQUAIF_ISA=") })
}

// TestPathsGODEBUGChild is the child run of TestPathsGODEBUG.
func TestPathsGODEBUGChild(t *testing.T) {
	if os.Getenv("ADQUAIF_DISPATCH_CHILD") == "" {
		t.Skip("run by TestPathsGODEBUG")
	}
	t.Logf("dispatch: ISA=%s Available=%s", ISA(), strings.Join(Available(), ","))
	defer SetISA(ISA())
	for n := 0; n <= 70; n++ {
		comparePaths[float32](t, Available(), n, flushEnd)
		comparePaths[float64](t, Available(), n, flushEnd)
	}
}
