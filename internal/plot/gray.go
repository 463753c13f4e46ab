package plot

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
)

// Gray is a grayscale image given as row-major values.
type Gray struct {
	Caption string
	W, H    int
	Pix     []float64 // len W*H
}

// Gray-row layout, in pixels.
const (
	grayMinSide = 112 // shorter side of every image after scaling
	grayPad     = 8   // margin around and between the images
	grayCapGap  = 4   // between an image and its caption
)

// nanColor marks NaN values in gray images.
var nanColor = color.RGBA{220, 0, 0, 255}

// grayScale is the integer factor by which g is scaled up.
func grayScale(g Gray) int {
	return max(1, (grayMinSide+min(g.W, g.H)-1)/min(g.W, g.H))
}

// SaveGrayRow writes the images side by side (each scaled up by an integer
// factor so that the shorter side is at least 112 pixels), with their
// captions underneath, into one PNG. Values are mapped linearly from
// [lo, hi] to black..white (clamped); if lo == hi, each image uses the
// common min/max over all images.
//
// The images are top-aligned with a margin of 8 pixels around and between
// them; each cell is as wide as the wider of its scaled image and its
// caption, and a caption line of 17 pixels is added when any caption is not
// empty. NaN values are drawn in red so that they stand out; lo > hi gives
// an inverted mapping.
func SaveGrayRow(path string, imgs []Gray, lo, hi float64) error {
	img, err := grayRow(imgs, lo, hi)
	if err != nil {
		return err
	}
	return savePNG(path, img)
}

func grayRow(imgs []Gray, lo, hi float64) (*image.RGBA, error) {
	if len(imgs) == 0 {
		return nil, errors.New("plot: gray row has no images")
	}
	if !finite(lo) || !finite(hi) {
		return nil, fmt.Errorf("plot: gray range [%g, %g] is not finite", lo, hi)
	}
	w, maxH, caption := grayPad, 0, false
	vmin, vmax := math.Inf(1), math.Inf(-1)
	for i, g := range imgs {
		if g.W <= 0 || g.H <= 0 || g.W > maxSide || g.H > maxSide || g.W*g.H != len(g.Pix) {
			return nil, fmt.Errorf("plot: gray image %d (%q): %d×%d does not match len(Pix) = %d", i, g.Caption, g.W, g.H, len(g.Pix))
		}
		s := grayScale(g)
		w += max(g.W*s, textWidth(g.Caption)) + grayPad
		maxH = max(maxH, g.H*s)
		caption = caption || g.Caption != ""
		for _, v := range g.Pix {
			if finite(v) {
				vmin, vmax = min(vmin, v), max(vmax, v)
			}
		}
	}
	h := grayPad + maxH + grayPad
	if caption {
		h += grayCapGap + face.Ascent + face.Descent
	}
	if int64(w)*int64(h) > maxPixels {
		return nil, fmt.Errorf("plot: gray row of %d×%d pixels is too large", w, h)
	}
	if lo == hi && vmin <= vmax {
		lo, hi = vmin, vmax
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	c := &canvas{img: out, clip: out.Bounds()}
	c.fill(out.Bounds(), white)
	x := grayPad
	for _, g := range imgs {
		s := grayScale(g)
		cw := max(g.W*s, textWidth(g.Caption))
		ix := x + (cw-g.W*s)/2
		for j := 0; j < g.H; j++ {
			for i := 0; i < g.W; i++ {
				r := image.Rect(ix+i*s, grayPad+j*s, ix+(i+1)*s, grayPad+(j+1)*s)
				c.fill(r, grayLevel(g.Pix[j*g.W+i], lo, hi))
			}
		}
		if g.Caption != "" {
			drawText(out, x+(cw-textWidth(g.Caption))/2, grayPad+maxH+grayCapGap+face.Ascent, g.Caption, black)
		}
		x += cw + grayPad
	}
	return out, nil
}

// grayLevel maps v linearly from [lo, hi] to black..white, clamped.
func grayLevel(v, lo, hi float64) color.RGBA {
	var t float64
	switch {
	case math.IsNaN(v):
		return nanColor
	case lo == hi && v == lo:
		t = 0.5
	case lo == hi && v > lo:
		t = 1
	case lo == hi:
		t = 0
	default:
		t = math.Max(0, math.Min(1, (v-lo)/(hi-lo)))
	}
	u := uint8(math.Round(255 * t))
	return color.RGBA{u, u, u, 255}
}
