package plot

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestGrayRowSize(t *testing.T) {
	g := func(caption string, w, h int) Gray {
		return Gray{Caption: caption, W: w, H: h, Pix: make([]float64, w*h)}
	}
	long := strings.Repeat("x", 26) // 182 pixels
	tests := []struct {
		name         string
		imgs         []Gray
		wantW, wantH int
	}{
		// width = 8 + Σ(max(scaled width, caption width) + 8); height = 8 + max scaled height + 8 (+ 17 with captions)
		{"28x28 scaled by 4", []Gray{g("", 28, 28)}, 8 + 112 + 8, 8 + 112 + 8},
		{"two with caption", []Gray{g("a", 28, 28), g("", 10, 20)}, 8 + 112 + 8 + 120 + 8, 8 + 240 + 8 + 17},
		{"large is not scaled", []Gray{g("big", 200, 150)}, 8 + 200 + 8, 8 + 150 + 8 + 17},
		{"caption wider than image", []Gray{g(long, 2, 3)}, 8 + 182 + 8, 8 + 168 + 8 + 17},
		{"one pixel", []Gray{g("", 1, 1)}, 8 + 112 + 8, 8 + 112 + 8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "g.png")
			if err := SaveGrayRow(path, tc.imgs, 0, 1); err != nil {
				t.Fatal(err)
			}
			if b := decodePNG(t, path).Bounds(); b.Dx() != tc.wantW || b.Dy() != tc.wantH {
				t.Errorf("size %d×%d, want %d×%d", b.Dx(), b.Dy(), tc.wantW, tc.wantH)
			}
		})
	}
}

func TestGrayRowValues(t *testing.T) {
	// Two 1×2 images, each scaled by 112 to 112×224, side by side.
	a := Gray{W: 1, H: 2, Pix: []float64{2, 3}}
	b := Gray{W: 1, H: 2, Pix: []float64{-5, 10}}
	at := func(img, y int) (int, int) { return grayPad + img*(112+grayPad) + 50, grayPad + y*112 + 50 }
	tests := []struct {
		name   string
		lo, hi float64
		want   [4]uint8 // a[0], a[1], b[0], b[1]
	}{
		{"fixed range clamps", 2, 4, [4]uint8{0, 128, 0, 255}},
		{"inverted range", 4, 2, [4]uint8{255, 128, 255, 0}},
		{"common min max", 0, 0, [4]uint8{119, 136, 0, 255}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := grayRow([]Gray{a, b}, tc.lo, tc.hi)
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range tc.want {
				x, y := at(k/2, k%2)
				if c := img.RGBAAt(x, y); c.R != want || c.G != want || c.B != want {
					t.Errorf("image %d pixel %d = %v, want gray %d", k/2, k%2, c, want)
				}
			}
		})
	}
}
