package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/acaode/aca/data"
	"github.com/acaode/aca/experiments"
	"github.com/acaode/aca/internal/cpuinfo"
	"github.com/acaode/aca/stats"
	"github.com/acaode/aca/tensor"
)

// writeBarsIDX writes the two-class bars of data.Synthetic2Class (size×size)
// as a Fashion-MNIST folder: n training and n/2 test images.
func writeBarsIDX(t *testing.T, dir string, n, size int) {
	t.Helper()
	for _, split := range []struct {
		prefix string
		n      int
		seed   uint64
	}{{"train", n, 1}, {"t10k", n / 2, 2}} {
		ds, err := data.Synthetic2Class(split.n, size, split.seed)
		if err != nil {
			t.Fatal(err)
		}
		img := &data.IDX{Type: data.IDXUint8, Dims: []int{split.n, size, size}}
		for _, v := range ds.Images.Float32s() {
			img.Data = append(img.Data, byte(math.Round(float64(v)*255)))
		}
		lab := &data.IDX{Type: data.IDXUint8, Dims: []int{split.n}}
		for _, l := range ds.Labels {
			lab.Data = append(lab.Data, byte(l))
		}
		for name, x := range map[string]*data.IDX{split.prefix + "-images-idx3-ubyte": img, split.prefix + "-labels-idx1-ubyte": lab} {
			f, err := os.Create(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if err := data.EncodeIDX(f, x); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func hasKeys(t *testing.T, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s line has no %q: %v", m["type"], k, m)
		}
	}
}

// TestClassifyCommand runs a two-run study as a job array would (each run
// index into its own folder), merges the folders with classify report,
// extends one with --resume, and checks the numbers, the JSON keys and the
// files.
func TestClassifyCommand(t *testing.T) {
	dataDir, out := t.TempDir(), t.TempDir()
	writeBarsIDX(t, dataDir, 128, 12)
	common := []string{"classify", "--data-dir", dataDir, "--width", "8", "--batch", "16", "--epochs", "4", "--lr", "0.03", "--lr-milestones", "4",
		"--solver", "euler", "--steps", "2", "--crop", "0", "--runs", "2", "--method", "aca", "--json", "--quiet"}
	for _, i := range []string{"1", "2"} {
		code, stdout, stderr := runArgs(append(common, "--run-index", i, "--out", filepath.Join(out, "job"+i))...)
		if code != 0 {
			t.Fatalf("run index %s: status %d: %s", i, code, stderr)
		}
		counts := map[string]int{}
		for _, m := range jsonLines(t, stdout) {
			counts[m["type"].(string)]++
			switch m["type"] {
			case "epoch":
				hasKeys(t, m, "model", "run", "seed", "epoch", "lr", "train_loss", "train_acc", "test_acc", "seconds", "train_seconds", "nfe_forward", "nfe_backward", "graph_peak_bytes", "max_rss_bytes")
				if m["seed"].(float64) != map[string]float64{"1": 1, "2": 2}[i] {
					t.Errorf("run index %s trained seed %v", i, m["seed"])
				}
			case "run":
				hasKeys(t, m, "label", "run", "seed", "test_acc", "params")
				if acc := m["test_acc"].(float64); acc < 0.7 {
					t.Errorf("%s run %s: test accuracy %.3f on the bars (chance 0.5)", m["label"], i, acc)
				}
			case "swap":
				hasKeys(t, m, "label", "solver", "error_rate", "nfe", "trained")
			case "icc":
				hasKeys(t, m, "label", "subset", "images", "raters")
			}
		}
		// 2 models × 4 epochs; 2 runs; 6 swap rows; 2 accuracy lines;
		// 6 swap summaries; 4 ICC rows (one run each: not computed).
		want := map[string]int{"epoch": 8, "run": 2, "swap": 6, "accuracy": 2, "swap_summary": 6, "icc": 4}
		for k, v := range want {
			if counts[k] != v {
				t.Errorf("run index %s: %d %s lines, want %d", i, counts[k], k, v)
			}
		}
		for _, f := range []string{"plan.json", "metrics.json", "results.jsonl", "accuracy-epoch.png", "accuracy-runs.png",
			"node-aca-run" + i + "/run.json", "node-aca-run" + i + "/predictions.csv", "node-aca-run" + i + "/checkpoint.safetensors", "resnet-run" + i + "/predictions.csv"} {
			if _, err := os.Stat(filepath.Join(out, "job"+i, f)); err != nil {
				t.Errorf("run index %s: %v", i, err)
			}
		}
		// The record says where it ran.
		rec, err := experiments.ReadRecord(filepath.Join(out, "job"+i, "node-aca-run"+i))
		if err != nil {
			t.Fatal(err)
		}
		if rec.CPU != cpuinfo.Name() || rec.SIMD != tensor.SIMD() || rec.BLAS != tensor.BLAS() {
			t.Errorf("run index %s: record's machine %q %q %q, want %q %q %q", i, rec.CPU, rec.SIMD, rec.BLAS, cpuinfo.Name(), tensor.SIMD(), tensor.BLAS())
		}
	}

	// The merge: ICC over the two runs of each model.
	code, stdout, stderr := runArgs("classify", "report", "--json", "--out", filepath.Join(out, "report"), filepath.Join(out, "job1"), filepath.Join(out, "job2"))
	if code != 0 {
		t.Fatalf("report: status %d: %s", code, stderr)
	}
	iccs := 0
	for _, m := range jsonLines(t, stdout) {
		switch m["type"] {
		case "accuracy":
			if m["runs"].(float64) != 2 {
				t.Errorf("accuracy over %v runs, want 2", m["runs"])
			}
		case "icc":
			hasKeys(t, m, "icc1", "icc1k", "icc1_lower", "icc1_upper", "icc1k_lower", "icc1k_upper")
			if m["subset"] == "all" {
				iccs++
				if m["raters"].(float64) != 2 || m["images"].(float64) != 64 || m["note"] != nil {
					t.Errorf("ICC on all images: %v", m)
				}
				// The same number from the two predictions files directly.
				dir := map[string]string{"node-aca": "node-aca", "resnet": "resnet"}[m["label"].(string)]
				var ratings [][]float64
				for j, job := range []string{"job1", "job2"} {
					p, err := experiments.ReadPredictions(filepath.Join(out, job, fmt.Sprintf("%s-run%d", dir, j+1), experiments.PredictionsFile))
					if err != nil {
						t.Fatal(err)
					}
					for i := range p.Index {
						if j == 0 {
							ratings = append(ratings, make([]float64, 2))
						}
						ratings[i][j] = p.Probs[i][p.Label[i]]
					}
				}
				want, err := stats.ICC(ratings)
				if err != nil {
					t.Fatal(err)
				}
				if m["icc1"] != want.ICC1 || m["icc1k"] != want.ICC1k || m["icc1_lower"] != want.ICC1Lower || m["icc1k_upper"] != want.ICC1kUpper {
					t.Errorf("%s: ICC %v, want %+v", m["label"], m, want)
				}
			}
		}
	}
	if iccs != 2 {
		t.Errorf("%d whole-set ICC rows, want 2 (node-aca, resnet)", iccs)
	}
	var metrics struct {
		Report experiments.ClassifyReport `json:"report"`
	}
	b, err := os.ReadFile(filepath.Join(out, "report", "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &metrics); err != nil || len(metrics.Report.Runs) != 4 || len(metrics.Report.Curves) != 2 {
		t.Errorf("report metrics.json: %v, %d runs", err, len(metrics.Report.Runs))
	}

	// --resume extends a finished study by an epoch.
	code, stdout, stderr = runArgs("classify", "--resume", filepath.Join(out, "job1"), "--epochs", "5", "--json", "--quiet")
	if code != 0 {
		t.Fatalf("resume: status %d: %s", code, stderr)
	}
	epochs := 0
	for _, m := range jsonLines(t, stdout) {
		if m["type"] == "epoch" {
			epochs++
			if m["epoch"].(float64) != 5 {
				t.Errorf("resumed study trained epoch %v, want only 5", m["epoch"])
			}
		}
	}
	if epochs != 2 {
		t.Errorf("resume trained %d epochs, want 2 (one per model)", epochs)
	}
	rec, err := experiments.ReadRecord(filepath.Join(out, "job1", "resnet-run1"))
	if err != nil || rec.Status != "done" || len(rec.Epochs) != 5 {
		t.Errorf("resumed record: %v, %+v", err, rec)
	}
}

func TestClassifyFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{[]string{"--data", "mnist"}, "--data"},
		{[]string{"--data", "cifar10"}, "--data-dir"},
		{[]string{"--model", "vit"}, "--model"},
		{[]string{"--method", "aca,backprop"}, "--method"},
		{[]string{"--method", "aca,naive,aca"}, "--method"},
		{[]string{"--depth", "34"}, "--depth"},
		{[]string{"--width", "0"}, "--width"},
		{[]string{"--solver", "rk9"}, "--solver"},
		{[]string{"--rtol", "-1"}, "--rtol"},
		{[]string{"--steps", "0"}, "--steps"},
		{[]string{"--epochs", "0"}, "--epochs"},
		{[]string{"--batch", "0"}, "--batch"},
		{[]string{"--lr", "0"}, "--lr"},
		{[]string{"--lr-milestones", "5,3"}, "--lr-milestones"},
		{[]string{"--lr-milestones", "1.5"}, "--lr-milestones"},
		{[]string{"--lr-factor", "-0.1"}, "--lr-factor"},
		{[]string{"--flip", "maybe"}, "--flip"},
		{[]string{"--runs", "0"}, "--runs"},
		{[]string{"--runs", "3", "--run-index", "4"}, "--run-index"},
		{[]string{"--subset", "-1"}, "--subset"},
		{[]string{"--seed", "18446744073709551615", "--runs", "2"}, "--seed"},
		{[]string{"--resume", "/nonexistent/study"}, "--resume"},
		{[]string{"--resume", "/tmp", "--width", "8"}, "--width"},
		{[]string{"--aca-memory", "lots"}, "--aca-memory"},
		{[]string{"--aca-memory", "-1MB"}, "--aca-memory"},
		{[]string{"--bogus"}, "bogus"},
	} {
		// A flag the checks let through stops right after them, instead
		// of training on whatever data set is installed.
		validateOnly = true
		code, _, stderr := runArgs(append([]string{"classify"}, tc.args...)...)
		validateOnly = false
		if code != 2 || !strings.Contains(stderr, tc.flag) {
			t.Errorf("%v: status %d, stderr %q; want 2 naming %s", tc.args, code, stderr, tc.flag)
		}
	}
	for _, args := range [][]string{{"classify", "-h"}, {"classify", "report", "-h"}} {
		if code, _, stderr := runArgs(args...); code != 0 || !strings.Contains(stderr, "--json") {
			t.Errorf("%v: status %d, %q", args, code, stderr)
		}
	}
	if code, _, stderr := runArgs("classify", "report"); code != 2 || !strings.Contains(stderr, "run folders") {
		t.Errorf("report without folders: status %d, %q", code, stderr)
	}
}

// TestClassifyMissingData checks the message for a data set that is not
// there: it names Debian's package and --data-dir, and leaves no folder.
func TestClassifyMissingData(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := runArgs("classify", "--data-dir", filepath.Join(t.TempDir(), "none"), "--out", out, "--quiet")
	if code != 1 || !strings.Contains(stderr, "dataset-fashion-mnist") || !strings.Contains(stderr, "--data-dir") {
		t.Errorf("status %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s was made for a run that could not start", out)
	}
	code, _, stderr = runArgs("classify", "--data", "cifar10", "--data-dir", t.TempDir(), "--out", out, "--quiet")
	if code != 1 || !strings.Contains(stderr, "--data-dir") || !strings.Contains(stderr, "cifar-10-batches-bin") {
		t.Errorf("CIFAR: status %d, stderr %q", code, stderr)
	}
}

// TestClassifySignalResume interrupts a study with SIGINT after its first
// epoch, checks the exit status and the advice, resumes it with --resume,
// and compares its predictions with an uninterrupted study's, byte for
// byte.
func TestClassifySignalResume(t *testing.T) {
	exe := buildACA(t)
	dataDir, out := t.TempDir(), t.TempDir()
	writeBarsIDX(t, dataDir, 128, 12)
	args := []string{"classify", "--data-dir", dataDir, "--model", "resnet", "--width", "4", "--batch", "16", "--epochs", "8",
		"--lr", "0.03", "--json", "--quiet"}
	ref, stopped := filepath.Join(out, "ref"), filepath.Join(out, "stopped")
	if code, _, stderr := runArgs(append(args, "--out", ref)...); code != 0 {
		t.Fatalf("uninterrupted: status %d: %s", code, stderr)
	}
	s := startACA(t, exe, append(args, "--out", stopped)...)
	s.waitLines(t, 1)
	if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code, errOut, _ := s.wait(t)
	if code != 130 || !strings.Contains(errOut, "interrupted by SIGINT") || !strings.Contains(errOut, "aca classify --resume "+stopped) {
		t.Fatalf("status %d, stderr %q; want 130 and the --resume command", code, errOut)
	}
	rec, err := experiments.ReadRecord(filepath.Join(stopped, "resnet-run1"))
	if err != nil || rec.Status != "running" || len(rec.Epochs) == 0 || len(rec.Epochs) == 8 {
		t.Fatalf("interrupted record: %v %+v", err, rec)
	}
	if _, err := os.Stat(filepath.Join(stopped, "STOPPED")); err != nil {
		t.Errorf("no STOPPED note: %v", err)
	}
	// ACA's memory budget may change on resuming (it changes no result).
	if code, _, stderr := runArgs("classify", "--resume", stopped, "--aca-memory", "all", "--json", "--quiet"); code != 0 {
		t.Fatalf("resume: status %d: %s", code, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(stopped, "plan.json")); err != nil || !strings.Contains(string(b), `"aca_memory": -1`) {
		t.Errorf("plan.json after resuming with --aca-memory all: %v\n%s", err, b)
	}
	if _, err := os.Stat(filepath.Join(stopped, "STOPPED")); err == nil {
		t.Error("the finished study still has its STOPPED note")
	}
	a, err := os.ReadFile(filepath.Join(ref, "resnet-run1", experiments.PredictionsFile))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(stopped, "resnet-run1", experiments.PredictionsFile))
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != string(b) {
		t.Error("the resumed study's predictions differ from the uninterrupted study's")
	}
	rec, err = experiments.ReadRecord(filepath.Join(stopped, "resnet-run1"))
	if err != nil || rec.Status != "done" || len(rec.Epochs) != 8 {
		t.Fatalf("resumed record: %v %+v", err, rec)
	}
	for i, e := range rec.Epochs {
		if e.Epoch != i+1 {
			t.Errorf("epoch %d recorded as %d", i+1, e.Epoch)
		}
	}
	// results.jsonl holds every session's lines: the same result lines,
	// in the same order, as the uninterrupted study's (times aside).
	kinds := func(dir string) []string {
		b, err := os.ReadFile(filepath.Join(dir, "results.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range jsonLines(t, string(b)) {
			out = append(out, fmt.Sprintf("%v %v %v", m["type"], m["epoch"], m["test_acc"]))
		}
		return out
	}
	if a, b := kinds(ref), kinds(stopped); strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("results.jsonl after resuming:\n%s\nuninterrupted:\n%s", strings.Join(b, "\n"), strings.Join(a, "\n"))
	}
}

// TestClassifyResumeRepairs checks what --resume does with a study folder
// that moved, was extended, lost files or was damaged: the plan records
// the data folder as an absolute path (so the study resumes from any
// working directory) and --data-dir may point elsewhere; results.jsonl
// gets no second copy of the report's lines or of a redone run's; missing
// predictions are made again from the checkpoint; a damaged checkpoint
// leaves the finished run finished and says to move the file aside; a
// plan naming a run folder outside the study is refused. And the report
// refuses flags after the folders and leaves no folder when it fails.
func TestClassifyResumeRepairs(t *testing.T) {
	base := t.TempDir()
	t.Chdir(base)
	if err := os.Mkdir("d", 0o755); err != nil {
		t.Fatal(err)
	}
	writeBarsIDX(t, "d", 64, 12)
	if code, _, stderr := runArgs("classify", "--data-dir", "d", "--model", "resnet", "--width", "4", "--batch", "16", "--epochs", "1",
		"--quiet", "--json", "--out", "s"); code != 0 {
		t.Fatalf("study: status %d: %s", code, stderr)
	}
	study := filepath.Join(base, "s")
	run := filepath.Join(study, "resnet-run1")
	var plan classifyPlan
	if b, err := os.ReadFile(filepath.Join(study, classifyPlanFile)); err != nil || json.Unmarshal(b, &plan) != nil || plan.DataDir != filepath.Join(base, "d") {
		t.Fatalf("plan.json: %v, data_dir %q; want %q", err, plan.DataDir, filepath.Join(base, "d"))
	}
	counts := func() map[string]int {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(study, "results.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		n := map[string]int{}
		for _, m := range jsonLines(t, string(b)) {
			n[fmt.Sprint(m["type"])]++
		}
		return n
	}
	want := counts()
	if want["run"] != 1 || want["accuracy"] != 1 || want["epoch"] != 1 {
		t.Fatalf("results.jsonl of the study: %v", want)
	}
	t.Chdir(t.TempDir()) // elsewhere: the plan's data folder is absolute
	// Lost predictions are made again; nothing is listed twice.
	if err := os.Remove(filepath.Join(run, experiments.PredictionsFile)); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runArgs("classify", "--resume", study, "--quiet", "--json"); code != 0 {
		t.Fatalf("resume without predictions: status %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(run, experiments.PredictionsFile)); err != nil {
		t.Errorf("predictions not made again: %v", err)
	}
	if got := counts(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("results.jsonl after remaking the predictions: %v, want %v", got, want)
	}
	// Resuming a finished study only reports again.
	if code, _, stderr := runArgs("classify", "--resume", study, "--quiet", "--json"); code != 0 {
		t.Fatalf("resume of a finished study: status %d: %s", code, stderr)
	}
	if got := counts(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("results.jsonl after resuming a finished study: %v, want %v", got, want)
	}
	// Extended by an epoch, with the data given anew.
	if code, _, stderr := runArgs("classify", "--resume", study, "--epochs", "2", "--data-dir", filepath.Join(base, "d"), "--quiet", "--json"); code != 0 {
		t.Fatalf("resume --epochs 2: status %d: %s", code, stderr)
	}
	want["epoch"]++
	if got := counts(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("results.jsonl after extending: %v, want %v", got, want)
	}
	// A damaged checkpoint: the run stays finished, and the advice is
	// to move the file aside.
	ck := filepath.Join(run, experiments.CheckpointFile)
	b, err := os.ReadFile(ck)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ck, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runArgs("classify", "--resume", study, "--epochs", "3", "--quiet")
	if code != 1 || !strings.Contains(stderr, "move "+ck+" aside") {
		t.Errorf("damaged checkpoint: status %d, stderr %q", code, stderr)
	}
	if rec, err := experiments.ReadRecord(run); err != nil || rec.Status != "done" || len(rec.Epochs) != 2 {
		t.Errorf("the finished run after a failed resume: %v %+v", err, rec)
	}
	// A plan naming a run folder outside the study.
	pb, err := os.ReadFile(filepath.Join(study, classifyPlanFile))
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(pb), `"model": "resnet"`, `"model": "../escape"`, 1)
	if bad == string(pb) {
		t.Fatalf("plan.json has no model to change:\n%s", pb)
	}
	if err := os.WriteFile(filepath.Join(study, classifyPlanFile), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runArgs("classify", "--resume", study, "--quiet")
	if code != 2 || !strings.Contains(stderr, classifyPlanFile) {
		t.Errorf("plan with a run outside the study: status %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(base, "escape-run1")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a folder was made outside the study: %v", err)
	}
	// The report: flags after the folders; a report that fails leaves no
	// folder.
	if code, _, stderr := runArgs("classify", "report", study, "--json"); code != 2 || !strings.Contains(stderr, "flags go before") {
		t.Errorf("report with a flag last: status %d, stderr %q", code, stderr)
	}
	garbage := filepath.Join(t.TempDir(), "g", "x")
	if err := os.MkdirAll(garbage, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(garbage, "run.json"), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "rep")
	if code, _, stderr := runArgs("classify", "report", "--out", out, filepath.Dir(garbage)); code != 1 {
		t.Errorf("report of nothing: status %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the failed report left %s: %v", out, err)
	}
}

// A study whose first run fails before any epoch finishes (a learning rate
// that makes the loss NaN in the first batches) leaves no folder and no
// advice to resume what has no checkpoint; a width GroupNorm cannot split
// is a bad flag, found before any data is read.
func TestClassifyFailsBeforeFirstEpoch(t *testing.T) {
	dataDir := t.TempDir()
	writeBarsIDX(t, dataDir, 64, 12)
	dir := filepath.Join(t.TempDir(), "study")
	code, _, errOut := runArgs("classify", "--data-dir", dataDir, "--model", "resnet", "--width", "4", "--batch", "16", "--epochs", "2",
		"--lr", "1e30", "--quiet", "--out", dir)
	if code != 1 || !strings.Contains(errOut, "no run folder is left") || strings.Contains(errOut, "--resume") {
		t.Errorf("status %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("left %s: %v", dir, err)
	}
	for _, w := range []string{"40", "6"} {
		code, _, errOut = runArgs("classify", "--data-dir", t.TempDir(), "--width", w, "--quiet", "--out", filepath.Join(t.TempDir(), "w"))
		if code != 2 || !strings.Contains(errOut, "--width "+w) || !strings.Contains(errOut, "GroupNorm") {
			t.Errorf("--width %s: status %d, stderr %q", w, code, errOut)
		}
	}
}

// TestClassifyCIFAR runs a ResNet on generated CIFAR-10 files in the
// official layout (cifar-10-batches-bin under --data-dir): the crop
// defaults to 4 pixels and the flip is on for CIFAR.
func TestClassifyCIFAR(t *testing.T) {
	dataDir, out := t.TempDir(), filepath.Join(t.TempDir(), "study")
	bin := filepath.Join(dataDir, "cifar-10-batches-bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	rng := tensor.NewRNG(3)
	for _, name := range []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"} {
		x := tensor.RandU(rng, tensor.Float32, 0, 1, 8, 3, 32, 32)
		labels := []int{0, 1, 2, 3, 4, 5, 6, 7}
		f, err := os.Create(filepath.Join(bin, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := data.EncodeCIFAR10(f, x, labels); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	code, _, stderr := runArgs("classify", "--data", "cifar10", "--data-dir", dataDir, "--model", "resnet", "--width", "4",
		"--epochs", "1", "--batch", "16", "--json", "--quiet", "--out", out)
	if code != 0 {
		t.Fatalf("status %d: %s", code, stderr)
	}
	rec, err := experiments.ReadRecord(filepath.Join(out, "resnet-run1"))
	if err != nil {
		t.Fatal(err)
	}
	c := rec.Config
	if rec.Status != "done" || c.Data != "cifar10" || c.Crop != 4 || !c.Flip || len(rec.Epochs) != 1 {
		t.Errorf("record %+v", rec)
	}
	p, err := experiments.ReadPredictions(filepath.Join(out, "resnet-run1", experiments.PredictionsFile))
	if err != nil || len(p.Index) != 8 || len(p.Probs[0]) != 10 {
		t.Errorf("predictions: %v, %d rows", err, len(p.Index))
	}
}
