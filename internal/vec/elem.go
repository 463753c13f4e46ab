package vec

import (
	"fmt"
	"math"
)

// TanhGrad64 sets dst[i] = g[i]·(1 − y[i]²) for i < len(dst): the backward
// rule of tanh from its output y. The operations round one by one, as the
// Go expression g*(1-y*y) does, so both paths give the same bits. It
// panics if g or y is shorter than dst; dst may be g or y.
func TanhGrad64(dst, g, y []float64) {
	n := len(dst)
	checkUnary(n, len(g))
	checkUnary(n, len(y))
	if n == 0 {
		return
	}
	if useAsm {
		tanhGrad64AVX2(&dst[0], &g[0], &y[0], n)
		return
	}
	g, y = g[:n], y[:n]
	for i, gv := range g {
		// The conversion keeps y² rounded on its own (no fused multiply-add),
		// as the assembly computes it.
		dst[i] = gv * (1 - float64(y[i]*y[i]))
	}
}

// SigmoidGrad64 sets dst[i] = g[i]·y[i]·(1 − y[i]) for i < len(dst): the
// backward rule of the logistic sigmoid from its output y, rounded as the
// Go expression g*y*(1-y). Length and aliasing rules are TanhGrad64's.
func SigmoidGrad64(dst, g, y []float64) {
	n := len(dst)
	checkUnary(n, len(g))
	checkUnary(n, len(y))
	if n == 0 {
		return
	}
	if useAsm {
		sigmoidGrad64AVX2(&dst[0], &g[0], &y[0], n)
		return
	}
	g, y = g[:n], y[:n]
	for i, gv := range g {
		dst[i] = gv * y[i] * (1 - y[i])
	}
}

// SumRows64 sets dst[j] to the sum over the rows of x (len(x)/len(dst)
// rows of len(dst) elements) of their element j, added in order of the
// rows starting from 0, identically on both paths. It panics unless len(x)
// is a multiple of len(dst) (a zero-length dst takes an empty x).
func SumRows64(dst, x []float64) {
	n := len(dst)
	if n == 0 {
		if len(x) != 0 {
			panic(fmt.Sprintf("vec: SumRows64: %d elements into rows of 0", len(x)))
		}
		return
	}
	if len(x)%n != 0 {
		panic(fmt.Sprintf("vec: SumRows64: %d elements are not rows of %d", len(x), n))
	}
	rows := len(x) / n
	if rows == 0 {
		clear(dst)
		return
	}
	if useAsm {
		sumRows64AVX2(&dst[0], &x[0], rows, n)
		return
	}
	clear(dst)
	for r := 0; r < rows; r++ {
		for j, v := range x[r*n : r*n+n] {
			dst[j] += v
		}
	}
}

// FillRows64 copies row into each row of dst (len(dst)/len(row) rows of
// len(row) elements): a bias broadcast over a batch, in one call instead
// of a copy per row. It panics unless len(dst) is a multiple of len(row).
func FillRows64(dst, row []float64) {
	n := len(row)
	if n == 0 || len(dst)%n != 0 {
		if n == 0 && len(dst) == 0 {
			return
		}
		panic(fmt.Sprintf("vec: FillRows64: %d elements are not rows of %d", len(dst), n))
	}
	rows := len(dst) / n
	if rows == 0 {
		return
	}
	if useAsm {
		fillRows64AVX2(&dst[0], &row[0], rows, n, &edgeMask[16-n%4])
		return
	}
	for r := 0; r < rows; r++ {
		copy(dst[r*n:(r+1)*n], row)
	}
}

// MaxLinTerms is the most terms Lin32 takes.
const MaxLinTerms = 16

// termPtrs checks the terms of Lin32 or ErrSquares32 (op) against n
// elements and their factors, and returns their first elements' addresses
// for the assembly.
func termPtrs(op string, n int, coefs []float64, ks [][]float32) (ptrs [MaxLinTerms]*float32) {
	if len(coefs) != len(ks) || len(ks) > MaxLinTerms {
		panic(fmt.Sprintf("vec: %s: %d factors for %d terms (at most %d)", op, len(coefs), len(ks), MaxLinTerms))
	}
	for j, k := range ks {
		checkUnary(n, len(k))
		if n > 0 {
			ptrs[j] = &k[0]
		}
	}
	return ptrs
}

// Lin32 sets out[i] = float32(float64(y[i]) + h·s_i) with
// s_i = Σ_j coefs[j]·float64(ks[j][i]) summed in float64 from zero in
// order j = 0, 1, …, each product and sum rounded on its own: a
// Runge–Kutta stage combination y + h·Σ c_j·k_j of float32 tensors, in
// double precision. Both paths give the same bits. It panics if y or a
// term is shorter than out, if len(coefs) != len(ks) or if there are more
// than MaxLinTerms terms. out may be y or a term (the same slice), but must
// not otherwise overlap them.
func Lin32(out, y []float32, h float64, coefs []float64, ks [][]float32) {
	n := len(out)
	checkUnary(n, len(y))
	ptrs := termPtrs("Lin32", n, coefs, ks)
	if n == 0 {
		return
	}
	i := 0
	if useAsm && len(ks) > 0 {
		i = n &^ 7
		if i > 0 {
			lin32AVX2(&out[0], &y[0], i, h, &coefs[0], &ptrs[0], len(ks))
		}
	}
	for ; i < n; i++ {
		var s float64
		for j, k := range ks {
			// The conversions keep every product and sum rounded on its
			// own (no fused multiply-add), as the assembly computes them.
			s = float64(s + float64(coefs[j]*float64(k[i])))
		}
		out[i] = float32(float64(y[i]) + float64(h*s))
	}
}

// ReluMask32 sets dst[i] = v[i] where x[i] > 0 and +0 elsewhere (NaN
// included): ReLU (v = x) and its backward rule (v = the output's
// gradient). It panics if v or x is shorter than dst; dst may be v or x.
func ReluMask32(dst, v, x []float32) {
	n := len(dst)
	checkUnary(n, len(v))
	checkUnary(n, len(x))
	i := 0
	if useAsm {
		i = n &^ 15
		if i > 0 {
			reluMask32AVX2(&dst[0], &v[0], &x[0], i)
		}
	}
	for ; i < n; i++ {
		if x[i] > 0 {
			dst[i] = v[i]
		} else {
			dst[i] = 0
		}
	}
}

// ErrSquares32 returns Σ_i q_i², summed in float64 from zero in order i =
// 0, 1, …, over the elements with e_i ≠ 0, where e_i = h·Σ_j
// coefs[j]·float64(ks[j][i]) (the terms summed from zero in order j) and
// q_i = e_i / (atol + rtol·max(|y0[i]|, |y1[i]|)), with math.Max's
// special cases: the squared scaled error of an embedded Runge–Kutta pair
// for float32 tensors. Every operation is rounded on its own, so both
// paths give the same bits. It panics as Lin32 does on bad lengths.
func ErrSquares32(h float64, coefs []float64, ks [][]float32, y0, y1 []float32, rtol, atol float64) float64 {
	n := len(y0)
	checkUnary(n, len(y1))
	ptrs := termPtrs("ErrSquares32", n, coefs, ks)
	var sum float64
	i := 0
	if useAsm && len(ks) > 0 {
		i = n &^ 3
		if i > 0 {
			sum = errSq32AVX2(h, &coefs[0], &ptrs[0], len(ks), &y0[0], &y1[0], i, rtol, atol)
		}
	}
	for ; i < n; i++ {
		var e float64
		for j, k := range ks {
			e = float64(e + float64(coefs[j]*float64(k[i])))
		}
		e = float64(e * h)
		sc := float64(atol + float64(rtol*math.Max(math.Abs(float64(y0[i])), math.Abs(float64(y1[i])))))
		if e == 0 {
			continue
		}
		q := float64(e / sc)
		sum = float64(sum + float64(q*q))
	}
	return sum
}

// Scale64 sets dst[i] = a·x[i] for i < len(dst). It panics if x is shorter
// than dst; dst may be x.
func Scale64(dst []float64, a float64, x []float64) {
	n := len(dst)
	checkUnary(n, len(x))
	i := 0
	if useAsm {
		i = n &^ 7
		if i > 0 {
			scale64AVX2(&dst[0], a, &x[0], i)
		}
	}
	for ; i < n; i++ {
		dst[i] = a * x[i]
	}
}

// Deinterleave64 splits pairs: d0[r] = src[2r] and d1[r] = src[2r+1] for
// r < len(d0), the transpose of a rows×2 matrix. It panics if d1 is shorter
// than d0 or src shorter than 2·len(d0); the three must not overlap.
func Deinterleave64(d0, d1, src []float64) {
	n := len(d0)
	checkUnary(n, len(d1))
	checkUnary(2*n, len(src))
	r := 0
	if useAsm {
		r = n &^ 3
		if r > 0 {
			deinterleave64AVX2(&d0[0], &d1[0], &src[0], r)
		}
	}
	for ; r < n; r++ {
		d0[r], d1[r] = src[2*r], src[2*r+1]
	}
}

// Scale32 is Scale64 for float32: dst[i] = a·x[i], rounded to float32.
func Scale32(dst []float32, a float32, x []float32) {
	n := len(dst)
	checkUnary(n, len(x))
	i := 0
	if useAsm {
		i = n &^ 15
		if i > 0 {
			scale32AVX2(&dst[0], &x[0], a, i)
		}
	}
	for ; i < n; i++ {
		dst[i] = a * x[i]
	}
}

// DeinterleaveRows32 is Deinterleave64 for float32 and rows rows: d0[i·ldd + r] =
// src[i·lds + 2r] and d1[i·ldd + r] = src[i·lds + 2r + 1] for r < n and
// i < rows, in one call (package tensor's Winograd strips split rows of
// only a few dozen values, where a call per row cost more than the copy).
// It panics if a slice is too short; d0 and d1 must not overlap src.
func DeinterleaveRows32(d0, d1 []float32, ldd int, src []float32, lds, rows, n int) {
	if rows < 0 || n < 0 || rows > 0 && n > 0 && (ldd < n || lds < 2*n || !holds(len(d0), rows, ldd, n) || !holds(len(d1), rows, ldd, n) || !holds(len(src), rows, lds, 2*n)) {
		panic(fmt.Sprintf("vec: DeinterleaveRows32: %d rows of %d pairs, ldd %d, lds %d, slices of %d, %d and %d", rows, n, ldd, lds, len(d0), len(d1), len(src)))
	}
	if rows == 0 || n == 0 {
		return
	}
	if useAsm && n >= 4 { // shorter rows went faster one pair at a time (masked stores are slow)
		var mask [24]int32 // rows of fewer than 8 pairs: the lanes to read and write
		for l := 0; l < 8 && n < 8; l++ {
			mask[l], mask[8+l], mask[16+l] = -int32(b2i(l < 2*n)), -int32(b2i(8+l < 2*n)), -int32(b2i(l < n))
		}
		deinterleaveRows32AVX2(&d0[0], &d1[0], ldd, &src[0], lds, rows, n, &mask[0])
		return
	}
	for i := 0; i < rows; i++ {
		a, b, s := d0[i*ldd:i*ldd+n], d1[i*ldd:i*ldd+n], src[i*lds:i*lds+2*n]
		for r := range a {
			pair := s[2*r : 2*r+2 : 2*r+2]
			a[r], b[r] = pair[0], pair[1]
		}
	}
}

// InterleaveAdd64 adds pairs into place: c[2r] += d0[r] and c[2r+1] +=
// d1[r] for r < len(d0), adding the transpose of a 2×rows matrix to a
// rows×2 one. It panics if d1 is shorter than d0 or c shorter than
// 2·len(d0); c must not overlap d0 or d1.
func InterleaveAdd64(c, d0, d1 []float64) {
	n := len(d0)
	checkUnary(n, len(d1))
	checkUnary(2*n, len(c))
	r := 0
	if useAsm {
		r = n &^ 3
		if r > 0 {
			interleaveAdd64AVX2(&c[0], &d0[0], &d1[0], r)
		}
	}
	for ; r < n; r++ {
		c[2*r] += d0[r]
		c[2*r+1] += d1[r]
	}
}

// AddProduct64 sets y[i] = y[i] + a·x[i] for i < len(y), the product
// rounded before the sum (not a fused multiply-add), so that adding a
// scaled copy of x gives the same bits. It panics if x is shorter than y;
// y may be x.
func AddProduct64(y []float64, a float64, x []float64) {
	n := len(y)
	checkUnary(n, len(x))
	i := 0
	if useAsm {
		i = n &^ 7
		if i > 0 {
			addProduct64AVX2(&y[0], a, &x[0], i)
		}
	}
	for ; i < n; i++ {
		y[i] += float64(a * x[i])
	}
}

// AddProduct32 is AddProduct64 for float32: y[i] = y[i] + a·x[i] in
// float32, the product rounded before the sum.
func AddProduct32(y []float32, a float32, x []float32) {
	n := len(y)
	checkUnary(n, len(x))
	i := 0
	if useAsm {
		i = n &^ 15
		if i > 0 {
			addProduct32AVX2(&y[0], a, &x[0], i)
		}
	}
	for ; i < n; i++ {
		y[i] += float32(a * x[i])
	}
}

// Affine32 sets dst[i] = x[i]·a + b in float32, the product rounded before
// the sum (as the Go expression x*a + b computes it where nothing fuses).
// It panics if x is shorter than dst; dst may be x.
func Affine32(dst, x []float32, a, b float32) {
	n := len(dst)
	checkUnary(n, len(x))
	i := 0
	if useAsm {
		i = n &^ 15
		if i > 0 {
			affine32AVX2(&dst[0], &x[0], a, b, i)
		}
	}
	for ; i < n; i++ {
		dst[i] = float32(x[i]*a) + b
	}
}

// NormGrad32 sets d[i] = float32(k·g[i] − c1 − (x[i] − mu)·inv·c2), the
// backward rule of a normalisation, computed in float64 with each
// operation rounded on its own, left to right. It panics if g or x is
// shorter than d; d may be g or x.
func NormGrad32(d, g, x []float32, k, mu, inv, c1, c2 float64) {
	n := len(d)
	checkUnary(n, len(g))
	checkUnary(n, len(x))
	i := 0
	if useAsm {
		i = n &^ 7
		if i > 0 {
			normGrad32AVX2(&d[0], &g[0], &x[0], i, k, mu, inv, c1, c2)
		}
	}
	for ; i < n; i++ {
		t := float64(float64(k*float64(g[i])) - c1)
		u := float64(float64(float64(float64(x[i])-mu)*inv) * c2)
		d[i] = float32(t - u)
	}
}

// The float32 reductions below sum in float64 over eight lanes: lane j
// takes elements 8i+j of the full blocks of eight, the lanes are combined
// as ((l0+l4) + (l2+l6)) + ((l1+l5) + (l3+l7)), and the elements of the
// last partial block are added after, in order. Both paths sum in that
// order, so they give the same bits; the order is fixed by the length
// alone (not by the thread count), and more accurate than one running sum.

// Sum32 returns Σ float64(x[i]).
func Sum32(x []float32) float64 {
	n8 := 0
	var s float64
	if useAsm {
		n8 = len(x) &^ 7
		if n8 > 0 {
			s = sum32AVX2(&x[0], n8)
		}
	} else {
		n8 = len(x) &^ 7
		var acc [8]float64
		for i := 0; i < n8; i += 8 {
			for j := range acc {
				acc[j] += float64(x[i+j])
			}
		}
		s = combine8(acc)
	}
	for _, v := range x[n8:] {
		s += float64(v)
	}
	return s
}

// SqDev32 returns Σ (float64(x[i]) − mu)², each operation rounded on its
// own.
func SqDev32(x []float32, mu float64) float64 {
	n8 := len(x) &^ 7
	var s float64
	if useAsm {
		if n8 > 0 {
			s = sqDev32AVX2(&x[0], n8, mu)
		}
	} else {
		var acc [8]float64
		for i := 0; i < n8; i += 8 {
			for j := range acc {
				d := float64(float64(x[i+j]) - mu)
				acc[j] += float64(d * d)
			}
		}
		s = combine8(acc)
	}
	for _, v := range x[n8:] {
		d := float64(float64(v) - mu)
		s += float64(d * d)
	}
	return s
}

// DotDev32 returns Σ g[i] and Σ g[i]·(x[i] − mu) in float64, each
// operation rounded on its own. It panics if x is shorter than g.
func DotDev32(g, x []float32, mu float64) (float64, float64) {
	checkUnary(len(g), len(x))
	n8 := len(g) &^ 7
	var a, b float64
	if useAsm {
		if n8 > 0 {
			a, b = dotDev32AVX2(&g[0], &x[0], n8, mu)
		}
	} else {
		var sa, sb [8]float64
		for i := 0; i < n8; i += 8 {
			for j := range sa {
				gv := float64(g[i+j])
				sa[j] += gv
				sb[j] += float64(gv * float64(float64(x[i+j])-mu))
			}
		}
		a, b = combine8(sa), combine8(sb)
	}
	for i := n8; i < len(g); i++ {
		gv := float64(g[i])
		a += gv
		b += float64(gv * float64(float64(x[i])-mu))
	}
	return a, b
}

// combine8 adds eight lane sums in the reductions' order.
func combine8(l [8]float64) float64 {
	l0, l1, l2, l3 := float64(l[0]+l[4]), float64(l[1]+l[5]), float64(l[2]+l[6]), float64(l[3]+l[7])
	return float64(float64(l0+l2) + float64(l1+l3))
}

// AllFinite32 reports whether every element of x is finite (neither
// infinite nor NaN).
func AllFinite32(x []float32) bool {
	i := 0
	if useAsm {
		i = len(x) &^ 15
		if i > 0 && !allFinite32AVX2(&x[0], i) {
			return false
		}
	}
	for _, v := range x[i:] {
		if v-v != 0 {
			return false
		}
	}
	return true
}

// MaxAbsDiff32 returns d = max |float64(a[i]) − float64(b[i])| and scale =
// max |float64(b[i])| over i < len(a), in float64 (exact: a maximum does not
// depend on the order). d is NaN if any difference is NaN; NaN elements of b
// do not count in scale. It panics if b is shorter than a.
func MaxAbsDiff32(a, b []float32) (d, scale float64) {
	checkUnary(len(a), len(b))
	i, nan := 0, false
	if useAsm && len(a) >= 8 {
		i = len(a) &^ 7
		var out [9]float64
		maxAbsDiff32AVX2(&a[0], &b[0], i, &out[0])
		for l := 0; l < 4; l++ {
			d, scale = max(d, out[l]), max(scale, out[4+l])
		}
		nan = math.Float64bits(out[8]) != 0
	}
	for ; i < len(a); i++ {
		w := float64(b[i])
		e := math.Abs(float64(a[i]) - w)
		if e != e {
			nan = true
		} else if e > d {
			d = e
		}
		if m := math.Abs(w); m > scale {
			scale = m
		}
	}
	if nan {
		d = math.NaN()
	}
	return d, scale
}

// WinoInputRows32 is half of package tensor's Winograd F(2×2, 3×3) input
// transform Bᵀ d B, for the tiles of one tile row, eight at a time. The
// three input rows p, q and r hold their even columns at [0, he) and their
// odd ones at [he, 2·he), so that column c is row[c/2 + (c%2)·he]. With
// the row combinations a = p − r and b = q + r (second false) or a = q − p
// and b = p − r (second true), tile t gets
//
//	v[0·ldv + t] = a(2t) − a(2t+2)    v[1·ldv + t] = a(2t+1) + a(2t+2)
//	v[2·ldv + t] = a(2t+2) − a(2t+1)  v[3·ldv + t] = a(2t+1) − a(2t+3)
//
// and rows 4 to 7 of v the same of b, each operation rounded on its own in
// float32. Tiles from n up to the next multiple of 8 are computed too, from
// whatever the rows hold there. It panics if he is less than that multiple
// plus 1 or a slice is too short.
func WinoInputRows32(p, q, r []float32, he int, v []float32, ldv, n int, second bool) {
	n8 := (n + 7) &^ 7
	if n < 1 || he < n8+1 || ldv < n8 || len(p) < 2*he || len(q) < 2*he || len(r) < 2*he || len(v) < 7*ldv+n8 {
		panic(fmt.Sprintf("vec: WinoInputRows32: n %d, he %d, ldv %d, rows of %d, %d, %d and v of %d values", n, he, ldv, len(p), len(q), len(r), len(v)))
	}
	if useAsm {
		winoInputRows32AVX2(&p[0], &q[0], &r[0], he, &v[0], ldv, n8, b2i(second))
		return
	}
	var a, b [4]float32
	for t := 0; t < n8; t++ {
		cols := [4]int{t, he + t, t + 1, he + t + 1} // columns 2t … 2t+3
		for i, c := range cols {
			if second {
				a[i], b[i] = q[c]-p[c], p[c]-r[c]
			} else {
				a[i], b[i] = p[c]-r[c], q[c]+r[c]
			}
		}
		for h, s := range [2][4]float32{a, b} {
			o := v[4*h*ldv+t:]
			o[0], o[ldv], o[2*ldv], o[3*ldv] = s[0]-s[2], s[1]+s[2], s[2]-s[1], s[1]-s[3]
		}
	}
}

// WinoInputPlane32 is the whole Winograd input transform of trows tile
// rows of a strip in one call: tile row i is WinoInputRows32 on strip rows
// 2i, 2i+1, 2i+2 (second false) into v[i·tw:] and on rows 2i+1 … 2i+3
// (second true) into v[i·tw + 8·ldv:], strip row j at strip[2·he·j:], the
// tile rows in order (each writes tiles up to n rounded up to 8, past its
// end, where the next one writes after it). The results are
// WinoInputRows32's bits. It panics if a slice is too short.
func WinoInputPlane32(strip []float32, he int, v []float32, ldv, n, trows, tw int) {
	n8 := (n + 7) &^ 7
	if trows < 1 || n < 1 || tw < 0 || he < n8+1 || ldv < n8 || len(strip) < 2*he*(2*trows+2) || len(v) < 15*ldv+(trows-1)*tw+n8 {
		panic(fmt.Sprintf("vec: WinoInputPlane32: %d tile rows of %d tiles (%d apart), he %d, ldv %d, strip of %d and v of %d values", trows, n, tw, he, ldv, len(strip), len(v)))
	}
	if useAsm {
		winoInputPlane32AVX2(&strip[0], he, &v[0], ldv, n8, trows, tw)
		return
	}
	for i := 0; i < trows; i++ {
		r := strip[4*he*i:]
		WinoInputRows32(r, r[2*he:], r[4*he:], he, v[i*tw:], ldv, n, false)
		WinoInputRows32(r[2*he:], r[4*he:], r[6*he:], he, v[i*tw+8*ldv:], ldv, n, true)
	}
}

// WinoOutputPlane32 is WinoOutputRow32 for both output rows of trows tile
// rows in one call: tile row i takes m[i·tw:] (its sixteen rows ldm apart)
// and writes output rows 2i and 2i+1, y[2i·ldy:] and y[(2i+1)·ldy:], n
// tiles (2n values) each. The results are WinoOutputRow32's bits, and it
// writes nothing else of y (the last block's outputs go through lane
// masks). It panics if a slice is too short.
func WinoOutputPlane32(m []float32, ldm int, y []float32, ldy, n, trows, tw int, bias float32) {
	n8 := (n + 7) &^ 7
	if trows < 1 || n < 1 || tw < 0 || ldm < n8 || ldy < 2*n || len(m) < 15*ldm+(trows-1)*tw+n8 || len(y) < (2*trows-1)*ldy+2*n {
		panic(fmt.Sprintf("vec: WinoOutputPlane32: %d tile rows of %d tiles (%d apart), ldm %d, ldy %d, m of %d and y of %d values", trows, n, tw, ldm, ldy, len(m), len(y)))
	}
	if !useAsm {
		for i := 0; i < trows; i++ {
			WinoOutputRow32(m[i*tw:], ldm, y[2*i*ldy:], n, bias, false)
			WinoOutputRow32(m[i*tw+4*ldm:], ldm, y[(2*i+1)*ldy:], n, bias, true)
		}
		return
	}
	var mask [16]int32 // the lanes of the last block's 2·(n mod 8) outputs
	for l := range 2 * (n & 7) {
		mask[l] = -1
	}
	winoOutputPlane32AVX2(&m[0], ldm, &y[0], ldy, n, trows, tw, bias, &mask[0])
}

// WinoOutputRow32 writes one output row of package tensor's Winograd
// F(2×2, 3×3) output transform Y = Aᵀ M A + bias for n tiles of one tile
// row, eight at a time: with rows 0–11 of m ldm apart (tile t at index t
// of each), the column sums s_j = (m_j + m_{4+j}) + m_{8+j} for the first
// output row, or (m_j − m_{4+j}) − m_{8+j} for the second (second true;
// the caller passes rows 4–15 then), give
//
//	y[2t] = ((s_0 + s_1) + s_2) + bias    y[2t+1] = ((s_1 − s_2) − s_3) + bias
//
// each operation rounded on its own in float32. It writes y[:2n] only, but
// reads m up to the next multiple of 8 tiles. It panics if a slice is too
// short.
func WinoOutputRow32(m []float32, ldm int, y []float32, n int, bias float32, second bool) {
	n8 := (n + 7) &^ 7
	if n < 1 || ldm < n8 || len(m) < 11*ldm+n8 || len(y) < 2*n {
		panic(fmt.Sprintf("vec: WinoOutputRow32: n %d, ldm %d, m of %d and y of %d values", n, ldm, len(m), len(y)))
	}
	if !useAsm {
		winoOutputRow32Go(m, ldm, y[:2*n], bias, second)
		return
	}
	if full := n &^ 7; full > 0 {
		winoOutputRow32AVX2(&m[0], ldm, &y[0], full, bias, b2i(second))
	}
	if r := n & 7; r > 0 {
		var tmp [16]float32 // the last block's outputs, of which 2r are kept
		winoOutputRow32AVX2(&m[n&^7], ldm, &tmp[0], 8, bias, b2i(second))
		copy(y[2*(n&^7):2*n], tmp[:2*r])
	}
}

func winoOutputRow32Go(m []float32, ldm int, y []float32, bias float32, second bool) {
	for t := 0; 2*t+1 < len(y); t++ {
		var s [4]float32
		for j := range s {
			if second {
				s[j] = m[j*ldm+t] - m[(4+j)*ldm+t] - m[(8+j)*ldm+t]
			} else {
				s[j] = m[j*ldm+t] + m[(4+j)*ldm+t] + m[(8+j)*ldm+t]
			}
		}
		y[2*t], y[2*t+1] = s[0]+s[1]+s[2]+bias, s[1]-s[2]-s[3]+bias
	}
}

// WinoGradOutputRows32 writes package tensor's Winograd F(2×2, 3×3)
// output-gradient transform Ŷ = A g Aᵀ (A's rows (1 0), (1 1), (1 −1),
// (0 −1)) for the n tiles of one tile row: tile t's gradient rows are
// g0[2t], g0[2t+1] and g1[2t], g1[2t+1], and its 16 values go to
// v[ξ·ldv + t]. With a = g0's pair, b = a + g1's, c = a − g1's and
// d = −g1's (each a pair x0, x1), rows 4h … 4h+3 of tile t get x0,
// x0 + x1, x0 − x1 and −x1 of the h-th pair, each operation rounded on its
// own in float32 (negation flips the sign, as Go's does): the same bits as
// the scalar loop, except that where two NaNs meet, which one's payload
// survives may differ. Eight tiles go at a time, and a last partial block is done as the block of the last
// eight tiles, whose first ones are written twice with the same values;
// fewer than eight tiles go one by one. It panics if a slice is too short.
func WinoGradOutputRows32(g0, g1, v []float32, ldv, n int) {
	if n < 0 || ldv < n || len(g0) < 2*n || len(g1) < 2*n || (n > 0 && len(v) < 15*ldv+n) {
		panic(fmt.Sprintf("vec: WinoGradOutputRows32: n %d, ldv %d, rows of %d and %d and v of %d values", n, ldv, len(g0), len(g1), len(v)))
	}
	if !useAsm || n < 8 {
		winoGradOutputRows32Go(g0, g1, v, ldv, 0, n)
		return
	}
	full := n &^ 7
	winoGradOutputRows32AVX2(&g0[0], &g1[0], &v[0], ldv, full)
	if full < n {
		t := n - 8
		winoGradOutputRows32AVX2(&g0[2*t], &g1[2*t], &v[t], ldv, 8)
	}
}

// WinoGradOutputPlane32 is WinoGradOutputRows32 for trows tile rows in one
// call: tile row i has the gradient rows g[2i·ldg:] and g[(2i+1)·ldg:] (n
// tiles, 2n values each) and writes v[i·tw:]. The results are
// WinoGradOutputRows32's bits. A row of fewer than 8 tiles goes as one
// block of eight, which writes tiles n … 7 as well (from zeros), so v must
// have room for them, and tile rows must be written in order (each may
// write into the next one's tiles before it). It panics if a slice is too
// short.
func WinoGradOutputPlane32(g []float32, ldg int, v []float32, ldv, n, trows, tw int) {
	if trows < 1 || n < 1 || tw < 0 || ldv < max(n, 8) || ldg < 2*n || len(g) < (2*trows-1)*ldg+2*n || len(v) < 15*ldv+(trows-1)*tw+max(n, 8) {
		panic(fmt.Sprintf("vec: WinoGradOutputPlane32: %d tile rows of %d tiles (%d apart), ldg %d, ldv %d, g of %d and v of %d values", trows, n, tw, ldg, ldv, len(g), len(v)))
	}
	if !useAsm {
		for i := 0; i < trows; i++ {
			WinoGradOutputRows32(g[2*i*ldg:], g[(2*i+1)*ldg:], v[i*tw:], ldv, n)
		}
		return
	}
	var mask [16]int32 // n < 8: the lanes of a row's 2n values
	for l := 0; l < 16 && n < 8; l++ {
		mask[l] = -int32(b2i(l < 2*n))
	}
	winoGradOutputPlane32AVX2(&g[0], ldg, &v[0], ldv, n, trows, tw, &mask[0])
}

func winoGradOutputRows32Go(g0, g1, v []float32, ldv, lo, hi int) {
	for t := lo; t < hi; t++ {
		a0, a1 := g0[2*t], g0[2*t+1]
		b0, b1 := g0[2*t]+g1[2*t], g0[2*t+1]+g1[2*t+1]
		c0, c1 := g0[2*t]-g1[2*t], g0[2*t+1]-g1[2*t+1]
		d0, d1 := -g1[2*t], -g1[2*t+1]
		for h, x := range [4][2]float32{{a0, a1}, {b0, b1}, {c0, c1}, {d0, d1}} {
			v[4*h*ldv+t] = x[0]
			v[(4*h+1)*ldv+t] = x[0] + x[1]
			v[(4*h+2)*ldv+t] = x[0] - x[1]
			v[(4*h+3)*ldv+t] = -x[1]
		}
	}
}

// WinoGradInputRows32 adds package tensor's Winograd F(2×2, 3×3)
// input-gradient transform B P Bᵀ of the n tiles of one tile row into the
// four padded gradient rows q[r·ldq:] (r < 4) that the tile row covers,
// tile t's 16 values being p[ξ·ldp + t]. B P combines the rows of P into
// (p0, p1 − p2 + p3, p1 + p2 − p0, −p3) and (B P) Bᵀ the columns the same
// way; neighbouring tiles overlap by two columns, so each tile's last two
// columns are carried into the next tile's first two, and the last tile's
// land at columns 2n and 2n+1. Rows 0 and 1 are added into (the tile row
// above set them), rows 2 and 3 are set, all with each operation rounded on
// its own in float32, in the order of package tensor's scalar loop: the
// same bits, except that where two NaNs meet, which one's payload survives
// may differ (the compiler may order an addition's operands either way).
// Eight
// tiles go at a time; the tiles after the last multiple of eight go as a
// block of eight on a copy of their columns. It reads p up to the next
// multiple of 8 tiles and panics if a slice is too short.
func WinoGradInputRows32(p []float32, ldp int, q []float32, ldq, n int) {
	n8 := (n + 7) &^ 7
	if n < 1 || ldp < n8 || len(p) < 15*ldp+n8 || ldq < 2*n+2 || len(q) < 3*ldq+2*n+2 {
		panic(fmt.Sprintf("vec: WinoGradInputRows32: n %d, ldp %d, p of %d, ldq %d and q of %d values", n, ldp, len(p), ldq, len(q)))
	}
	var carry [8]float32 // two per row, into the next tile
	if !useAsm {
		carry = winoGradInputRows32Go(p, ldp, q, ldq, n)
	} else {
		full := n &^ 7
		if full > 0 {
			winoGradInputRows32AVX2(&p[0], ldp, &q[0], ldq, &carry[0], &laneRots[8][0], full)
		}
		if r := n - full; r > 0 {
			// The last block on a copy of its columns: rows 0 and 1 hold
			// what they are added to, and only the 2r columns of its
			// tiles go back. Its rotation takes the carries out of lane
			// r−1, the last tile, instead of lane 7.
			var tmp [4 * 16]float32
			for row := 0; row < 2; row++ {
				copy(tmp[16*row:16*row+2*r], q[row*ldq+2*full:])
			}
			winoGradInputRows32AVX2(&p[full], ldp, &tmp[0], 16, &carry[0], &laneRots[r][0], 8)
			for row := 0; row < 4; row++ {
				copy(q[row*ldq+2*full:row*ldq+2*n], tmp[16*row:])
			}
		}
	}
	k := 2 * n
	q[k] += carry[0]
	q[k+1] += carry[1]
	q[ldq+k] += carry[2]
	q[ldq+k+1] += carry[3]
	q[2*ldq+k], q[2*ldq+k+1] = carry[4], carry[5]
	q[3*ldq+k], q[3*ldq+k+1] = carry[6], carry[7]
}

// laneRots[r] is the lane permutation that moves lanes 0 … 6 one up and
// lane r−1 into lane 0: with r = 8 a rotation, which hands each tile its
// left neighbour's carries and the block's last ones on; with r < 8, for a
// block whose tiles end at lane r−1, it hands on that lane's instead.
var laneRots = [9][8]int32{
	{}, {0, 0, 1, 2, 3, 4, 5, 6}, {1, 0, 1, 2, 3, 4, 5, 6}, {2, 0, 1, 2, 3, 4, 5, 6},
	{3, 0, 1, 2, 3, 4, 5, 6}, {4, 0, 1, 2, 3, 4, 5, 6}, {5, 0, 1, 2, 3, 4, 5, 6},
	{6, 0, 1, 2, 3, 4, 5, 6}, {7, 0, 1, 2, 3, 4, 5, 6},
}

// winoGradInputRowsR returns r_j, j < 4, of B P's row r for tile t:
// P's rows j (row 0), (4+j − 8+j) + 12+j (row 1), (4+j + 8+j) − j (row 2)
// and 12+j (row 3).
func winoGradInputRowsR(p []float32, ldp, t, row int) (r [4]float32) {
	for j := range r {
		switch row {
		case 0:
			r[j] = p[j*ldp+t]
		case 1:
			r[j] = p[(4+j)*ldp+t] - p[(8+j)*ldp+t] + p[(12+j)*ldp+t]
		case 2:
			r[j] = p[(4+j)*ldp+t] + p[(8+j)*ldp+t] - p[j*ldp+t]
		case 3:
			r[j] = p[(12+j)*ldp+t]
		}
	}
	return r
}

// winoGradInputRows32Go is WinoGradInputRows32 tile by tile, but for the
// last tile's carries, which it returns.
func winoGradInputRows32Go(p []float32, ldp int, q []float32, ldq, n int) [8]float32 {
	var c [8]float32
	for t := 0; t < n; t++ {
		k := 2 * t
		for row := 0; row < 4; row++ {
			r := winoGradInputRowsR(p, ldp, t, row)
			qr := q[row*ldq : (row+1)*ldq]
			b := r[1] - r[2] + r[3]
			switch row {
			case 0, 1:
				qr[k] += c[2*row] + r[0]
				qr[k+1] += c[2*row+1] + b
				c[2*row], c[2*row+1] = r[1]+r[2]-r[0], -r[3]
			case 2:
				qr[k] = c[4] + r[0]
				qr[k+1] = c[5] + b
				c[4], c[5] = r[1]+r[2]-r[0], -r[3]
			case 3:
				qr[k] = c[6] - r[0]
				qr[k+1] = c[7] - b
				c[6], c[7] = r[0]-r[1]-r[2], r[3]
			}
		}
	}
	return c
}

// WinoDots32 sets C(i, j) = S(i, j), or adds S(i, j) to it (accum), for
// i < m and j < n, where S(i, j) = Σ_{p<k} a[i·lda + p]·b[j·ldb + p]: the
// products A·Bᵀ of package tensor's Winograd weight gradient, whose inner
// dimension (the tiles) is contiguous in both operands. k must be a
// multiple of 8 (the caller zero-pads). Blocks of three rows (two for the
// last two or four of the even rows) by four columns go eight products at
// a time, each sum the same way in either block: lane l of a sum takes the
// p ≡ l (mod 8) in order of p by fused multiply-adds, and the lanes add as
// ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)); the last row and the last columns
// of an m or n that the blocks do not fill are summed in float64 in order
// of p and rounded once. Each C(i, j) is then S, or S + C rounded once.
// Which way an element goes depends on m, n and k only. The portable path
// takes the same lanes and order, its fused multiply-adds rounded through
// float64 (math.FMA), which differs from the assembly's single rounding
// only in rare double-rounding cases. It panics if k is not a multiple of
// 8 or a slice is too short.
func WinoDots32(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accum bool) {
	if m < 0 || n < 0 || k < 0 || k%8 != 0 || (n > 0 && !holds(len(a), m, lda, k)) || (m > 0 && !holds(len(b), n, ldb, k)) ||
		(k > 0 || !accum) && !holds(len(c), m, ldc, n) {
		panic(fmt.Sprintf("vec: WinoDots32: m %d, n %d, k %d, lda %d, ldb %d, ldc %d, slices of %d, %d and %d", m, n, k, lda, ldb, ldc, len(a), len(b), len(c)))
	}
	if m == 0 || n == 0 {
		return
	}
	if k == 0 { // empty sums
		for i := 0; i < m && !accum; i++ {
			clear(c[i*ldc : i*ldc+n])
		}
		return
	}
	m2, n4 := m&^1, n&^3
	if useAsm && m2 > 0 && n4 > 0 { // every block in one or two calls
		// The even rows go three at a time, the last two or four in
		// pairs; a sum is the same bits in either block.
		m3 := m2 / 3 * 3
		switch m2 - m3 {
		case 1:
			m3 -= 3
		case 2:
			// one pair
		}
		if m3 > 0 {
			winoDotsGrid3x4AVX2(m3/3, n4/4, &a[0], lda, &b[0], ldb, k, &c[0], ldc, b2i(accum))
		}
		if m3 < m2 {
			winoDotsGrid32AVX2((m2-m3)/2, n4/4, &a[m3*lda], lda, &b[0], ldb, k, &c[m3*ldc], ldc, b2i(accum))
		}
	}
	for i := 0; i < m2 && !useAsm; i += 2 {
		for j := 0; j < n4; j += 4 {
			winoDots32Go(a[i*lda:], lda, b[j*ldb:], ldb, k, c[i*ldc+j:], ldc, accum)
		}
	}
	for i := 0; i < m; i++ {
		j0 := n4
		if i >= m2 {
			j0 = 0
		}
		for j := j0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				s += float64(a[i*lda+p]) * float64(b[j*ldb+p])
			}
			if accum {
				s += float64(c[i*ldc+j])
			}
			c[i*ldc+j] = float32(s)
		}
	}
}

// holds reports whether a slice of length l holds rows rows of w values
// ld apart (without overflowing: ld is checked against the length rather
// than multiplied by the row count).
func holds(l, rows, ld, w int) bool {
	switch {
	case rows <= 0 || w == 0:
		return true
	case l < w || ld < 0:
		return false
	case rows == 1:
		return true
	}
	return ld >= w && ld <= (l-w)/(rows-1)
}

// winoDots32Go is one 2×4 block of WinoDots32 in portable Go.
func winoDots32Go(a []float32, lda int, b []float32, ldb int, k int, c []float32, ldc int, accum bool) {
	for i := 0; i < 2; i++ {
		for j := 0; j < 4; j++ {
			var l [8]float32
			for p := 0; p < k; p++ {
				l[p%8] = float32(math.FMA(float64(a[i*lda+p]), float64(b[j*ldb+p]), float64(l[p%8])))
			}
			s := ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]))
			if accum {
				s += c[i*ldc+j]
			}
			c[i*ldc+j] = s
		}
	}
}

// lanePlaneFits reports whether an interleaved padded plane of l values
// holds the th×tw tiles (th, tw ≥ 1) of rows wq ≥ 2tw+2 vectors long: the
// 8·wq·(2th+2) values the lane transforms read or write, computed without
// overflow.
func lanePlaneFits(l, wq, th, tw int) bool {
	return th >= 1 && tw >= 1 && wq >= 2 && tw <= (wq-2)/2 && wq <= l/8 && th <= (l/(8*wq)-2)/2
}

// laneOutFits reports whether l values hold the 2th×2tw interleaved
// outputs (or output gradients) of th×tw tiles: 32·th·tw, without overflow.
func laneOutFits(l, th, tw int) bool {
	return th >= 1 && tw >= 1 && tw <= l/32 && th <= l/(32*tw)
}

// laneTilesFit reports whether l values hold the transformed values of n
// tiles as the lane transforms lay them out: position ξ < 16 at ξ·ld, tile
// t at t·ldt, eight lanes each (ld, ldt ≥ 8), that is 15·ld + (n−1)·ldt + 8
// values, computed without overflow.
func laneTilesFit(l, ld, n, ldt int) bool {
	if ld < 8 || ldt < 8 || n < 1 || l < 8 || ld > (l-8)/15 {
		return false
	}
	rest := l - 8 - 15*ld
	return n == 1 || ldt <= rest/(n-1)
}

// WinoInputLanes32 is package tensor's Winograd input transform V = Bᵀ d B
// with a lane per sample: p holds eight samples' zero-padded planes
// interleaved, element (r, c) of sample s at p[(r·wq + c)·8 + s], and tile
// (ty, tx) of the th×tw tiles reads d_ij = rows 2ty+i, columns 2tx+j. The
// transformed value ξ of the tile goes to v[ξ·ldv + (ty·tw + tx)·ldt + s].
// Per lane the operations and their order are those of tensor's scalar
// transform: the rows of Bᵀ d are (d0 − d2, d1 + d2, d2 − d1, d1 − d3) and
// each one's columns combine the same way. Narrow planes (a handful of
// tiles per row) use every lane, where a transform with a lane per tile
// leaves most of them idle. It panics if a slice is too short.
func WinoInputLanes32(p []float32, wq, th, tw int, v []float32, ldv, ldt int) {
	if !lanePlaneFits(len(p), wq, th, tw) || !laneTilesFit(len(v), ldv, th*tw, ldt) {
		panic(fmt.Sprintf("vec: WinoInputLanes32: %d×%d tiles, wq %d, ldv %d, ldt %d, p of %d and v of %d values", th, tw, wq, ldv, ldt, len(p), len(v)))
	}
	if useAsm {
		winoInputLanes32AVX2(&p[0], wq, th, tw, &v[0], ldv, ldt)
		return
	}
	for ty := 0; ty < th; ty++ {
		for tx := 0; tx < tw; tx++ {
			d := p[(2*ty*wq+2*tx)*8:]
			o := v[(ty*tw+tx)*ldt:]
			for s := 0; s < 8; s++ {
				at := func(i, j int) float32 { return d[(i*wq+j)*8+s] }
				for h, rc := range [4][3]int{{0, 2, -1}, {1, 2, 1}, {2, 1, -1}, {1, 3, -1}} {
					var r [4]float32
					for j := range r {
						if rc[2] > 0 {
							r[j] = at(rc[0], j) + at(rc[1], j)
						} else {
							r[j] = at(rc[0], j) - at(rc[1], j)
						}
					}
					o[4*h*ldv+s], o[(4*h+1)*ldv+s], o[(4*h+2)*ldv+s], o[(4*h+3)*ldv+s] = r[0]-r[2], r[1]+r[2], r[2]-r[1], r[1]-r[3]
				}
			}
		}
	}
}

// WinoOutputLanes32 is package tensor's Winograd output transform
// Y = Aᵀ M A + bias with a lane per sample: M_ξ of tile (ty, tx) of th×tw
// tiles is m[ξ·ldm + (ty·tw + tx)·ldt + s] for sample s < 8, and output
// (i, j) of the tile goes to y[((2ty+i)·2tw + 2tx+j)·8 + s], the 2th×2tw
// outputs of each sample interleaved (the caller crops what lies outside
// its plane). Per lane the operations and their order are those of
// tensor's scalar transform: p_j = (M_j + M_4+j) + M_8+j, q_j = (M_4+j −
// M_8+j) − M_12+j, and the outputs ((p0 + p1) + p2) + bias, ((p1 − p2) −
// p3) + bias and the same of q. It panics if a slice is too short.
func WinoOutputLanes32(m []float32, ldm, ldt int, y []float32, th, tw int, bias float32) {
	if !laneOutFits(len(y), th, tw) || !laneTilesFit(len(m), ldm, th*tw, ldt) {
		panic(fmt.Sprintf("vec: WinoOutputLanes32: %d×%d tiles, ldm %d, ldt %d, m of %d and y of %d values", th, tw, ldm, ldt, len(m), len(y)))
	}
	if useAsm {
		winoOutputLanes32AVX2(&m[0], ldm, ldt, &y[0], th, tw, bias)
		return
	}
	for ty := 0; ty < th; ty++ {
		for tx := 0; tx < tw; tx++ {
			src := m[(ty*tw+tx)*ldt:]
			for s := 0; s < 8; s++ {
				at := func(xi int) float32 { return src[xi*ldm+s] }
				var p, q [4]float32
				for j := range p {
					p[j] = at(j) + at(4+j) + at(8+j)
					q[j] = at(4+j) - at(8+j) - at(12+j)
				}
				out := func(i, j int, v float32) { y[((2*ty+i)*2*tw+2*tx+j)*8+s] = v }
				out(0, 0, p[0]+p[1]+p[2]+bias)
				out(0, 1, p[1]-p[2]-p[3]+bias)
				out(1, 0, q[0]+q[1]+q[2]+bias)
				out(1, 1, q[1]-q[2]-q[3]+bias)
			}
		}
	}
}

// WinoGradOutputLanes32 is package tensor's Winograd output-gradient
// transform Ŷ = A g Aᵀ (A's rows (1 0), (1 1), (1 −1), (0 −1)) with a lane
// per sample: g holds eight samples' output-gradient planes interleaved,
// 2th×2tw each (zero beyond a plane), element (r, c) of sample s at
// g[(r·2tw + c)·8 + s]; position ξ of tile (ty, tx) goes to v[ξ·ldv +
// (ty·tw + tx)·ldt + s]. Per lane the operations and their order are those
// of tensor's scalar transform: the rows g0, g0 + g1, g0 − g1, −g1, and of
// each row x the values x0, x0 + x1, x0 − x1, −x1. It panics if a slice is
// too short.
func WinoGradOutputLanes32(g []float32, th, tw int, v []float32, ldv, ldt int) {
	if !laneOutFits(len(g), th, tw) || !laneTilesFit(len(v), ldv, th*tw, ldt) {
		panic(fmt.Sprintf("vec: WinoGradOutputLanes32: %d×%d tiles, ldv %d, ldt %d, g of %d and v of %d values", th, tw, ldv, ldt, len(g), len(v)))
	}
	if useAsm {
		winoGradOutputLanes32AVX2(&g[0], th, tw, &v[0], ldv, ldt)
		return
	}
	for ty := 0; ty < th; ty++ {
		for tx := 0; tx < tw; tx++ {
			o := v[(ty*tw+tx)*ldt:]
			for s := 0; s < 8; s++ {
				at := func(i, j int) float32 { return g[((2*ty+i)*2*tw+2*tx+j)*8+s] }
				g00, g01, g10, g11 := at(0, 0), at(0, 1), at(1, 0), at(1, 1)
				for h, x := range [4][2]float32{{g00, g01}, {g00 + g10, g01 + g11}, {g00 - g10, g01 - g11}, {-g10, -g11}} {
					o[4*h*ldv+s], o[(4*h+1)*ldv+s], o[(4*h+2)*ldv+s], o[(4*h+3)*ldv+s] = x[0], x[0]+x[1], x[0]-x[1], -x[1]
				}
			}
		}
	}
}

// WinoGradInputLanes32 is package tensor's Winograd input-gradient
// transform with a lane per sample: it adds B P Bᵀ of each of th×tw tiles,
// P_ξ of tile (ty, tx) being p[ξ·ldp + (ty·tw + tx)·ldt + s] for sample
// s < 8, into the interleaved padded plane q (element (r, c) of sample s
// at q[(r·wq + c)·8 + s]), tile (ty, tx) at rows 2ty … 2ty+3 and columns
// 2tx … 2tx+3. Neighbouring tiles overlap by two rows or columns. Per lane
// the operations and their order are those of tensor's scalar transform
// (winoGradInputRow): in each tile row, a tile's last two columns are
// carried into the next tile and added to its first two before they reach
// q; each tile row adds into its first two rows of q and sets the other
// two, so rows 0 and 1 of q must be zero before the call. It panics if a
// slice is too short.
func WinoGradInputLanes32(p []float32, ldp, ldt int, q []float32, wq, th, tw int) {
	if !lanePlaneFits(len(q), wq, th, tw) || !laneTilesFit(len(p), ldp, th*tw, ldt) {
		panic(fmt.Sprintf("vec: WinoGradInputLanes32: %d×%d tiles, ldp %d, ldt %d, wq %d, p of %d and q of %d values", th, tw, ldp, ldt, wq, len(p), len(q)))
	}
	if useAsm {
		winoGradInputLanes32AVX2(&p[0], ldp, ldt, &q[0], wq, th, tw)
		return
	}
	for s := 0; s < 8; s++ {
		for ty := 0; ty < th; ty++ {
			var c [4][2]float32
			qr := func(i, col int) *float32 { return &q[((2*ty+i)*wq+col)*8+s] }
			for tx := 0; tx < tw; tx++ {
				src := p[(ty*tw+tx)*ldt+s:]
				at := func(xi int) float32 { return src[xi*ldp] }
				k := 2 * tx
				for i := 0; i < 4; i++ {
					var r [4]float32
					for j := range r {
						switch i {
						case 0:
							r[j] = at(j)
						case 1:
							r[j] = at(4+j) - at(8+j) + at(12+j)
						case 2:
							r[j] = at(4+j) + at(8+j) - at(j)
						case 3:
							r[j] = at(12 + j)
						}
					}
					v1 := r[1] - r[2] + r[3]
					switch i {
					case 0, 1:
						*qr(i, k) += c[i][0] + r[0]
						*qr(i, k+1) += c[i][1] + v1
						c[i] = [2]float32{r[1] + r[2] - r[0], -r[3]}
					case 2:
						*qr(i, k), *qr(i, k+1) = c[i][0]+r[0], c[i][1]+v1
						c[i] = [2]float32{r[1] + r[2] - r[0], -r[3]}
					case 3:
						*qr(i, k), *qr(i, k+1) = c[i][0]-r[0], c[i][1]-v1
						c[i] = [2]float32{r[0] - r[1] - r[2], r[3]}
					}
				}
			}
			k := 2 * tw
			for i := 0; i < 4; i++ {
				if i < 2 {
					*qr(i, k) += c[i][0]
					*qr(i, k+1) += c[i][1]
				} else {
					*qr(i, k), *qr(i, k+1) = c[i][0], c[i][1]
				}
			}
		}
	}
}

// tailMask32 returns the lane mask of the first n mod 8 lanes.
func tailMask32(n int) (m [8]int32) {
	for l := range m {
		m[l] = -int32(b2i(l < n%8))
	}
	return m
}

// Interleave8x32 sets dst[p·8 + s] = src[s·lds + p] for s < 8 and p < n:
// the transpose of eight rows of n values lds apart, which puts the eight
// rows' p-th values side by side (eight samples' planes, one per lane, for
// package tensor's lane-per-sample transforms). It panics if a slice is
// too short.
func Interleave8x32(dst, src []float32, lds, n int) {
	if n < 0 || n > len(dst)/8 || !holds(len(src), 8, lds, n) {
		panic(fmt.Sprintf("vec: Interleave8x32: n %d, lds %d, dst of %d and src of %d values", n, lds, len(dst), len(src)))
	}
	if n == 0 {
		return
	}
	if useAsm {
		mask := tailMask32(n)
		interleave8x32AVX2(&dst[0], &src[0], lds, n, &mask[0])
		return
	}
	for s := 0; s < 8; s++ {
		for p, v := range src[s*lds : s*lds+n] {
			dst[p*8+s] = v
		}
	}
}

// Deinterleave8x32 is the inverse of Interleave8x32: dst[s·ldd + p] =
// src[p·8 + s] for s < 8 and p < n. It writes nothing else of dst, and
// panics if a slice is too short.
func Deinterleave8x32(dst []float32, ldd int, src []float32, n int) {
	if n < 0 || n > len(src)/8 || !holds(len(dst), 8, ldd, n) {
		panic(fmt.Sprintf("vec: Deinterleave8x32: n %d, ldd %d, dst of %d and src of %d values", n, ldd, len(dst), len(src)))
	}
	if n == 0 {
		return
	}
	if useAsm {
		mask := tailMask32(n)
		deinterleave8x32AVX2(&dst[0], ldd, &src[0], n, &mask[0])
		return
	}
	for s := 0; s < 8; s++ {
		row := dst[s*ldd : s*ldd+n]
		for p := range row {
			row[p] = src[p*8+s]
		}
	}
}
