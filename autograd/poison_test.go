package autograd_test

import (
	"os"
	"testing"

	"github.com/acaode/aca/internal/poisontest"
)

// TestMain runs the tests with NaN-poisoned recycled storage (see
// poisontest): a gradient buffer the engine recycles while something still
// reads it turns the checked gradients into NaN.
func TestMain(m *testing.M) { os.Exit(poisontest.Main(m)) }
