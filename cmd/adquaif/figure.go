package main

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// The figure's size: four panels that stay readable when a README shows
// the PNG scaled to a page's width.
const (
	figWidth  = 12 * vg.Inch
	figHeight = 8 * vg.Inch
	figDPI    = 100
	titleH    = 0.45 * vg.Inch
)

// writeFigure draws V(t) and w(t) of a few neurons, a spike raster and the
// f-I curve to w, as "svg" or "png".
func writeFigure(r *result, w io.Writer, format string) error {
	var c vg.CanvasWriterTo
	switch format {
	case "svg":
		c = vgsvg.New(figWidth, figHeight)
	case "png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(figWidth, figHeight), vgimg.UseDPI(figDPI))}
	default:
		return fmt.Errorf("unknown format %q", format)
	}
	drawFigure(r, draw.New(c))
	_, err := c.WriteTo(w)
	return err
}

func drawFigure(r *result, dc draw.Canvas) {
	// A white background: an SVG has none, and a transparent PNG is
	// unreadable on a dark page.
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())

	title := text.Style{
		Color: color.Black, Font: font.From(plot.DefaultFont, 15), Handler: plot.DefaultTextHandler,
		XAlign: draw.XCenter, YAlign: draw.YCenter,
	}
	model := "AdQuaIFRef"
	if len(r.changed) == 0 {
		model += " with BrainPy's defaults"
	}
	// No execution path in the title: every path draws the same figure,
	// bit for bit.
	dc.FillText(title, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Max.Y - titleH/2}, fmt.Sprintf(
		"%s: %d neurons, %s ms at dt = %s ms, %s, %s reset", model, r.m, num(r.durationMs()), num(r.dt), r.dtype, r.reset))

	plots := [][]*plot.Plot{{tracePlot(r, false), tracePlot(r, true)}, {rasterPlot(r), fiPlot(r)}}
	tiles := draw.Tiles{Rows: 2, Cols: 2, PadX: vg.Inch / 3, PadY: vg.Inch / 4, PadTop: vg.Inch / 10, PadBottom: vg.Inch / 10, PadLeft: vg.Inch / 10, PadRight: vg.Inch / 5}
	body := draw.Crop(dc, 0, 0, 0, -titleH)
	canvases := plot.Align(plots, tiles, body)
	for i, row := range plots {
		for j, p := range row {
			p.Draw(canvases[i][j])
		}
	}
}

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = 13
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.X.Label.TextStyle.Font.Size = 12
	p.Y.Label.TextStyle.Font.Size = 12
	p.Add(plotter.NewGrid())
	p.Y.Tick.Marker = niceTicks{}
	return p
}

// niceTicks labels an axis at multiples of 1, 2 or 5 times a power of ten
// with short labels: gonum's default picks ticks such as 0.00 and 25.00 for
// the ranges that the legends' headroom makes.
type niceTicks struct{}

func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	step := niceStep((hi - lo) / 5)
	var ticks []plot.Tick
	for x := math.Ceil(lo/step) * step; x <= hi; x += step {
		// + 0 turns a -0 (the tick at zero of an axis from below it) into 0.
		ticks = append(ticks, plot.Tick{Value: x, Label: num(math.Round(x/step)*step + 0)})
	}
	return ticks
}

// tracePlot draws V(t) (or w(t)) of the traced neurons over the traced time.
func tracePlot(r *result, adaptation bool) *plot.Plot {
	ms := num(float64(r.traceStep) * r.dt)
	p := newPlot("Membrane potential V(t), first "+ms+" ms", "time (ms)", "V (mV)")
	if adaptation {
		p = newPlot("Adaptation current w(t), first "+ms+" ms", "time (ms)", "w (mA)")
	}
	p.Legend.Top = true
	p.Legend.Left = true
	for k, tr := range r.traces {
		ys := tr.v
		if adaptation {
			ys = tr.w
		}
		pts := make(plotter.XYs, len(ys))
		for s, y := range ys {
			pts[s] = plotter.XY{X: float64(s) * r.dt, Y: y}
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			continue // a trace of NaN or Inf: nothing to draw
		}
		l.Color = plotutil.Color(k)
		l.Width = vg.Points(1.2)
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("I = %.3g mA", tr.input), l)
	}
	// Headroom above the traces for the legend, which gonum draws without
	// a background.
	p.Y.Max += 0.3 * (p.Y.Max - p.Y.Min)
	if !adaptation && r.traceStep > 0 {
		th, err := plotter.NewLine(plotter.XYs{{X: 0, Y: r.params.VTh}, {X: float64(r.traceStep) * r.dt, Y: r.params.VTh}})
		if err == nil {
			th.Color = color.Gray{Y: 100}
			th.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(th)
			p.Legend.Add("V_th", th)
		}
	}
	return p
}

// rasterPlot draws a dot per spike of rasterRows neurons.
func rasterPlot(r *result) *plot.Plot {
	stride := (r.m + rasterRows - 1) / rasterRows
	title := fmt.Sprintf("Spike raster, every %s neuron", ordinal(stride))
	if stride == 1 {
		title = "Spike raster, every neuron"
	}
	p := newPlot(title, "time (ms)", r.rasterBy)
	p.X.Min, p.X.Max = 0, r.durationMs()
	// The whole input range, silent neurons included, so that the raster
	// lines up with the f-I curve's x axis.
	if r.rasterBy == "neuron" {
		p.Y.Min, p.Y.Max = 0, float64(r.m-1)
	} else {
		p.Y.Min, p.Y.Max = r.lo, r.hi
	}
	if len(r.raster) > 0 {
		pts := make(plotter.XYs, len(r.raster))
		for i, s := range r.raster {
			pts[i] = plotter.XY{X: s.t, Y: s.y}
		}
		sc, err := plotter.NewScatter(pts)
		if err == nil {
			sc.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(0.9), Shape: draw.CircleGlyph{}}
			p.Add(sc)
		}
	}
	return p
}

// fiPlot draws each neuron's firing rate against its input current, with
// the traced neurons marked in their traces' colours.
func fiPlot(r *result) *plot.Plot {
	p := newPlot("f-I curve: firing rate vs input current", "input current (mA)", "firing rate (Hz)")
	p.Legend.Top = true
	p.Legend.Left = true
	stride := (r.m + fICurveMax - 1) / fICurveMax
	var pts plotter.XYs
	for i := 0; i < r.m; i += stride {
		pts = append(pts, plotter.XY{X: r.input(i), Y: r.rate(i)})
	}
	if r.m > 1 && (r.m-1)%stride != 0 {
		pts = append(pts, plotter.XY{X: r.input(r.m - 1), Y: r.rate(r.m - 1)})
	}
	if r.lo != r.hi {
		if l, err := plotter.NewLine(pts); err == nil {
			l.Width = vg.Points(1.5)
			p.Add(l)
			p.Legend.Add(fmt.Sprintf("%d neurons over %s ms", r.m, num(r.durationMs())), l)
		}
	} else if sc, err := plotter.NewScatter(pts[:1]); err == nil {
		p.Add(sc)
		p.Legend.Add(fmt.Sprintf("every neuron (%s ms)", num(r.durationMs())), sc)
	}
	for k, tr := range r.traces {
		sc, err := plotter.NewScatter(plotter.XYs{{X: tr.input, Y: r.rate(tr.neuron)}})
		if err != nil {
			continue
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: plotutil.Color(k), Radius: vg.Points(4), Shape: draw.CircleGlyph{}}
		p.Add(sc)
	}
	// Headroom for the legend and the markers.
	p.Y.Min, p.Y.Max = 0, 1.15*p.Y.Max
	return p
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return fmt.Sprint(n) + suffix
}
