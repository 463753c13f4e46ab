package plot_test

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"

	"github.com/acaode/aca/internal/plot"
)

func ExampleFigure_SavePNG() {
	dir, err := os.MkdirTemp("", "plot-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	f := &plot.Figure{
		Title:  "training loss",
		XLabel: "epoch",
		YLabel: "loss",
		LogY:   true,
		Width:  640,
		Height: 400,
		Series: []plot.Series{
			{Name: "train", X: []float64{1, 2, 3, 4}, Y: []float64{1, 0.3, 0.1, 0.05}},
			{Name: "test", X: []float64{1, 2, 3, 4}, Y: []float64{1.2, 0.5, 0.3, 0.25}, Dashed: true, Markers: true},
		},
	}
	path := filepath.Join(dir, "loss.png")
	if err := f.SavePNG(path); err != nil {
		fmt.Println(err)
		return
	}
	r, err := os.Open(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	cfg, err := png.DecodeConfig(r)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%dx%d\n", cfg.Width, cfg.Height)
	// Output: 640x400
}
