//go:build ignore

// gen.go computes the polynomial coefficients used by the exp kernel and
// writes them to consts.go (Go) and consts_amd64.h (read by the assembly
// generator in asm/). Run with
//
//	go run gen.go
//
// and then regenerate vec_amd64.s (see asm/check.sh).
// The exp kernel evaluates exp(r) ≈ 1 + r + r²·q(r) on |r| ≤ ln2/2, where
// q has degree 9. q is fitted to (exp(r)-1-r)/r² by a Remez exchange in
// 256-bit arithmetic, minimising the error of the whole approximation
// relative to exp(r) (weight r²/e^r). To keep the rounding of the
// coefficients to float64 from dominating, the low-order coefficients are
// fixed one at a time at their float64 values and the rest refitted. The
// result is checked on a dense grid (about 0.03 units of 2^-53).
//
// The tanh kernel's rational approximation on |x| < 0.625 uses the
// classical Cephes coefficients (also used by Go's math.Tanh); their
// approximation error is checked here too (about 0.04 units of 2^-53).
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"math"
	"math/big"
	"os"
	"sort"
)

const prec = 256

func nf(x float64) *big.Float { return new(big.Float).SetPrec(prec).SetFloat64(x) }
func nz() *big.Float          { return new(big.Float).SetPrec(prec) }

// q(r) = Σ_{n≥0} r^n/(n+2)!
func qExact(r *big.Float) *big.Float {
	sum := nz()
	term := nf(0.5) // r^0/2!
	for n := 0; n < 80; n++ {
		sum.Add(sum, term)
		term = nz().Mul(term, r)
		term.Quo(term, nf(float64(n+3)))
	}
	return sum
}

// expm1 via series (|r| small) for checking.
func expExact(r *big.Float) *big.Float {
	sum := nf(1)
	term := nf(1)
	for n := 1; n < 80; n++ {
		term = nz().Mul(term, r)
		term.Quo(term, nf(float64(n)))
		sum.Add(sum, term)
	}
	return sum
}

func evalPoly(c []*big.Float, r *big.Float) *big.Float {
	acc := nz().Set(c[len(c)-1])
	for i := len(c) - 2; i >= 0; i-- {
		acc.Mul(acc, r)
		acc.Add(acc, c[i])
	}
	return acc
}

// solve solves a dense linear system in place (Gaussian elimination with
// partial pivoting).
func solve(a [][]*big.Float, b []*big.Float) []*big.Float {
	n := len(b)
	for col := 0; col < n; col++ {
		piv := col
		for r := col + 1; r < n; r++ {
			if nz().Abs(a[r][col]).Cmp(nz().Abs(a[piv][col])) > 0 {
				piv = r
			}
		}
		a[col], a[piv] = a[piv], a[col]
		b[col], b[piv] = b[piv], b[col]
		for r := col + 1; r < n; r++ {
			f := nz().Quo(a[r][col], a[col][col])
			for c := col; c < n; c++ {
				a[r][c].Sub(a[r][c], nz().Mul(f, a[col][c]))
			}
			b[r].Sub(b[r], nz().Mul(f, b[col]))
		}
	}
	x := make([]*big.Float, n)
	for r := n - 1; r >= 0; r-- {
		s := nz().Set(b[r])
		for c := r + 1; c < n; c++ {
			s.Sub(s, nz().Mul(a[r][c], x[c]))
		}
		x[r] = s.Quo(s, a[r][r])
	}
	return x
}

func remez(deg int, lo, hi float64, weight func(float64) float64, fixed []float64) []*big.Float {
	K := len(fixed)
	n := deg + 1 - K // free coefficients
	m := n + 1       // alternation points
	pts := make([]float64, m)
	for i := range pts {
		pts[i] = (lo+hi)/2 - (hi-lo)/2*math.Cos(math.Pi*(float64(i)+0.3)/(float64(m-1)+0.6))
	}
	var coef []*big.Float
	for iter := 0; iter < 30; iter++ {
		a := make([][]*big.Float, m)
		b := make([]*big.Float, m)
		for i, p := range pts {
			a[i] = make([]*big.Float, m)
			pw := nf(1)
			for j := 0; j < K; j++ {
				pw = nz().Mul(pw, nf(p))
			}
			for j := 0; j < n; j++ {
				a[i][j] = nz().Set(pw)
				pw = nz().Mul(pw, nf(p))
			}
			s := 1.0
			if i%2 == 1 {
				s = -1
			}
			a[i][n] = nf(s / weight(p))
			b[i] = nz().Sub(qExact(nf(p)), evalPoly(append(bigs(fixed), nf(0)), nf(p)))
		}
		sol := solve(a, b)
		coef = append(bigs(fixed), sol[:n]...)
		// locate extrema of the error on a fine grid
		const N = 4001
		errAt := func(x float64) float64 {
			e := nz().Sub(evalPoly(coef, nf(x)), qExact(nf(x)))
			f, _ := e.Float64()
			return f * weight(x)
		}
		xs := make([]float64, N+1)
		es := make([]float64, N+1)
		for i := 0; i <= N; i++ {
			xs[i] = lo + (hi-lo)*float64(i)/N
			es[i] = errAt(xs[i])
		}
		// split into sign runs, take max |e| in each run
		var np []float64
		start := 0
		for i := 1; i <= N+1; i++ {
			if i == N+1 || (es[i] > 0) != (es[start] > 0) {
				best := start
				for j := start; j < i; j++ {
					if math.Abs(es[j]) > math.Abs(es[best]) {
						best = j
					}
				}
				np = append(np, xs[best])
				start = i
			}
		}
		if len(np) != m {
			fmt.Fprintf(os.Stderr, "iter %d: %d extrema (want %d)\n", iter, len(np), m)
			if len(np) > m {
				// Drop the weakest extrema while keeping signs alternating.
				for len(np) > m {
					k := 0
					for j := range np {
						if math.Abs(errAt(np[j])) < math.Abs(errAt(np[k])) {
							k = j
						}
					}
					switch {
					case k == 0 || k == len(np)-1:
						np = append(np[:k], np[k+1:]...)
					case len(np)-m == 1:
						// remove an end instead to keep alternation
						if math.Abs(errAt(np[0])) < math.Abs(errAt(np[len(np)-1])) {
							np = np[1:]
						} else {
							np = np[:len(np)-1]
						}
					default:
						nb := k - 1
						if math.Abs(errAt(np[k+1])) < math.Abs(errAt(np[k-1])) {
							nb = k + 1
						}
						lo := min(k, nb)
						np = append(np[:lo], np[lo+2:]...)
					}
				}
			} else {
				break
			}
		}
		sort.Float64s(np)
		pts = np
		e, _ := sol[n].Float64()
		mx := 0.0
		for _, v := range es {
			mx = math.Max(mx, math.Abs(v))
		}
		fmt.Fprintf(os.Stderr, "iter %d: E=%.3e max=%.3e\n", iter, e, mx)
		if math.Abs(mx-math.Abs(e)) < 1e-4*mx {
			break
		}
	}
	return coef
}

func bigs(f []float64) []*big.Float {
	var b []*big.Float
	for _, v := range f {
		b = append(b, nf(v))
	}
	return b
}

func main() {
	const a = 0.3466 // ln2/2 = 0.34657359…, with a little margin
	w := func(r float64) float64 { return r * r / math.Exp(r) }
	// Fit, then fix the leading (low-order) coefficients one at a time at
	// their float64 roundings and refit the rest, so that the final
	// rounding of the low-order terms does not dominate the error.
	var fixed []float64
	for len(fixed) < 4 {
		coef := remez(9, -a, a, w, fixed)
		v, _ := coef[len(fixed)].Float64()
		fixed = append(fixed, v)
	}
	coef := remez(9, -a, a, w, fixed)
	c := make([]float64, len(coef))
	for i, v := range coef {
		c[i], _ = v.Float64()
	}
	// Check the float64-rounded polynomial: relative error of
	// 1 + r + r²q(r) against exp(r), in units of 2^-53.
	worst := 0.0
	for i := 0; i <= 20000; i++ {
		r := -a + 2*a*float64(i)/20000
		br := nf(r)
		bc := make([]*big.Float, len(c))
		for j := range c {
			bc[j] = nf(c[j])
		}
		p := nz().Mul(br, br)
		p.Mul(p, evalPoly(bc, br))
		p.Add(p, br)
		p.Add(p, nf(1))
		ex := expExact(br)
		d := nz().Sub(p, ex)
		d.Quo(d, ex)
		f, _ := d.Float64()
		worst = math.Max(worst, math.Abs(f)/0x1p-53)
	}
	fmt.Fprintf(os.Stderr, "exp poly: max rel error %.4f units of 2^-53\n", worst)

	// Cephes tanh rational on |x| < 0.625: tanh(x) ≈ x + x·z·P(z)/Q(z).
	tp := []float64{-1.61468768441708447952e3, -9.92877231001918586564e1, -9.64399179425052238628e-1}
	tq := []float64{4.84406305325125486048e3, 2.23548839060100448583e3, 1.12811678491632931402e2, 1}
	worstT := 0.0
	for i := 1; i <= 20000; i++ {
		x := 0.625 * float64(i) / 20000
		bx := nf(x)
		z := nz().Mul(bx, bx)
		var bp, bq []*big.Float
		for _, v := range tp {
			bp = append(bp, nf(v))
		}
		for _, v := range tq {
			bq = append(bq, nf(v))
		}
		approx := nz().Quo(evalPoly(bp, z), evalPoly(bq, z))
		approx.Mul(approx, z)
		approx.Mul(approx, bx)
		approx.Add(approx, bx)
		e2 := expExact(nz().Mul(bx, nf(2)))
		num := nz().Sub(e2, nf(1))
		den := nz().Add(e2, nf(1))
		th := nz().Quo(num, den)
		d := nz().Sub(approx, th)
		d.Quo(d, th)
		f, _ := d.Float64()
		worstT = math.Max(worstT, math.Abs(f)/0x1p-53)
	}
	fmt.Fprintf(os.Stderr, "tanh rational: max rel error %.4f units of 2^-53\n", worstT)

	consts := []struct {
		name string
		v    float64
	}{
		{"log2e", 1 / math.Ln2},
		{"twolog2e", 2 / math.Ln2},
		{"ln2hi", math.Ln2},
		{"ln2lo", 2.319046813846299558417771e-17},
		{"shifter", 0x1.8p52},
	}
	for i := len(c) - 1; i >= 0; i-- {
		consts = append(consts, struct {
			name string
			v    float64
		}{fmt.Sprintf("expC%d", i+2), c[i]})
	}
	// Named in Horner order: P(z) = (P0·z + P1)·z + P2 and
	// Q(z) = ((z + Q0)·z + Q1)·z + Q2.
	for i := range tp {
		consts = append(consts, struct {
			name string
			v    float64
		}{fmt.Sprintf("tanhP%d", i), tp[len(tp)-1-i]})
	}
	for i := range tq[:3] {
		consts = append(consts, struct {
			name string
			v    float64
		}{fmt.Sprintf("tanhQ%d", i), tq[2-i]})
	}

	var g, h bytes.Buffer
	g.WriteString("// Code generated by gen.go; DO NOT EDIT.\n\npackage vec\n\n// Kernel constants, as IEEE-754 bit patterns (see gen.go).\nconst (\n")
	h.WriteString("// Code generated by gen.go; DO NOT EDIT.\n\n// Kernel constants as float64 bit patterns (see gen.go and consts.go).\n")
	for _, k := range consts {
		fmt.Fprintf(&g, "\tbits%s = 0x%016x // %.17g\n", k.name, math.Float64bits(k.v), k.v)
		fmt.Fprintf(&h, "#define BITS_%s $0x%016x\n", k.name, math.Float64bits(k.v))
	}
	g.WriteString(")\n")
	src, err := format.Source(g.Bytes())
	if err != nil {
		panic(err)
	}
	if err := os.WriteFile("consts.go", src, 0o644); err != nil {
		panic(err)
	}
	if err := os.WriteFile("consts_amd64.h", h.Bytes(), 0o644); err != nil {
		panic(err)
	}
}
