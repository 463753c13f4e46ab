// Package poisontest runs a package's tests with the tensor storage that
// the autograd engine recycles filled with NaN (tensor.DebugPoisonRecycled),
// so that a buffer recycled while something still reads it (an operation
// wrongly declaring Fresh, a wrong ownership decision in the engine) turns
// the checked numbers into NaN and fails a test instead of passing by luck.
// A package turns it on with
//
//	func TestMain(m *testing.M) { os.Exit(poisontest.Main(m)) }
package poisontest

import (
	"flag"
	"testing"

	"github.com/acaode/aca/tensor"
)

// Main parses the test flags, turns poisoning on unless benchmarks were
// asked for (poisoning makes recycling slower and would change their
// timings), and returns m.Run's exit code.
func Main(m *testing.M) int {
	flag.Parse()
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		tensor.DebugPoisonRecycled(true)
	}
	return m.Run()
}
