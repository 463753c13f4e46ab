package opcheck_test

import (
	"os"
	"testing"

	"github.com/acaode/aca/internal/poisontest"
)

// TestMain runs the tests with NaN-poisoned recycled storage (see
// poisontest): a gradient buffer the engine recycles while something still
// reads it (an operation wrongly declaring Fresh) turns the checked
// results into NaN.
func TestMain(m *testing.M) { os.Exit(poisontest.Main(m)) }
