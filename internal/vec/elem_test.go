package vec

import (
	"math/rand/v2"
	"testing"
)

// TestElementwiseGrads checks TanhGrad64 and SigmoidGrad64 bit for bit
// against their Go expressions on every length up to 37 (all the tails),
// on both paths, and in place.
func TestElementwiseGrads(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for n := 0; n <= 37; n++ {
		g, y := make([]float64, n), make([]float64, n)
		for i := range g {
			g[i], y[i] = rng.NormFloat64(), 2*rng.Float64()-1
		}
		for _, asm := range []bool{false, true} {
			if asm && !haveAsm {
				continue
			}
			saved := useAsm
			useAsm = asm
			dt, ds := make([]float64, n), make([]float64, n)
			TanhGrad64(dt, g, y)
			SigmoidGrad64(ds, g, y)
			inPlace := append([]float64(nil), g...)
			TanhGrad64(inPlace, inPlace, y)
			useAsm = saved
			for i := range g {
				if want := g[i] * (1 - y[i]*y[i]); dt[i] != want || inPlace[i] != want {
					t.Fatalf("n %d asm %v: TanhGrad64[%d] = %v (in place %v), want %v", n, asm, i, dt[i], inPlace[i], want)
				}
				if want := g[i] * y[i] * (1 - y[i]); ds[i] != want {
					t.Fatalf("n %d asm %v: SigmoidGrad64[%d] = %v, want %v", n, asm, i, ds[i], want)
				}
			}
		}
	}
}

// TestSumRows64 checks the column sums bit for bit against adding the rows
// in order, for widths covering each block size and tail, on both paths.
func TestSumRows64(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{1, 3, 4, 7, 16, 19, 50} {
		for _, rows := range []int{0, 1, 2, 20} {
			x := make([]float64, rows*n)
			for i := range x {
				x[i] = rng.NormFloat64()
			}
			want := make([]float64, n)
			for r := 0; r < rows; r++ {
				for j := 0; j < n; j++ {
					want[j] += x[r*n+j]
				}
			}
			for _, asm := range []bool{false, true} {
				if asm && !haveAsm {
					continue
				}
				saved := useAsm
				useAsm = asm
				dst := make([]float64, n)
				for i := range dst {
					dst[i] = 99 // overwritten
				}
				SumRows64(dst, x)
				useAsm = saved
				for j := range want {
					if dst[j] != want[j] {
						t.Fatalf("n %d rows %d asm %v: column %d = %v, want %v", n, rows, asm, j, dst[j], want[j])
					}
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("a ragged x did not panic")
		}
	}()
	SumRows64(make([]float64, 3), make([]float64, 7))
}

// TestFillRows64 checks the broadcast copy for every tail of the row width.
func TestFillRows64(t *testing.T) {
	for n := 1; n <= 9; n++ {
		for _, rows := range []int{1, 3} {
			row := make([]float64, n)
			for i := range row {
				row[i] = float64(i + 1)
			}
			for _, asm := range []bool{false, true} {
				if asm && !haveAsm {
					continue
				}
				saved := useAsm
				useAsm = asm
				dst := make([]float64, rows*n+1)
				dst[rows*n] = -7
				FillRows64(dst[:rows*n], row)
				useAsm = saved
				for i := 0; i < rows*n; i++ {
					if dst[i] != row[i%n] {
						t.Fatalf("n %d rows %d asm %v: element %d = %v", n, rows, asm, i, dst[i])
					}
				}
				if dst[rows*n] != -7 {
					t.Fatalf("n %d rows %d asm %v: wrote past the end", n, rows, asm)
				}
			}
		}
	}
}
