package main

import (
	"strings"
	"testing"
)

// Encodings from the Arm Architecture Reference Manual, as objdump prints
// them; objdump_test.go checks every word of the generated file as well.
func TestEncodeKnown(t *testing.T) {
	for _, tc := range []struct {
		name, arr string
		d, n, m   int
		want      uint32
		text      string
	}{
		{"fadd", "4s", 0, 1, 2, 0x4e22d420, "fadd v0.4s, v1.4s, v2.4s"},
		{"fadd", "2d", 3, 4, 5, 0x4e65d483, "fadd v3.2d, v4.2d, v5.2d"},
		{"fsub", "4s", 0, 1, 2, 0x4ea2d420, "fsub v0.4s, v1.4s, v2.4s"},
		{"fmul", "4s", 0, 1, 2, 0x6e22dc20, "fmul v0.4s, v1.4s, v2.4s"},
		{"fdiv", "2d", 0, 1, 2, 0x6e62fc20, "fdiv v0.2d, v1.2d, v2.2d"},
		{"fcmge", "4s", 31, 30, 29, 0x6e3de7df, "fcmge v31.4s, v30.4s, v29.4s"},
		{"fcmgt", "2d", 0, 1, 2, 0x6ee2e420, "fcmgt v0.2d, v1.2d, v2.2d"},
		{"fabs", "4s", 0, 1, 0, 0x4ea0f820, "fabs v0.4s, v1.4s"},
		{"fabs", "2d", 0, 1, 0, 0x4ee0f820, "fabs v0.2d, v1.2d"},
		{"xtn", "8h", 0, 1, 0, 0x0e212820, "xtn v0.8b, v1.8h"},
		{"xtn", "4s", 0, 1, 0, 0x0e612820, "xtn v0.4h, v1.4s"},
		{"xtn", "2d", 0, 1, 0, 0x0ea12820, "xtn v0.2s, v1.2d"},
		{"xtn2", "4s", 0, 1, 0, 0x4e612820, "xtn2 v0.8h, v1.4s"},
		{"xtn2", "2d", 2, 3, 0, 0x4ea12862, "xtn2 v2.4s, v3.2d"},
		{"umaxv", "4s", 0, 1, 0, 0x6eb0a820, "umaxv s0, v1.4s"},
	} {
		w := encode(tc.name, tc.arr, tc.d, tc.n, tc.m)
		if w.bits != tc.want || w.text != tc.text {
			t.Errorf("encode(%s, %s, %d, %d, %d) = %#08x %q, want %#08x %q", tc.name, tc.arr, tc.d, tc.n, tc.m, w.bits, w.text, tc.want, tc.text)
		}
	}
}

// TestEncodeFields checks, for every format of the table, that each
// register lands in its own field and leaves the opcode bits alone.
func TestEncodeFields(t *testing.T) {
	arrs := map[form][]string{vec3: {"4s", "2d"}, vec2: {"4s", "2d"}, narrow: {"8h", "4s", "2d"}, narrow2: {"8h", "4s", "2d"}, across: {"4s"}}
	for name, f := range formats {
		fields := uint32(31<<5 | 31)
		if f.form == vec3 {
			fields |= 31 << 16
		}
		if f.base&fields != 0 {
			t.Errorf("%s: base %#08x has register bits set", name, f.base)
		}
		for _, arr := range arrs[f.form] {
			base := encode(name, arr, 0, 0, 0).bits
			for r := 0; r < 32; r++ {
				if got := encode(name, arr, r, 0, 0).bits; got != base|uint32(r) {
					t.Errorf("%s %s: Rd=%d gives %#08x", name, arr, r, got)
				}
				if got := encode(name, arr, 0, r, 0).bits; got != base|uint32(r)<<5 {
					t.Errorf("%s %s: Rn=%d gives %#08x", name, arr, r, got)
				}
				wantM := base
				if f.form == vec3 {
					wantM |= uint32(r) << 16
				}
				if got := encode(name, arr, 0, 0, r).bits; got != wantM {
					t.Errorf("%s %s: Rm=%d gives %#08x", name, arr, r, got)
				}
			}
		}
	}
}

func TestEncodeRejects(t *testing.T) {
	for _, tc := range []struct {
		name, arr string
		d         int
	}{
		{"fadd", "8h", 0}, {"xtn", "16b", 0}, {"umaxv", "2d", 0}, {"fadd", "4s", 32}, {"frecpe", "4s", 0},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("encode(%s, %s, %d) did not panic", tc.name, tc.arr, tc.d)
				}
			}()
			encode(tc.name, tc.arr, tc.d, 0, 0)
		}()
	}
}

func TestWordString(t *testing.T) {
	got := encode("fadd", "4s", 0, 1, 2).String()
	if want := "WORD $0x4e22d420 // fadd v0.4s, v1.4s, v2.4s"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
	if strings.Contains(got, "\t") {
		t.Fatal("tab in a WORD line")
	}
}
