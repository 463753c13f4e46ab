package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// vec declares vec_amd64.s: CPU detection, the element-wise exp, tanh and
// sigmoid kernels, axpy and dot.
//
// See model_test.go for an operation-by-operation scalar transcription
// that the tests compare against bit for bit.
//
// Go assembler operand order is reversed with respect to Intel syntax
// (destination last). For the forms used here:
//
//	VFMADD213PD m, b, a   =>  a = b*a + m
//	VFMADD231PD m, b, a   =>  a = b*m + a
//	VFNMADD231PD m, b, a  =>  a = -(b*m) + a
//	VSUBPD m, a, d        =>  d = a - m
//	VDIVPD m, a, d        =>  d = a / m
//	VANDNPD m, a, d       =>  d = ^a & m
//	VCMPPD $p, m, a, d    =>  d = a <p> m
//
// VMINPD/VMAXPD return their first (Go order) operand when either operand
// is NaN; the variable is always placed there so that NaN propagates.
//
// Layout of every element-wise kernel: a main loop over blocks of 16
// elements (four vectors interleaved, so that each constant is loaded into
// a register once per block and shared: with memory operands the loops are
// bound by the two 256-bit loads per cycle), then blocks of 4, then a tail
// of 1..3 elements that is loaded and stored with VMASKMOVPD/VMASKMOVPS.
// All of them perform exactly the same arithmetic on every lane, so a
// result never depends on the position of its element or on the length of
// the slice. Selections are done with and/andn/or rather than VBLENDVPD,
// which competes with the FMAs for execution ports.
//
// exp(x) = 2^k * p(r): k = round(x/ln2) is read from the low mantissa bits
// of x*log2e + 1.5*2^52; r = x - k*ln2hi - k*ln2lo (the first step is
// exact); p(r) = 1 + r + r^2*q(r) (Horner, degree 11). In the fast path
// (|x| <= 708, so that p*2^k is normal) 2^k is applied by adding k<<52 to
// the bits of p, which is exactly p*2^k. The general path (taken for a
// block holding a NaN or an |x| > 708, and for blocks of 4 and the tail)
// clamps x to [-1400, 1400] and multiplies by 2^k1 and 2^k2, k = k1+k2;
// that is correctly rounded into the subnormal and overflow ranges and
// bit-identical to the fast path wherever the fast path applies.
func vec() {
	vconsts()
	cpuid()
	xgetbv()
	exp64()
	sigmoid64()
	tanh64()
	exp32()
	sigmoid32()
	tanh32()
	axpy64()
	axpy32()
	dot64()
}

// cs holds the constants by name (their memory operands).
var cs = map[string]Mem{}

// c returns the named constant.
func c(name string) Mem {
	m, ok := cs[name]
	if !ok {
		panic("no constant " + name)
	}
	return m
}

// kernelBits reads the kernel constants' bit patterns from
// consts_amd64.h, which gen.go in internal/vec writes.
func kernelBits() map[string]uint64 {
	f, err := os.Open("../consts_amd64.h")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	bits := map[string]uint64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 3 || fs[0] != "#define" || !strings.HasPrefix(fs[1], "BITS_") {
			continue
		}
		v, err := strconv.ParseUint(strings.TrimPrefix(fs[2], "$0x"), 16, 64)
		if err != nil {
			panic(fmt.Sprintf("consts_amd64.h: %s: %v", fs[1], err))
		}
		bits[strings.TrimPrefix(fs[1], "BITS_")] = v
	}
	if err := sc.Err(); err != nil {
		panic(err)
	}
	return bits
}

// vconsts defines the 32-byte constants holding four copies of a float64
// bit pattern, and the tail masks.
func vconsts() {
	bits := kernelBits()
	for _, k := range []struct {
		name string
		bits uint64
	}{
		{"absmask", 0x7fffffffffffffff},
		{"signmask", 0x8000000000000000},
		{"one", 0x3ff0000000000000}, // 1.0; also the exponent bias 1023<<52
		{"half", 0x3fe0000000000000},
		{"negtwo", 0xc000000000000000},
		{"posinf", 0x7ff0000000000000},
		{"lim708", 0x4086200000000000},   // 708
		{"lim1400", 0x4095e00000000000},  // 1400
		{"limm1400", 0xc095e00000000000}, // -1400
		{"lim200", 0x4069000000000000},   // 200
		{"limm200", 0xc069000000000000},  // -200
		{"limm40", 0xc044000000000000},   // -40
		{"lim20", 0x4034000000000000},    // 20
		{"c0625", 0x3fe4000000000000},    // 0.625
	} {
		vconst(k.name, k.bits)
	}
	for _, name := range []string{"log2e", "twolog2e", "ln2hi", "ln2lo", "shifter",
		"expC2", "expC3", "expC4", "expC5", "expC6", "expC7", "expC8", "expC9", "expC10", "expC11",
		"tanhP0", "tanhP1", "tanhP2", "tanhQ0", "tanhQ1", "tanhQ2"} {
		b, ok := bits[name]
		if !ok {
			panic("consts_amd64.h has no BITS_" + name)
		}
		vconst(name, b)
	}
	// tailmask64: four all-ones quadwords followed by four zero quadwords;
	// loading 32 bytes at offset (4-r)*8 gives a mask of the first r lanes.
	// tailmask32: eight all-ones doublewords followed by eight zero
	// doublewords; loading at offset (8-r)*4 masks the first r lanes.
	for _, name := range []string{"tailmask64", "tailmask32"} {
		cs[name] = GLOBL(name, RODATA|NOPTR)
		for i := range 8 {
			if i < 4 {
				DATA(8*i, I64(-1))
			} else {
				DATA(8*i, U64(0))
			}
		}
	}
}

func vconst(name string, bits uint64) {
	cs[name] = GLOBL(name, RODATA|NOPTR)
	for i := range 4 {
		DATA(8*i, U64(bits))
	}
}

// Single-vector building blocks (memory-operand constants), for blocks of
// 4, tails and the general path.

// expRed: kd = x*log2e + 1.5*2^52 (low mantissa bits hold k), kf = k,
// r = x - k*ln2hi - k*ln2lo.
func expRed(x, kd, kf, r VecPhysical) {
	VMOVUPD(c("shifter"), kd)
	VFMADD231PD(c("log2e"), x, kd)
	VSUBPD(c("shifter"), kd, kf)
	VMOVAPD(x, r)
	VFNMADD231PD(c("ln2hi"), kf, r)
	VFNMADD231PD(c("ln2lo"), kf, r)
}

// expU: p = q(r), Horner (so that p(r) = 1 + r*(1 + r*q(r))).
func expU(r, p VecPhysical) {
	VMOVUPD(c("expC11"), p)
	for i := 10; i >= 2; i-- {
		VFMADD213PD(c(fmt.Sprintf("expC%d", i)), r, p)
	}
}

// expPoly: p = p(r) = 1 + r + r^2*q(r), Horner.
func expPoly(r, p VecPhysical) {
	expU(r, p)
	VFMADD213PD(c("one"), r, p)
	VFMADD213PD(c("one"), r, p)
}

// scale: k (= 1.5*2^52 + k as float64 bits) becomes the float64 2^k, for
// -1022 <= k <= 1023.
func scale(k VecPhysical) {
	VPSLLQ(U8(52), k, k)
	VPADDQ(c("one"), k, k)
}

// split: k (in kf) = k1 + k2 with k1 = round(k/2); kh = 2^k1, k2 = 2^k2.
// Valid for |k| <= 2020.
func split(kf, kh, k2 VecPhysical) {
	VMOVUPD(c("shifter"), kh)
	VFMADD231PD(c("half"), kf, kh)
	VSUBPD(c("shifter"), kh, k2)
	VSUBPD(k2, kf, k2)
	VADDPD(c("shifter"), k2, k2)
	scale(kh)
	scale(k2)
}

// expFast: y = exp(x) for |x| <= 708 (not NaN). Clobbers x, t1..t3.
func expFast(x, y, t1, t2, t3 VecPhysical) {
	expRed(x, t1, t2, t3)
	expPoly(t3, y)
	VPSLLQ(U8(52), t1, t1)
	VPADDQ(t1, y, y)
}

// expGen: y = exp(x) for any x. Clobbers x, t1..t4.
func expGen(x, y, t1, t2, t3, t4 VecPhysical) {
	VMOVUPD(c("lim1400"), t1)
	VMINPD(x, t1, x)
	VMOVUPD(c("limm1400"), t1)
	VMAXPD(x, t1, x)
	expRed(x, t1, t2, t3)
	expPoly(t3, t4)
	split(t2, t1, t3)
	VMULPD(t1, t4, t4)
	VMULPD(t3, t4, y)
}

// clamp: x = min(max(x, lo), hi), NaN preserved. Clobbers t.
func clamp(x, t VecPhysical, lo, hi string) {
	VMOVUPD(c(lo), t)
	VMAXPD(x, t, x)
	VMOVUPD(c(hi), t)
	VMINPD(x, t, x)
}

// sigPre: x = max(-x, -40), NaN preserved. Clobbers t.
func sigPre(x, t VecPhysical) {
	VXORPD(c("signmask"), x, x)
	VMOVUPD(c("limm40"), t)
	VMAXPD(x, t, x)
}

// recip: y = 1/(e + 1) for e >= 0 finite. d = e + 1 is rounded; its
// rounding error l is recovered exactly (TwoSum: b = d - e,
// l = (e - (d - b)) + (1 - b)), and one Newton step
// y = r0 + r0*(1 - r0*d - r0*l) from r0 = 1/d removes both the error of d
// and that of the division. Clobbers d, l, b.
func recip(e, y, d, l, b VecPhysical) {
	VMOVUPD(c("one"), y)
	VADDPD(y, e, d)
	VSUBPD(e, d, b)
	VSUBPD(b, d, l)
	VSUBPD(l, e, l)
	VSUBPD(b, y, b)
	VADDPD(b, l, l)
	VDIVPD(d, y, y)
	VFNMADD213PD(c("one"), y, d)
	VFNMADD231PD(l, y, d)
	VFMADD231PD(d, y, y)
}

// sigFast32: y = 1/(1 + exp(x)) for x from sigPre with x <= 708 (not
// NaN), with a plain division (for the float32 kernel, whose result is
// rounded to float32 anyway). Clobbers x, t1..t3.
func sigFast32(x, y, t1, t2, t3 VecPhysical) {
	expFast(x, t1, y, t2, t3)
	VADDPD(c("one"), t1, t1)
	VMOVUPD(c("one"), y)
	VDIVPD(t1, y, y)
}

// sigGen: y = 1/(1 + exp(x)) for any x from sigPre, with the division
// refined as in recip (x is clamped to <= 1400; where exp overflows the
// result is +0). Clobbers x, t1..t4.
func sigGen(x, y, t1, t2, t3, t4 VecPhysical) {
	VMOVUPD(c("lim1400"), t1)
	VMINPD(x, t1, x)
	expRed(x, t1, t2, t3)
	expPoly(t3, t4)
	split(t2, t1, t3)
	VMULPD(t1, t4, t4)
	VMULPD(t3, t4, t4)
	VCMPPD(U8(0), c("posinf"), t4, t3)
	recip(t4, y, t1, t2, x)
	VANDNPD(y, t3, y)
}

// tanh1: t = tanh(x). Clobbers x, m, y, k, f, q, cc.
//
//	t = |x|, big = t >= 0.625 (false for NaN), t' = big ? 0 : t
//	result = sign(x) | (A + B/D) with
//	  small: A = t', B = t'*z*P(z), D = Q(z), z = t'^2
//	  big:   A = 1,  B = -2,        D = exp(2*min(t, 20)) + 1
//	where D = (2^k + 1) + (2^k r)*(1 + r q(r)), rounded once (see
//	tanhD4).
//
// (The selections are done with and/andn/or: blends would compete with
// the FMAs for execution ports.)
func tanh1(x, t, m, y, k, f, q, cc VecPhysical) {
	VANDPD(c("absmask"), x, t)
	VXORPD(t, x, x)
	VMOVUPD(c("lim20"), cc)
	VMINPD(t, cc, y)
	VMOVUPD(c("shifter"), k)
	VFMADD231PD(c("twolog2e"), y, k)
	VADDPD(y, y, y)
	VSUBPD(c("shifter"), k, f)
	VFNMADD231PD(c("ln2hi"), f, y)
	VFNMADD231PD(c("ln2lo"), f, y)
	expU(y, q)
	VFMADD213PD(c("one"), y, q)
	VPSLLQ(U8(52), k, k)
	VPADDQ(k, y, y)
	VPADDQ(c("one"), k, k)
	VADDPD(c("one"), k, k)
	VFMADD213PD(k, y, q)
	VCMPPD(U8(29), c("c0625"), t, m)
	VANDNPD(t, m, t)
	VMULPD(t, t, f)
	VMOVUPD(c("tanhP0"), y)
	VFMADD213PD(c("tanhP1"), f, y)
	VFMADD213PD(c("tanhP2"), f, y)
	VADDPD(c("tanhQ0"), f, k)
	VFMADD213PD(c("tanhQ1"), f, k)
	VFMADD213PD(c("tanhQ2"), f, k)
	VMULPD(t, f, f)
	VMULPD(y, f, f)
	VANDPD(c("one"), m, y)
	VORPD(y, t, t)
	VANDPD(c("negtwo"), m, y)
	VORPD(y, f, f)
	VANDPD(m, q, q)
	VANDNPD(k, m, k)
	VORPD(k, q, q)
	VDIVPD(q, f, f)
	VADDPD(f, t, t)
	VORPD(x, t, t)
}

// Four-vector blocks for the exp and sigmoid main loops. Inputs in Y0,
// Y3, Y6, Y9; results in Y2, Y5, Y8, Y11. Resident: Y13 = shifter,
// Y14 = 1.0, Y15 = log2e (2*log2e for tanh); Y12 is scratch for the other
// constants.

// q4 returns register j of the i-th of the four interleaved vectors:
// Y(3i+j).
func q4(i, j int) VecPhysical {
	return []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11}[3*i+j]
}

// each4 emits f for each of the four vectors.
func each4(f func(i int)) {
	for i := range 4 {
		f(i)
	}
}

func loadRes() {
	VMOVUPD(c("shifter"), Y13)
	VMOVUPD(c("one"), Y14)
	VMOVUPD(c("log2e"), Y15)
}

// c4fma: p = r*p + c for the four (r, p) pairs.
func c4fma(name string) {
	VMOVUPD(c(name), Y12)
	each4(func(i int) { VFMADD213PD(Y12, q4(i, 0), q4(i, 2)) })
}

// reduce4 forms k (from the shifted product in Y(3i+1)) in Y(3i+2) and
// reduces x in Y(3i) to r, then evaluates q(r) into Y(3i+2) (exp4 and
// tanhD4 share it; the shifted products are already in Y(3i+1)).
func reduce4() {
	each4(func(i int) { VSUBPD(Y13, q4(i, 1), q4(i, 2)) })
	for _, name := range []string{"ln2hi", "ln2lo"} {
		VMOVUPD(c(name), Y12)
		each4(func(i int) { VFNMADD231PD(Y12, q4(i, 2), q4(i, 0)) })
	}
	VMOVUPD(c("expC11"), Y12)
	each4(func(i int) { VMOVAPD(Y12, q4(i, 2)) })
	for i := 10; i >= 2; i-- {
		c4fma(fmt.Sprintf("expC%d", i))
	}
}

// shifted4 sets Y(3i+1) = x*Y15 + shifter for the four vectors.
func shifted4() {
	each4(func(i int) { VMOVAPD(Y13, q4(i, 1)) })
	each4(func(i int) { VFMADD231PD(Y15, q4(i, 0), q4(i, 1)) })
}

// exp4: Y2, Y5, Y8, Y11 = p(r) + (k<<52) (fast path, |x| <= 708).
func exp4() {
	shifted4()
	reduce4()
	for range 2 {
		each4(func(i int) { VFMADD213PD(Y14, q4(i, 0), q4(i, 2)) })
	}
	each4(func(i int) { VPSLLQ(U8(52), q4(i, 1), q4(i, 1)) })
	each4(func(i int) { VPADDQ(q4(i, 1), q4(i, 2), q4(i, 2)) })
}

// sig4: after exp4 (e in Y2, Y5, Y8, Y11), the results 1/(1 + e) as in
// recip, in the same registers.
func sig4() {
	each4(func(i int) {
		e, d, l := q4(i, 2), q4(i, 0), q4(i, 1)
		VADDPD(Y14, e, d)
		VSUBPD(e, d, Y12)
		VSUBPD(Y12, d, l)
		VSUBPD(l, e, l)
		VSUBPD(Y12, Y14, Y12)
		VADDPD(Y12, l, l)
	})
	each4(func(i int) { VDIVPD(q4(i, 0), Y14, q4(i, 2)) })
	each4(func(i int) { VFNMADD213PD(Y14, q4(i, 2), q4(i, 0)) })
	each4(func(i int) { VFNMADD231PD(q4(i, 1), q4(i, 2), q4(i, 0)) })
	each4(func(i int) { VFMADD231PD(q4(i, 0), q4(i, 2), q4(i, 2)) })
}

// sig4f: after exp4, plain 1/(1 + e) (float32 kernel).
func sig4f() {
	each4(func(i int) { VADDPD(Y14, q4(i, 2), q4(i, 2)) })
	each4(func(i int) { VDIVPD(q4(i, 2), Y14, q4(i, 2)) })
}

// anyBig4 jumps to label if a lane of Y1, Y4, Y7, Y10 (compare results)
// is set. Clobbers DX.
func anyBig4(label string) {
	VORPD(Y4, Y1, Y1)
	VORPD(Y10, Y7, Y7)
	VORPD(Y7, Y1, Y1)
	VMOVMSKPD(Y1, EDX)
	TESTL(EDX, EDX)
	JNZ(LabelRef(label))
}

// big4: jump to label if any lane of Y0, Y3, Y6, Y9 is NaN or has
// |x| > 708. Clobbers Y1, Y4, Y7, Y10, Y12, DX.
func big4(label string) {
	VMOVUPD(c("absmask"), Y12)
	each4(func(i int) { VANDPD(Y12, q4(i, 0), q4(i, 1)) })
	VMOVUPD(c("lim708"), Y12)
	each4(func(i int) { VCMPPD(U8(6), Y12, q4(i, 1), q4(i, 1)) })
	anyBig4(label)
}

// sigBig4: jump to label if any (pre-processed) input is NaN or > 708.
func sigBig4(label string) {
	VMOVUPD(c("lim708"), Y12)
	each4(func(i int) { VCMPPD(U8(6), Y12, q4(i, 0), q4(i, 1)) })
	anyBig4(label)
}

// with4 loads the named constant into Y12 and applies op with it to each
// input: x = op(Y12, x).
func with4(name string, op func(...Op)) {
	VMOVUPD(c(name), Y12)
	each4(func(i int) { op(q4(i, 0), Y12, q4(i, 0)) })
}

// sigPre4: x = max(-x, -40) for the four inputs.
func sigPre4() {
	VMOVUPD(c("signmask"), Y12)
	each4(func(i int) { VXORPD(Y12, q4(i, 0), q4(i, 0)) })
	with4("limm40", VMAXPD)
}

// clamp4: clamp the four inputs to [lo, hi], NaN preserved.
func clamp4(lo, hi string) {
	with4(lo, VMAXPD)
	with4(hi, VMINPD)
}

// Blocks for the tanh main loops (same arithmetic as tanh1).

// tanhD4: the exp part of tanh for four vectors x in Y0, Y3, Y6, Y9:
// D = exp(2*min(|x|, 20)) + 1 in Y2, Y5, Y8, Y11, computed as
// (2^k + 1) + (2^k r)*(1 + r q(r)) with a single rounding. 2^k r is formed
// by adding k<<52 to the bits of r, which is exact on the lanes where D is
// used (|x| >= 0.625: there r is a normal number, far above the subnormal
// range, and k <= 58). Resident: Y13 = shifter, Y14 = 1.0, Y15 =
// 2*log2e; Y12 is scratch.
func tanhD4() {
	VMOVUPD(c("absmask"), Y12)
	each4(func(i int) { VANDPD(Y12, q4(i, 0), q4(i, 0)) })
	with4("lim20", VMINPD)
	shifted4()
	each4(func(i int) { VADDPD(q4(i, 0), q4(i, 0), q4(i, 0)) })
	reduce4()
	each4(func(i int) { VFMADD213PD(Y14, q4(i, 0), q4(i, 2)) })
	each4(func(i int) { VPSLLQ(U8(52), q4(i, 1), q4(i, 1)) })
	each4(func(i int) { VPADDQ(q4(i, 1), q4(i, 0), q4(i, 0)) })
	each4(func(i int) { VPADDQ(Y14, q4(i, 1), q4(i, 1)) })
	each4(func(i int) { VADDPD(Y14, q4(i, 1), q4(i, 1)) })
	each4(func(i int) { VFMADD213PD(q4(i, 1), q4(i, 0), q4(i, 2)) })
}

// tanhRegs are the registers of one vector of tanh2s and tanhSmall2.
type tanhRegs struct{ x, t, mask, z, p, q, d VecPhysical }

// tanhPair: the two vectors, a and b.
var tanhPair = []tanhRegs{
	{x: Y0, t: Y2, mask: Y4, z: Y5, p: Y1, q: Y12, d: Y3},
	{x: Y6, t: Y8, mask: Y10, z: Y11, p: Y7, q: Y13, d: Y9},
}

// both emits f for the two vectors of tanhPair.
func both(pair []tanhRegs, f func(r tanhRegs)) {
	for _, r := range pair {
		f(r)
	}
}

// tanhRational emits the rational part shared by tanh2s and tanhSmall2,
// from z = t'^2: P(z) in p, Q(z) in q (tanhQ0 added from q0), then
// z = t'*z*P(z).
func tanhRational(pair []tanhRegs, q0 VecPhysical) {
	both(pair, func(r tanhRegs) { VMULPD(r.t, r.t, r.z) })
	both(pair, func(r tanhRegs) { VMOVUPD(c("tanhP0"), r.p) })
	both(pair, func(r tanhRegs) { VFMADD213PD(c("tanhP1"), r.z, r.p) })
	both(pair, func(r tanhRegs) { VFMADD213PD(c("tanhP2"), r.z, r.p) })
	if q0 == Y14 {
		VMOVUPD(c("tanhQ0"), Y14)
	}
	both(pair, func(r tanhRegs) { VADDPD(q0, r.z, r.q) })
	both(pair, func(r tanhRegs) { VFMADD213PD(c("tanhQ1"), r.z, r.q) })
	both(pair, func(r tanhRegs) { VFMADD213PD(c("tanhQ2"), r.z, r.q) })
	both(pair, func(r tanhRegs) { VMULPD(r.t, r.z, r.z) })
	both(pair, func(r tanhRegs) { VMULPD(r.p, r.z, r.z) })
}

// tanh2s: the rational part and the final combination for two vectors:
// x in Y0 and Y6, D (from tanhD4) in Y3 and Y9; results in Y2 and Y8.
// Y15 = 1.0 is resident, Y14 is scratch. Registers (a / b): x then sign
// Y0/Y6, t then t' then A Y2/Y8, mask Y4/Y10, z then B Y5/Y11, P(z) Y1/Y7,
// Q(z) Y12/Y13, D Y3/Y9.
func tanh2s() {
	p := tanhPair
	VMOVUPD(c("absmask"), Y14)
	both(p, func(r tanhRegs) { VANDPD(Y14, r.x, r.t) })
	both(p, func(r tanhRegs) { VXORPD(r.t, r.x, r.x) })
	VMOVUPD(c("c0625"), Y14)
	both(p, func(r tanhRegs) { VCMPPD(U8(29), Y14, r.t, r.mask) })
	both(p, func(r tanhRegs) { VANDNPD(r.t, r.mask, r.t) })
	tanhRational(p, Y14)
	both(p, func(r tanhRegs) { VANDPD(Y15, r.mask, r.p) })
	both(p, func(r tanhRegs) { VORPD(r.p, r.t, r.t) })
	VMOVUPD(c("negtwo"), Y14)
	both(p, func(r tanhRegs) { VANDPD(Y14, r.mask, r.p) })
	both(p, func(r tanhRegs) { VORPD(r.p, r.z, r.z) })
	both(p, func(r tanhRegs) { VANDPD(r.mask, r.d, r.d) })
	both(p, func(r tanhRegs) { VANDNPD(r.q, r.mask, r.q) })
	both(p, func(r tanhRegs) { VORPD(r.q, r.d, r.d) })
	tanhFinish(p, func(r tanhRegs) VecPhysical { return r.d })
}

// tanhFinish divides B by D, adds A and puts the sign back.
func tanhFinish(p []tanhRegs, d func(tanhRegs) VecPhysical) {
	both(p, func(r tanhRegs) { VDIVPD(d(r), r.z, r.z) })
	both(p, func(r tanhRegs) { VADDPD(r.z, r.t, r.t) })
	both(p, func(r tanhRegs) { VORPD(r.x, r.t, r.t) })
}

// tanhBig16 leaves ZF clear iff some lane of the 16 elements of x at
// (SI)(idx*8) has |x| >= 0.625. Clobbers Y0-Y3, Y12, Y13.
func tanhBig16(idx Register) {
	VMOVUPD(c("absmask"), Y12)
	VMOVUPD(c("c0625"), Y13)
	ys := []VecPhysical{Y0, Y1, Y2, Y3}
	for j, y := range ys {
		VANDPD(at(RSI, idx, 8, 32*j), Y12, y)
	}
	for _, y := range ys {
		VCMPPD(U8(29), Y13, y, y)
	}
	VORPD(Y1, Y0, Y0)
	VORPD(Y3, Y2, Y2)
	VORPD(Y2, Y0, Y0)
	VPTEST(Y0, Y0)
}

// tanhRest16: the rest (two tanh2s) of the block at AX, its exp part in
// half R13 of the stack buffer at R12; results to dst.
func tanhRest16() {
	VMOVUPD(c("one"), Y15)
	for h := range 2 {
		VMOVUPD(pd(RSI, 64*h), Y0)
		VMOVUPD(pd(RSI, 64*h+32), Y6)
		VMOVUPD(at(R12, R13, 1, 64*h), Y3)
		VMOVUPD(at(R12, R13, 1, 64*h+32), Y9)
		tanh2s()
		VMOVUPD(Y2, pd(RDI, 64*h))
		VMOVUPD(Y8, pd(RDI, 64*h+32))
	}
}

// tanhSmall2: tanh on two vectors at byte offsets o1 and o2 from element
// AX of x with no lane of |x| >= 0.625, stored at the same offsets of dst:
// the rational part of tanh2s alone, with the same operations, so the same
// bits. Resident: Y12 = absmask, Y13 = tanhQ0.
func tanhSmall2(o1, o2 int) {
	p := []tanhRegs{
		{x: Y0, t: Y2, z: Y5, p: Y1, q: Y3},
		{x: Y6, t: Y8, z: Y11, p: Y7, q: Y9},
	}
	VMOVUPD(pd(RSI, o1), Y0)
	VMOVUPD(pd(RSI, o2), Y6)
	both(p, func(r tanhRegs) { VANDPD(Y12, r.x, r.t) })
	both(p, func(r tanhRegs) { VXORPD(r.t, r.x, r.x) })
	tanhRational(p, Y13)
	tanhFinish(p, func(r tanhRegs) VecPhysical { return r.q })
	VMOVUPD(Y2, pd(RDI, o1))
	VMOVUPD(Y8, pd(RDI, o2))
}

// tailMask loads into dst the mask of the first CX-AX lanes of width
// bytes from the named table. Clobbers DX, R8.
func tailMask(table string, width uint8, dst VecPhysical) {
	MOVQ(RAX, RDX)
	SUBQ(RCX, RDX)
	LEAQ(c(table).Offset(32), R8)
	VMOVDQU(at(R8, RDX, width, 0), dst)
}

// mask64: Y14 = mask of the first CX-AX (1..3) quadword lanes.
func mask64() { tailMask("tailmask64", 8, Y14) }

// mask32x: X14 = mask of the first CX-AX (1..3) doubleword lanes.
func mask32x() { tailMask("tailmask32", 4, X14) }

// mask32y: Y14 = mask of the first CX-AX (1..7) doubleword lanes.
func mask32y() { tailMask("tailmask32", 4, Y14) }

func cpuid() {
	TEXT("cpuid", NOSPLIT, "func(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)")
	MOVL(arg("eaxArg"), EAX)
	MOVL(arg("ecxArg"), ECX)
	CPUID()
	for i, r := range []Register{EAX, EBX, ECX, EDX} {
		MOVL(r, ret(i))
	}
	RET()
}

func xgetbv() {
	TEXT("xgetbv", NOSPLIT, "func() (eax, edx uint32)")
	MOVL(U32(0), ECX)
	XGETBV()
	MOVL(EAX, ret(0))
	MOVL(EDX, ret(1))
	RET()
}

// head loads dst, x and n (and the address of the stack buffer local, if
// any, into R12) and sets AX = 0.
func head(local *Mem) {
	loadArgs([]string{"dst", "x", "n"}, RDI, RSI, RCX)
	if local != nil {
		LEAQ(*local, R12)
	}
	XORQ(RAX, RAX)
}

// blocks16 sets BX = CX rounded down to 16, jumping to next if zero.
func blocks16(next string) {
	MOVQ(RCX, RBX)
	ANDQ(I8(-16), RBX)
	JZ(LabelRef(next))
}

// fours starts the blocks of four at label, after the blocks of 16: BX =
// CX rounded down to 4, and a jump to tail if AX has reached it.
func fours(label, tail string) {
	Label(label)
	MOVQ(RCX, RBX)
	ANDQ(I8(-4), RBX)
	CMPQ(RAX, RBX)
	JGE(LabelRef(tail))
}

// tail starts the masked tail at label: a jump to done if AX has reached
// CX.
func tail(label, done string) {
	Label(label)
	CMPQ(RAX, RCX)
	JGE(LabelRef(done))
}

// end is the kernels' common exit at label.
func end(label string) {
	Label(label)
	done()
}

// ins and outs are the four interleaved inputs, Y0, Y3, Y6, Y9, and
// results, Y2, Y5, Y8, Y11.
var (
	ins  = []VecPhysical{Y0, Y3, Y6, Y9}
	outs = []VecPhysical{Y2, Y5, Y8, Y11}
)

// loadQuad loads the 16 float64 at (base)(idx*8) into regs; storeQuad
// stores regs there.
func loadQuad(base, idx Register, regs []VecPhysical) {
	for i, y := range regs {
		VMOVUPD(at(base, idx, 8, 32*i), y)
	}
}

func storeQuad(regs []VecPhysical, base, idx Register) {
	for i, y := range regs {
		VMOVUPD(y, at(base, idx, 8, 32*i))
	}
}

// widenQuad loads the 16 float32 at (SI)(idx*4) as float64 into the
// inputs.
func widenQuad(idx Register) {
	for i, y := range ins {
		VCVTPS2PD(at(RSI, idx, 4, 16*i), y)
	}
}

// narrowQuad stores the results as float32 at (DI)(idx*4).
func narrowQuad(idx Register) {
	for _, y := range outs {
		VCVTPD2PSY(y, y.AsX())
	}
	for i, y := range outs {
		VMOVUPS(y.AsX(), at(RDI, idx, 4, 16*i))
	}
}

func exp64() {
	TEXT("exp64AVX2", NOSPLIT, "func(dst, x *float64, n int)")
	head(nil)
	blocks16("exp64_4")
	loadRes()

	Label("exp64_loop16")
	loadQuad(RSI, RAX, ins)
	big4("exp64_gen16")
	exp4()
	storeQuad(outs, RDI, RAX)

	Label("exp64_next16")
	loop(16, RBX, "exp64_loop16")

	fours("exp64_4", "exp64_tail")
	Label("exp64_loop4")
	VMOVUPD(pd(RSI, 0), Y0)
	expGen(Y0, Y5, Y1, Y2, Y3, Y4)
	VMOVUPD(Y5, pd(RDI, 0))
	loop(4, RBX, "exp64_loop4")

	tail("exp64_tail", "exp64_done")
	mask64()
	VMASKMOVPD(pd(RSI, 0), Y14, Y0)
	expGen(Y0, Y5, Y1, Y2, Y3, Y4)
	VMASKMOVPD(Y5, Y14, pd(RDI, 0))
	end("exp64_done")

	Label("exp64_gen16")
	Comment("A block with a NaN or a large |x|: all four vectors through the",
		"general path (same bits as the fast path on ordinary lanes).")
	MOVQ(U32(0), RDX)
	Label("exp64_gen16_loop")
	LEAQ(at(RAX, RDX, 1, 0), R9)
	VMOVUPD(at(RSI, R9, 8, 0), Y0)
	expGen(Y0, Y5, Y1, Y2, Y3, Y4)
	VMOVUPD(Y5, at(RDI, R9, 8, 0))
	ADDQ(U8(4), RDX)
	CMPQ(RDX, U8(16))
	JLT(LabelRef("exp64_gen16_loop"))
	JMP(LabelRef("exp64_next16"))
}

// chunk starts a chunk of up to 64 elements of blocks of 16 (sigmoid's two
// passes): R9 = min(BX-AX, 64).
func chunk(label, next string) {
	Label(label)
	MOVQ(RBX, R9)
	SUBQ(RAX, R9)
	CMPQ(R9, U8(64))
	JLE(LabelRef(next))
	MOVQ(U32(64), R9)
}

// Sigmoid's blocks of four and tail, float64.
func sigmoid64Rest() {
	fours("sig64_4", "sig64_tail")
	Label("sig64_loop4")
	VMOVUPD(pd(RSI, 0), Y0)
	sigPre(Y0, Y1)
	sigGen(Y0, Y5, Y1, Y2, Y3, Y4)
	VMOVUPD(Y5, pd(RDI, 0))
	loop(4, RBX, "sig64_loop4")

	tail("sig64_tail", "sig64_done")
	mask64()
	VMASKMOVPD(pd(RSI, 0), Y14, Y0)
	sigPre(Y0, Y1)
	sigGen(Y0, Y5, Y1, Y2, Y3, Y4)
	VMASKMOVPD(Y5, Y14, pd(RDI, 0))
	end("sig64_done")
}

func sigmoid64() {
	TEXT("sigmoid64AVX2", NOSPLIT, "func(dst, x *float64, n int)")
	Comment("Blocks of 16 elements are processed in chunks of up to 64, in two",
		"passes: pass A computes e = exp(max(-x, -40)) into a stack buffer (or,",
		"for a block holding a NaN or a large argument, the final results of the",
		"block through the general path, directly into dst, recording that in a",
		"bit of R13); pass B computes 1/(1 + e) for the other blocks. Separating",
		"the exp chain from the division and Newton step lets the out-of-order",
		"core overlap them; the arithmetic is the same as in sigGen.")
	buf := AllocLocal(512)
	head(&buf)
	blocks16("sig64_4")

	chunk("sig64_chunk", "sig64_a")
	Label("sig64_a")
	loadRes()
	XORQ(R10, R10)
	XORQ(R13, R13)

	Label("sig64_aloop")
	LEAQ(at(RAX, R10, 1, 0), R11)
	loadQuad(RSI, R11, ins)
	sigPre4()
	sigBig4("sig64_agen")
	exp4()
	storeQuad(outs, R12, R10)

	Label("sig64_anext")
	ADDQ(U8(16), R10)
	CMPQ(R10, R9)
	JLT(LabelRef("sig64_aloop"))
	XORQ(R10, R10)

	Label("sig64_bloop")
	MOVQ(R10, RDX)
	SHRQ(U8(4), RDX)
	BTQ(RDX, R13)
	JCS(LabelRef("sig64_bnext"))
	LEAQ(at(RAX, R10, 1, 0), R11)
	loadQuad(R12, R10, outs)
	sig4()
	storeQuad(outs, RDI, R11)

	Label("sig64_bnext")
	ADDQ(U8(16), R10)
	CMPQ(R10, R9)
	JLT(LabelRef("sig64_bloop"))
	ADDQ(R9, RAX)
	CMPQ(RAX, RBX)
	JLT(LabelRef("sig64_chunk"))
	JMP(LabelRef("sig64_4"))

	Label("sig64_agen")
	Comment("A block with a NaN or a large argument: finish it here through the",
		"general path (same bits as the fast path on ordinary lanes) and mark",
		"it done for pass B.")
	MOVQ(R10, RDX)
	SHRQ(U8(4), RDX)
	BTSQ(RDX, R13)
	MOVQ(U32(0), RDX)

	Label("sig64_agenloop")
	LEAQ(at(RAX, R10, 1, 0), R11)
	ADDQ(RDX, R11)
	VMOVUPD(at(RSI, R11, 8, 0), Y0)
	sigPre(Y0, Y1)
	sigGen(Y0, Y5, Y1, Y2, Y3, Y4)
	VMOVUPD(Y5, at(RDI, R11, 8, 0))
	ADDQ(U8(4), RDX)
	CMPQ(RDX, U8(16))
	JLT(LabelRef("sig64_agenloop"))
	loadRes()
	JMP(LabelRef("sig64_anext"))

	sigmoid64Rest()
}

// tanhD4Block loads the constants of tanhD4 and the block at element R11
// (with load), and stores its exp part to half R10 of the stack buffer.
func tanhD4Block(load func()) {
	VMOVUPD(c("shifter"), Y13)
	VMOVUPD(c("one"), Y14)
	VMOVUPD(c("twolog2e"), Y15)
	load()
	tanhD4()
	// R10 is a byte offset (the half), not an element index.
	for i, y := range outs {
		VMOVUPD(y, at(R12, R10, 1, 32*i))
	}
}

// tanhTails emits tanh's blocks of four and tail; f32 selects the float32
// kernel's conversions.
func tanhTails(prefix string, f32 bool) {
	load := func(masked bool) {
		switch {
		case !f32 && !masked:
			VMOVUPD(pd(RSI, 0), Y0)
		case !f32:
			VMASKMOVPD(pd(RSI, 0), Y14, Y0)
		case !masked:
			VCVTPS2PD(ps(RSI, 0), Y0)
		default:
			VMASKMOVPS(ps(RSI, 0), X14, X0)
			VCVTPS2PD(X0, Y0)
		}
	}
	store := func(masked bool) {
		switch {
		case !f32 && !masked:
			VMOVUPD(Y1, pd(RDI, 0))
		case !f32:
			VMASKMOVPD(Y1, Y14, pd(RDI, 0))
		case !masked:
			VCVTPD2PSY(Y1, X1)
			VMOVUPS(X1, ps(RDI, 0))
		default:
			VCVTPD2PSY(Y1, X1)
			VMASKMOVPS(X1, X14, ps(RDI, 0))
		}
	}
	fours(prefix+"_4", prefix+"_tail")
	Label(prefix + "_loop4")
	load(false)
	tanh1(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7)
	store(false)
	loop(4, RBX, prefix+"_loop4")

	tail(prefix+"_tail", prefix+"_done")
	if f32 {
		mask32x()
	} else {
		mask64()
	}
	load(true)
	tanh1(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7)
	store(true)
	end(prefix + "_done")
}

func tanh64() {
	TEXT("tanh64AVX2", NOSPLIT, "func(dst, x *float64, n int)")
	Comment("Blocks of 16 elements with no |x| >= 0.625 (NaN counts as small) take",
		"the rational part alone (tanhSmall2), with the bits of the full",
		"computation. Runs of other blocks are software-pipelined: each step",
		"computes the exp part (tanhD4) of the next block into one half of a",
		"stack buffer and the rest (two tanh2s, which re-read x) of the current",
		"block from the other half. The two halves of the work are independent,",
		"so they overlap in the out-of-order core instead of the long exp chain",
		"stalling it; the arithmetic is that of tanh1.")
	buf := AllocLocal(256)
	head(&buf)
	XORQ(R13, R13)
	blocks16("tanh64_4")

	Label("tanh64_loop16")
	Comment("The block at AX.")
	tanhBig16(RAX)
	JNZ(LabelRef("tanh64_start"))
	VMOVUPD(c("tanhQ0"), Y13)
	tanhSmall2(0, 32)
	tanhSmall2(64, 96)
	loop(16, RBX, "tanh64_loop16")
	JMP(LabelRef("tanh64_4"))

	Label("tanh64_start")
	Comment("A pipelined run starts: the exp part of block AX into half R13.")
	MOVQ(R13, R10)
	MOVQ(RAX, R11)

	Label("tanh64_d4")
	tanhD4Block(func() { loadQuad(RSI, R11, ins) })
	CMPQ(R11, RAX)
	JEQ(LabelRef("tanh64_pipe"))
	Comment("The rest of block AX, from half R13; then block R11 is current.")
	tanhRest16()
	XORQ(U32(128), R13)
	ADDQ(U8(16), RAX)

	Label("tanh64_pipe")
	Comment("Block AX's exp part is in half R13. The run goes on while the next",
		"block is not all small.")
	LEAQ(off(RAX, 16), R11)
	CMPQ(R11, RBX)
	JGE(LabelRef("tanh64_end"))
	tanhBig16(R11)
	JZ(LabelRef("tanh64_end"))
	MOVQ(R13, R10)
	XORQ(U32(128), R10)
	JMP(LabelRef("tanh64_d4"))

	Label("tanh64_end")
	tanhRest16()
	XORQ(U32(128), R13)
	loop(16, RBX, "tanh64_loop16")

	tanhTails("tanh64", false)
}

func exp32() {
	TEXT("exp32AVX2", NOSPLIT, "func(dst, x *float32, n int)")
	Comment("The argument is clamped to [-200, 200] (exp(±200) is outside the",
		"float32 range), so only the fast path is needed.")
	head(nil)
	blocks16("exp32_4")
	loadRes()

	Label("exp32_loop16")
	widenQuad(RAX)
	clamp4("limm200", "lim200")
	exp4()
	narrowQuad(RAX)
	loop(16, RBX, "exp32_loop16")

	fours("exp32_4", "exp32_tail")
	Label("exp32_loop4")
	VCVTPS2PD(ps(RSI, 0), Y0)
	clamp(Y0, Y1, "limm200", "lim200")
	expFast(Y0, Y5, Y1, Y2, Y3)
	VCVTPD2PSY(Y5, X5)
	VMOVUPS(X5, ps(RDI, 0))
	loop(4, RBX, "exp32_loop4")

	tail("exp32_tail", "exp32_done")
	mask32x()
	VMASKMOVPS(ps(RSI, 0), X14, X0)
	VCVTPS2PD(X0, Y0)
	clamp(Y0, Y1, "limm200", "lim200")
	expFast(Y0, Y5, Y1, Y2, Y3)
	VCVTPD2PSY(Y5, X5)
	VMASKMOVPS(X5, X14, ps(RDI, 0))
	end("exp32_done")
}

func sigmoid32() {
	TEXT("sigmoid32AVX2", NOSPLIT, "func(dst, x *float32, n int)")
	Comment("The argument of exp is clamped to [-40, 200], so only the fast path is",
		"needed. Two passes over chunks of up to 64 elements, as in",
		"sigmoid64AVX2.")
	buf := AllocLocal(512)
	head(&buf)
	blocks16("sig32_4")

	chunk("sig32_chunk", "sig32_a")
	Label("sig32_a")
	loadRes()
	XORQ(R10, R10)

	Label("sig32_aloop")
	LEAQ(at(RAX, R10, 1, 0), R11)
	widenQuad(R11)
	sigPre4()
	with4("lim200", VMINPD)
	exp4()
	storeQuad(outs, R12, R10)
	ADDQ(U8(16), R10)
	CMPQ(R10, R9)
	JLT(LabelRef("sig32_aloop"))
	XORQ(R10, R10)

	Label("sig32_bloop")
	LEAQ(at(RAX, R10, 1, 0), R11)
	loadQuad(R12, R10, outs)
	sig4f()
	narrowQuad(R11)
	ADDQ(U8(16), R10)
	CMPQ(R10, R9)
	JLT(LabelRef("sig32_bloop"))
	ADDQ(R9, RAX)
	CMPQ(RAX, RBX)
	JLT(LabelRef("sig32_chunk"))

	// The blocks of four and the tail, float32 (sigFast32).
	pre := func() {
		sigPre(Y0, Y1)
		VMOVUPD(c("lim200"), Y1)
		VMINPD(Y0, Y1, Y0)
		sigFast32(Y0, Y5, Y1, Y2, Y3)
		VCVTPD2PSY(Y5, X5)
	}
	fours("sig32_4", "sig32_tail")
	Label("sig32_loop4")
	VCVTPS2PD(ps(RSI, 0), Y0)
	pre()
	VMOVUPS(X5, ps(RDI, 0))
	loop(4, RBX, "sig32_loop4")

	tail("sig32_tail", "sig32_done")
	mask32x()
	VMASKMOVPS(ps(RSI, 0), X14, X0)
	VCVTPS2PD(X0, Y0)
	pre()
	VMASKMOVPS(X5, X14, ps(RDI, 0))
	end("sig32_done")
}

func tanh32() {
	TEXT("tanh32AVX2", NOSPLIT, "func(dst, x *float32, n int)")
	Comment("Organised like tanh64AVX2.")
	buf := AllocLocal(256)
	head(&buf)
	XORQ(R13, R13)
	blocks16("tanh32_4")
	MOVQ(U32(0), R11)
	MOVQ(U32(0), R10)
	JMP(LabelRef("tanh32_d4"))

	Label("tanh32_loop16")
	LEAQ(off(RAX, 16), R11)
	CMPQ(R11, RBX)
	JGE(LabelRef("tanh32_s"))
	MOVQ(R13, R10)
	XORQ(U32(128), R10)

	Label("tanh32_d4")
	tanhD4Block(func() { widenQuad(R11) })
	CMPQ(R11, U8(0))
	JEQ(LabelRef("tanh32_loop16"))

	Label("tanh32_s")
	VMOVUPD(c("one"), Y15)
	for h := range 2 {
		VCVTPS2PD(ps(RSI, 32*h), Y0)
		VCVTPS2PD(ps(RSI, 32*h+16), Y6)
		VMOVUPD(at(R12, R13, 1, 64*h), Y3)
		VMOVUPD(at(R12, R13, 1, 64*h+32), Y9)
		tanh2s()
		VCVTPD2PSY(Y2, X2)
		VCVTPD2PSY(Y8, X8)
		VMOVUPS(X2, ps(RDI, 32*h))
		VMOVUPS(X8, ps(RDI, 32*h+16))
	}
	XORQ(U32(128), R13)
	loop(16, RBX, "tanh32_loop16")

	tanhTails("tanh32", true)
}

// axpy emits axpy64AVX2 (f32 false) or axpy32AVX2: y += a·x with one fused
// multiply-add per element, in blocks of four vectors, then one vector,
// then a masked tail.
func axpy(f32 bool) {
	name, elem, size := "axpy64", "float64", uint8(8)
	bcast, mov, fma, maskmov := VBROADCASTSD, VMOVUPD, VFMADD231PD, VMASKMOVPD
	lanes, mask := 4, mask64
	if f32 {
		name, elem, size = "axpy32", "float32", 4
		bcast, mov, fma, maskmov = VBROADCASTSS, VMOVUPS, VFMADD231PS, VMASKMOVPS
		lanes, mask = 8, mask32y
	}
	el := func(base Register, disp int) Mem { return at(base, RAX, size, disp) }
	TEXT(name+"AVX2", NOSPLIT, fmt.Sprintf("func(a %s, x, y *%s, n int)", elem, elem))
	bcast(arg("a"), Y0)
	loadArgs([]string{"x", "y", "n"}, RSI, RDI, RCX)
	XORQ(RAX, RAX)
	MOVQ(RCX, RBX)
	ANDQ(I8(int8(-4*lanes)), RBX)
	one := fmt.Sprintf("%s_%d", name, lanes)
	JZ(LabelRef(one))

	block := fmt.Sprintf("%s_loop%d", name, 4*lanes)
	Label(block)
	ys := []VecPhysical{Y1, Y2, Y3, Y4}
	for i, y := range ys {
		mov(el(RDI, 32*i), y)
	}
	for i, y := range ys {
		fma(el(RSI, 32*i), Y0, y)
	}
	for i, y := range ys {
		mov(y, el(RDI, 32*i))
	}
	loop(4*lanes, RBX, block)

	Label(one)
	MOVQ(RCX, RBX)
	ANDQ(I8(int8(-lanes)), RBX)
	CMPQ(RAX, RBX)
	JGE(LabelRef(name + "_tail"))
	single := fmt.Sprintf("%s_loop%d", name, lanes)
	Label(single)
	mov(el(RDI, 0), Y1)
	fma(el(RSI, 0), Y0, Y1)
	mov(Y1, el(RDI, 0))
	loop(lanes, RBX, single)

	tail(name+"_tail", name+"_done")
	mask()
	maskmov(el(RDI, 0), Y14, Y1)
	maskmov(el(RSI, 0), Y14, Y2)
	fma(Y2, Y0, Y1)
	maskmov(Y1, Y14, el(RDI, 0))
	end(name + "_done")
}

func axpy64() { axpy(false) }
func axpy32() { axpy(true) }

// dotTail accumulates the final 1..3 elements into acc, keeping the
// masked-off lanes of acc unchanged (a blend rather than adding 0*0, which
// would turn a -0 partial sum into +0).
func dotTail(acc VecPhysical) {
	mask64()
	VMASKMOVPD(pd(RSI, 0), Y14, Y4)
	VMASKMOVPD(pd(RDI, 0), Y14, Y5)
	VMOVAPD(acc, Y7)
	VFMADD231PD(Y5, Y4, Y7)
	VBLENDVPD(Y14, Y7, acc, acc)
}

func dot64() {
	TEXT("dot64AVX2", NOSPLIT, "func(x, y *float64, n int) float64")
	Comment("Element i is accumulated into lane i%4 of accumulator (i%16)/4; the",
		"accumulators are combined as documented on Dot64.")
	loadArgs([]string{"x", "y", "n"}, RSI, RDI, RCX)
	acc := []VecPhysical{Y0, Y1, Y2, Y3}
	zero(acc...)
	XORQ(RAX, RAX)
	MOVQ(RCX, RBX)
	ANDQ(I8(-16), RBX)
	JZ(LabelRef("dot64_rem"))

	Label("dot64_loop16")
	xs := []VecPhysical{Y4, Y5, Y6, Y7}
	for i, x := range xs {
		VMOVUPD(pd(RSI, 32*i), x)
	}
	for i, x := range xs {
		VFMADD231PD(pd(RDI, 32*i), x, acc[i])
	}
	loop(16, RBX, "dot64_loop16")

	// The remaining 0..15 elements: whole vectors into accumulators 0, 1,
	// 2 while four are left, then the masked tail into the next.
	Label("dot64_rem")
	MOVQ(RCX, RBX)
	SUBQ(RAX, RBX)
	CMPQ(RBX, U8(4))
	JLT(LabelRef("dot64_part0"))
	for i := range 3 {
		VMOVUPD(pd(RSI, 0), Y4)
		VFMADD231PD(pd(RDI, 0), Y4, acc[i])
		ADDQ(U8(4), RAX)
		SUBQ(U8(4), RBX)
		if i < 2 {
			CMPQ(RBX, U8(4))
			JLT(LabelRef(fmt.Sprintf("dot64_part%d", i+1)))
		}
	}
	TESTQ(RBX, RBX)
	JZ(LabelRef("dot64_sum"))
	dotTail(Y3)
	JMP(LabelRef("dot64_sum"))
	for i := range 3 {
		Label(fmt.Sprintf("dot64_part%d", i))
		TESTQ(RBX, RBX)
		JZ(LabelRef("dot64_sum"))
		dotTail(acc[i])
		if i < 2 {
			JMP(LabelRef("dot64_sum"))
		}
	}

	Label("dot64_sum")
	VADDPD(Y1, Y0, Y0)
	VADDPD(Y3, Y2, Y2)
	VADDPD(Y2, Y0, Y0)
	VEXTRACTF128(U8(1), Y0, X1)
	VADDPD(X1, X0, X0)
	VUNPCKHPD(X0, X0, X1)
	VADDSD(X1, X0, X0)
	VZEROUPPER()
	MOVSD(X0, ret(0))
	RET()
}
