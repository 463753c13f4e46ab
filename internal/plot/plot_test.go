package plot

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// render renders f and returns the image with its layout.
func render(t *testing.T, f *Figure) (*image.RGBA, *layout) {
	t.Helper()
	l, err := f.layout()
	if err != nil {
		t.Fatalf("layout: %v", err)
	}
	img, err := f.Render()
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return img, l
}

// count is the number of pixels of colour col in r.
func count(img *image.RGBA, r image.Rectangle, col color.RGBA) int {
	n := 0
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.RGBAAt(x, y) == col {
				n++
			}
		}
	}
	return n
}

// row returns, for pixels x0..x1 of row y, whether each has colour col.
func row(img *image.RGBA, y, x0, x1 int, col color.RGBA) []bool {
	var on []bool
	for x := x0; x <= x1; x++ {
		on = append(on, img.RGBAAt(x, y) == col)
	}
	return on
}

func flat(y float64) Series { return Series{X: []float64{0, 1}, Y: []float64{y, y}} }

func TestHorizontalLine(t *testing.T) {
	f := &Figure{Width: 400, Height: 300, YMin: 0, YMax: 2, Series: []Series{flat(1)}}
	img, l := render(t, f)
	col := palette[0]
	mid := int(math.Round(l.py(1)))
	if want := (l.y0 + l.y1) / 2; mid < want-1 || mid > want+1 {
		t.Fatalf("y=1 maps to row %d, want the middle row %d of %d..%d", mid, want, l.y0, l.y1)
	}
	x0, x1 := int(math.Round(l.px(0))), int(math.Round(l.px(1)))
	n := count(img, image.Rect(x0, mid, x1+1, mid+1), col)
	if n < (x1-x0)*9/10 {
		t.Errorf("middle row %d has %d pixels of the series colour, want about %d", mid, n, x1-x0)
	}
	inner := l.area().Inset(1)
	for y := inner.Min.Y; y < inner.Max.Y; y++ {
		if y >= mid-2 && y <= mid+3 {
			continue
		}
		if n := count(img, image.Rect(inner.Min.X, y, inner.Max.X, y+1), col); n > 0 {
			t.Errorf("row %d, far from the line at %d, has %d pixels of the series colour", y, mid, n)
		}
	}
	if c := img.RGBAAt(0, 0); c != white {
		t.Errorf("background = %v, want white", c)
	}
	if c := img.RGBAAt(l.x0, (l.y0+l.y1)/2); c != black {
		t.Errorf("frame = %v, want black", c)
	}
}

func TestLogYPlacement(t *testing.T) {
	tests := []struct {
		name       string
		ymin, ymax float64
		fa, fb     float64 // expected height fractions of 1e-3 and 1e-1
	}{
		{"fixed", 1e-4, 1, 0.25, 0.75},
		{"data", 0, 0, 0.08 / 2.16, 2.08 / 2.16}, // 4% margin of two decades
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &Figure{Width: 400, Height: 300, LogY: true, YMin: tc.ymin, YMax: tc.ymax,
				Series: []Series{flat(1e-3), flat(1e-1)}}
			img, l := render(t, f)
			xm := (l.x0 + l.x1) / 2
			for i, frac := range []float64{tc.fa, tc.fb} {
				want := float64(l.y1) - frac*float64(l.y1-l.y0)
				got := -1
				for y := l.y0; y <= l.y1; y++ {
					if img.RGBAAt(xm, y) == palette[i] {
						got = y
						break
					}
				}
				if math.Abs(float64(got)-want) > 1 {
					t.Errorf("series %d drawn at row %d, want %.1f (fraction %.3f of %d..%d)", i, got, want, frac, l.y0, l.y1)
				}
			}
		})
	}
}

func labels(ts []tick) []string {
	var out []string
	for _, t := range ts {
		if t.label != "" {
			out = append(out, t.label)
		}
	}
	return out
}

// Integer ticks (epochs on an x axis) fall at whole numbers only: the
// classification report's accuracy-by-epoch plot showed 0.5, 1.5, ….
func TestIntegerTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		want   string
	}{
		{0.92, 2.08, "1 2"},
		{0.96, 1.04, "1"},
		{0.6, 6.4, "1 2 3 4 5 6"},
		{0.5, 15.5, "2 4 6 8 10 12 14"},
		{0.2, 0.8, "0.2 0.3 0.4 0.5 0.6 0.7 0.8"}, // no whole number inside: as without
	} {
		if got := strings.Join(labels(linTicks(tc.lo, tc.hi, true)), " "); got != tc.want {
			t.Errorf("linTicks(%g, %g, integer) = %q, want %q", tc.lo, tc.hi, got, tc.want)
		}
	}
}

func TestLinearTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		want   string // labels joined by spaces; "" = only check count and steps
	}{
		{0, 1, "0.0 0.2 0.4 0.6 0.8 1.0"},
		{0, 10, "0 2 4 6 8 10"},
		{-1, 1, "-1.0 -0.5 0.0 0.5 1.0"},
		{1e6, 5e6, "1e+6 2e+6 3e+6 4e+6 5e+6"},
		{0, 7.3, ""},
		{-0.003, 0.004, ""},
		{0.1, 0.35, ""},
		{1000.001, 1000.002, ""},
		{-37, 512, ""},
	}
	for _, tc := range tests {
		ts := linTicks(tc.lo, tc.hi, false)
		got := strings.Join(labels(ts), " ")
		if tc.want != "" && got != tc.want {
			t.Errorf("linTicks(%g, %g) = %q, want %q", tc.lo, tc.hi, got, tc.want)
		}
		if len(ts) < 4 || len(ts) > 9 {
			t.Errorf("linTicks(%g, %g) gave %d ticks: %q", tc.lo, tc.hi, len(ts), got)
		}
		for i := 1; i < len(ts); i++ {
			step := ts[i].v - ts[i-1].v
			m := step / math.Pow(10, math.Floor(math.Log10(step)+1e-9))
			if math.Abs(m-1) > 1e-6 && math.Abs(m-2) > 1e-6 && math.Abs(m-5) > 1e-6 {
				t.Errorf("linTicks(%g, %g): step %g is not 1, 2 or 5 × 10^k", tc.lo, tc.hi, step)
			}
		}
		for _, tk := range ts {
			if tk.v < tc.lo-1e-9*(tc.hi-tc.lo) || tk.v > tc.hi+1e-9*(tc.hi-tc.lo) {
				t.Errorf("linTicks(%g, %g): tick %g outside the range", tc.lo, tc.hi, tk.v)
			}
		}
	}
}

func TestLogTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		want   string // labels joined by spaces; "" = at least two labels
	}{
		{1e-3, 1e2, "1e-3 1e-2 1e-1 1e+0 1e+1 1e+2"},
		{1, 100, "1 10 100"},
		{0.01, 5, "0.01 0.1 1"},
		{0.03, 5, "0.05 0.1 0.2 0.5 1 2 5"},
		{0.15, 9, "0.2 0.5 1 2 5"},
		{2, 7, "2 3 4 5 6 7"},
		{3e-7, 8e-7, "3e-7 4e-7 5e-7 6e-7 7e-7 8e-7"},
		{1e-300, 1e300, "1e-300 1e-200 1e-100 1e+0 1e+100 1e+200 1e+300"},
		{1.01, 1.02, ""},
		{0.5, 0.9, ""},
	}
	for _, tc := range tests {
		got := labels(logTicks(tc.lo, tc.hi))
		if tc.want != "" && strings.Join(got, " ") != tc.want {
			t.Errorf("logTicks(%g, %g) = %q, want %q", tc.lo, tc.hi, got, tc.want)
		}
		if len(got) < 2 {
			t.Errorf("logTicks(%g, %g) = %q, want at least two labels", tc.lo, tc.hi, got)
		}
	}
}

func TestLegend(t *testing.T) {
	s := flat(0.5)
	s.Name = "train loss"
	f := &Figure{Width: 400, Height: 300, YMin: 0, YMax: 1, Series: []Series{s, flat(0.2)}}
	img, l := render(t, f)
	r := l.legendRect([]string{"train loss"})
	if !r.In(l.area()) {
		t.Fatalf("legend %v is not inside the plot area %v", r, l.area())
	}
	text := image.Rect(r.Min.X+6+legendSample+6, r.Min.Y+2, r.Max.X-1, r.Max.Y-1)
	if n := count(img, text, black); n < 20 {
		t.Errorf("legend text area %v has only %d black pixels", text, n)
	}
	sample := image.Rect(r.Min.X+6, r.Min.Y+2, r.Min.X+6+legendSample, r.Max.Y-1)
	if n := count(img, sample, palette[0]); n < legendSample {
		t.Errorf("legend sample %v has %d pixels of the series colour", sample, n)
	}
	if n := count(img, r, palette[1]); n > 0 {
		t.Errorf("unnamed series appears in the legend (%d pixels)", n)
	}

	// Without names there is no legend box.
	f.Series[0].Name = ""
	img, _ = render(t, f)
	if n := count(img, text, black); n > 0 {
		t.Errorf("figure without names has %d black pixels where the legend would be", n)
	}
}

func TestDashed(t *testing.T) {
	for _, dashed := range []bool{false, true} {
		s := flat(1)
		s.Dashed = dashed
		f := &Figure{Width: 400, Height: 300, YMin: 0, YMax: 2, Series: []Series{s}}
		img, l := render(t, f)
		on := row(img, int(math.Round(l.py(1))), int(math.Round(l.px(0))), int(math.Round(l.px(1))), palette[0])
		gaps, lit := 0, 0
		for i, b := range on {
			if b {
				lit++
			} else if i > 0 && on[i-1] {
				gaps++
			}
		}
		switch {
		case !dashed && lit != len(on):
			t.Errorf("solid line: %d of %d pixels lit", lit, len(on))
		case dashed && (gaps < 10 || lit < len(on)/3 || lit > len(on)*3/4):
			t.Errorf("dashed line: %d gaps, %d of %d pixels lit", gaps, lit, len(on))
		}
	}
}

func TestSkippedPoints(t *testing.T) {
	tests := []struct {
		name string
		bad  float64
		logY bool
	}{
		{"NaN", math.NaN(), false},
		{"+Inf", math.Inf(1), false},
		{"-Inf", math.Inf(-1), false},
		{"zero on log axis", 0, true},
		{"negative on log axis", -1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var xs, ys []float64
			for i := 0; i <= 10; i++ {
				xs, ys = append(xs, float64(i)), append(ys, 1)
			}
			ys[5] = tc.bad
			f := &Figure{Width: 400, Height: 300, LogY: tc.logY, YMin: 0.1, YMax: 10, Series: []Series{{X: xs, Y: ys}}}
			if !tc.logY {
				f.YMin = 0
			}
			img, l := render(t, f)
			y := int(math.Round(l.py(1)))
			at := func(x float64) int { return int(math.Round(l.px(x))) }
			if n := count(img, image.Rect(at(4)+3, y-1, at(6)-2, y+2), palette[0]); n > 0 {
				t.Errorf("%d pixels drawn across the skipped point", n)
			}
			if n := count(img, image.Rect(at(0), y, at(4), y+1), palette[0]); n < at(4)-at(0)-1 {
				t.Errorf("line before the skipped point has only %d pixels", n)
			}
			if n := count(img, image.Rect(at(6), y, at(10), y+1), palette[0]); n < at(10)-at(6)-1 {
				t.Errorf("line after the skipped point has only %d pixels", n)
			}
		})
	}

	// A series without any drawable point is fine next to a drawable one.
	f := &Figure{Series: []Series{{X: []float64{math.NaN()}, Y: []float64{1}}, flat(1), {}}}
	if _, err := f.Render(); err != nil {
		t.Errorf("undrawable series next to a drawable one: %v", err)
	}
}

func TestErrors(t *testing.T) {
	nan := math.NaN()
	ok := []Series{flat(1)}
	fig := func(f Figure) func() error {
		return func() error { _, err := f.Render(); return err }
	}
	tests := []struct {
		name string
		run  func() error
		want []string // substrings of the error message
	}{
		{"no series", fig(Figure{}), []string{"no series"}},
		{"length mismatch", fig(Figure{Series: []Series{flat(0), {Name: "val loss", X: []float64{1, 2, 3}, Y: []float64{1, 2}}}}),
			[]string{`"val loss"`, "len(X) = 3", "len(Y) = 2"}},
		{"too narrow", fig(Figure{Width: 199, Series: ok}), []string{"199×500", "minimum 200×150"}},
		{"too low", fig(Figure{Width: 300, Height: 149, Series: ok}), []string{"300×149", "minimum"}},
		{"negative size", fig(Figure{Width: -800, Series: ok}), []string{"-800", "minimum"}},
		{"too large", fig(Figure{Width: 1 << 20, Series: ok}), []string{"maximum"}},
		{"inverted x", fig(Figure{XMin: 2, XMax: 1, Series: ok}), []string{"inverted", "XMin = 2", "XMax = 1"}},
		{"inverted y", fig(Figure{YMin: 1, YMax: -1, Series: ok}), []string{"inverted", "YMin = 1"}},
		{"log y from zero", fig(Figure{LogY: true, YMin: 0, YMax: 10, Series: ok}), []string{"LogY", "YMin = 0", "positive"}},
		{"log x negative", fig(Figure{LogX: true, XMin: -1, XMax: 10, Series: ok}), []string{"LogX", "XMin = -1", "positive"}},
		{"NaN range", fig(Figure{XMin: nan, XMax: 1, Series: ok}), []string{"XMin = NaN", "not finite"}},
		{"infinite range", fig(Figure{YMin: 0, YMax: math.Inf(1), Series: ok}), []string{"not finite"}},
		{"no drawable point", fig(Figure{Series: []Series{{X: []float64{nan, 1}, Y: []float64{1, nan}}}}), []string{"no series has a drawable point"}},
		{"nothing positive on log axis", fig(Figure{LogY: true, Series: []Series{flat(0), flat(-2)}}), []string{"no series has a drawable point"}},
		{"grid without figures", func() error { _, err := Grid(nil, 2); return err }, []string{"no figures"}},
		{"grid cols 0", func() error { _, err := Grid([]*Figure{{Series: ok}}, 0); return err }, []string{"cols", "0"}},
		{"grid bad figure", func() error { _, err := Grid([]*Figure{{Series: ok}, {}}, 2); return err }, []string{"grid figure 1", "no series"}},
		{"grid nil figure", func() error { _, err := Grid([]*Figure{nil}, 1); return err }, []string{"nil figure"}},
		{"gray size", func() error {
			return SaveGrayRow(filepath.Join(t.TempDir(), "g.png"), []Gray{{Caption: "digit 7", W: 28, H: 28, Pix: make([]float64, 10)}}, 0, 1)
		}, []string{`"digit 7"`, "28×28", "len(Pix) = 10"}},
		{"gray zero size", func() error {
			return SaveGrayRow(filepath.Join(t.TempDir(), "g.png"), []Gray{{Caption: "empty"}}, 0, 1)
		}, []string{`"empty"`}},
		{"gray none", func() error { return SaveGrayRow(filepath.Join(t.TempDir(), "g.png"), nil, 0, 1) }, []string{"no images"}},
		{"gray NaN range", func() error {
			return SaveGrayRow(filepath.Join(t.TempDir(), "g.png"), []Gray{{W: 1, H: 1, Pix: []float64{0}}}, nan, 1)
		}, []string{"not finite"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	var nilFig *Figure
	if _, err := nilFig.Render(); err == nil {
		t.Error("nil *Figure: no error")
	}
	path := filepath.Join(t.TempDir(), "bad.png")
	if err := (&Figure{}).SavePNG(path); err == nil {
		t.Error("SavePNG of an invalid figure: no error")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("SavePNG of an invalid figure created %s", path)
	}
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	r, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	img, err := png.Decode(r)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return img
}

func TestSavePNGSize(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ w, h, wantW, wantH int }{
		{0, 0, 800, 500},
		{640, 400, 640, 400},
		{200, 150, 200, 150},
		{0, 300, 800, 300},
	} {
		f := &Figure{Title: "t", XLabel: "x", YLabel: "y", Width: tc.w, Height: tc.h, Series: []Series{flat(1)}}
		path := filepath.Join(dir, "f.png")
		if err := f.SavePNG(path); err != nil {
			t.Fatalf("%d×%d: %v", tc.w, tc.h, err)
		}
		if b := decodePNG(t, path).Bounds(); b.Dx() != tc.wantW || b.Dy() != tc.wantH {
			t.Errorf("%d×%d: decoded size %d×%d, want %d×%d", tc.w, tc.h, b.Dx(), b.Dy(), tc.wantW, tc.wantH)
		}
	}
}

func TestDeterministic(t *testing.T) {
	var xs, ys []float64
	for i := 0; i < 200; i++ {
		xs, ys = append(xs, float64(i)), append(ys, math.Sin(float64(i)/10))
	}
	f := &Figure{Title: "sin", Series: []Series{{Name: "a", X: xs, Y: ys, Dashed: true, Markers: true}}}
	dir := t.TempDir()
	var files [2][]byte
	for i := range files {
		path := filepath.Join(dir, "f.png")
		if err := f.SavePNG(path); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files[i] = b
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("two renderings of the same figure differ")
	}
}

func TestEqualAspect(t *testing.T) {
	var xs, ys []float64
	for i := 0; i <= 100; i++ {
		a := float64(i) / 100 * 2 * math.Pi
		xs, ys = append(xs, 3*math.Cos(a)), append(ys, math.Sin(a))
	}
	for _, size := range [][2]int{{400, 300}, {300, 600}} {
		f := &Figure{Width: size[0], Height: size[1], YLabel: "y", EqualAspect: true, Series: []Series{{X: xs, Y: ys}}}
		_, l := render(t, f)
		ux := (l.x.hi - l.x.lo) / float64(l.x1-l.x0)
		uy := (l.y.hi - l.y.lo) / float64(l.y1-l.y0)
		if math.Abs(ux-uy) > 1e-9*ux {
			t.Errorf("%v: units per pixel x %g, y %g", size, ux, uy)
		}
		if l.x.lo > -3 || l.x.hi < 3 || l.y.lo > -1 || l.y.hi < 1 {
			t.Errorf("%v: ranges x [%g, %g], y [%g, %g] do not cover the data", size, l.x.lo, l.x.hi, l.y.lo, l.y.hi)
		}
	}
}

func TestGrid(t *testing.T) {
	fig := func(w, h int, y float64) *Figure {
		return &Figure{Width: w, Height: h, Series: []Series{flat(y)}}
	}
	tests := []struct {
		name         string
		figs         []*Figure
		cols         int
		wantW, wantH int
	}{
		{"2 cols", []*Figure{fig(300, 200, 1), fig(300, 200, 2), fig(300, 200, 3)}, 2, 600, 400},
		{"one row", []*Figure{fig(300, 200, 1), fig(300, 200, 2), fig(300, 200, 3)}, 3, 900, 200},
		{"cols beyond figures", []*Figure{fig(300, 200, 1), fig(300, 200, 2)}, 5, 600, 200},
		{"mixed sizes", []*Figure{fig(300, 200, 1), fig(400, 150, 2)}, 1, 400, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := Grid(tc.figs, tc.cols)
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != tc.wantW || b.Dy() != tc.wantH {
				t.Errorf("size %d×%d, want %d×%d", b.Dx(), b.Dy(), tc.wantW, tc.wantH)
			}
		})
	}

	// Each cell holds exactly its figure.
	figs := tests[0].figs
	img, _ := Grid(figs, 2)
	one, _ := figs[1].Render()
	cell := img.SubImage(image.Rect(300, 0, 600, 200)).(*image.RGBA)
	for y := 0; y < 200; y++ {
		for x := 0; x < 300; x++ {
			if cell.RGBAAt(300+x, y) != one.RGBAAt(x, y) {
				t.Fatalf("grid cell 1 differs from figure 1 at (%d, %d)", x, y)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "grid.png")
	if err := SaveGridPNG(path, figs, 2); err != nil {
		t.Fatal(err)
	}
	if b := decodePNG(t, path).Bounds(); b.Dx() != 600 || b.Dy() != 400 {
		t.Errorf("SaveGridPNG size %v, want 600×400", b)
	}
}

// TestSeriesColour checks that Colour picks a palette entry and 0 keeps the
// series' own.
func TestSeriesColour(t *testing.T) {
	if (Series{}).colour(2) != palette[2] || (Series{Colour: 1}).colour(2) != palette[0] || (Series{Colour: len(palette) + 2}).colour(0) != palette[1] {
		t.Error("Colour does not select the palette entry")
	}
}

// TestLegendCorners checks that Legend moves the box to each corner.
func TestLegendCorners(t *testing.T) {
	l := &layout{x0: 10, y0: 10, x1: 400, y1: 300}
	for _, c := range []struct {
		corner      int
		left, upper bool
	}{{TopRight, false, true}, {TopLeft, true, true}, {BottomRight, false, false}, {BottomLeft, true, false}} {
		l.legend = c.corner
		r := l.legendRect([]string{"a"})
		if (r.Min.X < 200) != c.left || (r.Min.Y < 150) != c.upper {
			t.Errorf("corner %d: legend at %v", c.corner, r)
		}
	}
}

// Data near the ends of the floats (a relative error of 1e300 on a log
// axis, which aca toy --k -5 --T 1:80 produces) used to push the axis's
// margin to +Inf and fail the plot.
func TestFitRangeNearFloatLimits(t *testing.T) {
	for _, tc := range []struct {
		dlo, dhi float64
		log      bool
	}{
		{8e-197, 1e300, true}, {1e-5, 1.5e308, true}, {1, 1e300, true}, {1e-300, 1e300, true},
	} {
		lo, hi, err := fitRange("Y", 0, 0, tc.dlo, tc.dhi, tc.log) // data ≥ 1e-300: no denormals
		if err != nil {
			t.Errorf("[%g, %g] log %v: %v", tc.dlo, tc.dhi, tc.log, err)
			continue
		}
		if !(lo <= tc.dlo && hi >= tc.dhi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
			t.Errorf("[%g, %g] log %v: range [%g, %g] does not hold the data", tc.dlo, tc.dhi, tc.log, lo, hi)
		}
	}
}

// TestLegendBestCorner checks that BestCorner puts the legend where it hides
// no data when such a corner exists: a strip plot whose highest point sits
// under the top-right corner (aca classify's accuracy-runs.png hid a run's
// point there), a line rising to the right, and a figure whose data hide
// under no corner (the default, top-right, stays).
func TestLegendBestCorner(t *testing.T) {
	// The study's final accuracies, as aca classify plotted them.
	names := []string{"1: node-aca", "2: node-adjoint", "3: node-naive", "4: resnet"}
	strip := []Series{
		{Name: names[0], NoLine: true, X: []float64{0.85, 1, 1.15}, Y: []float64{0.8293, 0.832, 0.822}},
		{Name: names[1], NoLine: true, X: []float64{1.85, 2, 2.15}, Y: []float64{0.8353, 0.824, 0.8277}},
		{Name: names[2], NoLine: true, X: []float64{2.85, 3, 3.15}, Y: []float64{0.8353, 0.83, 0.823}},
		{Name: names[3], NoLine: true, X: []float64{3.85, 4, 4.15}, Y: []float64{0.8417, 0.8307, 0.8273}},
	}
	rising := []Series{{Name: names[0], X: []float64{0, 1, 2, 3}, Y: []float64{0, 1, 2, 3}}, {Name: names[1], X: []float64{0, 3}, Y: []float64{0.2, 3.1}},
		{Name: names[2], X: []float64{0, 3}, Y: []float64{0.1, 2.9}}, {Name: names[3], X: []float64{0, 3}, Y: []float64{0.3, 3}}}
	middle := []Series{{Name: names[0], X: []float64{0, 1, 2}, Y: []float64{0, 1, 0}}, {Name: names[1], X: []float64{1}, Y: []float64{0.5}, NoLine: true},
		{Name: names[2], X: []float64{1}, Y: []float64{0.4}, NoLine: true}, {Name: names[3], X: []float64{1}, Y: []float64{0.3}, NoLine: true}}
	for _, tc := range []struct {
		name   string
		fig    *Figure
		corner int // the corner BestCorner must choose, or -1: any but TopRight
	}{
		{"strip", &Figure{Width: 720, Height: 460, XMin: 0.5, XMax: 4.5, Series: strip}, -1},
		{"rising", &Figure{Width: 500, Height: 300, Series: rising}, -1},
		{"middle", &Figure{Width: 500, Height: 300, YMin: -1, YMax: 3, Series: middle}, TopRight},
	} {
		tc.fig.Legend = BestCorner
		img, l := render(t, tc.fig)
		got := l.bestCorner(names, tc.fig.Series)
		if tc.corner >= 0 && got != tc.corner || tc.corner < 0 && got == TopRight {
			t.Errorf("%s: BestCorner chose corner %d", tc.name, got)
		}
		// The chosen box covers no point, and every point's marker is drawn.
		r := l.legendRectAt(names, got)
		for i, s := range tc.fig.Series {
			for k := range s.X {
				x, y := int(math.Round(l.px(s.X[k]))), int(math.Round(l.py(s.Y[k])))
				if image.Pt(x, y).In(r.Inset(-3)) {
					t.Errorf("%s: the legend %v covers point (%g, %g)", tc.name, r, s.X[k], s.Y[k])
				}
				if s.NoLine && count(img, image.Rect(x-1, y-1, x+2, y+2), s.colour(i)) == 0 {
					t.Errorf("%s: point (%g, %g) of series %d is not visible", tc.name, s.X[k], s.Y[k], i)
				}
			}
		}
	}
	// Where the default corner would hide the strip's top point, the
	// rendered figure shows it with BestCorner and hides it without.
	f := &Figure{Width: 720, Height: 460, XMin: 0.5, XMax: 4.5, Series: strip}
	_, l := render(t, f)
	x, y := int(math.Round(l.px(3.85))), int(math.Round(l.py(0.8417)))
	top := image.Rect(x-1, y-1, x+2, y+2)
	if img, _ := render(t, f); count(img, top, strip[3].colour(3)) != 0 {
		t.Fatal("the top-right legend no longer hides the strip's top point: the test's figure does not show what BestCorner is for")
	}
	f.Legend = BestCorner
	if img, _ := render(t, f); count(img, top, strip[3].colour(3)) == 0 {
		t.Error("with BestCorner the strip's top point is still hidden")
	}
}

// TestLegendBestCornerExact checks the exact corner BestCorner picks where
// one answer is right: a marker in each of three corners' boxes leaves the
// fourth; lines alone (no vertex near a box) along the top and the right
// edges leave the bottom-left; and a marker just outside a box, close enough
// for its drawn square to reach under it, counts as hidden there.
func TestLegendBestCornerExact(t *testing.T) {
	names := []string{"first series", "second"}
	base := Figure{Width: 500, Height: 320, XMin: 0, XMax: 1, YMin: 0, YMax: 1}
	probe := base
	probe.Series = []Series{{Name: names[0], X: []float64{0.5}, Y: []float64{0.5}}, {Name: names[1], X: []float64{0.5}, Y: []float64{0.5}}}
	_, l := render(t, &probe)
	// at maps a pixel to the data point drawn there.
	at := func(px, py float64) (float64, float64) {
		return (px - float64(l.x0)) / float64(l.x1-l.x0), (float64(l.y1) - py) / float64(l.y1-l.y0)
	}
	centre := func(corner int) (float64, float64) {
		r := l.legendRectAt(names, corner)
		return at(float64(r.Min.X+r.Max.X)/2, float64(r.Min.Y+r.Max.Y)/2)
	}
	markers := func(corners ...int) Series {
		s := Series{Name: names[0], NoLine: true}
		for _, c := range corners {
			x, y := centre(c)
			s.X, s.Y = append(s.X, x), append(s.Y, y)
		}
		return s
	}
	other := Series{Name: names[1], NoLine: true, X: []float64{0.5}, Y: []float64{0.5}}

	// Two pixels left of the bottom-left box: its square marker reaches
	// under the box, so BottomLeft hides it as much as the other corners
	// hide theirs, and the tie goes to TopRight.
	bl := l.legendRectAt(names, BottomLeft)
	nx, ny := at(float64(bl.Max.X+2), float64(bl.Min.Y+bl.Max.Y)/2)
	near := markers(TopRight, TopLeft, BottomRight)
	near.X, near.Y = append(near.X, nx), append(near.Y, ny)

	// A line that runs 8 pixels into the top-right box (from a vertex just
	// inside its margin to far off the plot) hides 1 + 8/4, less than four
	// markers in each other box: only the part inside the box counts.
	tr := l.legendRectAt(names, TopRight)
	lx0, ly := at(float64(tr.Max.X+3-8), float64(tr.Min.Y+tr.Max.Y)/2)
	lx1, _ := at(float64(tr.Max.X+1000), 0)
	graze := Series{Name: names[1], X: []float64{lx0, lx1}, Y: []float64{ly, ly}}
	four := markers(TopLeft, TopLeft, TopLeft, TopLeft, BottomRight, BottomRight, BottomRight, BottomRight, BottomLeft, BottomLeft, BottomLeft, BottomLeft)

	for _, tc := range []struct {
		name   string
		series []Series
		want   int
	}{
		{"line into a box", []Series{four, graze}, TopRight},
		{"free top-left", []Series{markers(TopRight, BottomRight, BottomLeft), other}, TopLeft},
		{"free bottom-right", []Series{markers(TopRight, TopLeft, BottomLeft), other}, BottomRight},
		{"free bottom-left", []Series{markers(TopRight, TopLeft, BottomRight), other}, BottomLeft},
		{"lines only", []Series{
			{Name: names[0], X: []float64{-1, 2}, Y: []float64{0.97, 0.97}},  // along the top, ends off the plot
			{Name: names[1], X: []float64{0.97, 0.97}, Y: []float64{-1, 2}}}, // along the right
			BottomLeft},
		{"marker beside a box", []Series{near, other}, TopRight},
	} {
		f := base
		f.Series = tc.series
		_, lf := render(t, &f)
		if lf.x0 != l.x0 || lf.x1 != l.x1 || lf.y0 != l.y0 || lf.y1 != l.y1 {
			t.Fatalf("%s: the plot area moved (%v against %v)", tc.name, lf.area(), l.area())
		}
		if got := lf.bestCorner(names, f.Series); got != tc.want {
			t.Errorf("%s: BestCorner chose corner %d, want %d", tc.name, got, tc.want)
		}
	}
}
