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
	printOps(&sb, p.Setup, 1)
	sb.WriteString("body:\n")
	printOps(&sb, p.Ops, 1)
	return sb.String()
}

func printOps(sb *strings.Builder, ops []Op, depth int) {
	ind := strings.Repeat("  ", depth)
	for _, o := range ops {
		sb.WriteString(ind)
		if o.Defines() {
			fmt.Fprintf(sb, "r%d = ", o.Dst)
		}
		sb.WriteString(o.Kind.String())
		switch o.Kind {
		case OpLoad, OpStore, OpStoreOne, OpStoreBool, OpStoreBits, OpIf:
			fmt.Fprintf(sb, " %s", o.Stream)
		case OpParam:
			fmt.Fprintf(sb, " %s", o.Param)
		case OpImm:
			fmt.Fprintf(sb, " %#x", o.Imm)
		case OpShl:
			fmt.Fprintf(sb, " %d", o.Imm)
		}
		for _, r := range o.Inputs() {
			fmt.Fprintf(sb, " r%d", r)
		}
		sb.WriteString("\n")
		if o.Body != nil {
			printOps(sb, o.Body, depth+1)
		}
	}
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
		if o.Body != nil {
			Walk(o.Body, func(*Op) { blocks++ })
			continue
		}
		main++
	}
	return
}
