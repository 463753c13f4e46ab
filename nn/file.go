package nn

import (
	"fmt"

	"github.com/acaode/aca/nn/safetensors"
	"github.com/acaode/aca/tensor"
)

// StateDict returns m's parameters and buffers by their dotted names, as
// PyTorch's state_dict does. The tensors are m's own, not copies.
func StateDict(m Module) map[string]*tensor.Tensor {
	out := map[string]*tensor.Tensor{}
	for _, p := range NamedParams(m) {
		out[p.Name] = p.Value.Data()
	}
	for _, b := range NamedBuffers(m) {
		out[b.Name] = b.Tensor
	}
	return out
}

// LoadStateDict copies the tensors of sd into m's parameters and buffers, in
// place (so optimizers holding m's parameters keep working). Names, dtypes
// and shapes must match exactly; otherwise nothing is changed and the error
// (a *safetensors.CheckError) lists every missing, unexpected and mismatched
// tensor.
func LoadStateDict(m Module, sd map[string]*tensor.Tensor) error {
	own := StateDict(m)
	if err := safetensors.Check(safetensors.Specs(own), sd); err != nil {
		return err
	}
	for name, t := range own {
		t.CopyFrom(sd[name])
	}
	return nil
}

// Save writes m's parameters and buffers to path in the safetensors format
// (readable by PyTorch's safetensors.torch.load_file), atomically: an
// interrupted save leaves any previous file at path intact. metadata may be
// nil.
func Save(path string, m Module, metadata map[string]string) error {
	if err := safetensors.Write(path, StateDict(m), metadata); err != nil {
		return fmt.Errorf("nn: saving the model: %w", err)
	}
	return nil
}

// Load reads a model file written by Save (or by PyTorch's safetensors with
// the same names) into m, in place, and returns its metadata. A file that is
// truncated or corrupt is an error naming the file; a file whose tensors do
// not match m's names, dtypes and shapes is an error listing every
// difference, and m is left unchanged.
func Load(path string, m Module) (map[string]string, error) {
	sd, meta, err := safetensors.Read(path)
	if err != nil {
		return nil, err
	}
	if err := LoadStateDict(m, sd); err != nil {
		return nil, fmt.Errorf("nn: loading %s: %w", path, err)
	}
	return meta, nil
}
