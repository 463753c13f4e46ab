package optim_test

import (
	"os"
	"testing"

	"github.com/acaode/aca/tensor"
)

// TestMain runs the package's tests with recycled tensor storage filled with
// NaN, so that a gradient the autograd engine recycled while an optimizer
// still reads it (or a parameter update that writes into a recycled buffer)
// turns the checked numbers into NaN instead of passing by luck.
func TestMain(m *testing.M) {
	tensor.DebugPoisonRecycled(true)
	os.Exit(m.Run())
}
