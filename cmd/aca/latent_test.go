package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/acaode/aca/experiments"
)

// tinyLatentArgs is a run of seconds on the periodic set.
func tinyLatentArgs(out string, extra ...string) []string {
	return append([]string{"latent", "--quick", "--data", "periodic", "--sequences", "30", "--epochs", "1", "--batch", "10", "--observed", "0.3", "--json", "--quiet", "--out", out}, extra...)
}

// A tiny run of each model through the command: one JSON row per model
// (the latent ODE once per method) with the documented keys, the run
// folder's files and the plot.
func TestLatentCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "latent")
	code, stdout, stderr := runArgs(tinyLatentArgs(out)...)
	if code != 0 {
		t.Fatalf("status %d: %s", code, stderr)
	}
	rows := jsonLines(t, stdout)
	checkKeys(t, rows, map[string]string{"model": "string", "observed": "number", "seed": "number", "test_mse": "number", "train_loss": "number",
		"epochs": "number", "seconds": "number", "seconds_per_epoch": "number", "nfe_forward_per_epoch": "number", "nfe_backward_per_epoch": "number"})
	var got []string
	for _, r := range rows {
		m, _ := r["method"].(string)
		got = append(got, r["model"].(string)+"/"+m)
		if r["observed"] != 0.3 || r["epochs"] != 1.0 {
			t.Errorf("row %v", r)
		}
	}
	if want := "rnn/ gru/ latent-ode/naive latent-ode/adjoint latent-ode/aca"; strings.Join(got, " ") != want {
		t.Fatalf("rows %v, want %s", got, want)
	}
	checkRunFiles(t, out, "latent.png")
	b, err := os.ReadFile(filepath.Join(out, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Summary []map[string]any `json:"summary"`
		Config  latentSetup      `json:"config"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Summary) != 5 || m.Config.Data != "periodic" || m.Config.Periodic.Sequences != 30 {
		t.Fatalf("metrics.json: %d summaries, config %+v", len(m.Summary), m.Config)
	}
	// The table form.
	code, stdout, stderr = runArgs("latent", "--quick", "--data", "periodic", "--sequences", "30", "--epochs", "1", "--batch", "10", "--observed", "0.3,0.6", "--model", "gru", "--quiet", "--out", filepath.Join(t.TempDir(), "t"))
	if code != 0 {
		t.Fatalf("status %d: %s", code, stderr)
	}
	for _, s := range []string{"GRU-Δt", "30% OBSERVED", "60% OBSERVED", "SECONDS / EPOCH"} {
		if !strings.Contains(stdout, s) {
			t.Errorf("table lacks %q:\n%s", s, stdout)
		}
	}
}

// A stopped run resumed with --resume keeps its finished rows and makes the
// missing ones, which equal those of an uninterrupted run.
func TestLatentResume(t *testing.T) {
	out := filepath.Join(t.TempDir(), "latent")
	args := tinyLatentArgs(out, "--model", "rnn,latent-ode", "--method", "aca,naive")
	code, full, stderr := runArgs(args...)
	if code != 0 {
		t.Fatalf("status %d: %s", code, stderr)
	}
	lines := strings.SplitAfter(strings.TrimSpace(full), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d rows, want 3", len(lines))
	}
	// As if stopped after the first row.
	if err := os.WriteFile(filepath.Join(out, "results.jsonl"), []byte(lines[0]), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(out, "STOPPED"), []byte("stopped\n"), 0o644)
	code, resumed, stderr := runArgs("latent", "--resume", out, "--json", "--quiet")
	if code != 0 {
		t.Fatalf("resume: status %d: %s", code, stderr)
	}
	rl := strings.SplitAfter(strings.TrimSpace(resumed), "\n")
	if len(rl) != 2 {
		t.Fatalf("resume made %d rows, want 2", len(rl))
	}
	// Seconds differ between runs; everything else is the same.
	for i, l := range rl {
		var a, b map[string]any
		json.Unmarshal([]byte(l), &a)
		json.Unmarshal([]byte(lines[i+1]), &b)
		for _, k := range []string{"seconds", "seconds_per_epoch"} {
			delete(a, k)
			delete(b, k)
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			t.Errorf("resumed row %s, uninterrupted %s", ja, jb)
		}
	}
	data, _ := os.ReadFile(filepath.Join(out, "results.jsonl"))
	if n := strings.Count(string(data), "\n"); n != 3 {
		t.Errorf("results.jsonl has %d lines after the resume, want 3", n)
	}
	if _, err := os.Stat(filepath.Join(out, "STOPPED")); !os.IsNotExist(err) {
		t.Errorf("STOPPED note still there: %v", err)
	}
}

func TestLatentFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"latent", "--data", "hopper"}, "--data"},
		{[]string{"latent", "--observed", "0"}, "--observed"},
		{[]string{"latent", "--observed", "0.5,1.5"}, "--observed"},
		{[]string{"latent", "--model", "lstm"}, "--model"},
		{[]string{"latent", "--method", "euler"}, "--method"},
		{[]string{"latent", "--epochs", "-1"}, "--epochs"},
		{[]string{"latent", "--batch", "0"}, "--batch"},
		{[]string{"latent", "--lr", "0"}, "--lr"},
		{[]string{"latent", "--solver", "nope"}, "--solver"},
		{[]string{"latent", "--rtol", "-1"}, "--rtol"},
		{[]string{"latent", "--sequences", "1"}, "--sequences"},
		{[]string{"latent", "--modes", "8"}, "--modes"},
		{[]string{"latent", "--modes", "-1"}, "--modes"},
		{[]string{"latent", "--seeds", "2,2"}, "--seeds"},
		{[]string{"latent", "--model", "rnn,rnn"}, "listed twice"},
		{[]string{"latent", "--method", "aca,aca"}, "listed twice"},
		{[]string{"latent", "--resume", "/nonexistent/run"}, "--resume"},
	} {
		code, _, stderr := runArgs(c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: status %d, stderr %q; want 2 naming %s", c.args, code, stderr, c.want)
		}
	}
}

// A damaged cache stops the run with an error naming the file, and leaves
// no run folder.
func TestLatentCorruptCache(t *testing.T) {
	tmp := t.TempDir()
	cache := filepath.Join(tmp, "pendulum.bin")
	if err := os.WriteFile(cache, []byte("not a cache"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(tmp, "run")
	code, _, stderr := runArgs("latent", "--quick", "--sequences", "10", "--quiet", "--cache", cache, "--out", out)
	if code != 1 || !strings.Contains(stderr, cache) || !strings.Contains(stderr, "corrupt") {
		t.Fatalf("status %d, stderr %q; want 1 naming %s", code, stderr, cache)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("run folder left behind: %v", err)
	}
}

// SIGINT during the latent ODE's training (after the RNN's row): exit 130,
// the folder keeps the finished row, the latent ODE's epoch checkpoint and
// a STOPPED note; --resume finishes with the rows of an uninterrupted run.
func TestLatentInterruptedResume(t *testing.T) {
	exe := buildACA(t)
	tmp := t.TempDir()
	args := func(out string) []string {
		return []string{"latent", "--quick", "--data", "periodic", "--sequences", "30", "--epochs", "12", "--batch", "8",
			"--observed", "0.3", "--model", "rnn,latent-ode", "--method", "aca", "--json", "--quiet", "--out", out}
	}
	code, whole, stderr := runArgs(args(filepath.Join(tmp, "whole"))...)
	if code != 0 {
		t.Fatalf("status %d: %s", code, stderr)
	}
	want := strings.Split(strings.TrimSpace(whole), "\n")

	dir := filepath.Join(tmp, "cut")
	s := startACA(t, exe, args(dir)...)
	first := s.waitLines(t, 1)
	// Wait for the latent ODE's first epoch checkpoint, then interrupt.
	ckpt := experiments.LatentCheckpoint(dir, experiments.LatentRunKey("latent-ode", "aca", 0.3, 1))
	for {
		if _, err := os.Stat(ckpt); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code, errOut, rest := s.wait(t)
	if code != 130 || len(rest) != 0 {
		// The run may have finished between the checkpoint and the signal
		// only if 11 epochs took less than the signal's delivery.
		t.Fatalf("status %d, %d more rows; stderr %s", code, len(rest), errOut)
	}
	if !strings.Contains(errOut, "--resume "+dir) {
		t.Errorf("stderr does not say how to resume: %q", errOut)
	}
	checkStoppedRun(t, dir, "interrupted by SIGINT", first)
	if m, _ := filepath.Glob(filepath.Join(dir, "checkpoint-*.safetensors")); len(m) != 1 || m[0] != ckpt {
		t.Fatalf("checkpoints %v, want %s", m, ckpt)
	}
	code, resumed, stderr := runArgs("latent", "--resume", dir, "--json", "--quiet")
	if code != 0 {
		t.Fatalf("resume: status %d: %s", code, stderr)
	}
	got := append(first, strings.Split(strings.TrimSpace(resumed), "\n")...)
	if len(got) != len(want) {
		t.Fatalf("rows %d, want %d", len(got), len(want))
	}
	for i := range got {
		var a, b map[string]any
		json.Unmarshal([]byte(got[i]), &a)
		json.Unmarshal([]byte(want[i]), &b)
		for _, k := range []string{"seconds", "seconds_per_epoch"} {
			delete(a, k)
			delete(b, k)
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			t.Errorf("row %d: interrupted and resumed %s, uninterrupted %s", i, ja, jb)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "checkpoint-*")); len(m) != 0 {
		t.Errorf("checkpoints left after the resumed run: %v", m)
	}
}

// A list flag that repeats a value is refused, naming that flag, and the
// pendulum set's size is bounded by the memory it takes.
func TestLatentRepeatsNameTheirFlag(t *testing.T) {
	for _, c := range [][]string{
		{"--observed", "0.5,0.5", "--observed"},
		{"--method", "aca,aca", "--method"},
		{"--model", "rnn,rnn", "--model"},
		{"--seeds", "1,1", "--seeds"},
		{"--sequences", "100001", "--sequences"},
	} {
		code, _, errOut := runArgs("latent", "--quick", c[0], c[1], "--out", filepath.Join(t.TempDir(), "x"))
		if code != 2 || !strings.Contains(errOut, c[2]+" ") {
			t.Errorf("%s %s: status %d, stderr %q", c[0], c[1], code, errOut)
		}
	}
}

// The latent ODE's solves take tolerances and no step count: a fixed-step
// solver used to pass the flag checks and fail the run at its first solve.
func TestLatentFixedStepSolver(t *testing.T) {
	for _, solver := range []string{"euler", "rk4"} {
		out := filepath.Join(t.TempDir(), "run")
		code, _, stderr := runArgs(tinyLatentArgs(out, "--solver", solver, "--model", "latent-ode", "--method", "aca")...)
		if code != 2 || !strings.Contains(stderr, "--solver") || !strings.Contains(stderr, "adaptive") || !strings.Contains(stderr, "dopri5") {
			t.Errorf("--solver %s: status %d, stderr %q; want 2 naming --solver and the adaptive solvers", solver, code, stderr)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("--solver %s: run folder left: %v", solver, err)
		}
	}
}

// latentResumeDir makes a folder that --resume takes: the config.json of
// a tiny run of the RNN on the periodic set, changed by edit, and nothing
// else (the run never started).
func latentResumeDir(t *testing.T, edit func(*latentSetup)) string {
	t.Helper()
	s, code := latentFlags(io.Discard, latentFlagValues{quick: true, data: "periodic", observed: "0.3", models: "rnn", methods: "all", seed: 1,
		epochs: 1, batch: 10, lr: 0.01, solver: "dopri5", rtol: 1e-3, atol: 1e-4, sequences: 30, modes: 3})
	if code >= 0 {
		t.Fatalf("latentFlags: status %d", code)
	}
	if edit != nil {
		edit(&s)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A resumed run's config.json is checked as the flags of a new run are: an
// edited one is a usage error naming the file and the field, not a run on
// other data ("data": "bogus" used to train on the pendulum set) or a
// failure at the first solve.
func TestLatentResumeChecksConfig(t *testing.T) {
	validateOnly = true
	defer func() { validateOnly = false }()
	for _, c := range []struct {
		field string
		edit  func(*latentSetup)
	}{
		{"data", func(s *latentSetup) { s.Data = "bogus" }},
		{"rtol", func(s *latentSetup) { s.RTol = -1 }},
		{"atol", func(s *latentSetup) { s.ATol = -1e-9 }},
		{"rtol", func(s *latentSetup) { s.RTol, s.ATol = 0, 0 }},
		{"solver", func(s *latentSetup) { s.Solver = "euler" }},
		{"solver", func(s *latentSetup) { s.Solver = "leapfrog" }},
		{"pendulum", func(s *latentSetup) { s.Data, s.Pendulum.Links = "pendulum", 0 }},
		{"pendulum", func(s *latentSetup) { s.Data, s.Pendulum.Sequences = "pendulum", 100_001 }},
		{"periodic", func(s *latentSetup) { s.Periodic.Horizon = -1 }},
		{"epochs", func(s *latentSetup) { s.Epochs = 0 }},
		{"batch", func(s *latentSetup) { s.Batch = 0 }},
		{"lr", func(s *latentSetup) { s.LR = -1 }},
		{"test_limit", func(s *latentSetup) { s.TestLimit = -1 }},
		{"observed", func(s *latentSetup) { s.Observed = []float64{2} }},
		{"models", func(s *latentSetup) { s.Models = []string{"lstm"} }},
		{"methods", func(s *latentSetup) { s.Models, s.Methods = []string{"latent-ode"}, nil }},
		{"seeds", func(s *latentSetup) { s.Seeds = []uint64{1, 1} }},
		{"sizes", func(s *latentSetup) { s.Sizes.Units = 0 }},
	} {
		dir := latentResumeDir(t, c.edit)
		code, _, stderr := runArgs("latent", "--resume", dir, "--quiet")
		config := filepath.Join(dir, "config.json")
		if code != 2 || !strings.Contains(stderr, config) || !strings.Contains(stderr, `"`+c.field+`"`) {
			t.Errorf("%s: status %d, stderr %q; want 2 naming %s and %q", c.field, code, stderr, config, c.field)
		}
	}
	if code, _, stderr := runArgs("latent", "--resume", latentResumeDir(t, nil), "--quiet"); code != 0 {
		t.Errorf("the unedited config: status %d: %s", code, stderr)
	}
}

// With --resume the run's settings are its config.json's: a flag that
// would change them is refused, naming it, as aca classify --resume does
// (they used to be ignored, silently); --quiet, --json and --cache apply.
func TestLatentResumeRefusesFlags(t *testing.T) {
	validateOnly = true
	defer func() { validateOnly = false }()
	dir := latentResumeDir(t, nil)
	for _, extra := range [][]string{{"--epochs", "50"}, {"--out", filepath.Join(t.TempDir(), "zzz")}, {"--seed", "3"}, {"--model", "gru"}, {"--solver", "dopri5"}, {"--quick"}} {
		code, _, stderr := runArgs(append([]string{"latent", "--resume", dir}, extra...)...)
		if code != 2 || !strings.Contains(stderr, extra[0]+" cannot be given with --resume") || !strings.Contains(stderr, filepath.Join(dir, "config.json")) {
			t.Errorf("%v: status %d, stderr %q", extra, code, stderr)
		}
	}
	if code, _, stderr := runArgs("latent", "--resume", dir, "--quiet", "--json", "--cache", filepath.Join(t.TempDir(), "c.bin")); code != 0 {
		t.Errorf("--quiet --json --cache: status %d: %s", code, stderr)
	}
}

// A resumed run that fails before finishing anything leaves its folder (it
// is not this invocation's to remove) and says so, rather than that no
// folder is left.
func TestLatentResumeFailureKeepsFolder(t *testing.T) {
	dir := latentResumeDir(t, func(s *latentSetup) { s.Data, s.Pendulum.Sequences = "pendulum", 10 })
	cache := filepath.Join(t.TempDir(), "pendulum.bin")
	if err := os.WriteFile(cache, []byte("not a cache"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runArgs("latent", "--resume", dir, "--quiet", "--cache", cache)
	if code != 1 || strings.Contains(stderr, "no run folder is left") || !strings.Contains(stderr, dir+", which this run did not create, is left") {
		t.Errorf("status %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "config.json")); err != nil {
		t.Errorf("config.json: %v", err)
	}
}

// A checkpoint that cannot be read stops every --resume at the same place:
// the advice is to move it aside, which starts its run again, not to
// resume, which cannot get past it.
func TestLatentBadCheckpointAdvice(t *testing.T) {
	dir := latentResumeDir(t, nil)
	ckpt := experiments.LatentCheckpoint(dir, experiments.LatentRunKey("rnn", "", 0.3, 1))
	if err := os.WriteFile(ckpt, []byte("garbage\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runArgs("latent", "--resume", dir, "--quiet")
	if code != 1 || !strings.Contains(stderr, ckpt+" cannot be read") || !strings.Contains(stderr, "move the file aside") || strings.Contains(stderr, "continues it") {
		t.Errorf("status %d, stderr %q", code, stderr)
	}
	note, err := os.ReadFile(filepath.Join(dir, "STOPPED"))
	if err != nil || !strings.Contains(string(note), "move the file aside") || strings.Contains(string(note), "continues it") {
		t.Errorf("STOPPED: %q, %v", note, err)
	}
	if err := os.Rename(ckpt, filepath.Join(t.TempDir(), "aside")); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runArgs("latent", "--resume", dir, "--quiet", "--json"); code != 0 {
		t.Errorf("after moving the checkpoint aside: status %d: %s", code, stderr)
	}
}
