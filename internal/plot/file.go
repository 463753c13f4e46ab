package plot

import (
	"fmt"

	"github.com/acaode/aca/internal/atomicfile"
)

// WriteFileAtomic writes data to path through a temporary file in the same
// directory, fsync, rename; on any error the previous file at path is
// untouched and no temporary file is left behind. A new file gets mode
// 0644; an existing file keeps its permission bits.
func WriteFileAtomic(path string, data []byte) error {
	if err := atomicfile.WriteFile(path, data); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}
