package nn_test

import (
	"os"
	"testing"

	"github.com/acaode/aca/tensor"
)

// TestMain runs the package's tests with recycled tensor storage filled with
// NaN, so that a gradient used after the autograd engine recycled it (an
// operation wrongly declaring Fresh) turns the checks' results into NaN
// instead of passing by luck.
func TestMain(m *testing.M) {
	tensor.DebugPoisonRecycled(true)
	os.Exit(m.Run())
}
