package step

import (
	"fmt"
	"strings"
)

// String prints the program one op per line, for reading and for debugging
// lowerings.
func (p *Program) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s (%s, %d regs)\nsetup:\n", p.Name, p.DType, len(p.Regs))
	p.printOps(&sb, p.Setup, 1)
	sb.WriteString("body:\n")
	p.printOps(&sb, p.Ops, 1)
	return sb.String()
}

func (p *Program) printOps(sb *strings.Builder, ops []Op, depth int) {
	ind := strings.Repeat("  ", depth)
	for i := range ops {
		sb.WriteString(ind)
		sb.WriteString(p.OpString(&ops[i]))
		sb.WriteString("\n")
		p.printOps(sb, ops[i].Body, depth+1)
	}
}

// OpString prints one op (not its body), its registers with their builder
// names: "r12:vr = Select r9 r11:x r0", "Store V r3". Lowerings print it as
// the comment of the op's code.
func (p *Program) OpString(o *Op) string {
	var sb strings.Builder
	if o.Defines() {
		sb.WriteString(p.RegString(o.Dst) + " = ")
	}
	info := o.Kind.Info()
	sb.WriteString(info.Name)
	if info.Stream != NoStream {
		fmt.Fprintf(&sb, " %s", p.Streams[o.Stream].Name)
	}
	if info.Param {
		fmt.Fprintf(&sb, " %s", p.Consts[o.Param].Name)
	}
	switch info.Imm {
	case Pattern:
		fmt.Fprintf(&sb, " %#x", o.Imm)
	case Count:
		fmt.Fprintf(&sb, " %d", o.Imm)
	}
	for _, r := range o.Inputs() {
		sb.WriteString(" " + p.RegString(r))
	}
	return sb.String()
}

// RegName is the builder's name of register r, "" if it gave none.
func (p *Program) RegName(r Reg) string {
	if int(r) < len(p.Names) {
		return p.Names[r]
	}
	return ""
}

// RegString is r's number, and its name if it has one: "r12" or "r12:vr".
func (p *Program) RegString(r Reg) string {
	if n := p.RegName(r); n != "" {
		return fmt.Sprintf("r%d:%s", r, n)
	}
	return fmt.Sprintf("r%d", r)
}

// Count is the number of ops of one step on the path where no block runs,
// and the number inside blocks: the instruction count per vector of lanes.
// The Loop's ops count as the main path.
func (p *Program) Count() (main, blocks int) {
	for _, o := range p.Ops {
		if o.Kind == OpLoop {
			m, b := (&Program{Ops: o.Body}).Count()
			main, blocks = main+m, blocks+b
			continue
		}
		if o.Kind.Info().Block {
			Walk(o.Body, func(*Op) { blocks++ })
			continue
		}
		main++
	}
	return
}
