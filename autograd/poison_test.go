package autograd_test

import (
	"flag"
	"os"
	"testing"

	"github.com/acaode/aca/tensor"
)

// TestMain runs the package's tests (not its benchmarks, whose timings
// poisoning would change) with recycled tensor storage filled with NaN, so
// that a gradient buffer the engine recycles while something still reads
// it (a wrong Fresh, a wrong retire decision) turns the checked gradients
// into NaN instead of passing by luck.
func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		tensor.DebugPoisonRecycled(true)
	}
	os.Exit(m.Run())
}
