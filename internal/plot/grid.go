package plot

import (
	"errors"
	"fmt"
	"image"
	"image/draw"
)

// Grid renders figures side by side, cols per row, into one image.
//
// Every cell has the size of the largest figure (figures of other sizes sit
// in the top-left corner of their cell, on white). When there are fewer
// figures than cols, the image has only len(figs) columns.
func Grid(figs []*Figure, cols int) (*image.RGBA, error) {
	if len(figs) == 0 {
		return nil, errors.New("plot: grid has no figures")
	}
	if cols < 1 {
		return nil, fmt.Errorf("plot: grid needs cols >= 1, got %d", cols)
	}
	imgs := make([]*image.RGBA, len(figs))
	cw, ch := 0, 0
	for i, f := range figs {
		img, err := f.Render()
		if err != nil {
			return nil, fmt.Errorf("plot: grid figure %d: %w", i, err)
		}
		imgs[i] = img
		cw, ch = max(cw, img.Bounds().Dx()), max(ch, img.Bounds().Dy())
	}
	cols = min(cols, len(figs))
	rows := (len(figs) + cols - 1) / cols
	if int64(cols*cw)*int64(rows*ch) > maxPixels {
		return nil, fmt.Errorf("plot: grid of %d×%d figures of %d×%d pixels is too large", cols, rows, cw, ch)
	}
	out := image.NewRGBA(image.Rect(0, 0, cols*cw, rows*ch))
	(&canvas{img: out, clip: out.Bounds()}).fill(out.Bounds(), white)
	for i, img := range imgs {
		at := image.Pt(i%cols*cw, i/cols*ch)
		draw.Draw(out, img.Bounds().Add(at), img, image.Point{}, draw.Src)
	}
	return out, nil
}

// SaveGridPNG renders the figures with [Grid] and writes the image to path
// as a PNG.
func SaveGridPNG(path string, figs []*Figure, cols int) error {
	img, err := Grid(figs, cols)
	if err != nil {
		return err
	}
	return savePNG(path, img)
}
