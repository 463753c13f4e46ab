package experiments

import "fmt"

// CheckpointError is returned when a run's checkpoint exists but cannot be
// resumed from (RunClassify, RunLatentCheckpointed): damaged, of another
// format, or written by another configuration. Resuming again fails the
// same way; the file must be moved aside (the run then starts over) or
// replaced.
type CheckpointError struct {
	Path string
	Err  error
}

// Error names the checkpoint and what is wrong with it.
func (e *CheckpointError) Error() string {
	return fmt.Sprintf("checkpoint %s cannot be resumed from: %v", e.Path, e.Err)
}

// Unwrap returns the reason.
func (e *CheckpointError) Unwrap() error { return e.Err }
