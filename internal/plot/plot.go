package plot

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
)

// Series is one line on a figure.
type Series struct {
	Name    string    // legend entry ("" = not in the legend)
	X, Y    []float64 // same length
	Dashed  bool      // dashed line
	Markers bool      // draw a small marker at every point
	NoLine  bool      // markers only (scatter); implies Markers
	// Colour picks the palette entry Colour−1 (mod the palette's size);
	// 0 means the series' own index, so series take colours in order.
	Colour int
}

// colour returns the colour of series i.
func (s Series) colour(i int) color.RGBA {
	if s.Colour > 0 {
		i = s.Colour - 1
	}
	return palette[i%len(palette)]
}

// Figure is a 2-D line plot.
type Figure struct {
	Title, XLabel, YLabel string
	LogX, LogY            bool // log10 axes
	Width, Height         int  // pixels; 0 means 800×500
	Series                []Series
	// XMin, XMax, YMin, YMax: optional fixed ranges; when Min == Max (e.g.
	// both 0) the range is taken from the data, with a small margin.
	XMin, XMax, YMin, YMax float64
	// EqualAspect gives the same data units per pixel on both axes (for
	// trajectories in a plane) by widening one of the ranges, fixed or not,
	// about its centre. On a log axis the units are decades.
	EqualAspect bool
	// Legend is the corner of the plot area the legend sits in: TopRight
	// (the zero value), TopLeft, BottomRight or BottomLeft, or BestCorner,
	// the one of the four where the box hides the fewest points and the
	// least of the lines.
	Legend int
	// IntegerX puts the x axis's ticks at whole numbers only (epochs,
	// counts), when its range holds one. It has no effect with LogX.
	IntegerX bool
}

const (
	defaultWidth, defaultHeight = 800, 500
	minWidth, minHeight         = 200, 150
	maxSide                     = 8192    // largest figure side
	maxPixels                   = 1 << 27 // largest grid or gray-row image
)

// Layout constants, in pixels.
const (
	tickLen      = 5
	minorLen     = 3
	titleBase    = 17 // title baseline from the top
	xTickBase    = 19 // x tick label baseline below the plot area
	xLabelBase   = 36 // x label baseline below the plot area
	legendSample = 24 // length of the line sample in the legend
	legendRow    = 16
)

// layout is a figure's geometry: the plot area spans pixels x0..x1 and
// y0..y1 inclusive, and its frame is drawn on the border pixels.
type layout struct {
	w, h           int
	x0, y0, x1, y1 int
	x, y           axis
	xt, yt         []tick
	legend         int
}

func (l *layout) px(v float64) float64 {
	return clampPx(float64(l.x0) + l.x.frac(v)*float64(l.x1-l.x0))
}

func (l *layout) py(v float64) float64 {
	return clampPx(float64(l.y1) - l.y.frac(v)*float64(l.y1-l.y0))
}

// clampPx keeps far-away points at a distance where arithmetic stays exact
// enough and conversions to int are safe.
func clampPx(p float64) float64 { return math.Max(-1e9, math.Min(1e9, p)) }

func (l *layout) area() image.Rectangle { return image.Rect(l.x0, l.y0, l.x1+1, l.y1+1) }

// Render draws the figure.
func (f *Figure) Render() (*image.RGBA, error) {
	l, err := f.layout()
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, l.w, l.h))
	full := &canvas{img: img, clip: img.Bounds()}
	full.fill(img.Bounds(), white)
	area := l.area()
	inner := &canvas{img: img, clip: area}
	for _, t := range l.xt {
		if x := int(math.Round(l.px(t.v))); !t.minor && x > l.x0 && x < l.x1 {
			inner.fill(image.Rect(x, l.y0+1, x+1, l.y1), gridColor)
		}
	}
	for _, t := range l.yt {
		if y := int(math.Round(l.py(t.v))); !t.minor && y > l.y0 && y < l.y1 {
			inner.fill(image.Rect(l.x0+1, y, l.x1, y+1), gridColor)
		}
	}
	for i, s := range f.Series {
		l.drawSeries(inner, s, s.colour(i))
	}
	full.frame(area, black)
	l.drawTicks(full)
	if f.Title != "" {
		drawText(img, l.centre(f.Title), titleBase, f.Title, black)
	}
	if f.XLabel != "" {
		drawText(img, l.centre(f.XLabel), l.y1+xLabelBase, f.XLabel, black)
	}
	if f.YLabel != "" {
		drawTextUp(img, 6, (l.y0+l.y1)/2-textWidth(f.YLabel)/2, f.YLabel, black)
	}
	l.drawLegend(img, f.Series)
	return img, nil
}

// SavePNG renders the figure and writes it to path as a PNG.
func (f *Figure) SavePNG(path string) error {
	img, err := f.Render()
	if err != nil {
		return err
	}
	return savePNG(path, img)
}

func savePNG(path string, img image.Image) error {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return fmt.Errorf("plot: encode %s: %w", path, err)
	}
	return WriteFileAtomic(path, buf.Bytes())
}

// centre is the x at which s starts when centred over the plot area,
// kept inside the image when it fits.
func (l *layout) centre(s string) int {
	w := textWidth(s)
	x := (l.x0+l.x1)/2 - w/2
	return max(0, min(x, l.w-w))
}

func (f *Figure) size() (w, h int, err error) {
	w, h = f.Width, f.Height
	if w == 0 {
		w = defaultWidth
	}
	if h == 0 {
		h = defaultHeight
	}
	if w < minWidth || h < minHeight {
		return 0, 0, fmt.Errorf("plot: figure size %d×%d is below the minimum %d×%d", w, h, minWidth, minHeight)
	}
	if w > maxSide || h > maxSide {
		return 0, 0, fmt.Errorf("plot: figure size %d×%d is above the maximum %d×%d", w, h, maxSide, maxSide)
	}
	return w, h, nil
}

// layout validates the figure and computes its geometry.
func (f *Figure) layout() (*layout, error) {
	if f == nil {
		return nil, errors.New("plot: nil figure")
	}
	w, h, err := f.size()
	if err != nil {
		return nil, err
	}
	bx, by, err := f.axes()
	if err != nil {
		return nil, err
	}
	l := &layout{w: w, h: h, y0: 14, y1: h - 1 - 27, legend: f.Legend}
	if f.Title != "" {
		l.y0 = 30
	}
	if f.XLabel != "" {
		l.y1 = h - 1 - (xLabelBase + face.Descent + 6)
	}
	// The left and right margins depend on the tick labels, which depend on
	// the ranges, which depend on the margins when EqualAspect is set; grow
	// the margins until the labels fit.
	left, right := 0, 0
	for i := 0; ; i++ {
		l.x0, l.x1 = left, w-1-right
		l.x, l.y = bx, by
		if f.EqualAspect {
			l.x, l.y = equalAspect(bx, by, l.x1-l.x0, l.y1-l.y0)
		}
		l.xt, l.yt = l.x.ticks(), l.y.ticks()
		nl, nr := 6+tickLen+4, 12
		if f.YLabel != "" {
			nl += face.Ascent + face.Descent + 5
		}
		yw := 0
		for _, t := range l.yt {
			yw = max(yw, textWidth(t.label))
		}
		nl += yw
		for _, t := range l.xt {
			if t.label != "" {
				nr = max(12, textWidth(t.label)/2+4)
			}
		}
		if (nl <= left && nr <= right) || i == 4 {
			break
		}
		left, right = max(left, nl), max(right, nr)
	}
	if l.x1-l.x0 < 20 || l.y1-l.y0 < 20 {
		return nil, fmt.Errorf("plot: plot area %d×%d is too small in a %d×%d figure", l.x1-l.x0, l.y1-l.y0, w, h)
	}
	return l, nil
}

// axes validates the series and ranges and returns the axes before any
// EqualAspect adjustment.
func (f *Figure) axes() (x, y axis, err error) {
	if len(f.Series) == 0 {
		return x, y, errors.New("plot: figure has no series")
	}
	x, y = axis{log: f.LogX, integer: f.IntegerX}, axis{log: f.LogY}
	xlo, xhi, ylo, yhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for i, s := range f.Series {
		if len(s.X) != len(s.Y) {
			return x, y, fmt.Errorf("plot: series %d (%q): len(X) = %d but len(Y) = %d", i, s.Name, len(s.X), len(s.Y))
		}
		for j := range s.X {
			if x.valid(s.X[j]) && y.valid(s.Y[j]) {
				xlo, xhi = min(xlo, s.X[j]), max(xhi, s.X[j])
				ylo, yhi = min(ylo, s.Y[j]), max(yhi, s.Y[j])
			}
		}
	}
	if xlo > xhi {
		return x, y, errors.New("plot: no series has a drawable point (all are NaN, ±Inf, or not positive on a log axis)")
	}
	if x.lo, x.hi, err = fitRange("X", f.XMin, f.XMax, xlo, xhi, f.LogX); err != nil {
		return x, y, err
	}
	y.lo, y.hi, err = fitRange("Y", f.YMin, f.YMax, ylo, yhi, f.LogY)
	return x, y, err
}

// fitRange returns the fixed range [fmin, fmax] if it is set, otherwise
// the data range [dlo, dhi] with a 4% margin on each side.
func fitRange(name string, fmin, fmax, dlo, dhi float64, log bool) (lo, hi float64, err error) {
	a := axis{log: log}
	if fmin != fmax {
		switch {
		case !finite(fmin) || !finite(fmax):
			return 0, 0, fmt.Errorf("plot: fixed range %sMin = %g, %sMax = %g is not finite", name, fmin, name, fmax)
		case fmin > fmax:
			return 0, 0, fmt.Errorf("plot: fixed range is inverted: %sMin = %g > %sMax = %g", name, fmin, name, fmax)
		case log && fmin <= 0:
			return 0, 0, fmt.Errorf("plot: Log%s with %sMin = %g: a fixed range on a log axis must be positive", name, name, fmin)
		}
		lo, hi = fmin, fmax
	} else {
		t0, t1 := a.t(dlo), a.t(dhi)
		d := 0.04 * (t1 - t0)
		if d == 0 {
			if d = 0.5; !log {
				if d = 0.1 * math.Abs(t0); d == 0 {
					d = 1
				}
			}
		}
		lo, hi = a.untransform(t0-d), a.untransform(t1+d)
		// On a log axis the margin may leave the floats (data up to
		// 1e300, or down to 1e-300): the range then stops at the largest
		// float, not at +Inf, and at the data, not at 0.
		if log {
			hi = math.Min(hi, math.MaxFloat64)
			if !(lo > 0) {
				lo = dlo
			}
		}
	}
	if s := a.t(hi) - a.t(lo); !(s > 0) || !finite(s) {
		return 0, 0, fmt.Errorf("plot: %s range [%g, %g] cannot be drawn", name, lo, hi)
	}
	return lo, hi, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// equalAspect widens one axis so that both have the same (transformed)
// units per pixel on a pw×ph plot area.
func equalAspect(x, y axis, pw, ph int) (axis, axis) {
	if pw <= 0 || ph <= 0 {
		return x, y
	}
	ux := (x.t(x.hi) - x.t(x.lo)) / float64(pw)
	uy := (y.t(y.hi) - y.t(y.lo)) / float64(ph)
	grow := func(a axis, u float64, n int) axis {
		c, half := (a.t(a.lo)+a.t(a.hi))/2, u*float64(n)/2
		a.lo, a.hi = a.untransform(c-half), a.untransform(c+half)
		return a
	}
	if ux > uy {
		return x, grow(y, ux, ph)
	}
	if uy > ux {
		return grow(x, uy, pw), y
	}
	return x, y
}

// point is where point i of s is drawn, and whether it can be (a value off
// a log axis or a non-finite one cannot).
func (l *layout) point(s Series, i int) (x, y float64, ok bool) {
	if !l.x.valid(s.X[i]) || !l.y.valid(s.Y[i]) {
		return 0, 0, false
	}
	x, y = l.px(s.X[i]), l.py(s.Y[i])
	return x, y, !math.IsNaN(x) && !math.IsNaN(y)
}

// drawSeries draws one series, breaking the line at undrawable points.
func (l *layout) drawSeries(c *canvas, s Series, col color.RGBA) {
	line, mark := !s.NoLine, s.Markers || s.NoLine
	var dash *float64
	run := 0 // drawable points in the current unbroken run
	var px, py float64
	endRun := func() {
		if line && !mark && run == 1 { // a lone point: show it as a dot
			c.brush(int(math.Round(px)), int(math.Round(py)), col)
		}
		run = 0
	}
	for i := range s.X {
		x, y, ok := l.point(s, i)
		if !ok {
			endRun()
			continue
		}
		if run == 0 && s.Dashed {
			dash = new(float64)
		}
		if line && run > 0 {
			c.line(px, py, x, y, col, dash)
		}
		if mark {
			c.marker(x, y, col)
		}
		px, py = x, y
		run++
	}
	endRun()
}

// drawTicks draws the tick marks and those labels that do not overlap
// their neighbours.
func (l *layout) drawTicks(c *canvas) {
	lastRight := math.MinInt
	for _, t := range l.xt {
		p := l.px(t.v)
		if p < float64(l.x0)-0.5 || p > float64(l.x1)+0.5 {
			continue
		}
		x, n := int(math.Round(p)), tickLen
		if t.minor {
			n = minorLen
		}
		c.fill(image.Rect(x, l.y1+1, x+1, l.y1+1+n), black)
		if t.label == "" {
			continue
		}
		w := textWidth(t.label)
		if left := x - w/2; left > lastRight+6 && left >= 0 && left+w <= l.w {
			drawText(c.img, left, l.y1+xTickBase, t.label, black)
			lastRight = left + w
		}
	}
	lastTop := math.MaxInt
	for _, t := range l.yt {
		p := l.py(t.v)
		if p < float64(l.y0)-0.5 || p > float64(l.y1)+0.5 {
			continue
		}
		y, n := int(math.Round(p)), tickLen
		if t.minor {
			n = minorLen
		}
		c.fill(image.Rect(l.x0-n, y, l.x0, y+1), black)
		if t.label == "" {
			continue
		}
		if y+4 < lastTop-3 {
			drawText(c.img, l.x0-tickLen-4-textWidth(t.label), y+4, t.label, black)
			lastTop = y - 5
		}
	}
}

// legendRect is the legend box for the given names, in the layout's legend
// corner (BestCorner must have been resolved to a corner by then).
func (l *layout) legendRect(names []string) image.Rectangle {
	return l.legendRectAt(names, l.legend)
}

// legendRectAt is the legend box for the given names in the given corner.
func (l *layout) legendRectAt(names []string, corner int) image.Rectangle {
	tw := 0
	for _, n := range names {
		tw = max(tw, textWidth(n))
	}
	w, h := 6+legendSample+6+tw+6, 6+legendRow*len(names)
	x0, y0 := l.x1-6-w, l.y0+6
	if corner == TopLeft || corner == BottomLeft {
		x0 = l.x0 + 6
	}
	if corner == BottomLeft || corner == BottomRight {
		y0 = l.y1 - 6 - h
	}
	return image.Rect(x0, y0, x0+w, y0+h)
}

// bestCorner is the corner whose legend box for names hides the least of
// the series: each drawable point counts 1, and each line segment counts
// the pixel length the box covers, over 4 pixels (about a marker's width).
// Ties go to the earlier of TopRight, TopLeft, BottomRight and BottomLeft.
func (l *layout) bestCorner(names []string, series []Series) int {
	best, bestHidden := TopRight, math.Inf(1)
	for _, corner := range []int{TopRight, TopLeft, BottomRight, BottomLeft} {
		r := l.legendRectAt(names, corner).Inset(-3) // a marker's reach
		hidden := 0.0
		for _, s := range series {
			prev := false
			var px, py float64
			for i := range s.X {
				x, y, ok := l.point(s, i)
				if !ok {
					prev = false
					continue
				}
				if x >= float64(r.Min.X) && x < float64(r.Max.X) && y >= float64(r.Min.Y) && y < float64(r.Max.Y) {
					hidden++
				}
				if prev && !s.NoLine {
					hidden += clippedLength(px, py, x, y, r) / 4
				}
				prev, px, py = true, x, y
			}
		}
		if hidden < bestHidden {
			best, bestHidden = corner, hidden
		}
	}
	return best
}

// clippedLength is the length of the part of the segment from (x0, y0) to
// (x1, y1) that lies inside r (Liang–Barsky clipping).
func clippedLength(x0, y0, x1, y1 float64, r image.Rectangle) float64 {
	dx, dy := x1-x0, y1-y0
	t0, t1 := 0.0, 1.0
	for _, c := range [4][2]float64{
		{-dx, x0 - float64(r.Min.X)}, {dx, float64(r.Max.X) - x0},
		{-dy, y0 - float64(r.Min.Y)}, {dy, float64(r.Max.Y) - y0},
	} {
		p, q := c[0], c[1]
		if p == 0 {
			if q < 0 {
				return 0 // parallel to this edge and outside it
			}
			continue
		}
		t := q / p
		if p < 0 {
			t0 = math.Max(t0, t)
		} else {
			t1 = math.Min(t1, t)
		}
		if t0 > t1 {
			return 0
		}
	}
	return (t1 - t0) * math.Hypot(dx, dy)
}

// Legend corners.
const (
	TopRight    = iota // the default
	TopLeft            // for data that rise to the right
	BottomRight        // for data that fall to the right
	BottomLeft
	BestCorner // the corner where the legend hides the least data
)

// drawLegend lists the named series.
func (l *layout) drawLegend(img *image.RGBA, series []Series) {
	var names []string
	var idx []int
	for i, s := range series {
		if s.Name != "" {
			names, idx = append(names, s.Name), append(idx, i)
		}
	}
	if len(names) == 0 {
		return
	}
	if l.legend == BestCorner {
		l.legend = l.bestCorner(names, series)
	}
	area := l.area().Inset(1)
	r := l.legendRect(names)
	c := &canvas{img: img, clip: area}
	c.fill(r, white)
	c.frame(r, color.RGBA{96, 96, 96, 255})
	text := img.SubImage(area).(*image.RGBA)
	for k, name := range names {
		s := series[idx[k]]
		col := s.colour(idx[k])
		cy := r.Min.Y + 3 + legendRow*k + legendRow/2
		x0, x1 := float64(r.Min.X+6), float64(r.Min.X+6+legendSample)
		if !s.NoLine {
			var dash *float64
			if s.Dashed {
				dash = new(float64)
			}
			c.line(x0, float64(cy-1), x1, float64(cy-1), col, dash)
		}
		if s.Markers || s.NoLine {
			c.marker((x0+x1)/2, float64(cy-1), col)
		}
		drawText(text, r.Min.X+6+legendSample+6, cy+4, name, black)
	}
}
