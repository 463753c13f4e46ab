package opcheck_test

import (
	"fmt"
	"hash/fnv"
	"slices"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/autograd/opcheck"
)

// TestEveryOpHasACase fails when an operation is registered without a
// gradient check, or a case names an operation that does not exist.
func TestEveryOpHasACase(t *testing.T) {
	ops := autograd.Ops()
	if len(ops) < 40 {
		t.Fatalf("autograd.Ops() lists %d operations; the registry looks broken: %v", len(ops), ops)
	}
	have := map[string]int{}
	for _, c := range opcheck.Cases() {
		have[c.Op]++
		if !slices.Contains(ops, c.Op) {
			t.Errorf("case %q checks %q, which autograd.Ops() does not list", c.Name, c.Op)
		}
	}
	for _, op := range ops {
		if have[op] == 0 {
			t.Errorf("operation %q has no gradient check in opcheck.Cases()", op)
		}
	}
}

func seedOf(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// TestGradCheckEveryOp runs every case on three random shape configurations
// and requires a relative error of at most 1e-6 against central differences.
func TestGradCheckEveryOp(t *testing.T) {
	for _, c := range opcheck.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			res := c.Run(seedOf(c.Name), 3, autograd.CheckOptions{Tol: 1e-6})
			distinct := map[string]bool{}
			for _, r := range res {
				distinct[fmt.Sprint(r.Shapes)] = true
				if r.Err != nil {
					t.Errorf("shapes %v: %v", r.Shapes, r.Err)
				}
			}
			if len(distinct) < 2 {
				t.Errorf("all configurations drew the same shapes %v; want at least two", res[0].Shapes)
			}
		})
	}
}
