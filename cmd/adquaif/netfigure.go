package main

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// The colours of the excitatory and the inhibitory neurons in every panel.
var (
	excColor = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	inhColor = color.RGBA{R: 214, G: 39, B: 40, A: 255}
)

const netFigHeight = 10 * vg.Inch

// writeNetFigure draws a network run as six panels: the raster and the
// population rate, the traced neurons' V and conductances, and the
// histograms of the neurons' rates and of the interspike intervals.
func writeNetFigure(r *netResult, w io.Writer, format string) error {
	var c vg.CanvasWriterTo
	switch format {
	case "svg":
		c = vgsvg.New(figWidth, netFigHeight)
	case "png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(figWidth, netFigHeight), vgimg.UseDPI(figDPI))}
	default:
		return fmt.Errorf("unknown format %q", format)
	}
	dc := draw.New(c)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	title := text.Style{
		Color: color.Black, Font: font.From(plot.DefaultFont, 15), Handler: plot.DefaultTextHandler,
		XAlign: draw.XCenter, YAlign: draw.YCenter,
	}
	cv, _ := r.isiCV()
	dc.FillText(title, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Max.Y - titleH/2}, fmt.Sprintf(
		"COBA network of %d AdQuaIFRef neurons: %s ms at dt = %v ms, delay %s ms, %s; ISI CV %s",
		r.n, num(r.durationMs()), netDT, r.o.delay.text, r.o.dtype, num(round3(cv))))

	plots := [][]*plot.Plot{
		{netRasterPlot(r), netTracePlot(r, false)},
		{netRatePlot(r), netTracePlot(r, true)},
		{netRateHistPlot(r), netISIPlot(r)},
	}
	tiles := draw.Tiles{Rows: 3, Cols: 2, PadX: vg.Inch / 3, PadY: vg.Inch / 4, PadTop: vg.Inch / 10, PadBottom: vg.Inch / 10, PadLeft: vg.Inch / 10, PadRight: vg.Inch / 5}
	canvases := plot.Align(plots, tiles, draw.Crop(dc, 0, 0, 0, -titleH))
	for i, row := range plots {
		for j, p := range row {
			p.Draw(canvases[i][j])
		}
	}
	_, err := c.WriteTo(w)
	return err
}

// addLine adds a line of pts to p, with a legend entry if label is not
// empty; a line of NaN or Inf is left out.
func addLine(p *plot.Plot, pts plotter.XYs, c color.Color, dashed bool, label string) {
	l, err := plotter.NewLine(pts)
	if err != nil {
		return
	}
	l.Color = c
	l.Width = vg.Points(1)
	if dashed {
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
	}
	p.Add(l)
	if label != "" {
		p.Legend.Add(label, l)
	}
}

func netRasterPlot(r *netResult) *plot.Plot {
	rowsE := min(rasterExc, r.nE)
	rowsI := min(rasterInh, r.n-r.nE)
	p := newPlot(fmt.Sprintf("Spike raster: %d excitatory, %d inhibitory neurons", rowsE, rowsI), "time (ms)", "neuron")
	p.X.Min, p.X.Max = 0, r.durationMs()
	p.Y.Min, p.Y.Max = -1, float64(rowsE+rowsI)
	var exc, inh plotter.XYs
	for _, s := range r.raster {
		pt := plotter.XY{X: float64(s.step) * netDT, Y: float64(s.row)}
		if s.row < rowsE {
			exc = append(exc, pt)
		} else {
			inh = append(inh, pt)
		}
	}
	for _, set := range []struct {
		pts plotter.XYs
		c   color.Color
	}{{exc, excColor}, {inh, inhColor}} {
		if len(set.pts) == 0 {
			continue
		}
		if sc, err := plotter.NewScatter(set.pts); err == nil {
			sc.GlyphStyle = draw.GlyphStyle{Color: set.c, Radius: vg.Points(0.8), Shape: draw.CircleGlyph{}}
			p.Add(sc)
		}
	}
	return p
}

func netRatePlot(r *netResult) *plot.Plot {
	binMs := netBinSteps * netDT
	p := newPlot(fmt.Sprintf("Population rate, %v ms bins", binMs), "time (ms)", "rate (Hz)")
	pts := make(plotter.XYs, len(r.rateBins))
	for b, c := range r.rateBins {
		pts[b] = plotter.XY{X: (float64(b) + 0.5) * binMs, Y: float64(c) / float64(r.n) / binMs * 1000}
	}
	addLine(p, pts, color.Black, false, "")
	p.X.Min, p.X.Max = 0, r.durationMs()
	p.Y.Min = 0
	return p
}

// netTracePlot draws the traced neurons' V, or their conductances.
func netTracePlot(r *netResult, conductance bool) *plot.Plot {
	title, unit := "Membrane potential V(t)", "V (mV)"
	if conductance {
		title, unit = "Synaptic conductances (solid g_e, dashed g_i)", "g (S)"
	}
	p := newPlot(title, "time (ms)", unit)
	p.Legend.Top = true
	p.Legend.Left = true
	for k, tr := range r.traces {
		c, kind := excColor, "excitatory"
		if k == 1 {
			c, kind = inhColor, "inhibitory"
		}
		at := func(s int) float64 { return float64(r.traceStart+s) * netDT }
		series := [][]float64{tr.v}
		if conductance {
			series = [][]float64{tr.ge, tr.gi}
		}
		for m, ys := range series {
			pts := make(plotter.XYs, len(ys))
			for s, y := range ys {
				pts[s] = plotter.XY{X: at(s), Y: y}
			}
			label := ""
			if m == 0 {
				label = fmt.Sprintf("neuron %d (%s)", tr.neuron, kind)
			}
			addLine(p, pts, c, m == 1, label)
		}
	}
	if len(r.traces[0].v) > 0 {
		p.X.Min, p.X.Max = float64(r.traceStart)*netDT, r.durationMs()
	}
	p.Y.Max += 0.25 * (p.Y.Max - p.Y.Min)
	return p
}

// netRateHistPlot draws the distribution of the neurons' firing rates,
// the excitatory and the inhibitory apart, as fractions of each.
func netRateHistPlot(r *netResult) *plot.Plot {
	p := newPlot("Firing rates of the neurons", "rate (Hz)", "fraction of neurons")
	p.Legend.Top = true
	sec := r.durationMs() / 1000
	most := 0.0
	for _, c := range r.counts {
		most = max(most, float64(c)/sec)
	}
	width := niceStep(most / 30)
	bins := int(most/width) + 1
	for k, span := range [2][2]int{{0, r.nE}, {r.nE, r.n}} {
		counts := make([]float64, bins)
		for _, c := range r.counts[span[0]:span[1]] {
			counts[int(float64(c)/sec/width)]++
		}
		var pts plotter.XYs
		for b, c := range counts {
			y := c / float64(span[1]-span[0])
			pts = append(pts, plotter.XY{X: float64(b) * width, Y: y}, plotter.XY{X: float64(b+1) * width, Y: y})
		}
		c, label := excColor, "excitatory"
		if k == 1 {
			c, label = inhColor, "inhibitory"
		}
		addLine(p, pts, c, false, label)
	}
	p.Y.Min = 0
	p.Y.Max *= 1.15
	return p
}

func netISIPlot(r *netResult) *plot.Plot {
	var total int64
	for _, c := range r.isiHist {
		total += c
	}
	p := newPlot(fmt.Sprintf("Interspike intervals, all neurons (%d, %d longer than %v ms)", total+r.isiLong, r.isiLong, isiBins*isiBinMs),
		"interval (ms)", "fraction of intervals")
	h := &plotter.Histogram{FillColor: color.Gray{Y: 160}, LineStyle: draw.LineStyle{Color: color.Gray{Y: 60}, Width: vg.Points(0.5)}, Width: isiBinMs}
	for b, c := range r.isiHist {
		h.Bins = append(h.Bins, plotter.HistogramBin{Min: float64(b) * isiBinMs, Max: float64(b+1) * isiBinMs, Weight: float64(c) / math.Max(1, float64(total+r.isiLong))})
	}
	p.Add(h)
	p.X.Min, p.X.Max = 0, isiBins*isiBinMs
	p.Y.Min = 0
	return p
}
