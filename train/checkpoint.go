package train

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/nn/safetensors"
	"github.com/acaode/aca/optim"
	"github.com/acaode/aca/tensor"
)

// Checkpoint names what a training run saves and restores.
type Checkpoint struct {
	// Model's parameters and buffers are saved and restored in place.
	Model nn.Module
	// Optimizer's state (learning rate, moments, step counts) is saved and
	// restored; nil if there is none.
	Optimizer optim.Optimizer
	// RNGs are the run's random sources, by name.
	RNGs map[string]*RNG
	// Epoch is the number of epochs completed: Save writes it, Load sets it.
	Epoch int
	// Metadata holds extra strings (keys must not start with "aca.").
	Metadata map[string]string
}

const (
	format   = "aca-checkpoint-1"
	keyFmt   = "aca.format"
	keyEpoch = "aca.epoch"
	keyRNG   = "aca.rng."
)

// Save writes c to path atomically: an interrupted save leaves the previous
// checkpoint at path intact.
func Save(path string, c *Checkpoint) error {
	if c == nil || c.Model == nil {
		return fmt.Errorf("train: saving %s: the checkpoint has no model", path)
	}
	if c.Epoch < 0 { // Load would refuse the file
		return fmt.Errorf("train: saving %s: epoch %d: want ≥ 0 (the epochs completed)", path, c.Epoch)
	}
	ts := map[string]*tensor.Tensor{}
	for name, t := range nn.StateDict(c.Model) {
		ts["model."+name] = t
	}
	if c.Optimizer != nil {
		for name, t := range c.Optimizer.State() {
			ts["optim."+name] = t
		}
	}
	meta := map[string]string{keyFmt: format, keyEpoch: strconv.Itoa(c.Epoch)}
	for k, v := range c.Metadata {
		if strings.HasPrefix(k, "aca.") {
			return fmt.Errorf("train: saving %s: metadata key %q uses the reserved prefix \"aca.\"", path, k)
		}
		meta[k] = v
	}
	for name, r := range c.RNGs {
		if !r.valid() {
			return fmt.Errorf("train: saving %s: random source %q is nil or not made by NewRNG", path, name)
		}
		b, err := r.MarshalBinary()
		if err != nil {
			return fmt.Errorf("train: saving %s: random source %q: %w", path, name, err)
		}
		meta[keyRNG+name] = base64.StdEncoding.EncodeToString(b)
	}
	if err := safetensors.Write(path, ts, meta); err != nil {
		return fmt.Errorf("train: saving checkpoint: %w", err)
	}
	return nil
}

// Load reads a checkpoint written by Save into c: the model's tensors and
// the optimizer's state in place, each RNG's state, c.Epoch and c.Metadata.
// Everything is checked before anything changes: a file that is corrupt, is
// not a checkpoint, or does not match the model (every missing, unexpected
// or mismatched tensor is listed), the optimizer or the set of random
// sources leaves c as it was.
func Load(path string, c *Checkpoint) error {
	if c.Model == nil {
		return fmt.Errorf("train: loading %s: the checkpoint has no model to load into", path)
	}
	for name, r := range c.RNGs {
		if !r.valid() {
			return fmt.Errorf("train: loading %s: random source %q is nil or not made by NewRNG", path, name)
		}
	}
	ts, meta, err := safetensors.Read(path)
	if err != nil {
		return fmt.Errorf("train: loading checkpoint: %w", err)
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("train: loading %s: %s", path, fmt.Sprintf(format, a...))
	}
	if meta[keyFmt] != format {
		return bad("not a checkpoint (metadata %s = %q, want %q); a model file loads with nn.Load", keyFmt, meta[keyFmt], format)
	}
	epoch, err := strconv.Atoi(meta[keyEpoch])
	if err != nil || epoch < 0 {
		return bad("epoch %q is not a non-negative integer", meta[keyEpoch])
	}
	model, opt := map[string]*tensor.Tensor{}, map[string]*tensor.Tensor{}
	var stray []string
	for name, t := range ts {
		switch {
		case strings.HasPrefix(name, "model."):
			model[strings.TrimPrefix(name, "model.")] = t
		case strings.HasPrefix(name, "optim."):
			opt[strings.TrimPrefix(name, "optim.")] = t
		default:
			stray = append(stray, name)
		}
	}
	if len(stray) > 0 {
		sort.Strings(stray)
		return bad("tensors outside model. and optim.: %s", strings.Join(stray, ", "))
	}
	if err := safetensors.Check(safetensors.Specs(nn.StateDict(c.Model)), model); err != nil {
		return fmt.Errorf("train: loading %s: the model does not match: %w", path, err)
	}
	if c.Optimizer == nil && len(opt) > 0 {
		return bad("the file has optimizer state but the checkpoint has no optimizer to load it into")
	}
	if c.Optimizer != nil && len(opt) == 0 {
		return bad("the file has no optimizer state")
	}
	// Random sources: every one named in c must be in the file and vice versa.
	states := map[string]*rand.PCG{}
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := meta[k]
		if !strings.HasPrefix(k, keyRNG) {
			continue
		}
		name := strings.TrimPrefix(k, keyRNG)
		if _, ok := c.RNGs[name]; !ok {
			return bad("the file has random source %q, which the checkpoint does not name", name)
		}
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return bad("random source %q: %v", name, err)
		}
		p := new(rand.PCG)
		if err := p.UnmarshalBinary(b); err != nil {
			return bad("random source %q: %v", name, err)
		}
		states[name] = p
	}
	names := make([]string, 0, len(c.RNGs))
	for name := range c.RNGs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if states[name] == nil {
			return bad("random source %q is not in the file", name)
		}
	}
	// All checked: the optimizer validates before changing anything, and
	// after it nothing can fail.
	if c.Optimizer != nil {
		if err := c.Optimizer.LoadState(opt); err != nil {
			return bad("optimizer state: %v", err)
		}
	}
	if err := nn.LoadStateDict(c.Model, model); err != nil {
		return bad("%v", err)
	}
	for name, p := range states {
		b, _ := p.MarshalBinary()
		_ = c.RNGs[name].UnmarshalBinary(b)
	}
	c.Epoch = epoch
	c.Metadata = map[string]string{}
	for k, v := range meta {
		if !strings.HasPrefix(k, "aca.") {
			c.Metadata[k] = v
		}
	}
	return nil
}
