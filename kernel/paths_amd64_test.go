//go:build !purego

package kernel

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// needs is what each path needs, in x/sys/cpu's GODEBUG names: the
// predicates of dispatch_amd64.go, which TestPathsGODEBUG checks, and the
// "// Requires:" lines of step_amd64.s, which TestPathsRequires checks.
var needs = map[string][]string{
	"avx512": {"avx", "avx512f", "bmi2"},
	"avx2":   {"avx", "avx2", "bmi2", "fma"},
}

// TestPathsRequires checks that the features each path's dispatch
// predicate tests are exactly the union of the "// Requires:" lines of its
// generated functions.
func TestPathsRequires(t *testing.T) {
	src, err := os.ReadFile("step_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	var requires []string
	for _, line := range strings.Split(string(src), "\n") {
		if r, ok := strings.CutPrefix(line, "// Requires: "); ok {
			requires = strings.Split(r, ", ")
			continue
		}
		name, ok := strings.CutPrefix(line, "TEXT ·")
		if !ok {
			continue
		}
		path := "avx2"
		if strings.Contains(name, "AVX512") {
			path = "avx512"
		}
		for _, f := range requires {
			f = strings.ToLower(strings.TrimSuffix(f, "3")) // FMA3 is x/sys/cpu's fma
			if !slices.Contains(got[path], f) {
				got[path] = append(got[path], f)
			}
		}
		requires = nil
	}
	for path, want := range needs {
		slices.Sort(got[path])
		if !slices.Equal(got[path], want) {
			t.Errorf("%s: the generated code requires %v, dispatch checks %v", path, got[path], want)
		}
	}
}

// TestPathsGODEBUG turns CPU features off one at a time with GODEBUG (which
// x/sys/cpu honours) in a child run of this test binary, and checks that
// dispatch drops exactly the paths that need the feature, that ISA picks
// the best remaining one, and that the remaining paths still agree with
// generic.
func TestPathsGODEBUG(t *testing.T) {
	if os.Getenv("ADQUAIF_DISPATCH_CHILD") != "" {
		t.Skip("in the child run")
	}
	if os.Getenv("ADQUAIF_EMULATED") != "" && os.Getenv("ADQUAIF_EXEC") == "" {
		// Under qemu-user the child process would run natively, on a
		// CPU other than the emulated one, unless ADQUAIF_EXEC names the
		// emulator.
		t.Skip("ADQUAIF_EMULATED without ADQUAIF_EXEC: a child process would escape the emulator")
	}
	for _, off := range []string{"avx512f", "avx2", "fma", "bmi2", "avx", "avx512bw", "avx512vl", "avx512dq", "all"} {
		var want []string
		for _, p := range Available() {
			if p == "generic" || (off != "all" && !slices.Contains(needs[p], off)) {
				want = append(want, p)
			}
		}
		cmd := testCommand(t, "-test.run=^TestPathsGODEBUGChild$", "-test.v", "-test.count=1")
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
