package plot

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

var (
	white     = color.RGBA{255, 255, 255, 255}
	black     = color.RGBA{0, 0, 0, 255}
	gridColor = color.RGBA{228, 228, 228, 255}
	face      = basicfont.Face7x13
)

// palette is the Okabe–Ito colour-blind-safe palette, ordered so that the
// colours that read best on white come first.
var palette = [...]color.RGBA{
	{0x00, 0x72, 0xB2, 255}, // blue
	{0xD5, 0x5E, 0x00, 255}, // vermillion
	{0x00, 0x9E, 0x73, 255}, // bluish green
	{0xCC, 0x79, 0xA7, 255}, // reddish purple
	{0xE6, 0x9F, 0x00, 255}, // orange
	{0x56, 0xB4, 0xE9, 255}, // sky blue
	{0x00, 0x00, 0x00, 255}, // black
	{0xF0, 0xE4, 0x42, 255}, // yellow
}

// Dash pattern, in pixels along the line.
const (
	dashOn     = 8
	dashPeriod = 13
	markerR2   = 8 // squared marker radius
)

// canvas draws into img, touching only pixels inside clip.
type canvas struct {
	img  *image.RGBA
	clip image.Rectangle
}

func (c *canvas) set(x, y int, col color.RGBA) {
	if x >= c.clip.Min.X && x < c.clip.Max.X && y >= c.clip.Min.Y && y < c.clip.Max.Y {
		c.img.SetRGBA(x, y, col)
	}
}

// fill paints the rectangle r (clipped).
func (c *canvas) fill(r image.Rectangle, col color.RGBA) {
	draw.Draw(c.img, r.Intersect(c.clip), image.NewUniform(col), image.Point{}, draw.Src)
}

// frame draws the 1-pixel border of r.
func (c *canvas) frame(r image.Rectangle, col color.RGBA) {
	for x := r.Min.X; x < r.Max.X; x++ {
		c.set(x, r.Min.Y, col)
		c.set(x, r.Max.Y-1, col)
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		c.set(r.Min.X, y, col)
		c.set(r.Max.X-1, y, col)
	}
}

// brush paints the 2×2 pen at (x, y).
func (c *canvas) brush(x, y int, col color.RGBA) {
	c.set(x, y, col)
	c.set(x+1, y, col)
	c.set(x, y+1, col)
	c.set(x+1, y+1, col)
}

// marker paints a small filled disc centred at (x, y).
func (c *canvas) marker(x, y float64, col color.RGBA) {
	if !c.near(x, y, 4) {
		return
	}
	cx, cy := int(math.Round(x)), int(math.Round(y))
	for dy := -3; dy <= 3; dy++ {
		for dx := -3; dx <= 3; dx++ {
			if dx*dx+dy*dy <= markerR2 {
				c.set(cx+dx, cy+dy, col)
			}
		}
	}
}

// near reports whether (x, y) lies within d pixels of the clip rectangle.
func (c *canvas) near(x, y, d float64) bool {
	return x >= float64(c.clip.Min.X)-d && x <= float64(c.clip.Max.X)+d &&
		y >= float64(c.clip.Min.Y)-d && y <= float64(c.clip.Max.Y)+d
}

// line draws a 2-pixel line from (x0, y0) to (x1, y1). If dash is not nil
// the line is dashed and *dash carries the pattern phase from one segment to
// the next, so a polyline keeps a regular pattern.
func (c *canvas) line(x0, y0, x1, y1 float64, col color.RGBA, dash *float64) {
	r := c.clip
	ax, ay, bx, by, ok := clipSegment(x0, y0, x1, y1,
		float64(r.Min.X), float64(r.Min.Y), float64(r.Max.X-1), float64(r.Max.Y-1))
	if !ok {
		if dash != nil {
			*dash += math.Hypot(x1-x0, y1-y0)
		}
		return
	}
	if dash != nil {
		*dash += math.Hypot(ax-x0, ay-y0)
	}
	ix0, iy0 := int(math.Round(ax)), int(math.Round(ay))
	ix1, iy1 := int(math.Round(bx)), int(math.Round(by))
	dx, dy := abs(ix1-ix0), -abs(iy1-iy0)
	sx, sy := sign(ix1-ix0), sign(iy1-iy0)
	steps := max(dx, -dy)
	stepLen := 0.0
	if steps > 0 {
		stepLen = math.Hypot(bx-ax, by-ay) / float64(steps)
	}
	e := dx + dy
	x, y := ix0, iy0
	for {
		if dash == nil || math.Mod(*dash, dashPeriod) < dashOn {
			c.brush(x, y, col)
		}
		if x == ix1 && y == iy1 {
			break
		}
		if dash != nil {
			*dash += stepLen
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x += sx
		}
		if e2 <= dx {
			e += dx
			y += sy
		}
	}
	if dash != nil {
		*dash += math.Hypot(x1-bx, y1-by)
	}
}

// clipSegment clips a segment to the rectangle [xmin, xmax]×[ymin, ymax]
// (Liang–Barsky) and reports whether any part of it is left.
func clipSegment(x0, y0, x1, y1, xmin, ymin, xmax, ymax float64) (ax, ay, bx, by float64, ok bool) {
	t0, t1 := 0.0, 1.0
	dx, dy := x1-x0, y1-y0
	for _, pq := range [4][2]float64{{-dx, x0 - xmin}, {dx, xmax - x0}, {-dy, y0 - ymin}, {dy, ymax - y0}} {
		p, q := pq[0], pq[1]
		if p == 0 {
			if q < 0 {
				return 0, 0, 0, 0, false
			}
			continue
		}
		r := q / p
		if p < 0 {
			if r > t1 {
				return 0, 0, 0, 0, false
			}
			t0 = max(t0, r)
		} else {
			if r < t0 {
				return 0, 0, 0, 0, false
			}
			t1 = min(t1, r)
		}
	}
	return x0 + t0*dx, y0 + t0*dy, x0 + t1*dx, y0 + t1*dy, true
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func sign(v int) int {
	switch {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}

// textWidth is the width in pixels of s in the figure font.
func textWidth(s string) int {
	return font.MeasureString(face, s).Round()
}

// drawText writes s with its left end at x and its baseline at y.
func drawText(img draw.Image, x, y int, s string, col color.RGBA) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(col), Face: face, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// drawTextUp writes s rotated by 90° counter-clockwise (reading bottom to
// top); the rotated text occupies the box with top-left corner (x, y), of
// width face.Ascent+face.Descent and height textWidth(s).
func drawTextUp(img *image.RGBA, x, y int, s string, col color.RGBA) {
	w, h := textWidth(s), face.Ascent+face.Descent
	if w <= 0 {
		return
	}
	mask := image.NewAlpha(image.Rect(0, 0, w, h))
	drawText(mask, 0, face.Ascent, s, col)
	c := canvas{img: img, clip: img.Bounds()}
	for i := 0; i < w; i++ {
		for j := 0; j < h; j++ {
			if mask.AlphaAt(i, j).A >= 128 {
				c.set(x+j, y+w-1-i, col)
			}
		}
	}
}
