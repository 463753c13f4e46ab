//go:build amd64 && !purego

#include "textflag.h"
#include "consts_amd64.h"

// AVX2+FMA kernels. See model_test.go for an operation-by-operation scalar
// transcription that the tests compare against bit for bit.
//
// Go assembler operand order is reversed with respect to Intel syntax
// (destination last). For the forms used here:
//   VFMADD213PD m, b, a   =>  a = b*a + m
//   VFMADD231PD m, b, a   =>  a = b*m + a
//   VFNMADD231PD m, b, a  =>  a = -(b*m) + a
//   VSUBPD m, a, d        =>  d = a - m
//   VDIVPD m, a, d        =>  d = a / m
//   VANDNPD m, a, d       =>  d = ^a & m
//   VCMPPD $p, m, a, d    =>  d = a <p> m
// VMINPD/VMAXPD return their first (Go order) operand when either operand
// is NaN; the variable is always placed there so that NaN propagates.
//
// Layout of every element-wise kernel: a main loop over blocks of 16
// elements (four vectors interleaved, so that each constant is loaded into
// a register once per block and shared: with memory operands the loops
// are bound by the two 256-bit loads per cycle), then blocks of 4, then a
// tail of 1..3 elements that is loaded and stored with
// VMASKMOVPD/VMASKMOVPS. All of them perform exactly the same arithmetic
// on every lane, so a result never depends on the position of its element
// or on the length of the slice. Selections are done with and/andn/or
// rather than VBLENDVPD, which competes with the FMAs for execution ports.
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

// VCONST defines a 32-byte constant holding four copies of a float64 bit
// pattern.
#define VCONST(name, bits) \
	DATA name<>+0(SB)/8, bits; \
	DATA name<>+8(SB)/8, bits; \
	DATA name<>+16(SB)/8, bits; \
	DATA name<>+24(SB)/8, bits; \
	GLOBL name<>(SB), RODATA|NOPTR, $32

VCONST(absmask, $0x7fffffffffffffff)
VCONST(signmask, $0x8000000000000000)
VCONST(one, $0x3ff0000000000000) // 1.0; also the exponent bias 1023<<52
VCONST(half, $0x3fe0000000000000)
VCONST(negtwo, $0xc000000000000000)
VCONST(posinf, $0x7ff0000000000000)
VCONST(lim708, $0x4086200000000000)   // 708
VCONST(lim1400, $0x4095e00000000000)  // 1400
VCONST(limm1400, $0xc095e00000000000) // -1400
VCONST(lim200, $0x4069000000000000)   // 200
VCONST(limm200, $0xc069000000000000)  // -200
VCONST(limm40, $0xc044000000000000)   // -40
VCONST(lim20, $0x4034000000000000)    // 20
VCONST(c0625, $0x3fe4000000000000)    // 0.625
VCONST(log2e, BITS_log2e)
VCONST(twolog2e, BITS_twolog2e)
VCONST(ln2hi, BITS_ln2hi)
VCONST(ln2lo, BITS_ln2lo)
VCONST(shifter, BITS_shifter)
VCONST(expC2, BITS_expC2)
VCONST(expC3, BITS_expC3)
VCONST(expC4, BITS_expC4)
VCONST(expC5, BITS_expC5)
VCONST(expC6, BITS_expC6)
VCONST(expC7, BITS_expC7)
VCONST(expC8, BITS_expC8)
VCONST(expC9, BITS_expC9)
VCONST(expC10, BITS_expC10)
VCONST(expC11, BITS_expC11)
VCONST(tanhP0, BITS_tanhP0)
VCONST(tanhP1, BITS_tanhP1)
VCONST(tanhP2, BITS_tanhP2)
VCONST(tanhQ0, BITS_tanhQ0)
VCONST(tanhQ1, BITS_tanhQ1)
VCONST(tanhQ2, BITS_tanhQ2)

// tailmask64: four all-ones quadwords followed by four zero quadwords;
// loading 32 bytes at offset (4-r)*8 gives a mask of the first r lanes.
DATA tailmask64<>+0(SB)/8, $-1
DATA tailmask64<>+8(SB)/8, $-1
DATA tailmask64<>+16(SB)/8, $-1
DATA tailmask64<>+24(SB)/8, $-1
DATA tailmask64<>+32(SB)/8, $0
DATA tailmask64<>+40(SB)/8, $0
DATA tailmask64<>+48(SB)/8, $0
DATA tailmask64<>+56(SB)/8, $0
GLOBL tailmask64<>(SB), RODATA|NOPTR, $64

// tailmask32: eight all-ones doublewords followed by eight zero
// doublewords; loading at offset (8-r)*4 masks the first r lanes.
DATA tailmask32<>+0(SB)/8, $-1
DATA tailmask32<>+8(SB)/8, $-1
DATA tailmask32<>+16(SB)/8, $-1
DATA tailmask32<>+24(SB)/8, $-1
DATA tailmask32<>+32(SB)/8, $0
DATA tailmask32<>+40(SB)/8, $0
DATA tailmask32<>+48(SB)/8, $0
DATA tailmask32<>+56(SB)/8, $0
GLOBL tailmask32<>(SB), RODATA|NOPTR, $64

// ---------------------------------------------------------------------
// Single-vector building blocks (memory-operand constants). Used for
// blocks of 4, tails and the general path.

// EXPRED: KD = x*log2e + 1.5*2^52 (low mantissa bits hold k), KF = k,
// R = x - k*ln2hi - k*ln2lo.
#define EXPRED(X, KD, KF, R) \
	VMOVUPD      shifter<>(SB), KD; \
	VFMADD231PD  log2e<>(SB), X, KD; \
	VSUBPD       shifter<>(SB), KD, KF; \
	VMOVAPD      X, R; \
	VFNMADD231PD ln2hi<>(SB), KF, R; \
	VFNMADD231PD ln2lo<>(SB), KF, R

// EXPPOLY: P = p(R) = 1 + R + R^2*q(R), Horner.
#define EXPPOLY(R, P) \
	VMOVUPD     expC11<>(SB), P; \
	VFMADD213PD expC10<>(SB), R, P; \
	VFMADD213PD expC9<>(SB), R, P; \
	VFMADD213PD expC8<>(SB), R, P; \
	VFMADD213PD expC7<>(SB), R, P; \
	VFMADD213PD expC6<>(SB), R, P; \
	VFMADD213PD expC5<>(SB), R, P; \
	VFMADD213PD expC4<>(SB), R, P; \
	VFMADD213PD expC3<>(SB), R, P; \
	VFMADD213PD expC2<>(SB), R, P; \
	VFMADD213PD one<>(SB), R, P; \
	VFMADD213PD one<>(SB), R, P

// SCALE: K (= 1.5*2^52 + k as float64 bits) becomes the float64 2^k,
// for -1022 <= k <= 1023.
#define SCALE(K) \
	VPSLLQ $52, K, K; \
	VPADDQ one<>(SB), K, K

// SPLIT: k (in KF) = k1 + k2 with k1 = round(k/2); KH = 2^k1, K2 = 2^k2.
// Valid for |k| <= 2020.
#define SPLIT(KF, KH, K2) \
	VMOVUPD     shifter<>(SB), KH; \
	VFMADD231PD half<>(SB), KF, KH; \
	VSUBPD      shifter<>(SB), KH, K2; \
	VSUBPD      K2, KF, K2; \
	VADDPD      shifter<>(SB), K2, K2; \
	SCALE(KH); \
	SCALE(K2)

// EXPFAST: Y = exp(X) for |X| <= 708 (not NaN). Clobbers X, T1..T3.
#define EXPFAST(X, Y, T1, T2, T3) \
	EXPRED(X, T1, T2, T3); \
	EXPPOLY(T3, Y); \
	VPSLLQ $52, T1, T1; \
	VPADDQ T1, Y, Y

// EXPGEN: Y = exp(X) for any X. Clobbers X, T1..T4.
#define EXPGEN(X, Y, T1, T2, T3, T4) \
	VMOVUPD lim1400<>(SB), T1; \
	VMINPD  X, T1, X; \
	VMOVUPD limm1400<>(SB), T1; \
	VMAXPD  X, T1, X; \
	EXPRED(X, T1, T2, T3); \
	EXPPOLY(T3, T4); \
	SPLIT(T2, T1, T3); \
	VMULPD T1, T4, T4; \
	VMULPD T3, T4, Y

// CLAMP: X = min(max(X, lo), hi), NaN preserved. Clobbers T.
#define CLAMP(X, T, lo, hi) \
	VMOVUPD lo<>(SB), T; \
	VMAXPD  X, T, X; \
	VMOVUPD hi<>(SB), T; \
	VMINPD  X, T, X

// SIGPRE: X = max(-X, -40), NaN preserved. Clobbers T.
#define SIGPRE(X, T) \
	VXORPD  signmask<>(SB), X, X; \
	VMOVUPD limm40<>(SB), T; \
	VMAXPD  X, T, X

// RECIP: Y = 1/(E + 1) for E >= 0 finite. D = E + 1 is rounded; its
// rounding error L is recovered exactly (TwoSum: B = D - E,
// L = (E - (D - B)) + (1 - B)), and one Newton step
// Y = R0 + R0*(1 - R0*D - R0*L) from R0 = 1/D removes both the error of D
// and that of the division. Clobbers D, L, B.
#define RECIP(E, Y, D, L, B) \
	VMOVUPD      one<>(SB), Y; \
	VADDPD       Y, E, D; \
	VSUBPD       E, D, B; \
	VSUBPD       B, D, L; \
	VSUBPD       L, E, L; \
	VSUBPD       B, Y, B; \
	VADDPD       B, L, L; \
	VDIVPD       D, Y, Y; \
	VFNMADD213PD one<>(SB), Y, D; \
	VFNMADD231PD L, Y, D; \
	VFMADD231PD  D, Y, Y

// SIGFAST32: Y = 1/(1 + exp(X)) for X from SIGPRE with X <= 708 (not
// NaN), with a plain division (for the float32 kernel, whose result is
// rounded to float32 anyway). Clobbers X, T1..T3.
#define SIGFAST32(X, Y, T1, T2, T3) \
	EXPFAST(X, T1, Y, T2, T3); \
	VADDPD  one<>(SB), T1, T1; \
	VMOVUPD one<>(SB), Y; \
	VDIVPD  T1, Y, Y

// SIGGEN: Y = 1/(1 + exp(X)) for any X from SIGPRE, with the division
// refined as in RECIP (X is clamped to <= 1400; where exp overflows the
// result is +0). Clobbers X, T1..T4.
#define SIGGEN(X, Y, T1, T2, T3, T4) \
	VMOVUPD lim1400<>(SB), T1; \
	VMINPD  X, T1, X; \
	EXPRED(X, T1, T2, T3); \
	EXPPOLY(T3, T4); \
	SPLIT(T2, T1, T3); \
	VMULPD  T1, T4, T4; \
	VMULPD  T3, T4, T4; \
	VCMPPD  $0, posinf<>(SB), T4, T3; \
	RECIP(T4, Y, T1, T2, X); \
	VANDNPD Y, T3, Y

// EXPU: P = q(R), Horner (so that p(R) = 1 + R*(1 + R*q(R))).
#define EXPU(R, P) \
	VMOVUPD     expC11<>(SB), P; \
	VFMADD213PD expC10<>(SB), R, P; \
	VFMADD213PD expC9<>(SB), R, P; \
	VFMADD213PD expC8<>(SB), R, P; \
	VFMADD213PD expC7<>(SB), R, P; \
	VFMADD213PD expC6<>(SB), R, P; \
	VFMADD213PD expC5<>(SB), R, P; \
	VFMADD213PD expC4<>(SB), R, P; \
	VFMADD213PD expC3<>(SB), R, P; \
	VFMADD213PD expC2<>(SB), R, P

// TANH: T = tanh(X). Clobbers X, M, Y, K, F, Q, C.
//   t = |x|, big = t >= 0.625 (false for NaN), t' = big ? 0 : t
//   result = sign(x) | (A + B/D) with
//     small: A = t', B = t'*z*P(z), D = Q(z), z = t'^2
//     big:   A = 1,  B = -2,        D = exp(2*min(t, 20)) + 1
//   where D = (2^k + 1) + (2^k r)*(1 + r q(r)), rounded once (see
//   TANHD4).
//   (the selections are done with and/andn/or: blends would compete with
//   the FMAs for execution ports).
#define TANH(X, T, M, Y, K, F, Q, C) \
	VANDPD       absmask<>(SB), X, T; \
	VXORPD       T, X, X; \
	VMOVUPD      lim20<>(SB), C; \
	VMINPD       T, C, Y; \
	VMOVUPD      shifter<>(SB), K; \
	VFMADD231PD  twolog2e<>(SB), Y, K; \
	VADDPD       Y, Y, Y; \
	VSUBPD       shifter<>(SB), K, F; \
	VFNMADD231PD ln2hi<>(SB), F, Y; \
	VFNMADD231PD ln2lo<>(SB), F, Y; \
	EXPU(Y, Q); \
	VFMADD213PD  one<>(SB), Y, Q; \
	VPSLLQ       $52, K, K; \
	VPADDQ       K, Y, Y; \
	VPADDQ       one<>(SB), K, K; \
	VADDPD       one<>(SB), K, K; \
	VFMADD213PD  K, Y, Q; \
	VCMPPD       $29, c0625<>(SB), T, M; \
	VANDNPD      T, M, T; \
	VMULPD       T, T, F; \
	VMOVUPD      tanhP0<>(SB), Y; \
	VFMADD213PD  tanhP1<>(SB), F, Y; \
	VFMADD213PD  tanhP2<>(SB), F, Y; \
	VADDPD       tanhQ0<>(SB), F, K; \
	VFMADD213PD  tanhQ1<>(SB), F, K; \
	VFMADD213PD  tanhQ2<>(SB), F, K; \
	VMULPD       T, F, F; \
	VMULPD       Y, F, F; \
	VANDPD       one<>(SB), M, Y; \
	VORPD        Y, T, T; \
	VANDPD       negtwo<>(SB), M, Y; \
	VORPD        Y, F, F; \
	VANDPD       M, Q, Q; \
	VANDNPD      K, M, K; \
	VORPD        K, Q, Q; \
	VDIVPD       Q, F, F; \
	VADDPD       F, T, T; \
	VORPD        X, T, T

// ---------------------------------------------------------------------
// Four-vector blocks for the exp and sigmoid main loops. Inputs in Y0,
// Y3, Y6, Y9; results in Y2, Y5, Y8, Y11. Resident: Y13 = shifter,
// Y14 = 1.0, Y15 = log2e; Y12 is scratch for the other constants.

#define LOADRES \
	VMOVUPD shifter<>(SB), Y13; \
	VMOVUPD one<>(SB), Y14; \
	VMOVUPD log2e<>(SB), Y15

// C4FMA: Yp = Yr*Yp + c for the four (r, p) pairs.
#define C4FMA(c) \
	VMOVUPD     c<>(SB), Y12; \
	VFMADD213PD Y12, Y0, Y2; \
	VFMADD213PD Y12, Y3, Y5; \
	VFMADD213PD Y12, Y6, Y8; \
	VFMADD213PD Y12, Y9, Y11

// EXP4: Y2, Y5, Y8, Y11 = p(r) + (k<<52) (fast path, |x| <= 708).
#define EXP4 \
	VMOVAPD      Y13, Y1; \
	VMOVAPD      Y13, Y4; \
	VMOVAPD      Y13, Y7; \
	VMOVAPD      Y13, Y10; \
	VFMADD231PD  Y15, Y0, Y1; \
	VFMADD231PD  Y15, Y3, Y4; \
	VFMADD231PD  Y15, Y6, Y7; \
	VFMADD231PD  Y15, Y9, Y10; \
	VSUBPD       Y13, Y1, Y2; \
	VSUBPD       Y13, Y4, Y5; \
	VSUBPD       Y13, Y7, Y8; \
	VSUBPD       Y13, Y10, Y11; \
	VMOVUPD      ln2hi<>(SB), Y12; \
	VFNMADD231PD Y12, Y2, Y0; \
	VFNMADD231PD Y12, Y5, Y3; \
	VFNMADD231PD Y12, Y8, Y6; \
	VFNMADD231PD Y12, Y11, Y9; \
	VMOVUPD      ln2lo<>(SB), Y12; \
	VFNMADD231PD Y12, Y2, Y0; \
	VFNMADD231PD Y12, Y5, Y3; \
	VFNMADD231PD Y12, Y8, Y6; \
	VFNMADD231PD Y12, Y11, Y9; \
	VMOVUPD      expC11<>(SB), Y12; \
	VMOVAPD      Y12, Y2; \
	VMOVAPD      Y12, Y5; \
	VMOVAPD      Y12, Y8; \
	VMOVAPD      Y12, Y11; \
	C4FMA(expC10); \
	C4FMA(expC9); \
	C4FMA(expC8); \
	C4FMA(expC7); \
	C4FMA(expC6); \
	C4FMA(expC5); \
	C4FMA(expC4); \
	C4FMA(expC3); \
	C4FMA(expC2); \
	VFMADD213PD  Y14, Y0, Y2; \
	VFMADD213PD  Y14, Y3, Y5; \
	VFMADD213PD  Y14, Y6, Y8; \
	VFMADD213PD  Y14, Y9, Y11; \
	VFMADD213PD  Y14, Y0, Y2; \
	VFMADD213PD  Y14, Y3, Y5; \
	VFMADD213PD  Y14, Y6, Y8; \
	VFMADD213PD  Y14, Y9, Y11; \
	VPSLLQ       $52, Y1, Y1; \
	VPSLLQ       $52, Y4, Y4; \
	VPSLLQ       $52, Y7, Y7; \
	VPSLLQ       $52, Y10, Y10; \
	VPADDQ       Y1, Y2, Y2; \
	VPADDQ       Y4, Y5, Y5; \
	VPADDQ       Y7, Y8, Y8; \
	VPADDQ       Y10, Y11, Y11

// SIG4: after EXP4 (e in Y2, Y5, Y8, Y11), the results 1/(1 + e) as in
// RECIP, in the same registers.
#define SIG4 \
	VADDPD       Y14, Y2, Y0; \
	VSUBPD       Y2, Y0, Y12; \
	VSUBPD       Y12, Y0, Y1; \
	VSUBPD       Y1, Y2, Y1; \
	VSUBPD       Y12, Y14, Y12; \
	VADDPD       Y12, Y1, Y1; \
	VADDPD       Y14, Y5, Y3; \
	VSUBPD       Y5, Y3, Y12; \
	VSUBPD       Y12, Y3, Y4; \
	VSUBPD       Y4, Y5, Y4; \
	VSUBPD       Y12, Y14, Y12; \
	VADDPD       Y12, Y4, Y4; \
	VADDPD       Y14, Y8, Y6; \
	VSUBPD       Y8, Y6, Y12; \
	VSUBPD       Y12, Y6, Y7; \
	VSUBPD       Y7, Y8, Y7; \
	VSUBPD       Y12, Y14, Y12; \
	VADDPD       Y12, Y7, Y7; \
	VADDPD       Y14, Y11, Y9; \
	VSUBPD       Y11, Y9, Y12; \
	VSUBPD       Y12, Y9, Y10; \
	VSUBPD       Y10, Y11, Y10; \
	VSUBPD       Y12, Y14, Y12; \
	VADDPD       Y12, Y10, Y10; \
	VDIVPD       Y0, Y14, Y2; \
	VDIVPD       Y3, Y14, Y5; \
	VDIVPD       Y6, Y14, Y8; \
	VDIVPD       Y9, Y14, Y11; \
	VFNMADD213PD Y14, Y2, Y0; \
	VFNMADD213PD Y14, Y5, Y3; \
	VFNMADD213PD Y14, Y8, Y6; \
	VFNMADD213PD Y14, Y11, Y9; \
	VFNMADD231PD Y1, Y2, Y0; \
	VFNMADD231PD Y4, Y5, Y3; \
	VFNMADD231PD Y7, Y8, Y6; \
	VFNMADD231PD Y10, Y11, Y9; \
	VFMADD231PD  Y0, Y2, Y2; \
	VFMADD231PD  Y3, Y5, Y5; \
	VFMADD231PD  Y6, Y8, Y8; \
	VFMADD231PD  Y9, Y11, Y11

// SIG4F: after EXP4, plain 1/(1 + e) (float32 kernel).
#define SIG4F \
	VADDPD Y14, Y2, Y2; \
	VADDPD Y14, Y5, Y5; \
	VADDPD Y14, Y8, Y8; \
	VADDPD Y14, Y11, Y11; \
	VDIVPD Y2, Y14, Y2; \
	VDIVPD Y5, Y14, Y5; \
	VDIVPD Y8, Y14, Y8; \
	VDIVPD Y11, Y14, Y11

// BIG4: jump to label if any lane of Y0, Y3, Y6, Y9 is NaN or has
// |x| > 708. Clobbers Y1, Y4, Y7, Y10, Y12, DX.
#define BIG4(label) \
	VMOVUPD   absmask<>(SB), Y12; \
	VANDPD    Y12, Y0, Y1; \
	VANDPD    Y12, Y3, Y4; \
	VANDPD    Y12, Y6, Y7; \
	VANDPD    Y12, Y9, Y10; \
	VMOVUPD   lim708<>(SB), Y12; \
	VCMPPD    $6, Y12, Y1, Y1; \
	VCMPPD    $6, Y12, Y4, Y4; \
	VCMPPD    $6, Y12, Y7, Y7; \
	VCMPPD    $6, Y12, Y10, Y10; \
	VORPD     Y4, Y1, Y1; \
	VORPD     Y10, Y7, Y7; \
	VORPD     Y7, Y1, Y1; \
	VMOVMSKPD Y1, DX; \
	TESTL     DX, DX; \
	JNZ       label

// SIGPRE4: x = max(-x, -40) for the four inputs.
#define SIGPRE4 \
	VMOVUPD signmask<>(SB), Y12; \
	VXORPD  Y12, Y0, Y0; \
	VXORPD  Y12, Y3, Y3; \
	VXORPD  Y12, Y6, Y6; \
	VXORPD  Y12, Y9, Y9; \
	VMOVUPD limm40<>(SB), Y12; \
	VMAXPD  Y0, Y12, Y0; \
	VMAXPD  Y3, Y12, Y3; \
	VMAXPD  Y6, Y12, Y6; \
	VMAXPD  Y9, Y12, Y9

// SIGBIG4: jump to label if any (pre-processed) input is NaN or > 708.
#define SIGBIG4(label) \
	VMOVUPD   lim708<>(SB), Y12; \
	VCMPPD    $6, Y12, Y0, Y1; \
	VCMPPD    $6, Y12, Y3, Y4; \
	VCMPPD    $6, Y12, Y6, Y7; \
	VCMPPD    $6, Y12, Y9, Y10; \
	VORPD     Y4, Y1, Y1; \
	VORPD     Y10, Y7, Y7; \
	VORPD     Y7, Y1, Y1; \
	VMOVMSKPD Y1, DX; \
	TESTL     DX, DX; \
	JNZ       label

// CLAMP4: clamp the four inputs to [lo, hi], NaN preserved.
#define CLAMP4(lo, hi) \
	VMOVUPD lo<>(SB), Y12; \
	VMAXPD  Y0, Y12, Y0; \
	VMAXPD  Y3, Y12, Y3; \
	VMAXPD  Y6, Y12, Y6; \
	VMAXPD  Y9, Y12, Y9; \
	VMOVUPD hi<>(SB), Y12; \
	VMINPD  Y0, Y12, Y0; \
	VMINPD  Y3, Y12, Y3; \
	VMINPD  Y6, Y12, Y6; \
	VMINPD  Y9, Y12, Y9

// ---------------------------------------------------------------------
// Blocks for the tanh main loops (same arithmetic as TANH).

#define T2C(c) VMOVUPD c<>(SB), Y14

// T2FMA: the same coefficient step on both vectors.
#define T2FMA(c, Ra, Pa, Rb, Pb) \
	T2C(c); \
	VFMADD213PD Y14, Ra, Pa; \
	VFMADD213PD Y14, Rb, Pb

// TANHD4: the exp part of tanh for four vectors x in Y0, Y3, Y6, Y9:
// D = exp(2*min(|x|, 20)) + 1 in Y2, Y5, Y8, Y11, computed as
// (2^k + 1) + (2^k r)*(1 + r q(r)) with a single rounding. 2^k r is
// formed by adding k<<52 to the bits of r, which is exact on the lanes
// where D is used (|x| >= 0.625: there r is a normal number, far above
// the subnormal range, and k <= 58). Resident:
// Y13 = shifter, Y14 = 1.0, Y15 = 2*log2e; Y12 is scratch.
#define TANHD4 \
	VMOVUPD      absmask<>(SB), Y12; \
	VANDPD       Y12, Y0, Y0; \
	VANDPD       Y12, Y3, Y3; \
	VANDPD       Y12, Y6, Y6; \
	VANDPD       Y12, Y9, Y9; \
	VMOVUPD      lim20<>(SB), Y12; \
	VMINPD       Y0, Y12, Y0; \
	VMINPD       Y3, Y12, Y3; \
	VMINPD       Y6, Y12, Y6; \
	VMINPD       Y9, Y12, Y9; \
	VMOVAPD      Y13, Y1; \
	VMOVAPD      Y13, Y4; \
	VMOVAPD      Y13, Y7; \
	VMOVAPD      Y13, Y10; \
	VFMADD231PD  Y15, Y0, Y1; \
	VFMADD231PD  Y15, Y3, Y4; \
	VFMADD231PD  Y15, Y6, Y7; \
	VFMADD231PD  Y15, Y9, Y10; \
	VADDPD       Y0, Y0, Y0; \
	VADDPD       Y3, Y3, Y3; \
	VADDPD       Y6, Y6, Y6; \
	VADDPD       Y9, Y9, Y9; \
	VSUBPD       Y13, Y1, Y2; \
	VSUBPD       Y13, Y4, Y5; \
	VSUBPD       Y13, Y7, Y8; \
	VSUBPD       Y13, Y10, Y11; \
	VMOVUPD      ln2hi<>(SB), Y12; \
	VFNMADD231PD Y12, Y2, Y0; \
	VFNMADD231PD Y12, Y5, Y3; \
	VFNMADD231PD Y12, Y8, Y6; \
	VFNMADD231PD Y12, Y11, Y9; \
	VMOVUPD      ln2lo<>(SB), Y12; \
	VFNMADD231PD Y12, Y2, Y0; \
	VFNMADD231PD Y12, Y5, Y3; \
	VFNMADD231PD Y12, Y8, Y6; \
	VFNMADD231PD Y12, Y11, Y9; \
	VMOVUPD      expC11<>(SB), Y12; \
	VMOVAPD      Y12, Y2; \
	VMOVAPD      Y12, Y5; \
	VMOVAPD      Y12, Y8; \
	VMOVAPD      Y12, Y11; \
	C4FMA(expC10); \
	C4FMA(expC9); \
	C4FMA(expC8); \
	C4FMA(expC7); \
	C4FMA(expC6); \
	C4FMA(expC5); \
	C4FMA(expC4); \
	C4FMA(expC3); \
	C4FMA(expC2); \
	VFMADD213PD  Y14, Y0, Y2; \
	VFMADD213PD  Y14, Y3, Y5; \
	VFMADD213PD  Y14, Y6, Y8; \
	VFMADD213PD  Y14, Y9, Y11; \
	VPSLLQ       $52, Y1, Y1; \
	VPSLLQ       $52, Y4, Y4; \
	VPSLLQ       $52, Y7, Y7; \
	VPSLLQ       $52, Y10, Y10; \
	VPADDQ       Y1, Y0, Y0; \
	VPADDQ       Y4, Y3, Y3; \
	VPADDQ       Y7, Y6, Y6; \
	VPADDQ       Y10, Y9, Y9; \
	VPADDQ       Y14, Y1, Y1; \
	VPADDQ       Y14, Y4, Y4; \
	VPADDQ       Y14, Y7, Y7; \
	VPADDQ       Y14, Y10, Y10; \
	VADDPD       Y14, Y1, Y1; \
	VADDPD       Y14, Y4, Y4; \
	VADDPD       Y14, Y7, Y7; \
	VADDPD       Y14, Y10, Y10; \
	VFMADD213PD  Y1, Y0, Y2; \
	VFMADD213PD  Y4, Y3, Y5; \
	VFMADD213PD  Y7, Y6, Y8; \
	VFMADD213PD  Y10, Y9, Y11

// TANH2S: the rational part and the final combination for two vectors:
// x in Y0 and Y6, D (from TANHD4) in Y3 and Y9; results in Y2 and Y8.
// Y15 = 1.0 is resident, Y14 is scratch.
// Registers (a / b): x then sign Y0/Y6, t then t' then A Y2/Y8,
// mask Y4/Y10, z then B Y5/Y11, P(z) Y1/Y7, Q(z) Y12/Y13, D Y3/Y9.
#define TANH2S \
	T2C(absmask); \
	VANDPD       Y14, Y0, Y2; \
	VANDPD       Y14, Y6, Y8; \
	VXORPD       Y2, Y0, Y0; \
	VXORPD       Y8, Y6, Y6; \
	T2C(c0625); \
	VCMPPD       $29, Y14, Y2, Y4; \
	VCMPPD       $29, Y14, Y8, Y10; \
	VANDNPD      Y2, Y4, Y2; \
	VANDNPD      Y8, Y10, Y8; \
	VMULPD       Y2, Y2, Y5; \
	VMULPD       Y8, Y8, Y11; \
	VMOVUPD      tanhP0<>(SB), Y1; \
	VMOVUPD      tanhP0<>(SB), Y7; \
	VFMADD213PD  tanhP1<>(SB), Y5, Y1; \
	VFMADD213PD  tanhP1<>(SB), Y11, Y7; \
	VFMADD213PD  tanhP2<>(SB), Y5, Y1; \
	VFMADD213PD  tanhP2<>(SB), Y11, Y7; \
	T2C(tanhQ0); \
	VADDPD       Y14, Y5, Y12; \
	VADDPD       Y14, Y11, Y13; \
	VFMADD213PD  tanhQ1<>(SB), Y5, Y12; \
	VFMADD213PD  tanhQ1<>(SB), Y11, Y13; \
	VFMADD213PD  tanhQ2<>(SB), Y5, Y12; \
	VFMADD213PD  tanhQ2<>(SB), Y11, Y13; \
	VMULPD       Y2, Y5, Y5; \
	VMULPD       Y8, Y11, Y11; \
	VMULPD       Y1, Y5, Y5; \
	VMULPD       Y7, Y11, Y11; \
	VANDPD       Y15, Y4, Y1; \
	VANDPD       Y15, Y10, Y7; \
	VORPD        Y1, Y2, Y2; \
	VORPD        Y7, Y8, Y8; \
	T2C(negtwo); \
	VANDPD       Y14, Y4, Y1; \
	VANDPD       Y14, Y10, Y7; \
	VORPD        Y1, Y5, Y5; \
	VORPD        Y7, Y11, Y11; \
	VANDPD       Y4, Y3, Y3; \
	VANDPD       Y10, Y9, Y9; \
	VANDNPD      Y12, Y4, Y12; \
	VANDNPD      Y13, Y10, Y13; \
	VORPD        Y12, Y3, Y3; \
	VORPD        Y13, Y9, Y9; \
	VDIVPD       Y3, Y5, Y5; \
	VDIVPD       Y9, Y11, Y11; \
	VADDPD       Y5, Y2, Y2; \
	VADDPD       Y11, Y8, Y8; \
	VORPD        Y0, Y2, Y2; \
	VORPD        Y6, Y8, Y8

// TANHBIG16(R): ZF clear iff some lane of the 16 elements of x at R has
// |x| >= 0.625. Clobbers Y0-Y3, Y12, Y13.
#define TANHBIG16(R) \
	VMOVUPD absmask<>(SB), Y12; \
	VMOVUPD c0625<>(SB), Y13; \
	VANDPD  (SI)(R*8), Y12, Y0; \
	VANDPD  32(SI)(R*8), Y12, Y1; \
	VANDPD  64(SI)(R*8), Y12, Y2; \
	VANDPD  96(SI)(R*8), Y12, Y3; \
	VCMPPD  $29, Y13, Y0, Y0; \
	VCMPPD  $29, Y13, Y1, Y1; \
	VCMPPD  $29, Y13, Y2, Y2; \
	VCMPPD  $29, Y13, Y3, Y3; \
	VORPD   Y1, Y0, Y0; \
	VORPD   Y3, Y2, Y2; \
	VORPD   Y2, Y0, Y0; \
	VPTEST  Y0, Y0

// TANHREST16: the rest (two TANH2S) of the block at AX, its exp part in
// half R13 of the stack buffer at R12; results to dst.
#define TANHREST16 \
	VMOVUPD one<>(SB), Y15; \
	VMOVUPD (SI)(AX*8), Y0; \
	VMOVUPD 32(SI)(AX*8), Y6; \
	VMOVUPD (R12)(R13*1), Y3; \
	VMOVUPD 32(R12)(R13*1), Y9; \
	TANH2S; \
	VMOVUPD Y2, (DI)(AX*8); \
	VMOVUPD Y8, 32(DI)(AX*8); \
	VMOVUPD 64(SI)(AX*8), Y0; \
	VMOVUPD 96(SI)(AX*8), Y6; \
	VMOVUPD 64(R12)(R13*1), Y3; \
	VMOVUPD 96(R12)(R13*1), Y9; \
	TANH2S; \
	VMOVUPD Y2, 64(DI)(AX*8); \
	VMOVUPD Y8, 96(DI)(AX*8)

// TANHSMALL2: tanh on two vectors of 16·AX+o1 and +o2 (in bytes) of x
// with no lane of |x| >= 0.625, stored at the same offsets of dst: the
// rational part of TANH2S alone, with the same operations, so the same
// bits. Resident: Y12 = absmask, Y13 = tanhQ0.
#define TANHSMALL2(o1, o2) \
	VMOVUPD      o1(SI)(AX*8), Y0; \
	VMOVUPD      o2(SI)(AX*8), Y6; \
	VANDPD       Y12, Y0, Y2; \
	VANDPD       Y12, Y6, Y8; \
	VXORPD       Y2, Y0, Y0; \
	VXORPD       Y8, Y6, Y6; \
	VMULPD       Y2, Y2, Y5; \
	VMULPD       Y8, Y8, Y11; \
	VMOVUPD      tanhP0<>(SB), Y1; \
	VMOVUPD      tanhP0<>(SB), Y7; \
	VFMADD213PD  tanhP1<>(SB), Y5, Y1; \
	VFMADD213PD  tanhP1<>(SB), Y11, Y7; \
	VFMADD213PD  tanhP2<>(SB), Y5, Y1; \
	VFMADD213PD  tanhP2<>(SB), Y11, Y7; \
	VADDPD       Y13, Y5, Y3; \
	VADDPD       Y13, Y11, Y9; \
	VFMADD213PD  tanhQ1<>(SB), Y5, Y3; \
	VFMADD213PD  tanhQ1<>(SB), Y11, Y9; \
	VFMADD213PD  tanhQ2<>(SB), Y5, Y3; \
	VFMADD213PD  tanhQ2<>(SB), Y11, Y9; \
	VMULPD       Y2, Y5, Y5; \
	VMULPD       Y8, Y11, Y11; \
	VMULPD       Y1, Y5, Y5; \
	VMULPD       Y7, Y11, Y11; \
	VDIVPD       Y3, Y5, Y5; \
	VDIVPD       Y9, Y11, Y11; \
	VADDPD       Y5, Y2, Y2; \
	VADDPD       Y11, Y8, Y8; \
	VORPD        Y0, Y2, Y2; \
	VORPD        Y6, Y8, Y8; \
	VMOVUPD      Y2, o1(DI)(AX*8); \
	VMOVUPD      Y8, o2(DI)(AX*8)

// MASK64: Y14 = mask of the first CX-AX (1..3) quadword lanes.
// Clobbers DX, R8.
#define MASK64 \
	MOVQ    AX, DX; \
	SUBQ    CX, DX; \
	LEAQ    tailmask64<>+32(SB), R8; \
	VMOVDQU (R8)(DX*8), Y14

// MASK32X: X14 = mask of the first CX-AX (1..3) doubleword lanes.
#define MASK32X \
	MOVQ    AX, DX; \
	SUBQ    CX, DX; \
	LEAQ    tailmask32<>+32(SB), R8; \
	VMOVDQU (R8)(DX*4), X14

// MASK32Y: Y14 = mask of the first CX-AX (1..7) doubleword lanes.
#define MASK32Y \
	MOVQ    AX, DX; \
	SUBQ    CX, DX; \
	LEAQ    tailmask32<>+32(SB), R8; \
	VMOVDQU (R8)(DX*4), Y14

// ---------------------------------------------------------------------

// func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv() (eax, edx uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET

// func exp64AVX2(dst, x *float64, n int)
TEXT ·exp64AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX
	MOVQ CX, BX
	ANDQ $-16, BX
	JZ   exp64_4
	LOADRES

exp64_loop16:
	VMOVUPD (SI)(AX*8), Y0
	VMOVUPD 32(SI)(AX*8), Y3
	VMOVUPD 64(SI)(AX*8), Y6
	VMOVUPD 96(SI)(AX*8), Y9
	BIG4(exp64_gen16)
	EXP4
	VMOVUPD Y2, (DI)(AX*8)
	VMOVUPD Y5, 32(DI)(AX*8)
	VMOVUPD Y8, 64(DI)(AX*8)
	VMOVUPD Y11, 96(DI)(AX*8)

exp64_next16:
	ADDQ $16, AX
	CMPQ AX, BX
	JLT  exp64_loop16

exp64_4:
	MOVQ CX, BX
	ANDQ $-4, BX
	CMPQ AX, BX
	JGE  exp64_tail

exp64_loop4:
	VMOVUPD (SI)(AX*8), Y0
	EXPGEN(Y0, Y5, Y1, Y2, Y3, Y4)
	VMOVUPD Y5, (DI)(AX*8)
	ADDQ    $4, AX
	CMPQ    AX, BX
	JLT     exp64_loop4

exp64_tail:
	CMPQ AX, CX
	JGE  exp64_done
	MASK64
	VMASKMOVPD (SI)(AX*8), Y14, Y0
	EXPGEN(Y0, Y5, Y1, Y2, Y3, Y4)
	VMASKMOVPD Y5, Y14, (DI)(AX*8)

exp64_done:
	VZEROUPPER
	RET

exp64_gen16:
	// A block with a NaN or a large |x|: all four vectors through the
	// general path (same bits as the fast path on ordinary lanes).
	MOVQ $0, DX

exp64_gen16_loop:
	LEAQ    (AX)(DX*1), R9
	VMOVUPD (SI)(R9*8), Y0
	EXPGEN(Y0, Y5, Y1, Y2, Y3, Y4)
	VMOVUPD Y5, (DI)(R9*8)
	ADDQ    $4, DX
	CMPQ    DX, $16
	JLT     exp64_gen16_loop
	JMP     exp64_next16

// func sigmoid64AVX2(dst, x *float64, n int)
// Blocks of 16 elements are processed in chunks of up to 64, in two
// passes: pass A computes e = exp(max(-x, -40)) into a stack buffer (or,
// for a block holding a NaN or a large argument, the final results of the
// block through the general path, directly into dst, recording that in a
// bit of R13); pass B computes 1/(1 + e) for the other blocks. Separating
// the exp chain from the division and Newton step lets the out-of-order
// core overlap them; the arithmetic is the same as in SIGGEN.
TEXT ·sigmoid64AVX2(SB), NOSPLIT, $512-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	LEAQ 0(SP), R12
	XORQ AX, AX
	MOVQ CX, BX
	ANDQ $-16, BX
	JZ   sig64_4

sig64_chunk:
	MOVQ BX, R9
	SUBQ AX, R9
	CMPQ R9, $64
	JLE  sig64_a
	MOVQ $64, R9

sig64_a:
	LOADRES
	XORQ R10, R10
	XORQ R13, R13

sig64_aloop:
	LEAQ    (AX)(R10*1), R11
	VMOVUPD (SI)(R11*8), Y0
	VMOVUPD 32(SI)(R11*8), Y3
	VMOVUPD 64(SI)(R11*8), Y6
	VMOVUPD 96(SI)(R11*8), Y9
	SIGPRE4
	SIGBIG4(sig64_agen)
	EXP4
	VMOVUPD Y2, (R12)(R10*8)
	VMOVUPD Y5, 32(R12)(R10*8)
	VMOVUPD Y8, 64(R12)(R10*8)
	VMOVUPD Y11, 96(R12)(R10*8)

sig64_anext:
	ADDQ $16, R10
	CMPQ R10, R9
	JLT  sig64_aloop
	XORQ R10, R10

sig64_bloop:
	MOVQ    R10, DX
	SHRQ    $4, DX
	BTQ     DX, R13
	JCS     sig64_bnext
	LEAQ    (AX)(R10*1), R11
	VMOVUPD (R12)(R10*8), Y2
	VMOVUPD 32(R12)(R10*8), Y5
	VMOVUPD 64(R12)(R10*8), Y8
	VMOVUPD 96(R12)(R10*8), Y11
	SIG4
	VMOVUPD Y2, (DI)(R11*8)
	VMOVUPD Y5, 32(DI)(R11*8)
	VMOVUPD Y8, 64(DI)(R11*8)
	VMOVUPD Y11, 96(DI)(R11*8)

sig64_bnext:
	ADDQ $16, R10
	CMPQ R10, R9
	JLT  sig64_bloop
	ADDQ R9, AX
	CMPQ AX, BX
	JLT  sig64_chunk
	JMP  sig64_4

sig64_agen:
	// A block with a NaN or a large argument: finish it here through the
	// general path (same bits as the fast path on ordinary lanes) and mark
	// it done for pass B.
	MOVQ R10, DX
	SHRQ $4, DX
	BTSQ DX, R13
	MOVQ $0, DX

sig64_agenloop:
	LEAQ    (AX)(R10*1), R11
	ADDQ    DX, R11
	VMOVUPD (SI)(R11*8), Y0
	SIGPRE(Y0, Y1)
	SIGGEN(Y0, Y5, Y1, Y2, Y3, Y4)
	VMOVUPD Y5, (DI)(R11*8)
	ADDQ    $4, DX
	CMPQ    DX, $16
	JLT     sig64_agenloop
	LOADRES
	JMP     sig64_anext

sig64_4:
	MOVQ CX, BX
	ANDQ $-4, BX
	CMPQ AX, BX
	JGE  sig64_tail

sig64_loop4:
	VMOVUPD (SI)(AX*8), Y0
	SIGPRE(Y0, Y1)
	SIGGEN(Y0, Y5, Y1, Y2, Y3, Y4)
	VMOVUPD Y5, (DI)(AX*8)
	ADDQ    $4, AX
	CMPQ    AX, BX
	JLT     sig64_loop4

sig64_tail:
	CMPQ AX, CX
	JGE  sig64_done
	MASK64
	VMASKMOVPD (SI)(AX*8), Y14, Y0
	SIGPRE(Y0, Y1)
	SIGGEN(Y0, Y5, Y1, Y2, Y3, Y4)
	VMASKMOVPD Y5, Y14, (DI)(AX*8)

sig64_done:
	VZEROUPPER
	RET

// func tanh64AVX2(dst, x *float64, n int)
// Blocks of 16 elements with no |x| >= 0.625 (NaN counts as small) take
// the rational part alone (TANHSMALL2), with the bits of the full
// computation. Runs of other blocks are software-pipelined: each step
// computes the exp part (TANHD4) of the next block into one half of a
// stack buffer and the rest (two TANH2S, which re-read x) of the current
// block from the other half. The two halves of the work are independent,
// so they overlap in the out-of-order core instead of the long exp chain
// stalling it; the arithmetic is that of TANH.
TEXT ·tanh64AVX2(SB), NOSPLIT, $256-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	LEAQ 0(SP), R12
	XORQ AX, AX
	XORQ R13, R13
	MOVQ CX, BX
	ANDQ $-16, BX
	JZ   tanh64_4

tanh64_loop16:
	// The block at AX.
	TANHBIG16(AX)
	JNZ     tanh64_start
	VMOVUPD tanhQ0<>(SB), Y13
	TANHSMALL2(0, 32)
	TANHSMALL2(64, 96)
	ADDQ    $16, AX
	CMPQ    AX, BX
	JLT     tanh64_loop16
	JMP     tanh64_4

tanh64_start:
	// A pipelined run starts: the exp part of block AX into half R13.
	MOVQ R13, R10
	MOVQ AX, R11

tanh64_d4:
	VMOVUPD shifter<>(SB), Y13
	VMOVUPD one<>(SB), Y14
	VMOVUPD twolog2e<>(SB), Y15
	VMOVUPD (SI)(R11*8), Y0
	VMOVUPD 32(SI)(R11*8), Y3
	VMOVUPD 64(SI)(R11*8), Y6
	VMOVUPD 96(SI)(R11*8), Y9
	TANHD4
	VMOVUPD Y2, (R12)(R10*1)
	VMOVUPD Y5, 32(R12)(R10*1)
	VMOVUPD Y8, 64(R12)(R10*1)
	VMOVUPD Y11, 96(R12)(R10*1)
	CMPQ    R11, AX
	JEQ     tanh64_pipe
	// The rest of block AX, from half R13; then block R11 is current.
	TANHREST16
	XORQ    $128, R13
	ADDQ    $16, AX

tanh64_pipe:
	// Block AX's exp part is in half R13. The run goes on while the next
	// block is not all small.
	LEAQ 16(AX), R11
	CMPQ R11, BX
	JGE  tanh64_end
	TANHBIG16(R11)
	JZ   tanh64_end
	MOVQ R13, R10
	XORQ $128, R10
	JMP  tanh64_d4

tanh64_end:
	TANHREST16
	XORQ $128, R13
	ADDQ $16, AX
	CMPQ AX, BX
	JLT  tanh64_loop16

tanh64_4:
	MOVQ CX, BX
	ANDQ $-4, BX
	CMPQ AX, BX
	JGE  tanh64_tail

tanh64_loop4:
	VMOVUPD (SI)(AX*8), Y0
	TANH(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7)
	VMOVUPD Y1, (DI)(AX*8)
	ADDQ    $4, AX
	CMPQ    AX, BX
	JLT     tanh64_loop4

tanh64_tail:
	CMPQ AX, CX
	JGE  tanh64_done
	MASK64
	VMASKMOVPD (SI)(AX*8), Y14, Y0
	TANH(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7)
	VMASKMOVPD Y1, Y14, (DI)(AX*8)

tanh64_done:
	VZEROUPPER
	RET

// func exp32AVX2(dst, x *float32, n int)
// The argument is clamped to [-200, 200] (exp(±200) is outside the
// float32 range), so only the fast path is needed.
TEXT ·exp32AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX
	MOVQ CX, BX
	ANDQ $-16, BX
	JZ   exp32_4
	LOADRES

exp32_loop16:
	VCVTPS2PD  (SI)(AX*4), Y0
	VCVTPS2PD  16(SI)(AX*4), Y3
	VCVTPS2PD  32(SI)(AX*4), Y6
	VCVTPS2PD  48(SI)(AX*4), Y9
	CLAMP4(limm200, lim200)
	EXP4
	VCVTPD2PSY Y2, X2
	VCVTPD2PSY Y5, X5
	VCVTPD2PSY Y8, X8
	VCVTPD2PSY Y11, X11
	VMOVUPS    X2, (DI)(AX*4)
	VMOVUPS    X5, 16(DI)(AX*4)
	VMOVUPS    X8, 32(DI)(AX*4)
	VMOVUPS    X11, 48(DI)(AX*4)
	ADDQ       $16, AX
	CMPQ       AX, BX
	JLT        exp32_loop16

exp32_4:
	MOVQ CX, BX
	ANDQ $-4, BX
	CMPQ AX, BX
	JGE  exp32_tail

exp32_loop4:
	VCVTPS2PD  (SI)(AX*4), Y0
	CLAMP(Y0, Y1, limm200, lim200)
	EXPFAST(Y0, Y5, Y1, Y2, Y3)
	VCVTPD2PSY Y5, X5
	VMOVUPS    X5, (DI)(AX*4)
	ADDQ       $4, AX
	CMPQ       AX, BX
	JLT        exp32_loop4

exp32_tail:
	CMPQ AX, CX
	JGE  exp32_done
	MASK32X
	VMASKMOVPS (SI)(AX*4), X14, X0
	VCVTPS2PD  X0, Y0
	CLAMP(Y0, Y1, limm200, lim200)
	EXPFAST(Y0, Y5, Y1, Y2, Y3)
	VCVTPD2PSY Y5, X5
	VMASKMOVPS X5, X14, (DI)(AX*4)

exp32_done:
	VZEROUPPER
	RET

// func sigmoid32AVX2(dst, x *float32, n int)
// The argument of exp is clamped to [-40, 200], so only the fast path is
// needed. Two passes over chunks of up to 64 elements, as in
// sigmoid64AVX2.
TEXT ·sigmoid32AVX2(SB), NOSPLIT, $512-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	LEAQ 0(SP), R12
	XORQ AX, AX
	MOVQ CX, BX
	ANDQ $-16, BX
	JZ   sig32_4

sig32_chunk:
	MOVQ BX, R9
	SUBQ AX, R9
	CMPQ R9, $64
	JLE  sig32_a
	MOVQ $64, R9

sig32_a:
	LOADRES
	XORQ R10, R10

sig32_aloop:
	LEAQ      (AX)(R10*1), R11
	VCVTPS2PD (SI)(R11*4), Y0
	VCVTPS2PD 16(SI)(R11*4), Y3
	VCVTPS2PD 32(SI)(R11*4), Y6
	VCVTPS2PD 48(SI)(R11*4), Y9
	SIGPRE4
	VMOVUPD   lim200<>(SB), Y12
	VMINPD    Y0, Y12, Y0
	VMINPD    Y3, Y12, Y3
	VMINPD    Y6, Y12, Y6
	VMINPD    Y9, Y12, Y9
	EXP4
	VMOVUPD   Y2, (R12)(R10*8)
	VMOVUPD   Y5, 32(R12)(R10*8)
	VMOVUPD   Y8, 64(R12)(R10*8)
	VMOVUPD   Y11, 96(R12)(R10*8)
	ADDQ      $16, R10
	CMPQ      R10, R9
	JLT       sig32_aloop
	XORQ      R10, R10

sig32_bloop:
	LEAQ       (AX)(R10*1), R11
	VMOVUPD    (R12)(R10*8), Y2
	VMOVUPD    32(R12)(R10*8), Y5
	VMOVUPD    64(R12)(R10*8), Y8
	VMOVUPD    96(R12)(R10*8), Y11
	SIG4F
	VCVTPD2PSY Y2, X2
	VCVTPD2PSY Y5, X5
	VCVTPD2PSY Y8, X8
	VCVTPD2PSY Y11, X11
	VMOVUPS    X2, (DI)(R11*4)
	VMOVUPS    X5, 16(DI)(R11*4)
	VMOVUPS    X8, 32(DI)(R11*4)
	VMOVUPS    X11, 48(DI)(R11*4)
	ADDQ       $16, R10
	CMPQ       R10, R9
	JLT        sig32_bloop
	ADDQ       R9, AX
	CMPQ       AX, BX
	JLT        sig32_chunk

sig32_4:
	MOVQ CX, BX
	ANDQ $-4, BX
	CMPQ AX, BX
	JGE  sig32_tail

sig32_loop4:
	VCVTPS2PD  (SI)(AX*4), Y0
	SIGPRE(Y0, Y1)
	VMOVUPD    lim200<>(SB), Y1
	VMINPD     Y0, Y1, Y0
	SIGFAST32(Y0, Y5, Y1, Y2, Y3)
	VCVTPD2PSY Y5, X5
	VMOVUPS    X5, (DI)(AX*4)
	ADDQ       $4, AX
	CMPQ       AX, BX
	JLT        sig32_loop4

sig32_tail:
	CMPQ AX, CX
	JGE  sig32_done
	MASK32X
	VMASKMOVPS (SI)(AX*4), X14, X0
	VCVTPS2PD  X0, Y0
	SIGPRE(Y0, Y1)
	VMOVUPD    lim200<>(SB), Y1
	VMINPD     Y0, Y1, Y0
	SIGFAST32(Y0, Y5, Y1, Y2, Y3)
	VCVTPD2PSY Y5, X5
	VMASKMOVPS X5, X14, (DI)(AX*4)

sig32_done:
	VZEROUPPER
	RET

// func tanh32AVX2(dst, x *float32, n int)
// Organised like tanh64AVX2.
TEXT ·tanh32AVX2(SB), NOSPLIT, $256-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	LEAQ 0(SP), R12
	XORQ AX, AX
	XORQ R13, R13
	MOVQ CX, BX
	ANDQ $-16, BX
	JZ   tanh32_4
	MOVQ $0, R11
	MOVQ $0, R10
	JMP  tanh32_d4

tanh32_loop16:
	LEAQ 16(AX), R11
	CMPQ R11, BX
	JGE  tanh32_s
	MOVQ R13, R10
	XORQ $128, R10

tanh32_d4:
	VMOVUPD   shifter<>(SB), Y13
	VMOVUPD   one<>(SB), Y14
	VMOVUPD   twolog2e<>(SB), Y15
	VCVTPS2PD (SI)(R11*4), Y0
	VCVTPS2PD 16(SI)(R11*4), Y3
	VCVTPS2PD 32(SI)(R11*4), Y6
	VCVTPS2PD 48(SI)(R11*4), Y9
	TANHD4
	VMOVUPD   Y2, (R12)(R10*1)
	VMOVUPD   Y5, 32(R12)(R10*1)
	VMOVUPD   Y8, 64(R12)(R10*1)
	VMOVUPD   Y11, 96(R12)(R10*1)
	CMPQ      R11, $0
	JEQ       tanh32_loop16

tanh32_s:
	VMOVUPD    one<>(SB), Y15
	VCVTPS2PD  (SI)(AX*4), Y0
	VCVTPS2PD  16(SI)(AX*4), Y6
	VMOVUPD    (R12)(R13*1), Y3
	VMOVUPD    32(R12)(R13*1), Y9
	TANH2S
	VCVTPD2PSY Y2, X2
	VCVTPD2PSY Y8, X8
	VMOVUPS    X2, (DI)(AX*4)
	VMOVUPS    X8, 16(DI)(AX*4)
	VCVTPS2PD  32(SI)(AX*4), Y0
	VCVTPS2PD  48(SI)(AX*4), Y6
	VMOVUPD    64(R12)(R13*1), Y3
	VMOVUPD    96(R12)(R13*1), Y9
	TANH2S
	VCVTPD2PSY Y2, X2
	VCVTPD2PSY Y8, X8
	VMOVUPS    X2, 32(DI)(AX*4)
	VMOVUPS    X8, 48(DI)(AX*4)
	XORQ       $128, R13
	ADDQ       $16, AX
	CMPQ       AX, BX
	JLT        tanh32_loop16

tanh32_4:
	MOVQ CX, BX
	ANDQ $-4, BX
	CMPQ AX, BX
	JGE  tanh32_tail

tanh32_loop4:
	VCVTPS2PD  (SI)(AX*4), Y0
	TANH(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7)
	VCVTPD2PSY Y1, X1
	VMOVUPS    X1, (DI)(AX*4)
	ADDQ       $4, AX
	CMPQ       AX, BX
	JLT        tanh32_loop4

tanh32_tail:
	CMPQ AX, CX
	JGE  tanh32_done
	MASK32X
	VMASKMOVPS (SI)(AX*4), X14, X0
	VCVTPS2PD  X0, Y0
	TANH(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7)
	VCVTPD2PSY Y1, X1
	VMASKMOVPS X1, X14, (DI)(AX*4)

tanh32_done:
	VZEROUPPER
	RET

// func axpy64AVX2(a float64, x, y *float64, n int)
TEXT ·axpy64AVX2(SB), NOSPLIT, $0-32
	VBROADCASTSD a+0(FP), Y0
	MOVQ         x+8(FP), SI
	MOVQ         y+16(FP), DI
	MOVQ         n+24(FP), CX
	XORQ         AX, AX
	MOVQ         CX, BX
	ANDQ         $-16, BX
	JZ           axpy64_4

axpy64_loop16:
	VMOVUPD     (DI)(AX*8), Y1
	VMOVUPD     32(DI)(AX*8), Y2
	VMOVUPD     64(DI)(AX*8), Y3
	VMOVUPD     96(DI)(AX*8), Y4
	VFMADD231PD (SI)(AX*8), Y0, Y1
	VFMADD231PD 32(SI)(AX*8), Y0, Y2
	VFMADD231PD 64(SI)(AX*8), Y0, Y3
	VFMADD231PD 96(SI)(AX*8), Y0, Y4
	VMOVUPD     Y1, (DI)(AX*8)
	VMOVUPD     Y2, 32(DI)(AX*8)
	VMOVUPD     Y3, 64(DI)(AX*8)
	VMOVUPD     Y4, 96(DI)(AX*8)
	ADDQ        $16, AX
	CMPQ        AX, BX
	JLT         axpy64_loop16

axpy64_4:
	MOVQ CX, BX
	ANDQ $-4, BX
	CMPQ AX, BX
	JGE  axpy64_tail

axpy64_loop4:
	VMOVUPD     (DI)(AX*8), Y1
	VFMADD231PD (SI)(AX*8), Y0, Y1
	VMOVUPD     Y1, (DI)(AX*8)
	ADDQ        $4, AX
	CMPQ        AX, BX
	JLT         axpy64_loop4

axpy64_tail:
	CMPQ AX, CX
	JGE  axpy64_done
	MASK64
	VMASKMOVPD  (DI)(AX*8), Y14, Y1
	VMASKMOVPD  (SI)(AX*8), Y14, Y2
	VFMADD231PD Y2, Y0, Y1
	VMASKMOVPD  Y1, Y14, (DI)(AX*8)

axpy64_done:
	VZEROUPPER
	RET

// func axpy32AVX2(a float32, x, y *float32, n int)
TEXT ·axpy32AVX2(SB), NOSPLIT, $0-32
	VBROADCASTSS a+0(FP), Y0
	MOVQ         x+8(FP), SI
	MOVQ         y+16(FP), DI
	MOVQ         n+24(FP), CX
	XORQ         AX, AX
	MOVQ         CX, BX
	ANDQ         $-32, BX
	JZ           axpy32_8

axpy32_loop32:
	VMOVUPS     (DI)(AX*4), Y1
	VMOVUPS     32(DI)(AX*4), Y2
	VMOVUPS     64(DI)(AX*4), Y3
	VMOVUPS     96(DI)(AX*4), Y4
	VFMADD231PS (SI)(AX*4), Y0, Y1
	VFMADD231PS 32(SI)(AX*4), Y0, Y2
	VFMADD231PS 64(SI)(AX*4), Y0, Y3
	VFMADD231PS 96(SI)(AX*4), Y0, Y4
	VMOVUPS     Y1, (DI)(AX*4)
	VMOVUPS     Y2, 32(DI)(AX*4)
	VMOVUPS     Y3, 64(DI)(AX*4)
	VMOVUPS     Y4, 96(DI)(AX*4)
	ADDQ        $32, AX
	CMPQ        AX, BX
	JLT         axpy32_loop32

axpy32_8:
	MOVQ CX, BX
	ANDQ $-8, BX
	CMPQ AX, BX
	JGE  axpy32_tail

axpy32_loop8:
	VMOVUPS     (DI)(AX*4), Y1
	VFMADD231PS (SI)(AX*4), Y0, Y1
	VMOVUPS     Y1, (DI)(AX*4)
	ADDQ        $8, AX
	CMPQ        AX, BX
	JLT         axpy32_loop8

axpy32_tail:
	CMPQ AX, CX
	JGE  axpy32_done
	MASK32Y
	VMASKMOVPS  (DI)(AX*4), Y14, Y1
	VMASKMOVPS  (SI)(AX*4), Y14, Y2
	VFMADD231PS Y2, Y0, Y1
	VMASKMOVPS  Y1, Y14, (DI)(AX*4)

axpy32_done:
	VZEROUPPER
	RET

// DOTTAIL: accumulate the final 1..3 elements into ACC, keeping the
// masked-off lanes of ACC unchanged (a blend rather than adding 0*0,
// which would turn a -0 partial sum into +0).
#define DOTTAIL(ACC) \
	MASK64; \
	VMASKMOVPD  (SI)(AX*8), Y14, Y4; \
	VMASKMOVPD  (DI)(AX*8), Y14, Y5; \
	VMOVAPD     ACC, Y7; \
	VFMADD231PD Y5, Y4, Y7; \
	VBLENDVPD   Y14, Y7, ACC, ACC

// func dot64AVX2(x, y *float64, n int) float64
// Element i is accumulated into lane i%4 of accumulator (i%16)/4; the
// accumulators are combined as documented on Dot64.
TEXT ·dot64AVX2(SB), NOSPLIT, $0-32
	MOVQ   x+0(FP), SI
	MOVQ   y+8(FP), DI
	MOVQ   n+16(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	XORQ   AX, AX
	MOVQ   CX, BX
	ANDQ   $-16, BX
	JZ     dot64_rem

dot64_loop16:
	VMOVUPD     (SI)(AX*8), Y4
	VMOVUPD     32(SI)(AX*8), Y5
	VMOVUPD     64(SI)(AX*8), Y6
	VMOVUPD     96(SI)(AX*8), Y7
	VFMADD231PD (DI)(AX*8), Y4, Y0
	VFMADD231PD 32(DI)(AX*8), Y5, Y1
	VFMADD231PD 64(DI)(AX*8), Y6, Y2
	VFMADD231PD 96(DI)(AX*8), Y7, Y3
	ADDQ        $16, AX
	CMPQ        AX, BX
	JLT         dot64_loop16

dot64_rem:
	MOVQ CX, BX
	SUBQ AX, BX
	CMPQ BX, $4
	JLT  dot64_part0
	VMOVUPD     (SI)(AX*8), Y4
	VFMADD231PD (DI)(AX*8), Y4, Y0
	ADDQ        $4, AX
	SUBQ        $4, BX
	CMPQ        BX, $4
	JLT         dot64_part1
	VMOVUPD     (SI)(AX*8), Y4
	VFMADD231PD (DI)(AX*8), Y4, Y1
	ADDQ        $4, AX
	SUBQ        $4, BX
	CMPQ        BX, $4
	JLT         dot64_part2
	VMOVUPD     (SI)(AX*8), Y4
	VFMADD231PD (DI)(AX*8), Y4, Y2
	ADDQ        $4, AX
	SUBQ        $4, BX
	TESTQ       BX, BX
	JZ          dot64_sum
	DOTTAIL(Y3)
	JMP         dot64_sum

dot64_part0:
	TESTQ BX, BX
	JZ    dot64_sum
	DOTTAIL(Y0)
	JMP   dot64_sum

dot64_part1:
	TESTQ BX, BX
	JZ    dot64_sum
	DOTTAIL(Y1)
	JMP   dot64_sum

dot64_part2:
	TESTQ BX, BX
	JZ    dot64_sum
	DOTTAIL(Y2)

dot64_sum:
	VADDPD       Y1, Y0, Y0
	VADDPD       Y3, Y2, Y2
	VADDPD       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VUNPCKHPD    X0, X0, X1
	VADDSD       X1, X0, X0
	VZEROUPPER
	MOVSD        X0, ret+24(FP)
	RET
