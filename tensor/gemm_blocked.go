package tensor

// gemmBlocked computes C(i,j) += alpha·Σ_p A(i,p)·B(p,j) for i < m, j < n,
// p < k, where A(i,p) = a[i·ai + p·ap], B(p,j) = b[p·bp + j·bj] and
// C(i,j) = c[i·ci + j·cj]: any transposition of any operand is a choice of
// strides. It works in 4×2 blocks of C held in eight accumulators, so that
// every step of the inner loop does eight independent multiply-adds: what
// small products with a short side need, where a loop along that side
// (two elements, say) is all overhead.
func gemmBlocked[T float](m, n, k int, alpha T, a []T, ai, ap int, b []T, bp, bj int, c []T, ci, cj int) {
	i := 0
	for ; i+4 <= m; i += 4 {
		j := 0
		for ; j+2 <= n; j += 2 {
			var c00, c01, c10, c11, c20, c21, c30, c31 T
			ao, bo := i*ai, j*bj
			for p := 0; p < k; p++ {
				a0, a1, a2, a3 := a[ao], a[ao+ai], a[ao+2*ai], a[ao+3*ai]
				b0, b1 := b[bo], b[bo+bj]
				c00 += a0 * b0
				c01 += a0 * b1
				c10 += a1 * b0
				c11 += a1 * b1
				c20 += a2 * b0
				c21 += a2 * b1
				c30 += a3 * b0
				c31 += a3 * b1
				ao += ap
				bo += bp
			}
			co := i*ci + j*cj
			c[co] += alpha * c00
			c[co+cj] += alpha * c01
			c[co+ci] += alpha * c10
			c[co+ci+cj] += alpha * c11
			c[co+2*ci] += alpha * c20
			c[co+2*ci+cj] += alpha * c21
			c[co+3*ci] += alpha * c30
			c[co+3*ci+cj] += alpha * c31
		}
		for ; j < n; j++ {
			var c0, c1, c2, c3 T
			ao, bo := i*ai, j*bj
			for p := 0; p < k; p++ {
				bv := b[bo]
				c0 += a[ao] * bv
				c1 += a[ao+ai] * bv
				c2 += a[ao+2*ai] * bv
				c3 += a[ao+3*ai] * bv
				ao += ap
				bo += bp
			}
			co := i*ci + j*cj
			c[co] += alpha * c0
			c[co+ci] += alpha * c1
			c[co+2*ci] += alpha * c2
			c[co+3*ci] += alpha * c3
		}
	}
	for ; i < m; i++ {
		j := 0
		for ; j+2 <= n; j += 2 {
			var c0, c1 T
			ao, bo := i*ai, j*bj
			for p := 0; p < k; p++ {
				av := a[ao]
				c0 += av * b[bo]
				c1 += av * b[bo+bj]
				ao += ap
				bo += bp
			}
			co := i*ci + j*cj
			c[co] += alpha * c0
			c[co+cj] += alpha * c1
		}
		for ; j < n; j++ {
			var s T
			ao, bo := i*ai, j*bj
			for p := 0; p < k; p++ {
				s += a[ao] * b[bo]
				ao += ap
				bo += bp
			}
			c[i*ci+j*cj] += alpha * s
		}
	}
}
