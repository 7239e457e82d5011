package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestObjdump builds package kernel's arm64 test binary, disassembles it
// with binutils and checks that every WORD of kernel/step_arm64.s decodes
// to the instruction its comment names: the encoder checked against an
// independent decoder, not against itself.
func TestObjdump(t *testing.T) {
	objdump, err := exec.LookPath("aarch64-linux-gnu-objdump")
	if err != nil {
		t.Skip("aarch64-linux-gnu-objdump not found (Debian: apt-get install binutils-aarch64-linux-gnu); the WORD encodings are not checked")
	}
	words := parseWords(t, filepath.Join(kernelDir, "step_arm64.s"))

	bin := filepath.Join(t.TempDir(), "kernel.test")
	build := exec.Command("go", "test", "-c", "-o", bin, ".")
	build.Dir = kernelDir
	build.Env = append(os.Environ(), "GOARCH=arm64", "GOOS=linux", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("GOARCH=arm64 go test -c: %v\n%s", err, out)
	}
	out, err := exec.Command(objdump, "-d", bin).Output()
	if err != nil {
		t.Fatalf("objdump: %v", err)
	}
	dis := parseObjdump(string(out))

	checked := map[string]bool{}
	for fn, ws := range words {
		// The assembly body is the ABI0 symbol; the plain name is the
		// compiler's ABIInternal wrapper that calls it.
		insns, ok := dis["github.com/adquaif/adquaif/kernel."+fn+".abi0"]
		if !ok {
			t.Errorf("%s: not in the binary", fn)
			continue
		}
		// The function's instructions in order; each WORD must appear, in
		// the order of the source, as the instruction its comment names.
		k := 0
		for _, in := range insns {
			if k < len(ws) && in.bits == ws[k].bits {
				if in.text != ws[k].text {
					t.Errorf("%s: %#08x disassembles as %q, the generator meant %q", fn, in.bits, in.text, ws[k].text)
				}
				checked[strings.Fields(ws[k].text)[0]] = true
				k++
			}
		}
		if k != len(ws) {
			t.Errorf("%s: found %d of %d WORDs in the disassembly; the first missing is %#08x // %s", fn, k, len(ws), ws[k].bits, ws[k].text)
		}
	}
	for name := range formats {
		if !checked[name] {
			t.Errorf("format %s is never used in step_arm64.s, so objdump did not check it", name)
		}
	}

	// The step loop's addressing forms that Go's assembler does encode:
	// each must appear, in source order, as the instruction meant.
	forms := parseForms(t, filepath.Join(kernelDir, "step_arm64.s"))
	seen := map[string]bool{}
	for fn, want := range forms {
		k := 0
		for _, in := range dis["github.com/adquaif/adquaif/kernel."+fn+".abi0"] {
			if k < len(want) && in.text == want[k] {
				seen[strings.Fields(want[k])[0]+" "+formKind(want[k])] = true
				k++
			}
		}
		if k != len(want) {
			t.Errorf("%s: found %d of %d step loop forms in the disassembly; the first missing is %q", fn, k, len(want), want[k])
		}
	}
	for _, f := range []string{"ld1r post-immediate", "ld1r plain", "ld1 post-register", "st1 post-register", "add lsr"} {
		if !seen[f] {
			t.Errorf("no %s in step_arm64.s was checked against objdump", f)
		}
	}
}

// Go mnemonics of the step loop and the objdump syntax they must become.
var (
	ld1rPostRE = regexp.MustCompile(`^\s*VLD1R\.P (\d+)\(R(\d+)\), \[V(\d+)\.(S4|D2)\]`)
	ld1rRE     = regexp.MustCompile(`^\s*VLD1R \(R(\d+)\), \[V(\d+)\.(S4|D2)\]`)
	ld1RegRE   = regexp.MustCompile(`^\s*VLD1\.P \(R(\d+)\)\(R(\d+)\), \[V(\d+)\.(S4|D2)\]`)
	st1RegRE   = regexp.MustCompile(`^\s*VST1\.P \[V(\d+)\.(S4|D2)\], \(R(\d+)\)\(R(\d+)\)`)
	addShiftRE = regexp.MustCompile(`^\s*ADD R(\d+)(<<|>>)(\d+), R(\d+), R(\d+)`)
)

var arrangement = map[string]string{"S4": "4s", "D2": "2d"}

// parseForms returns, per TEXT symbol, the objdump text of each step loop
// addressing form in the assembly file.
func parseForms(t *testing.T, path string) map[string][]string {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	forms := map[string][]string{}
	fn := ""
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "TEXT ·"); ok {
			fn, _, _ = strings.Cut(rest, "(")
			continue
		}
		var want string
		if m := ld1rPostRE.FindStringSubmatch(line); m != nil {
			want = fmt.Sprintf("ld1r {v%s.%s}, [x%s], #%s", m[3], arrangement[m[4]], m[2], m[1])
		} else if m := ld1rRE.FindStringSubmatch(line); m != nil {
			want = fmt.Sprintf("ld1r {v%s.%s}, [x%s]", m[2], arrangement[m[3]], m[1])
		} else if m := ld1RegRE.FindStringSubmatch(line); m != nil {
			want = fmt.Sprintf("ld1 {v%s.%s}, [x%s], x%s", m[3], arrangement[m[4]], m[1], m[2])
		} else if m := st1RegRE.FindStringSubmatch(line); m != nil {
			want = fmt.Sprintf("st1 {v%s.%s}, [x%s], x%s", m[1], arrangement[m[2]], m[3], m[4])
		} else if m := addShiftRE.FindStringSubmatch(line); m != nil {
			want = fmt.Sprintf("add x%s, x%s, x%s, %s #%s", m[5], m[4], m[1], map[string]string{"<<": "lsl", ">>": "lsr"}[m[2]], m[3])
		} else {
			continue
		}
		forms[fn] = append(forms[fn], want)
	}
	return forms
}

// formKind names the addressing of a form's objdump text, for the check
// that every form was seen.
func formKind(text string) string {
	switch {
	case strings.Contains(text, "lsr"):
		return "lsr"
	case strings.Contains(text, "lsl"):
		return "lsl"
	case strings.Contains(text, "], #"):
		return "post-immediate"
	case strings.Contains(text, "], x"):
		return "post-register"
	}
	return "plain"
}

var wordRE = regexp.MustCompile(`^\s*WORD \$0x([0-9a-f]{8}) // (.*)$`)

// parseWords returns the WORDs of each TEXT symbol of an assembly file.
func parseWords(t *testing.T, path string) map[string][]word {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	words := map[string][]word{}
	fn := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "TEXT ·"); ok {
			fn, _, _ = strings.Cut(rest, "(")
			continue
		}
		if strings.Contains(line, "WORD") {
			m := wordRE.FindStringSubmatch(line)
			if m == nil || fn == "" {
				t.Fatalf("%s: malformed WORD line %q", path, line)
			}
			bits, _ := strconv.ParseUint(m[1], 16, 32)
			words[fn] = append(words[fn], word{uint32(bits), m[2]})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(words) == 0 {
		t.Fatalf("%s: no WORDs", path)
	}
	return words
}

var (
	symRE  = regexp.MustCompile(`^[0-9a-f]+ <(.*)>:$`)
	insnRE = regexp.MustCompile(`^\s*[0-9a-f]+:\s+([0-9a-f]{8})\s+(\S+)\s*(.*)$`)
)

// parseObjdump returns each symbol's instructions from objdump -d output,
// with the text normalized to "mnemonic operands".
func parseObjdump(out string) map[string][]word {
	dis := map[string][]word{}
	sym := ""
	for _, line := range strings.Split(out, "\n") {
		if m := symRE.FindStringSubmatch(line); m != nil {
			sym = m[1]
			continue
		}
		if m := insnRE.FindStringSubmatch(line); m != nil && sym != "" {
			bits, _ := strconv.ParseUint(m[1], 16, 32)
			ops := m[3]
			if i := strings.Index(ops, "//"); i >= 0 {
				ops = ops[:i]
			}
			text := strings.TrimSpace(m[2] + " " + strings.Join(strings.Fields(ops), " "))
			dis[sym] = append(dis[sym], word{uint32(bits), text})
		}
	}
	return dis
}
