package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/acaode/aca/data/latentdata"
	"github.com/acaode/aca/experiments"
	"github.com/acaode/aca/internal/jsonx"
	"github.com/acaode/aca/internal/plot"
	"github.com/acaode/aca/internal/progress"
	"github.com/acaode/aca/models/latentode"
	"github.com/acaode/aca/ode"
)

// latentSetup is everything a latent run depends on; it is written to
// config.json at the start, and --resume reads it back.
type latentSetup struct {
	Data       string                    `json:"data"`
	Pendulum   latentdata.PendulumConfig `json:"pendulum"`
	Periodic   latentdata.PeriodicConfig `json:"periodic"`
	Observed   []float64                 `json:"observed"`
	Models     []string                  `json:"models"`
	Methods    []ode.Gradient            `json:"methods"`
	Seeds      []uint64                  `json:"seeds"`
	Epochs     int                       `json:"epochs"`
	Batch      int                       `json:"batch"`
	LR         float64                   `json:"lr"`
	Solver     string                    `json:"solver"`
	RTol       float64                   `json:"rtol"`
	ATol       float64                   `json:"atol"`
	Sizes      latentode.Config          `json:"sizes"`
	MaskSeed   uint64                    `json:"mask_seed"`
	TrainLimit int                       `json:"train_limit"`
	TestLimit  int                       `json:"test_limit"`
	Quick      bool                      `json:"quick"`
}

// quickSequences is the pendulum set's size under --quick.
const quickSequences = 1000

// maxLatentSequences bounds a data set's sequences: 100 000 sequences of
// 100 times × 14 dimensions are 1.1 GB of float64, held twice while the
// set is split and scaled.
const maxLatentSequences = 100_000

// maxLatentBatch bounds --batch (and a resumed config's batch).
const maxLatentBatch = 100_000

// latentSolvers says, after a fixed-step solver, which solvers the latent
// ODE takes.
const latentSolvers = "the latent ODE takes an adaptive solver"

func (s *latentSetup) config() (experiments.LatentConfig, error) {
	solver, err := solverFlag(s.Solver)
	if err != nil {
		return experiments.LatentConfig{}, err
	}
	c := experiments.DefaultLatent()
	c.Observed, c.Models, c.Methods, c.Seeds = s.Observed, s.Models, s.Methods, s.Seeds
	c.Epochs, c.Batch, c.LR = s.Epochs, s.Batch, s.LR
	c.Solver, c.RTol, c.ATol = solver, s.RTol, s.ATol
	c.Sizes, c.MaskSeed = s.Sizes, s.MaskSeed
	c.TrainLimit, c.TestLimit = s.TrainLimit, s.TestLimit
	return c, c.Validate()
}

// check validates a setup read back from a run folder's config.json,
// which may have been edited since the run wrote it, as latentFlags
// validates the flags of a new run. It returns the JSON field at fault
// and the problem.
func (s *latentSetup) check() (string, error) {
	switch s.Data {
	case "pendulum":
		if n := s.Pendulum.Sequences; n > maxLatentSequences {
			return "pendulum", fmt.Errorf("%d sequences, want at most %d", n, maxLatentSequences)
		}
		if err := s.Pendulum.Check(); err != nil {
			return "pendulum", err
		}
	case "periodic":
		if n := s.Periodic.Sequences; n > maxLatentSequences {
			return "periodic", fmt.Errorf("%d sequences, want at most %d", n, maxLatentSequences)
		}
		// The periodic set has no check of its own apart from making it,
		// which takes a moment.
		if _, err := latentdata.Periodic(s.Periodic); err != nil {
			return "periodic", err
		}
	default:
		return "data", fmt.Errorf("%q is not a data set (pendulum or periodic)", s.Data)
	}
	if _, err := adaptiveSolverFlag(s.Solver, latentSolvers); err != nil {
		return "solver", err
	}
	for _, t := range []struct {
		field string
		v     float64
	}{{"rtol", s.RTol}, {"atol", s.ATol}} {
		if err := tolFlag(t.v); err != nil {
			return t.field, err
		}
	}
	switch {
	case s.RTol == 0 && s.ATol == 0:
		return "rtol", errors.New("rtol and atol are both zero; set at least one")
	case s.Epochs < 1 || s.Epochs > maxEpochs:
		return "epochs", fmt.Errorf("must be between 1 and %d, got %d", maxEpochs, s.Epochs)
	case s.Batch < 1 || s.Batch > maxLatentBatch:
		return "batch", fmt.Errorf("must be between 1 and %d, got %d", maxLatentBatch, s.Batch)
	case !(s.LR > 0) || math.IsInf(s.LR, 0):
		return "lr", fmt.Errorf("must be a positive number, got %g", s.LR)
	case s.TrainLimit < 0:
		return "train_limit", fmt.Errorf("must be 0 (all) or positive, got %d", s.TrainLimit)
	case s.TestLimit < 0:
		return "test_limit", fmt.Errorf("must be 0 (all) or positive, got %d", s.TestLimit)
	}
	if _, err := s.config(); err != nil {
		// What is left: the lists and the model sizes.
		field := "sizes"
		for _, f := range []struct{ word, field string }{{"observed", "observed"}, {"model", "models"}, {"method", "methods"}, {"seed", "seeds"}} {
			if strings.Contains(err.Error(), f.word) {
				field = f.field
				break
			}
		}
		return field, err
	}
	return "", nil
}

func runLatent(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("latent", `The latent ODE on irregularly sampled time series (the paper's section 4.3,
Table 4). Data: a 7-link planar pendulum chain (14 dimensions, a substitute
for MuJoCo Hopper; generated once and cached) or Rubanova's 1-D periodic toy
set. A random fraction of each sequence's 100 times is observed (always the
first); models: RNN-Δt and GRU-Δt baselines and the latent ODE (ODE-RNN
encoder), the latent ODE trained with each gradient method. Prints the test
MSE ×1e-2 over all times in the shape of Table 4 (mean ± std over seeds),
the time and NFE per epoch of each model, and writes latent.png (a few test
sequences: observed points, truth, reconstruction).`, stderr)
	rf := addRunFlags(fs, 1)
	quick := fs.Bool("quick", false, "a reduced run: 1000 pendulum sequences, 50% observed, one seed, small models, 20 epochs (3 minutes of CPU; 5 to 7 minutes on 2 cores shared with other jobs)")
	dataName := fs.String("data", "pendulum", "data set: pendulum or periodic")
	observed := fs.String("observed", "", "observed fractions, comma-separated (default 0.1,0.2,0.5; with --quick, 0.5)")
	models := fs.String("model", "all", "models: rnn, gru, latent-ode, comma-separated, or all")
	methods := fs.String("method", "all", "gradient methods of the latent ODE: naive, adjoint, aca, comma-separated, or all")
	seeds := fs.String("seeds", "", "comma-separated seeds, one run of everything each (default 1,2,3; with --quick, --seed)")
	epochs := fs.Int("epochs", 0, "training epochs (0: the default, 30; 20 with --quick)")
	batch := fs.Int("batch", 50, "sequences per batch")
	lr := fs.Float64("lr", 0.01, "Adam's learning rate (decayed by 0.999 per step)")
	solver := fs.String("solver", "dopri5", "the latent ODE's adaptive solver ("+strings.Join(adaptiveSolverNames(), ", ")+")")
	rtol := fs.Float64("rtol", 1e-3, "the latent ODE's relative tolerance")
	atol := fs.Float64("atol", 1e-4, "the latent ODE's absolute tolerance")
	sequences := fs.Int("sequences", 0, "pendulum sequences to generate, 80% train (0: 10000; 1000 with --quick)")
	modes := fs.Int("modes", latentdata.DefaultPendulum().Modes, "pendulum initial states in the N slowest normal modes of the chain (1 to 7; 0: every angle and rate independent, whose fast modes no model here learns)")
	cache := fs.String("cache", "", "pendulum cache file (default runs/cache/pendulum-N-modesK.bin, or pendulum-N.bin with --modes 0; regenerated if made with other parameters)")
	resume := fs.String("resume", "", "continue the stopped run in this folder with its recorded configuration (only --quiet, --json and --cache may be given with it): finished runs are kept, the unfinished one continues from its last epoch")
	if st := parse(fs, args); st >= 0 {
		return st
	}
	var setup latentSetup
	if *resume != "" {
		// The run's settings are its config.json's: a flag that would
		// change them is refused rather than ignored. (--epochs cannot
		// extend a resumed run: its finished runs' checkpoints are gone.)
		config := filepath.Join(*resume, "config.json")
		refused := ""
		fs.Visit(func(f *flag.Flag) {
			if refused == "" && f.Name != "resume" && f.Name != "quiet" && f.Name != "json" && f.Name != "cache" {
				refused = f.Name
			}
		})
		if refused != "" {
			return usageError(stderr, "latent", refused, "cannot be given with --resume: the run's settings are in %s", config)
		}
		b, err := os.ReadFile(config)
		if err != nil {
			return usageError(stderr, "latent", "resume", "%v", err)
		}
		if err := json.Unmarshal(b, &setup); err != nil {
			return usageError(stderr, "latent", "resume", "%s: %v", config, err)
		}
		if field, err := setup.check(); err != nil {
			return usageError(stderr, "latent", "resume", "%s: %q: %v", config, field, err)
		}
	} else {
		st, code := latentFlags(stderr, latentFlagValues{*quick, *dataName, *observed, *models, *methods, *seeds, *rf.seed, *epochs, *batch, *lr, *solver, *rtol, *atol, *sequences, *modes})
		if code >= 0 {
			return code
		}
		setup = st
	}
	c, err := setup.config()
	if err != nil { // checked above
		return usageError(stderr, "latent", "resume", "%v", err)
	}
	if onlyValidate() {
		return 0
	}
	cachePath := *cache
	if cachePath == "" {
		name := fmt.Sprintf("pendulum-%d.bin", setup.Pendulum.Sequences)
		if setup.Pendulum.Modes > 0 {
			name = fmt.Sprintf("pendulum-%d-modes%d.bin", setup.Pendulum.Sequences, setup.Pendulum.Modes)
		}
		cachePath = filepath.Join("runs", "cache", name)
	}

	var dir *runDir
	skip := map[string]bool{}
	if *resume != "" {
		dir = &runDir{path: *resume}
		rows, err := readLatentRows(dir.file("results.jsonl"))
		if err != nil {
			fmt.Fprintf(stderr, "aca latent: %v\n", err)
			return 1
		}
		for _, r := range rows {
			dir.lines = append(dir.lines, r)
			skip[r.Key()] = true
		}
	} else {
		if dir, err = makeRunDir("latent", *rf.out); err != nil {
			fmt.Fprintf(stderr, "aca latent: %v\n", err)
			return 2
		}
		if err := dir.writeJSON("config.json", setup); err != nil {
			fmt.Fprintf(stderr, "aca latent: %v\n", err)
			dir.remove()
			return 1
		}
	}
	ctx, intr := interruptContext(context.Background())
	defer intr.stop()
	// stopped ends a failed or interrupted run. With a finished row or an
	// epoch checkpoint the folder stays, with a STOPPED note, for --resume;
	// a new run with neither leaves no folder.
	stopped := func(err error, metrics any) int {
		ckpts, _ := filepath.Glob(filepath.Join(dir.path, "checkpoint-*.safetensors"))
		if len(dir.lines) == 0 && len(ckpts) == 0 {
			if *resume == "" {
				os.Remove(dir.file("config.json")) // so that the folder is empty and goes
			}
			return stopRun(stderr, "latent", dir, intr, err, metrics)
		}
		hint := fmt.Sprintf("aca latent --resume %s continues it", dir.path)
		kept := fmt.Sprintf("the unfinished one's epoch checkpoint is in this folder: %s", hint)
		where := fmt.Sprintf("the unfinished one's checkpoint is in %s (%s)", dir.path, hint)
		// A checkpoint that cannot be loaded stops every --resume at the
		// same place: the run it holds has to start again.
		var ce *experiments.CheckpointError
		if errors.As(err, &ce) {
			hint = fmt.Sprintf("the checkpoint %s cannot be read, so no --resume can continue its run: move the file aside, and aca latent --resume %s starts that run again from scratch", ce.Path, dir.path)
			kept, where = hint, hint
		}
		if len(dir.lines) > 0 {
			fmt.Fprintf(stderr, "aca latent: %s\n", hint)
			return stopRun(stderr, "latent", dir, intr, err, metrics)
		}
		if intr.signal() == nil {
			fmt.Fprintf(stderr, "aca latent: %v\n", err)
		}
		note := fmt.Sprintf("This run stopped before it finished: %s\nNo run finished; %s.\n", stopReason(intr, err), kept)
		if werr := plot.WriteFileAtomic(dir.file("STOPPED"), []byte(note)); werr != nil {
			fmt.Fprintf(stderr, "aca latent: %v\n", werr)
		}
		what := "no run finished; " + where
		if intr.signal() != nil {
			return intr.exit(stderr, "latent", what)
		}
		fmt.Fprintf(stderr, "aca latent: %s\n", what)
		return 1
	}

	set, err := loadLatentData(ctx, stderr, setup, cachePath, *rf.quiet)
	if err != nil {
		return stopped(err, nil)
	}
	ntr, _ := set.Len()
	bar := progress.NewWork(stderr, "latent", c.LatentWork(ntr, skip), *rf.quiet)
	var werr error
	res, err := experiments.RunLatentCheckpointed(ctx, set, c, skip, dir.path, bar.Add, func(r experiments.LatentRow) {
		if e := dir.result(stdout, *rf.json, r); e != nil && werr == nil {
			werr = e
		}
		// Keep results.jsonl current, so that a crash loses one run at most.
		if e := dir.writeResults(); e != nil && werr == nil {
			werr = e
		}
	})
	bar.Done()
	all := latentRows(dir)
	metrics := map[string]any{"command": "latent", "config": setup, "summary": experiments.SummarizeLatent(all), "rows": all}
	if code, done := conclude(stderr, "latent", dir, intr, err, werr, metrics, stopped); done {
		return code
	}
	os.Remove(dir.file("STOPPED")) // a resumed run that now finished
	if !*rf.json {
		fmt.Fprintln(stdout, latentTable(experiments.SummarizeLatent(all), c, setup))
	}
	wrote := []string{dir.file("metrics.json"), dir.file("results.jsonl")}
	if err := latentPlot(dir.file("latent.png"), set, res, c); err != nil {
		plotWarning(stderr, "latent", "latent.png", err)
	} else {
		wrote = append(wrote, dir.file("latent.png"))
	}
	reportWritten(stdout, stderr, "latent", *rf.json, dir, wrote)
	return 0
}

// latentFlagValues are the parsed flags a setup is made from.
type latentFlagValues struct {
	quick                                  bool
	data, observed, models, methods, seeds string
	seed                                   uint64
	epochs, batch                          int
	lr                                     float64
	solver                                 string
	rtol, atol                             float64
	sequences, modes                       int
}

// latentFlags validates the flags and returns the setup, or the exit
// status (2) after reporting a bad flag, or −1 with the setup.
func latentFlags(stderr io.Writer, f latentFlagValues) (latentSetup, int) {
	bad := func(flag, format string, a ...any) (latentSetup, int) {
		return latentSetup{}, usageError(stderr, "latent", flag, format, a...)
	}
	c := experiments.DefaultLatent()
	s := latentSetup{Data: f.data, Pendulum: latentdata.DefaultPendulum(), Periodic: latentdata.DefaultPeriodic(), Quick: f.quick}
	if f.quick {
		c = experiments.QuickLatent()
		c.Seeds = []uint64{f.seed}
		s.Pendulum.Sequences = quickSequences
	}
	switch f.data {
	case "pendulum", "periodic":
	default:
		return bad("data", "%q is not a data set (pendulum or periodic)", f.data)
	}
	if f.sequences < 0 || f.sequences > maxLatentSequences {
		return bad("sequences", "must be between 0 (the default) and %d, got %d", maxLatentSequences, f.sequences)
	}
	if f.sequences > 0 {
		if f.sequences < 2 {
			return bad("sequences", "must be at least 2 (training and test), got %d", f.sequences)
		}
		s.Pendulum.Sequences, s.Periodic.Sequences = f.sequences, f.sequences
	}
	if f.modes < 0 || f.modes > s.Pendulum.Links {
		return bad("modes", "must be between 0 (independent angles) and %d (the links), got %d", s.Pendulum.Links, f.modes)
	}
	s.Pendulum.Modes = f.modes
	if f.observed != "" {
		obs, err := floatList(f.observed)
		if err != nil {
			return bad("observed", "%v", err)
		}
		for _, v := range obs {
			if !(v > 0 && v <= 1) {
				return bad("observed", "%g is not a fraction in (0, 1]", v)
			}
		}
		c.Observed = obs
	}
	if strings.TrimSpace(f.models) == "all" {
		c.Models = experiments.LatentModels
	} else {
		c.Models = nil
		for _, m := range strings.Split(f.models, ",") {
			m = strings.TrimSpace(m)
			if m != "rnn" && m != "gru" && m != "latent-ode" {
				return bad("model", "%q is not a model (rnn, gru, latent-ode or all)", m)
			}
			c.Models = append(c.Models, m)
		}
	}
	var err error
	if c.Methods, err = methodList(f.methods); err != nil {
		return bad("method", "%v", err)
	}
	if f.seeds != "" {
		if c.Seeds, err = parseSeeds(f.seeds); err != nil {
			return bad("seeds", "%v", err)
		}
	}
	if f.epochs < 0 || f.epochs > maxEpochs {
		return bad("epochs", "must be between 0 (the default) and %d, got %d", maxEpochs, f.epochs)
	}
	if f.epochs > 0 {
		c.Epochs = f.epochs
	}
	if f.batch < 1 || f.batch > maxLatentBatch {
		return bad("batch", "must be between 1 and %d, got %d", maxLatentBatch, f.batch)
	}
	c.Batch = f.batch
	if !(f.lr > 0) || math.IsInf(f.lr, 0) {
		return bad("lr", "must be a positive number, got %g", f.lr)
	}
	c.LR = f.lr
	if _, err := adaptiveSolverFlag(f.solver, latentSolvers); err != nil {
		return bad("solver", "%v", err)
	}
	if st := checkTols(stderr, "latent", f.rtol, f.atol); st >= 0 {
		return latentSetup{}, st
	}
	s.Observed, s.Models, s.Methods, s.Seeds = c.Observed, c.Models, c.Methods, c.Seeds
	s.Epochs, s.Batch, s.LR = c.Epochs, c.Batch, c.LR
	s.Solver, s.RTol, s.ATol = f.solver, f.rtol, f.atol
	s.Sizes, s.MaskSeed, s.TrainLimit, s.TestLimit = c.Sizes, c.MaskSeed, c.TrainLimit, c.TestLimit
	if _, err := s.config(); err != nil {
		// Name the flag the configuration error is about.
		flag := "model"
		for _, f := range []struct{ word, flag string }{{"observed", "observed"}, {"method", "method"}, {"seed", "seeds"}} {
			if strings.Contains(err.Error(), f.word) {
				flag = f.flag
				break
			}
		}
		return bad(flag, "%v", err)
	}
	return s, -1
}

// loadLatentData makes the data set: the pendulum set from its cache (or
// generated, with a progress bar, and cached), or the periodic set.
func loadLatentData(ctx context.Context, stderr io.Writer, s latentSetup, cachePath string, quiet bool) (*latentdata.Set, error) {
	if s.Data == "periodic" {
		return latentdata.Periodic(s.Periodic)
	}
	if err := os.MkdirAll(filepath.Dir(cachePath), 0o755); err != nil {
		return nil, err
	}
	bar := progress.New(stderr, "pendulum data", s.Pendulum.Sequences, quiet)
	last := 0
	set, generated, err := latentdata.LoadOrGenerate(ctx, cachePath, s.Pendulum, func(done int) {
		bar.Add(done - last)
		last = done
	})
	bar.Done()
	if err == nil && generated && !quiet {
		fmt.Fprintf(stderr, "aca latent: generated %d pendulum sequences into %s\n", s.Pendulum.Sequences, cachePath)
	}
	return set, err
}

// readLatentRows reads the rows of a results.jsonl (for --resume; a missing
// file has none).
func readLatentRows(path string) ([]experiments.LatentRow, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rows []experiments.LatentRow
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<24)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r experiments.LatentRow
		if err := jsonx.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s: line %d: %v", path, n, err)
		}
		rows = append(rows, r)
	}
	return rows, sc.Err()
}

// latentRows returns the rows the run folder holds (resumed and new).
func latentRows(dir *runDir) []experiments.LatentRow {
	var out []experiments.LatentRow
	for _, l := range dir.lines {
		if r, ok := l.(experiments.LatentRow); ok {
			out = append(out, r)
		}
	}
	return out
}

// latentLabel names a model and method as Table 4 does.
func latentLabel(model, method string) string {
	switch model {
	case "rnn":
		return "RNN-Δt"
	case "gru":
		return "GRU-Δt"
	}
	return "Latent ODE (" + method + ")"
}

// latentTable renders the summary in the shape of the paper's Table 4 and
// a table of time and NFE per epoch.
func latentTable(sum []experiments.LatentSummary, c experiments.LatentConfig, s latentSetup) string {
	var b strings.Builder
	type key struct{ model, method string }
	var order []key
	cells := map[key]map[float64]experiments.LatentSummary{}
	for _, x := range sum {
		k := key{x.Model, x.Method}
		if cells[k] == nil {
			order = append(order, k)
			cells[k] = map[float64]experiments.LatentSummary{}
		}
		cells[k][x.Observed] = x
	}
	header := []string{"MODEL"}
	for _, f := range c.Observed {
		header = append(header, fmt.Sprintf("%g%% OBSERVED", 100*f))
	}
	var rows, trows [][]string
	for _, k := range order {
		row := []string{latentLabel(k.model, k.method)}
		secs, nf, nb, n := 0.0, 0.0, 0.0, 0
		for _, f := range c.Observed {
			x, ok := cells[k][f]
			if !ok {
				row = append(row, "-")
				continue
			}
			if x.Runs > 1 {
				row = append(row, fmt.Sprintf("%.3f ± %.3f", 100*x.TestMean, 100*x.TestStd))
			} else {
				row = append(row, fmt.Sprintf("%.3f", 100*x.TestMean))
			}
			secs, nf, nb, n = secs+x.SecondsPerEpoch, nf+x.NFEForward, nb+x.NFEBackward, n+1
		}
		rows = append(rows, row)
		if n > 0 {
			nfe := "-"
			if nf > 0 {
				nfe = fmt.Sprintf("%.0f / %.0f", nf/float64(n), nb/float64(n))
			}
			trows = append(trows, []string{latentLabel(k.model, k.method), fmt.Sprintf("%.2f", secs/float64(n)), nfe})
		}
	}
	fmt.Fprintf(&b, "Test interpolation MSE ×1e-2 over all %s times (data scaled to [0, 1]):\n\n", s.Data)
	table(&b, header, rows)
	if len(c.Seeds) > 1 {
		fmt.Fprintf(&b, "\nMean ± sample std over %d seeds.\n", len(c.Seeds))
	} else {
		b.WriteString("\nOne seed, so no spread (--seeds a,b,… for several).\n")
	}
	b.WriteString("\n")
	table(&b, []string{"MODEL", "SECONDS / EPOCH", "NFE / EPOCH (FORWARD / BACKWARD)"}, trows)
	if s.Quick {
		b.WriteString("\n--quick: small models and few epochs; the ranking is indicative only. Run without --quick for Table 4.")
	}
	return b.String()
}

// latentPlot draws, for the first fraction and seed, each model's
// reconstruction of the first test sequences: one row of panels per model
// (the latent ODE once per method), one column per sequence, up to two
// dimensions per panel (solid: truth, dashed: reconstruction, dots: the
// observed points).
func latentPlot(path string, set *latentdata.Set, rows []experiments.LatentRow, c experiments.LatentConfig) error {
	var figs []*plot.Figure
	cols := 0
	dims := min(2, set.Dim)
	T := len(set.Times)
	for _, r := range rows {
		if r.Observed != c.Observed[0] || r.Seed != c.Seeds[0] || len(r.Examples) == 0 {
			continue
		}
		cols = max(cols, len(r.Examples))
		for _, ex := range r.Examples {
			truth := set.Sequence(set.Test, ex.Index)
			// The plot font has no Δ.
			label := strings.ReplaceAll(latentLabel(r.Model, r.Method), "Δ", "d")
			f := &plot.Figure{Title: fmt.Sprintf("%s, test sequence %d", label, ex.Index), XLabel: "t", YLabel: "scaled value", Width: 420, Height: 280}
			for d := range dims {
				tr := plot.Series{Colour: d + 1}
				pr := plot.Series{Colour: d + 1, Dashed: true}
				ob := plot.Series{Colour: d + 1, NoLine: true}
				if d == 0 {
					tr.Name, pr.Name, ob.Name = "truth", "reconstruction", "observed"
				}
				for i := range T {
					tr.X, tr.Y = append(tr.X, set.Times[i]), append(tr.Y, truth[i*set.Dim+d])
					pr.X, pr.Y = append(pr.X, set.Times[i]), append(pr.Y, ex.Pred[i*set.Dim+d])
					if ex.Observed[i] {
						ob.X, ob.Y = append(ob.X, set.Times[i]), append(ob.Y, truth[i*set.Dim+d])
					}
				}
				f.Series = append(f.Series, tr, pr, ob)
			}
			figs = append(figs, f)
		}
	}
	if len(figs) == 0 {
		return errors.New("no reconstructions to draw (the runs were finished before a --resume)")
	}
	return plot.SaveGridPNG(path, figs, cols)
}
