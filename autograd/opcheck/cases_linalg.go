package opcheck

import (
	"math/rand/v2"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

func linalgCases() []Case {
	var cs []Case
	cs = append(cs,
		Case{Op: "linear", Name: "linear 2-D with bias", Shapes: func(r *rand.Rand) [][]int {
			n, in, out := dim(r, 1, 4), dim(r, 1, 5), dim(r, 1, 4)
			return shapes([]int{n, in}, []int{out, in}, []int{out})
		}, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value { return g.Linear(in[0], in[1], in[2]) }},
		Case{Op: "linear", Name: "linear 3-D without bias", Shapes: func(r *rand.Rand) [][]int {
			in, out := dim(r, 1, 4), dim(r, 1, 4)
			return shapes([]int{dim(r, 1, 3), dim(r, 1, 3), in}, []int{out, in})
		}, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value { return g.Linear(in[0], in[1], nil) }},
	)
	// The fused MLP: two or three layers, each activation it fuses, with
	// and without biases, a 2-D and a 3-D input.
	mlps := []struct {
		name string
		acts []tensor.UnaryOp
		bias []bool
		rank int
	}{
		{"mlp tanh–linear", []tensor.UnaryOp{tensor.OpTanh, 0}, []bool{true, true}, 2},
		{"mlp sigmoid–relu–linear, 3-D", []tensor.UnaryOp{tensor.OpSigmoid, tensor.OpReLU, 0}, []bool{true, false, true}, 3},
		{"mlp tanh–exp, no biases", []tensor.UnaryOp{tensor.OpTanh, tensor.OpExp}, []bool{false, false}, 2},
		{"mlp one linear layer", []tensor.UnaryOp{0}, []bool{true}, 2},
	}
	for _, m := range mlps {
		cs = append(cs, Case{Op: "mlp", Name: m.name, Shapes: func(r *rand.Rand) [][]int {
			x := []int{dim(r, 1, 4), dim(r, 1, 4)}
			if m.rank == 3 {
				x = []int{dim(r, 1, 3), dim(r, 1, 3), dim(r, 1, 4)}
			}
			out := [][]int{x}
			in := x[len(x)-1]
			for _, b := range m.bias {
				o := dim(r, 1, 4)
				out = append(out, []int{o, in})
				if b {
					out = append(out, []int{o})
				}
				in = o
			}
			return out
		}, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
			var layers []autograd.Dense
			k := 1
			for i, b := range m.bias {
				l := autograd.Dense{W: in[k], Act: m.acts[i]}
				k++
				if b {
					l.B = in[k]
					k++
				}
				layers = append(layers, l)
			}
			return g.MLP(in[0], layers...)
		}})
	}
	for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
		ta, tb := tr[0], tr[1]
		cs = append(cs, Case{Op: "matmul", Name: "matmul 2-D" + tmarks(ta, tb), Shapes: func(r *rand.Rand) [][]int {
			m, k, n := dim(r, 1, 4), dim(r, 1, 4), dim(r, 1, 4)
			return shapes(mat(m, k, ta), mat(k, n, tb))
		}, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value { return g.MatMul(in[0], in[1], ta, tb) }})
		cs = append(cs, Case{Op: "matmul", Name: "matmul batched" + tmarks(ta, tb), Shapes: func(r *rand.Rand) [][]int {
			b, m, k, n := dim(r, 2, 3), dim(r, 1, 3), dim(r, 1, 3), dim(r, 1, 3)
			return shapes(append([]int{b}, mat(m, k, ta)...), append([]int{b}, mat(k, n, tb)...))
		}, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value { return g.MatMul(in[0], in[1], ta, tb) }})
		cs = append(cs, Case{Op: "matmul", Name: "matmul batch × shared" + tmarks(ta, tb), Shapes: func(r *rand.Rand) [][]int {
			b, m, k, n := dim(r, 2, 3), dim(r, 1, 3), dim(r, 1, 3), dim(r, 1, 3)
			return shapes(append([]int{b}, mat(m, k, ta)...), mat(k, n, tb))
		}, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value { return g.MatMul(in[0], in[1], ta, tb) }})
		cs = append(cs, Case{Op: "matmul", Name: "matmul shared × batch" + tmarks(ta, tb), Shapes: func(r *rand.Rand) [][]int {
			b, m, k, n := dim(r, 2, 3), dim(r, 1, 3), dim(r, 1, 3), dim(r, 1, 3)
			return shapes(mat(m, k, ta), append([]int{b}, mat(k, n, tb)...))
		}, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value { return g.MatMul(in[0], in[1], ta, tb) }})
	}
	convs := []struct {
		name string
		p    tensor.Conv2dParams
		k    [2]int
		bias bool
	}{
		{"3×3 pad 1", tensor.Conv2dParams{PadH: 1, PadW: 1}, [2]int{3, 3}, true},
		{"3×3 stride 2 no bias", tensor.Conv2dParams{StrideH: 2, StrideW: 2}, [2]int{3, 3}, false},
		{"2×3 stride (1,2) pad (0,1)", tensor.Conv2dParams{StrideW: 2, PadW: 1}, [2]int{2, 3}, true},
	}
	for _, c := range convs {
		cs = append(cs, Case{Op: "conv2d", Name: "conv2d " + c.name, Shapes: func(r *rand.Rand) [][]int {
			n, ci, co := dim(r, 1, 3), dim(r, 1, 3), dim(r, 1, 3)
			h, w := dim(r, 3, 6), dim(r, 3, 6)
			s := shapes([]int{n, ci, h, w}, []int{co, ci, c.k[0], c.k[1]})
			if c.bias {
				s = append(s, []int{co})
			}
			return s
		}, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
			var b *autograd.Value
			if len(in) > 2 {
				b = in[2]
			}
			return g.Conv2d(in[0], in[1], b, c.p)
		}})
	}
	pools := []struct {
		name string
		p    tensor.Pool2dParams
	}{
		{"2×2", tensor.Pool2dParams{KH: 2, KW: 2}},
		{"3×3 stride 1 pad 1", tensor.Pool2dParams{KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}},
		{"3×2 stride 2", tensor.Pool2dParams{KH: 3, KW: 2, StrideH: 2, StrideW: 2}},
	}
	for _, p := range pools {
		sh := func(r *rand.Rand) [][]int {
			return shapes([]int{dim(r, 1, 2), dim(r, 1, 3), dim(r, 4, 7), dim(r, 4, 7)})
		}
		cs = append(cs,
			Case{Op: "avg_pool2d", Name: "avg_pool2d " + p.name, Shapes: sh,
				F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value { return g.AvgPool2d(in[0], p.p) }},
			Case{Op: "max_pool2d", Name: "max_pool2d " + p.name, Shapes: sh,
				F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value { return g.MaxPool2d(in[0], p.p) }},
		)
	}
	cs = append(cs, Case{Op: "global_avg_pool2d", Name: "global_avg_pool2d", Shapes: func(r *rand.Rand) [][]int {
		return shapes([]int{dim(r, 1, 3), dim(r, 1, 4), dim(r, 1, 5), dim(r, 1, 5)})
	}, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value { return g.GlobalAvgPool2d(in[0]) }})
	return cs
}

func mat(r, c int, t bool) []int {
	if t {
		return []int{c, r}
	}
	return []int{r, c}
}

func tmarks(ta, tb bool) string {
	s := ""
	if ta {
		s += " Aᵀ"
	}
	if tb {
		s += " Bᵀ"
	}
	return s
}
