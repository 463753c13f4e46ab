package experiments

import (
	"flag"
	"os"
	"testing"

	"github.com/acaode/aca/tensor"
)

// TestMain runs the tests (not the benchmarks, whose timings it would
// change) with recycled tensor storage filled with NaN, so that a gradient
// used after the autograd engine recycled it shows.
func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		tensor.DebugPoisonRecycled(true)
	}
	os.Exit(m.Run())
}
