package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
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
	for n := 1; n <= 41; n++ {
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

// TestLin32 checks Lin32 bit for bit against its definition, computed
// element by element in float64 with every operation rounded on its own,
// for 1 to 7 terms and every length up to 41, on both paths, in place (out
// is y, or out is a term), and its panics.
func TestLin32(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for nk := 1; nk <= 7; nk++ {
		for n := 0; n <= 41; n++ {
			y := make([]float32, n)
			ks := make([][]float32, nk)
			coefs := make([]float64, nk)
			for j := range ks {
				ks[j] = make([]float32, n)
				coefs[j] = rng.NormFloat64()
				for i := range ks[j] {
					ks[j][i] = float32(rng.NormFloat64())
				}
			}
			for i := range y {
				y[i] = float32(rng.NormFloat64())
			}
			h := 0.1 + rng.Float64()
			want := make([]float32, n)
			for i := range want {
				var s float64
				for j := range ks {
					s = float64(s + float64(coefs[j]*float64(ks[j][i])))
				}
				want[i] = float32(float64(y[i]) + float64(h*s))
			}
			for _, asm := range []bool{false, true} {
				if asm && !haveAsm {
					continue
				}
				saved := useAsm
				useAsm = asm
				out := make([]float32, n)
				Lin32(out, y, h, coefs, ks)
				inY := append([]float32(nil), y...)
				Lin32(inY, inY, h, coefs, ks)
				k0 := append([]float32(nil), ks[0]...)
				inK := append([][]float32{k0}, ks[1:]...)
				Lin32(k0, y, h, coefs, inK)
				useAsm = saved
				for i := range want {
					if out[i] != want[i] || inY[i] != want[i] || k0[i] != want[i] {
						t.Fatalf("%d terms, n %d, asm %v: element %d = %v (out = y: %v, out = k0: %v), want %v", nk, n, asm, i, out[i], inY[i], k0[i], want[i])
					}
				}
			}
		}
	}
	mustPanic(t, "more terms than MaxLinTerms", func() {
		Lin32(nil, nil, 1, make([]float64, MaxLinTerms+1), make([][]float32, MaxLinTerms+1))
	})
	mustPanic(t, "mismatched factors", func() { Lin32(nil, nil, 1, make([]float64, 2), make([][]float32, 1)) })
	mustPanic(t, "a short term", func() {
		Lin32(make([]float32, 4), make([]float32, 4), 1, []float64{1}, [][]float32{make([]float32, 3)})
	})
}

// mustPanic checks that f panics.
func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", what)
		}
	}()
	f()
}

// TestReluMask32 checks ReluMask32 on both paths against its definition
// at every length up to 40, with NaN, ±0 and ±Inf among the x, and in
// place.
func TestReluMask32(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	specials := []float32{float32(math.NaN()), 0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1))}
	for n := 0; n <= 40; n++ {
		v, x := make([]float32, n), make([]float32, n)
		for i := range x {
			v[i], x[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
			if rng.IntN(5) == 0 {
				x[i] = specials[rng.IntN(len(specials))]
			}
		}
		for _, asm := range []bool{false, true} {
			if asm && !haveAsm {
				continue
			}
			saved := useAsm
			useAsm = asm
			dst := make([]float32, n)
			ReluMask32(dst, v, x)
			inV := append([]float32(nil), v...)
			ReluMask32(inV, inV, x)
			inX := append([]float32(nil), x...)
			ReluMask32(inX, inX, inX)
			useAsm = saved
			for i := range x {
				want := float32(0)
				if x[i] > 0 {
					want = v[i]
				}
				wantX := float32(0)
				if x[i] > 0 {
					wantX = x[i]
				}
				if math.Float32bits(dst[i]) != math.Float32bits(want) || math.Float32bits(inV[i]) != math.Float32bits(want) || math.Float32bits(inX[i]) != math.Float32bits(wantX) {
					t.Fatalf("n %d asm %v: element %d (x = %v): %v, in place %v, relu %v; want %v, relu %v", n, asm, i, x[i], dst[i], inV[i], inX[i], want, wantX)
				}
			}
		}
	}
}

// TestErrSquares32 checks ErrSquares32 on both paths, bit for bit, against
// its definition (written with package math, as the solver had it) at
// every length up to 41, for 1 to 7 terms, with zero errors, zero scales
// (atol = 0) and NaN and ±Inf states among the elements.
func TestErrSquares32(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0}
	for nk := 1; nk <= 7; nk++ {
		for n := 0; n <= 41; n++ {
			for _, atol := range []float64{1e-3, 0} {
				ks := make([][]float32, nk)
				coefs := make([]float64, nk)
				for j := range ks {
					ks[j] = make([]float32, n)
					coefs[j] = rng.NormFloat64()
					for i := range ks[j] {
						ks[j][i] = float32(rng.NormFloat64())
					}
				}
				y0, y1 := make([]float32, n), make([]float32, n)
				for i := range y0 {
					y0[i], y1[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
					switch rng.IntN(8) {
					case 0: // no error at this element
						for j := range ks {
							ks[j][i] = 0
						}
						y0[i], y1[i] = 0, 0
					case 1:
						y0[i] = specials[rng.IntN(len(specials))]
					case 2:
						y1[i] = specials[rng.IntN(len(specials))]
					case 3:
						y0[i], y1[i] = specials[rng.IntN(len(specials))], specials[rng.IntN(len(specials))]
					}
				}
				h, rtol := 0.1+rng.Float64(), 1e-3
				var want float64
				for i := range y0 {
					var e float64
					for j := range ks {
						e = float64(e + float64(coefs[j]*float64(ks[j][i])))
					}
					e = float64(e * h)
					sc := atol + rtol*math.Max(math.Abs(float64(y0[i])), math.Abs(float64(y1[i])))
					if e == 0 {
						continue
					}
					q := e / sc
					want += q * q
				}
				for _, asm := range []bool{false, true} {
					if asm && !haveAsm {
						continue
					}
					saved := useAsm
					useAsm = asm
					got := ErrSquares32(h, coefs, ks, y0, y1, rtol, atol)
					useAsm = saved
					if math.Float64bits(got) != math.Float64bits(want) && !(got != got && want != want) {
						t.Fatalf("%d terms, n %d, atol %g, asm %v: %v, want %v", nk, n, atol, asm, got, want)
					}
				}
			}
		}
	}
}

// TestScale64 checks Scale64 on both paths at every length up to 40, in
// place too, bit for bit.
func TestScale64(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	for n := 0; n <= 40; n++ {
		x := make([]float64, n)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		a := rng.NormFloat64()
		for _, asm := range []bool{false, true} {
			if asm && !haveAsm {
				continue
			}
			saved := useAsm
			useAsm = asm
			dst := make([]float64, n)
			Scale64(dst, a, x)
			in := append([]float64(nil), x...)
			Scale64(in, a, in)
			useAsm = saved
			for i := range x {
				if dst[i] != a*x[i] || in[i] != a*x[i] {
					t.Fatalf("n %d asm %v: element %d = %v (in place %v), want %v", n, asm, i, dst[i], in[i], a*x[i])
				}
			}
		}
	}
}

// TestDeinterleave64 checks Deinterleave64 on both paths at every length
// up to 21.
func TestDeinterleave64(t *testing.T) {
	for n := 0; n <= 21; n++ {
		src := make([]float64, 2*n)
		for i := range src {
			src[i] = float64(i) + 0.5
		}
		for _, asm := range []bool{false, true} {
			if asm && !haveAsm {
				continue
			}
			saved := useAsm
			useAsm = asm
			d0, d1 := make([]float64, n), make([]float64, n)
			Deinterleave64(d0, d1, src)
			useAsm = saved
			for r := range d0 {
				if d0[r] != src[2*r] || d1[r] != src[2*r+1] {
					t.Fatalf("n %d asm %v: row %d = (%v, %v), want (%v, %v)", n, asm, r, d0[r], d1[r], src[2*r], src[2*r+1])
				}
			}
		}
	}
}

// TestScale32 checks Scale32 on both paths at every length up to 40, in
// place too, bit for bit (a zero scale of a negative value gives −0).
func TestScale32(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for n := 0; n <= 40; n++ {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		for _, a := range []float32{float32(rng.NormFloat64()), 0, -1} {
			for _, asm := range []bool{false, true} {
				if asm && !haveAsm {
					continue
				}
				saved := useAsm
				useAsm = asm
				dst := make([]float32, n+1)
				dst[n] = 7 // a guard past the end
				Scale32(dst[:n], a, x)
				in := append([]float32(nil), x...)
				Scale32(in, a, in)
				useAsm = saved
				for i := range x {
					want := math.Float32bits(a * x[i])
					if math.Float32bits(dst[i]) != want || math.Float32bits(in[i]) != want {
						t.Fatalf("n %d a %v asm %v: element %d = %v (in place %v), want %v", n, a, asm, i, dst[i], in[i], a*x[i])
					}
				}
				if dst[n] != 7 {
					t.Fatalf("n %d asm %v: wrote past the end", n, asm)
				}
			}
		}
	}
}

// TestInterleaveAdd64 checks InterleaveAdd64 on both paths at every length
// up to 21, bit for bit.
func TestInterleaveAdd64(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for n := 0; n <= 21; n++ {
		c0, d0, d1 := make([]float64, 2*n), make([]float64, n), make([]float64, n)
		for i := range c0 {
			c0[i] = rng.NormFloat64()
		}
		for i := range d0 {
			d0[i], d1[i] = rng.NormFloat64(), rng.NormFloat64()
		}
		for _, asm := range []bool{false, true} {
			if asm && !haveAsm {
				continue
			}
			saved := useAsm
			useAsm = asm
			c := append([]float64(nil), c0...)
			InterleaveAdd64(c, d0, d1)
			useAsm = saved
			for r := range d0 {
				if c[2*r] != c0[2*r]+d0[r] || c[2*r+1] != c0[2*r+1]+d1[r] {
					t.Fatalf("n %d asm %v: row %d = (%v, %v), want (%v, %v)", n, asm, r, c[2*r], c[2*r+1], c0[2*r]+d0[r], c0[2*r+1]+d1[r])
				}
			}
		}
	}
}

// TestAddProduct checks AddProduct64 and AddProduct32 on both paths at
// every length up to 40 against adding a scaled copy (the product rounded
// first), in place too.
func TestAddProduct(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for n := 0; n <= 40; n++ {
		y0, x := make([]float64, n), make([]float64, n)
		y032, x32 := make([]float32, n), make([]float32, n)
		for i := range x {
			y0[i], x[i] = rng.NormFloat64(), rng.NormFloat64()
			y032[i], x32[i] = float32(y0[i]), float32(x[i])
		}
		a := rng.NormFloat64()
		for _, asm := range []bool{false, true} {
			if asm && !haveAsm {
				continue
			}
			saved := useAsm
			useAsm = asm
			y := append([]float64(nil), y0...)
			AddProduct64(y, a, x)
			self := append([]float64(nil), x...)
			AddProduct64(self, a, self)
			y32 := append([]float32(nil), y032...)
			AddProduct32(y32, float32(a), x32)
			useAsm = saved
			for i := range x {
				p := float64(a * x[i])
				if y[i] != y0[i]+p || self[i] != x[i]+p {
					t.Fatalf("n %d asm %v: AddProduct64[%d] = %v (in place %v), want %v", n, asm, i, y[i], self[i], y0[i]+p)
				}
				p32 := float32(float32(a) * x32[i])
				if y32[i] != y032[i]+p32 {
					t.Fatalf("n %d asm %v: AddProduct32[%d] = %v, want %v", n, asm, i, y32[i], y032[i]+p32)
				}
			}
		}
	}
}

// TestAffineNormGrad32 checks Affine32 and NormGrad32 on both paths, bit
// for bit, against their expressions with every operation rounded on its
// own, at every length up to 40 and in place.
func TestAffineNormGrad32(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	for n := 0; n <= 40; n++ {
		x, g := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], g[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		a, b := float32(rng.NormFloat64()), float32(rng.NormFloat64())
		k, mu, inv, c1, c2 := rng.NormFloat64(), rng.NormFloat64(), rng.Float64()+0.5, rng.NormFloat64(), rng.NormFloat64()
		for _, asm := range []bool{false, true} {
			if asm && !haveAsm {
				continue
			}
			saved := useAsm
			useAsm = asm
			aff := make([]float32, n)
			Affine32(aff, x, a, b)
			affIn := append([]float32(nil), x...)
			Affine32(affIn, affIn, a, b)
			ng := make([]float32, n)
			NormGrad32(ng, g, x, k, mu, inv, c1, c2)
			ngIn := append([]float32(nil), g...)
			NormGrad32(ngIn, ngIn, x, k, mu, inv, c1, c2)
			useAsm = saved
			for i := range x {
				wa := float32(float32(x[i]*a) + b)
				p := float64(float64(k*float64(g[i])) - c1)
				q := float64(float64(float64(float64(x[i])-mu)*inv) * c2)
				wn := float32(p - q)
				if aff[i] != wa || affIn[i] != wa || ng[i] != wn || ngIn[i] != wn {
					t.Fatalf("n %d asm %v: element %d: affine %v (in place %v) want %v; norm grad %v (in place %v) want %v", n, asm, i, aff[i], affIn[i], wa, ng[i], ngIn[i], wn)
				}
			}
		}
	}
}

// TestReductions32 checks Sum32, SqDev32 and DotDev32 on both paths, bit
// for bit, against the documented order written out (eight lanes, their
// fixed combination, then the tail), at every length up to 45.
func TestReductions32(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 30))
	ref := func(n int, term func(i int) float64) float64 {
		n8 := n &^ 7
		var l [8]float64
		for i := 0; i < n8; i++ {
			l[i%8] = float64(l[i%8] + term(i))
		}
		s := float64(float64(float64(l[0]+l[4])+float64(l[2]+l[6])) + float64(float64(l[1]+l[5])+float64(l[3]+l[7])))
		for i := n8; i < n; i++ {
			s = float64(s + term(i))
		}
		return s
	}
	for n := 0; n <= 45; n++ {
		x, g := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], g[i] = float32(rng.NormFloat64()*3+1), float32(rng.NormFloat64())
		}
		mu := rng.NormFloat64()
		ws := ref(n, func(i int) float64 { return float64(x[i]) })
		wq := ref(n, func(i int) float64 { d := float64(float64(x[i]) - mu); return float64(d * d) })
		wa := ref(n, func(i int) float64 { return float64(g[i]) })
		wb := ref(n, func(i int) float64 { return float64(float64(g[i]) * float64(float64(x[i])-mu)) })
		for _, asm := range []bool{false, true} {
			if asm && !haveAsm {
				continue
			}
			saved := useAsm
			useAsm = asm
			s, q := Sum32(x), SqDev32(x, mu)
			a, b := DotDev32(g, x, mu)
			useAsm = saved
			if s != ws || q != wq || a != wa || b != wb {
				t.Fatalf("n %d asm %v: sum %v want %v, sqdev %v want %v, dotdev (%v, %v) want (%v, %v)", n, asm, s, ws, q, wq, a, b, wa, wb)
			}
		}
	}
}

// TestAllFinite32 checks AllFinite32 on both paths with a NaN, +Inf or
// -Inf at each position of arrays of several lengths (across the
// assembly's blocks of 16 and its checks every 256), and without.
func TestAllFinite32(t *testing.T) {
	bad := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	for _, n := range []int{0, 1, 15, 16, 17, 255, 256, 257, 600} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(i) - 300.5
		}
		copy(x, []float32{math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32})
		for _, asm := range []bool{false, true} {
			if asm && !haveAsm {
				continue
			}
			saved := useAsm
			useAsm = asm
			if !AllFinite32(x) {
				t.Errorf("n %d asm %v: finite values reported non-finite", n, asm)
			}
			for i := 0; i < n; i++ {
				for _, b := range bad {
					old := x[i]
					x[i] = b
					if AllFinite32(x) {
						t.Fatalf("n %d asm %v: %v at %d not found", n, asm, b, i)
					}
					x[i] = old
				}
			}
			useAsm = saved
		}
	}
}

// TestWinoInputRows32 checks both paths of WinoInputRows32 bit for bit
// against the transform written on rows in their natural column order
// (tile t covering columns 2t … 2t+3), for tile counts around the block of
// eight, both halves, and that nothing beyond the n8 tiles of each row of
// v is written; and that a too-small he panics.
func TestWinoInputRows32(t *testing.T) {
	paths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(51, 52))
		for _, n := range []int{1, 7, 8, 9, 14, 16, 23} {
			for _, second := range []bool{false, true} {
				n8 := (n + 7) &^ 7
				he := n8 + 1 // the least it takes, as package tensor gives it
				// Natural rows of 2·he columns, and their split forms.
				var nat, split [3][]float32
				for i := range nat {
					nat[i] = make([]float32, 2*he)
					split[i] = make([]float32, 2*he)
					for c := range nat[i] {
						nat[i][c] = float32(rng.NormFloat64())
						split[i][c/2+c%2*he] = nat[i][c]
					}
				}
				ldv := n8 + 5
				const guard = 1234.5
				v := make([]float32, 8*ldv)
				for i := range v {
					v[i] = guard
				}
				WinoInputRows32(split[0], split[1], split[2], he, v, ldv, n, second)
				p, q, r := nat[0], nat[1], nat[2]
				for tile := 0; tile < n8; tile++ {
					var a, b [4]float32
					for j := 0; j < 4; j++ {
						c := 2*tile + j
						if second {
							a[j], b[j] = q[c]-p[c], p[c]-r[c]
						} else {
							a[j], b[j] = p[c]-r[c], q[c]+r[c]
						}
					}
					var want [8]float32
					for h, s := range [2][4]float32{a, b} {
						want[4*h], want[4*h+1], want[4*h+2], want[4*h+3] = s[0]-s[2], s[1]+s[2], s[2]-s[1], s[1]-s[3]
					}
					for row, w := range want {
						if got := v[row*ldv+tile]; math.Float32bits(got) != math.Float32bits(w) {
							t.Fatalf("n %d second %v: tile %d row %d = %v, want %v", n, second, tile, row, got, w)
						}
					}
				}
				for row := 0; row < 8; row++ {
					for i := n8; i < ldv; i++ {
						if v[row*ldv+i] != guard {
							t.Fatalf("n %d second %v: wrote v[%d] of row %d beyond the %d tiles", n, second, i, row, n8)
						}
					}
				}
			}
		}
	})
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "he 8") {
			t.Fatalf("panic %v, want one naming he 8", r)
		}
	}()
	row := make([]float32, 16)
	WinoInputRows32(row, row, row, 8, make([]float32, 64), 8, 8, false)
}

// TestWinoOutputRow32 checks both paths of WinoOutputRow32 bit for bit
// against the output transform written tile by tile, for tile counts
// around the block of eight and both output rows, and that nothing past
// y[2n] is written; and that a short m panics.
func TestWinoOutputRow32(t *testing.T) {
	paths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(61, 62))
		for _, n := range []int{1, 3, 7, 8, 9, 14, 16, 21} {
			for _, second := range []bool{false, true} {
				ldm := (n+7)&^7 + 3
				m := make([]float32, 12*ldm)
				for i := range m {
					m[i] = float32(rng.NormFloat64())
				}
				bias := float32(rng.NormFloat64())
				const guard = -99.5
				y := make([]float32, 2*n+9)
				for i := range y {
					y[i] = guard
				}
				WinoOutputRow32(m, ldm, y, n, bias, second)
				for tile := 0; tile < n; tile++ {
					var s [4]float32
					for j := range s {
						a, b, c := m[j*ldm+tile], m[(4+j)*ldm+tile], m[(8+j)*ldm+tile]
						if second {
							s[j] = a - b - c
						} else {
							s[j] = a + b + c
						}
					}
					want := [2]float32{s[0] + s[1] + s[2] + bias, s[1] - s[2] - s[3] + bias}
					for h, w := range want {
						if got := y[2*tile+h]; math.Float32bits(got) != math.Float32bits(w) {
							t.Fatalf("n %d second %v: y[%d] = %v, want %v", n, second, 2*tile+h, got, w)
						}
					}
				}
				for i := 2 * n; i < len(y); i++ {
					if y[i] != guard {
						t.Fatalf("n %d second %v: wrote y[%d] past the %d outputs", n, second, i, 2*n)
					}
				}
			}
		}
	})
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "m of 95") {
			t.Fatalf("panic %v, want one naming m's length", r)
		}
	}()
	WinoOutputRow32(make([]float32, 95), 8, make([]float32, 16), 8, 0, false)
}

// TestWinoGradOutputRows32 checks both paths of WinoGradOutputRows32 bit
// for bit against the transform written tile by tile (A g Aᵀ with A's rows
// (1 0), (1 1), (1 −1), (0 −1)), for tile counts around the block of eight
// (the last partial block is redone as the last eight tiles), inputs with
// signed zeros (negation must flip them), and that nothing beyond a row's
// n tiles or the rows' 2n columns is touched; and that a short v panics.
func TestWinoGradOutputRows32(t *testing.T) {
	paths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(71, 72))
		for _, n := range []int{0, 1, 3, 7, 8, 9, 14, 16, 21, 28} {
			ldv := n + 5
			g := make([]float32, 2*(2*n+3))
			for i := range g {
				switch i % 7 {
				case 3:
					g[i] = 0
				case 5:
					g[i] = float32(math.Copysign(0, -1))
				default:
					g[i] = float32(rng.NormFloat64())
				}
			}
			g0, g1 := g[:2*n], g[2*n+3:4*n+3] // the rows' ends are not read
			g0[:cap(g0)][2*n] = 1e30          // a value after row 0 the kernel must not read
			const guard = -77.25
			v := make([]float32, 16*ldv)
			for i := range v {
				v[i] = guard
			}
			WinoGradOutputRows32(g0, g1, v, ldv, n)
			for tile := 0; tile < n; tile++ {
				a := [2]float32{g0[2*tile], g0[2*tile+1]}
				e := [2]float32{g1[2*tile], g1[2*tile+1]}
				pairs := [4][2]float32{a, {a[0] + e[0], a[1] + e[1]}, {a[0] - e[0], a[1] - e[1]}, {-e[0], -e[1]}}
				for h, x := range pairs {
					want := [4]float32{x[0], x[0] + x[1], x[0] - x[1], -x[1]}
					for r, w := range want {
						xi := 4*h + r
						if got := v[xi*ldv+tile]; math.Float32bits(got) != math.Float32bits(w) {
							t.Fatalf("n %d: tile %d, ξ %d = %v (bits %#x), want %v (bits %#x)", n, tile, xi, got, math.Float32bits(got), w, math.Float32bits(w))
						}
					}
				}
			}
			for row := 0; row < 16; row++ {
				for i := n; i < ldv; i++ {
					if v[row*ldv+i] != guard {
						t.Fatalf("n %d: wrote v[%d] of row %d beyond the %d tiles", n, i, row, n)
					}
				}
			}
		}
	})
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "v of 100") {
			t.Fatalf("panic %v, want one naming v's length", r)
		}
	}()
	row := make([]float32, 16)
	WinoGradOutputRows32(row, row, make([]float32, 100), 8, 8)
}

// TestWinoGradInputRows32 checks both paths of WinoGradInputRows32 bit
// for bit against package tensor's tile-by-tile loop (copied here as the
// reference), for tile counts around the block of eight, rows 0 and 1
// holding values to add into, signed zeros, and NaN in P's lanes past the
// n tiles (which the last block reads but must not use); and that nothing
// past column 2n+1 of a row is touched, and a short q panics.
func TestWinoGradInputRows32(t *testing.T) {
	paths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(81, 82))
		for _, n := range []int{1, 2, 3, 7, 8, 9, 14, 15, 16, 21, 28} {
			ldp := (n+7)&^7 + 3
			p := make([]float32, 16*ldp)
			for i := range p {
				switch {
				case i%ldp >= n:
					p[i] = float32(math.NaN())
				case i%5 == 2:
					p[i] = float32(math.Copysign(0, -1))
				default:
					p[i] = float32(rng.NormFloat64())
				}
			}
			ldq := 2*n + 2 + 3
			const guard = -55.5
			q := make([]float32, 4*ldq)
			for i := range q {
				switch {
				case i%ldq >= 2*n+2:
					q[i] = guard
				case i/ldq < 2 && i%3 == 0:
					q[i] = float32(math.Copysign(0, -1))
				case i/ldq < 2:
					q[i] = float32(rng.NormFloat64())
				default:
					q[i] = float32(math.NaN()) // rows 2 and 3 are set, not read
				}
			}
			want := slices.Clone(q)
			refWinoGradInputRow(p, ldp, want[:ldq], want[ldq:2*ldq], want[2*ldq:3*ldq], want[3*ldq:], n)
			WinoGradInputRows32(p, ldp, q, ldq, n)
			for i := range q {
				if math.Float32bits(q[i]) != math.Float32bits(want[i]) {
					t.Fatalf("n %d: row %d column %d = %v, want %v", n, i/ldq, i%ldq, q[i], want[i])
				}
			}
		}
	})
	mustPanicWith := func(what string, f func()) {
		t.Helper()
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), what) {
				t.Fatalf("panic %v, want one naming %s", r, what)
			}
		}()
		f()
	}
	mustPanicWith("q of 60", func() { WinoGradInputRows32(make([]float32, 16*8), 8, make([]float32, 60), 18, 8) })
	// p must reach the next multiple of 8 tiles in its last row: 3 tiles
	// read 8.
	mustPanicWith("p of 123", func() { WinoGradInputRows32(make([]float32, 15*8+3), 8, make([]float32, 4*8), 8, 3) })
}

// refWinoGradInputRow is package tensor's scalar winoGradInputRow for n
// tiles whose P rows are ldp apart, on rows q0 … q3 of at least 2n+2.
func refWinoGradInputRow(p []float32, ldp int, q0, q1, q2, q3 []float32, n int) {
	l := ldp
	var c00, c01, c10, c11, c20, c21, c30, c31 float32
	k := 0
	for t := 0; t < n; k, t = k+2, t+1 {
		s := p[t:]
		r0, r1, r2, r3 := s[0], s[l], s[2*l], s[3*l]
		q0[k] += c00 + r0
		q0[k+1] += c01 + (r1 - r2 + r3)
		c00, c01 = r1+r2-r0, -r3
		r0 = s[4*l] - s[8*l] + s[12*l]
		r1 = s[5*l] - s[9*l] + s[13*l]
		r2 = s[6*l] - s[10*l] + s[14*l]
		r3 = s[7*l] - s[11*l] + s[15*l]
		q1[k] += c10 + r0
		q1[k+1] += c11 + (r1 - r2 + r3)
		c10, c11 = r1+r2-r0, -r3
		r0 = s[4*l] + s[8*l] - s[0]
		r1 = s[5*l] + s[9*l] - s[l]
		r2 = s[6*l] + s[10*l] - s[2*l]
		r3 = s[7*l] + s[11*l] - s[3*l]
		q2[k] = c20 + r0
		q2[k+1] = c21 + (r1 - r2 + r3)
		c20, c21 = r1+r2-r0, -r3
		r0, r1, r2, r3 = s[12*l], s[13*l], s[14*l], s[15*l]
		q3[k] = c30 - r0
		q3[k+1] = c31 - (r1 - r2 + r3)
		c30, c31 = r0-r1-r2, r3
	}
	q0[k] += c00
	q0[k+1] += c01
	q1[k] += c10
	q1[k+1] += c11
	q2[k], q2[k+1] = c20, c21
	q3[k], q3[k+1] = c30, c31
}

// TestWinoDotsBlocksSameBits checks that the assembly's blocks of three rows
// give each sum the same bits as its blocks of two: WinoDots32 (three-row
// blocks, the last rows in pairs) against winoDotsGrid32AVX2 over all the
// rows, for every split of the even rows (m2 mod 3 = 0, 1, 2), in both
// modes.
func TestWinoDotsBlocksSameBits(t *testing.T) {
	if !haveAsm {
		t.Skip("assembly kernels not available")
	}
	rng := rand.New(rand.NewPCG(93, 94))
	for _, m := range []int{2, 3, 4, 6, 8, 10, 12, 16, 17, 64, 128} {
		for _, accum := range []bool{false, true} {
			n, k := 8, 40
			lda, ldb, ldc := k+3, k+1, n+1
			a, b := make([]float32, (m-1)*lda+k), make([]float32, (n-1)*ldb+k)
			for i := range a {
				a[i] = float32(rng.NormFloat64())
			}
			for i := range b {
				b[i] = float32(rng.NormFloat64())
			}
			c0 := make([]float32, m*ldc)
			for i := range c0 {
				c0[i] = float32(rng.NormFloat64())
			}
			got, want := append([]float32(nil), c0...), append([]float32(nil), c0...)
			WinoDots32(m, n, k, a, lda, b, ldb, got, ldc, accum)
			winoDotsGrid32AVX2(m/2, n/4, &a[0], lda, &b[0], ldb, k, &want[0], ldc, b2i(accum))
			for i := 0; i < m&^1; i++ {
				for j := 0; j < ldc; j++ {
					if g, w := got[i*ldc+j], want[i*ldc+j]; math.Float32bits(g) != math.Float32bits(w) {
						t.Fatalf("m %d accum %v: C(%d, %d) = %v, pairs give %v", m, accum, i, j, g, w)
					}
				}
			}
		}
	}
}

// TestWinoDots32 checks WinoDots32 on both paths against float64 sums,
// for sizes with and without a last row and last columns outside the 2×4
// blocks, k = 0, and both modes; that C's elements beside the result are
// left alone; that both paths agree to a rounding or two; and that a k
// that is not a multiple of 8 panics.
func TestWinoDots32(t *testing.T) {
	results := map[bool][][]float32{}
	paths(t, func(t *testing.T) {
		asm := useAsm
		rng := rand.New(rand.NewPCG(91, 92))
		for _, sz := range [][3]int{{2, 4, 8}, {32, 32, 200}, {3, 7, 16}, {5, 9, 0}, {1, 3, 24}, {6, 12, 256}, {10, 8, 16}, {11, 5, 24}, {9, 4, 8}} {
			m, n, k := sz[0], sz[1], sz[2]
			for _, accum := range []bool{false, true} {
				lda, ldb, ldc := k+5, k+3, n+2
				a, b := make([]float32, max(1, (m-1)*lda+k)), make([]float32, max(1, (n-1)*ldb+k)) // as short as allowed
				for i := range a {
					a[i] = float32(rng.NormFloat64())
				}
				for i := range b {
					b[i] = float32(rng.NormFloat64())
				}
				c := make([]float32, m*ldc)
				for i := range c {
					c[i] = float32(rng.NormFloat64())
				}
				c0 := append([]float32(nil), c...)
				WinoDots32(m, n, k, a, lda, b, ldb, c, ldc, accum)
				results[asm] = append(results[asm], c)
				for i := 0; i < m; i++ {
					for j := 0; j < ldc; j++ {
						got := c[i*ldc+j]
						if j >= n {
							if got != c0[i*ldc+j] {
								t.Fatalf("m %d n %d k %d: wrote C(%d, %d) beside the result", m, n, k, i, j)
							}
							continue
						}
						want, mag := 0.0, 0.0
						for p := 0; p < k; p++ {
							v := float64(a[i*lda+p]) * float64(b[j*ldb+p])
							want, mag = want+v, mag+math.Abs(v)
						}
						if accum {
							want += float64(c0[i*ldc+j])
							mag += math.Abs(float64(c0[i*ldc+j]))
						}
						if d := math.Abs(float64(got) - want); d > 1e-6*(mag+1) {
							t.Fatalf("m %d n %d k %d accum %v: C(%d, %d) = %v, want %v", m, n, k, accum, i, j, got, want)
						}
					}
				}
			}
		}
	})
	// The paths take the same lanes in the same order; the portable one's
	// fused multiply-adds round twice (through float64), which may move a
	// sum by an ulp now and then, not more.
	if g, a := results[false], results[true]; len(a) > 0 {
		differ := 0
		for r := range g {
			for i := range g[r] {
				if g[r][i] == a[r][i] {
					continue
				}
				differ++
				if d := int64(math.Float32bits(g[r][i])) - int64(math.Float32bits(a[r][i])); d < -1 || d > 1 || differ > 8 {
					t.Fatalf("case %d element %d: Go %v, assembly %v (%d elements differ so far)", r, i, g[r][i], a[r][i], differ)
				}
			}
		}
	}
	// Nothing to do, or nothing to read: no panic, nothing written.
	WinoDots32(3, 0, 0, nil, 0, nil, 0, nil, 10, false)
	WinoDots32(0, 4, 8, nil, 8, make([]float32, 32), 8, nil, 4, false)
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"k not a multiple of 8", func() {
			WinoDots32(2, 4, 12, make([]float32, 64), 12, make([]float32, 64), 12, make([]float32, 8), 4, false)
		}, "k 12"},
		{"a stride that overflows", func() {
			WinoDots32(2, 4, 8, make([]float32, 8), math.MaxInt64-3, make([]float32, 32), 8, make([]float32, 8), 4, false)
		}, "slices of 8"},
		{"c too short", func() {
			WinoDots32(2, 4, 8, make([]float32, 16), 8, make([]float32, 32), 8, make([]float32, 7), 4, false)
		}, "slices of 16, 32 and 7"},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Fatalf("%s: panic %v, want one naming %q", tc.name, r, tc.want)
				}
			}()
			tc.f()
		}()
	}
}

// TestDeinterleaveRows32 checks DeinterleaveRows32 on both paths against
// a plain loop for 1 to 3 rows of 0 to 20 pairs with gaps between the rows,
// bit for bit, and that nothing else of d0 and d1 is written.
func TestDeinterleaveRows32(t *testing.T) {
	paths(t, func(t *testing.T) {
		for _, rows := range []int{1, 3} {
			for n := 0; n <= 20; n++ {
				ldd, lds := n+3, 2*n+5
				src := make([]float32, rows*lds)
				for i := range src {
					src[i] = float32(i) + 0.25
				}
				d0, d1 := make([]float32, rows*ldd), make([]float32, rows*ldd)
				for i := range d0 {
					d0[i], d1[i] = -1, -2
				}
				want0, want1 := append([]float32(nil), d0...), append([]float32(nil), d1...)
				for i := 0; i < rows; i++ {
					for r := 0; r < n; r++ {
						want0[i*ldd+r], want1[i*ldd+r] = src[i*lds+2*r], src[i*lds+2*r+1]
					}
				}
				DeinterleaveRows32(d0, d1, ldd, src, lds, rows, n)
				for i := range d0 {
					if d0[i] != want0[i] || d1[i] != want1[i] {
						t.Fatalf("%d rows of %d: element %d = (%v, %v), want (%v, %v)", rows, n, i, d0[i], d1[i], want0[i], want1[i])
					}
				}
			}
		}
	})
}

// TestWinoInputPlane32 checks WinoInputPlane32 on both paths bit for bit
// against WinoInputRows32 called tile row by tile row, and that it writes
// nothing of v beyond the last tile row's blocks.
func TestWinoInputPlane32(t *testing.T) {
	paths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(93, 94))
		for _, c := range []struct{ n, trows, tw int }{{1, 1, 1}, {8, 2, 8}, {14, 7, 14}, {14, 3, 14}, {4, 4, 4}, {17, 2, 17}} {
			n8 := (c.n + 7) &^ 7
			he, ldv := n8+1, c.trows*c.tw+n8+3
			strip := make([]float32, 2*he*(2*c.trows+2))
			for i := range strip {
				strip[i] = float32(rng.NormFloat64())
			}
			size := 16*ldv + 5
			got, want := make([]float32, size), make([]float32, size)
			for i := range got {
				got[i] = float32(i)
				want[i] = float32(i)
			}
			for i := 0; i < c.trows; i++ {
				r := strip[4*he*i:]
				WinoInputRows32(r, r[2*he:], r[4*he:], he, want[i*c.tw:], ldv, c.n, false)
				WinoInputRows32(r[2*he:], r[4*he:], r[6*he:], he, want[i*c.tw+8*ldv:], ldv, c.n, true)
			}
			WinoInputPlane32(strip, he, got, ldv, c.n, c.trows, c.tw)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%+v: v[%d] = %v, want %v", c, i, got[i], want[i])
				}
			}
		}
	})
}

// TestWinoOutputPlane32 checks WinoOutputPlane32 on both paths bit for bit
// against WinoOutputRow32 called row by row, for widths with and without a
// partial last block, and that it writes nothing of y between or after
// the rows (guard values).
func TestWinoOutputPlane32(t *testing.T) {
	paths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(95, 96))
		for _, c := range []struct{ n, trows, tw, gap int }{{1, 1, 1, 0}, {8, 2, 8, 1}, {14, 7, 14, 0}, {14, 3, 15, 1}, {3, 4, 4, 3}, {17, 2, 17, 0}, {16, 3, 16, 2}} {
			n8 := (c.n + 7) &^ 7
			ldm, ldy := c.trows*c.tw+n8+2, 2*c.n+c.gap
			m := make([]float32, 16*ldm)
			for i := range m {
				m[i] = float32(rng.NormFloat64())
			}
			size := 2*c.trows*ldy + 9
			got, want := make([]float32, size), make([]float32, size)
			for i := range got {
				got[i], want[i] = float32(-i), float32(-i)
			}
			bias := float32(rng.NormFloat64())
			for i := 0; i < c.trows; i++ {
				WinoOutputRow32(m[i*c.tw:], ldm, want[2*i*ldy:], c.n, bias, false)
				WinoOutputRow32(m[i*c.tw+4*ldm:], ldm, want[(2*i+1)*ldy:], c.n, bias, true)
			}
			WinoOutputPlane32(m, ldm, got, ldy, c.n, c.trows, c.tw, bias)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%+v: y[%d] = %v, want %v", c, i, got[i], want[i])
				}
			}
		}
	})
}

// TestWinoGradOutputPlane32 checks WinoGradOutputPlane32 on both paths bit
// for bit against WinoGradOutputRows32 called tile row by tile row, for
// widths below, at and past a multiple of eight tiles (below eight, the
// assembly's block of eight against rows padded with zeros), and that it
// writes nothing else of v.
func TestWinoGradOutputPlane32(t *testing.T) {
	paths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(97, 98))
		for _, c := range []struct{ n, trows, tw, gap int }{{3, 2, 3, 0}, {3, 3, 4, 1}, {7, 2, 7, 0}, {1, 4, 1, 0}, {8, 2, 8, 1}, {14, 7, 14, 0}, {14, 3, 15, 2}, {17, 2, 17, 0}, {16, 3, 16, 2}} {
			ldg, ldv := 2*c.n+c.gap, c.trows*c.tw+max(c.n, 8)+3
			g := make([]float32, 2*c.trows*ldg)
			for i := range g {
				g[i] = float32(rng.NormFloat64())
			}
			size := 16*ldv + 5
			got, want := make([]float32, size), make([]float32, size)
			for i := range got {
				got[i], want[i] = float32(i), float32(i)
			}
			for i := 0; i < c.trows; i++ {
				g0, g1, n := g[2*i*ldg:], g[(2*i+1)*ldg:], c.n
				if n < 8 && useAsm { // one block of eight tiles, from zeros past the row
					g0, g1, n = append(g0[:2*n:2*n], make([]float32, 16-2*n)...), append(g1[:2*n:2*n], make([]float32, 16-2*n)...), 8
				}
				WinoGradOutputRows32(g0, g1, want[i*c.tw:], ldv, n)
			}
			WinoGradOutputPlane32(g, ldg, got, ldv, c.n, c.trows, c.tw)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%+v: v[%d] = %v, want %v", c, i, got[i], want[i])
				}
			}
		}
	})
}

// TestMaxAbsDiff32 checks MaxAbsDiff32 on both paths against a plain loop
// at every length up to 40, with NaN, ±Inf and −0 among the elements.
func TestMaxAbsDiff32(t *testing.T) {
	paths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(99, 100))
		nan := float32(math.NaN())
		inf := float32(math.Inf(1))
		for n := 0; n <= 40; n++ {
			for trial := 0; trial < 6; trial++ {
				a, b := make([]float32, n), make([]float32, n+2)
				for i := range a {
					a[i], b[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
				}
				if n > 0 {
					switch trial {
					case 1:
						a[rng.IntN(n)] = nan
					case 2:
						b[rng.IntN(n)] = nan
					case 3:
						b[rng.IntN(n)] = -inf
					case 4:
						copy(b, a) // all differences zero
						a[rng.IntN(n)] = float32(math.Copysign(0, -1))
					case 5:
						b[rng.IntN(n)] = 1e30
					}
				}
				var wd, ws float64
				for i := range a { // ode's diffScale, which this replaces
					w := float64(b[i])
					if e := math.Abs(float64(a[i]) - w); e > wd || e != e {
						wd = e
					}
					if m := math.Abs(w); m > ws {
						ws = m
					}
				}
				d, s := MaxAbsDiff32(a, b)
				if (d != wd && !(d != d && wd != wd)) || s != ws {
					t.Fatalf("n %d trial %d: (%v, %v), want (%v, %v)", n, trial, d, s, wd, ws)
				}
			}
		}
	})
}

// TestChunkKernelChecks checks that the chunk-at-a-time wrappers accept
// slices of exactly the length they need and panic, naming themselves,
// when any one of them is one element shorter (TestKernelsWithinBounds
// checks that the kernels stay within those lengths).
func TestChunkKernelChecks(t *testing.T) {
	type call struct {
		name string
		lens []int
		run  func(s [][]float32)
	}
	const n, trows, tw = 11, 3, 12
	n8 := (n + 7) &^ 7
	he, ldv := n8+1, n8
	calls := []call{
		{"DeinterleaveRows32", []int{2*(2*n) + n, 2*(2*n) + n, 2*(2*n) + 2*n}, func(s [][]float32) { DeinterleaveRows32(s[0], s[1], 2*n, s[2], 2*n, 3, n) }},
		{"WinoInputPlane32", []int{2 * he * (2*trows + 2), 15*ldv + (trows-1)*tw + n8}, func(s [][]float32) { WinoInputPlane32(s[0], he, s[1], ldv, n, trows, tw) }},
		{"WinoOutputPlane32", []int{15*ldv + (trows-1)*tw + n8, (2*trows-1)*2*n + 2*n}, func(s [][]float32) { WinoOutputPlane32(s[0], ldv, s[1], 2*n, n, trows, tw, 1) }},
		{"WinoGradOutputPlane32", []int{(2*trows-1)*2*n + 2*n, 15*ldv + (trows-1)*tw + n}, func(s [][]float32) { WinoGradOutputPlane32(s[0], 2*n, s[1], ldv, n, trows, tw) }},
		{"WinoGradOutputPlane32 (short rows)", []int{(2*trows-1)*6 + 6, 15*8 + (trows-1)*4 + 8}, func(s [][]float32) { WinoGradOutputPlane32(s[0], 6, s[1], 8, 3, trows, 4) }},
		{"GemmGrid32", []int{2 * TileMR * 5, 4*3*TileNR32 + 3*TileNR32, (2*TileMR-1)*3*TileNR32 + 3*TileNR32}, func(s [][]float32) { GemmGrid32(3, 2, 5, s[0], s[1], 3*TileNR32, s[2], 3*TileNR32, false) }},
	}
	for _, c := range calls {
		bufs := func(short int) [][]float32 {
			s := make([][]float32, len(c.lens))
			for i, l := range c.lens {
				if i == short {
					l--
				}
				s[i] = make([]float32, l)
			}
			return s
		}
		c.run(bufs(-1))
		for i := range c.lens {
			func() {
				defer func() {
					if r := recover(); r == nil {
						t.Errorf("%s: slice %d one element short: no panic", c.name, i)
					}
				}()
				c.run(bufs(i))
			}()
		}
	}
}
