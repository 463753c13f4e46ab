package experiments

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/acaode/aca/internal/atomicfile"
	"github.com/acaode/aca/internal/jsonx"
	"github.com/acaode/aca/stats"
)

// Files of a run folder.
const (
	// RunRecordFile is a run's record (ClassifyRecord as JSON), rewritten
	// after every epoch.
	RunRecordFile = "run.json"
	// PredictionsFile holds a finished run's test-set probabilities (see
	// WritePredictions).
	PredictionsFile = "predictions.csv"
	// CheckpointFile is a run's checkpoint (train.Save's format).
	CheckpointFile = "checkpoint.safetensors"
	// RunRecordFormat identifies run.json's format.
	RunRecordFormat = "aca-classify-run-1"
)

// ClassifyRecord is what run.json holds: the run's configuration, its
// epochs so far and, once Status is "done", its final results.
type ClassifyRecord struct {
	Format string `json:"format"`
	// Status is "running" (epochs under way or interrupted) or "done".
	Status string `json:"status"`
	// Host is the machine the run was made on, for merged reports.
	Host string `json:"host,omitempty"`
	// CPU, SIMD and BLAS describe the machine and build that last started
	// or resumed the run (cpuinfo.Name, tensor.SIMD, tensor.BLAS), so that
	// its times say where they were measured.
	CPU  string `json:"cpu,omitempty"`
	SIMD string `json:"simd,omitempty"`
	BLAS string `json:"blas,omitempty"`
	ClassifyResult
}

// WriteRecord writes rec to dir/run.json atomically. A non-finite number
// is written as "NaN", "Inf" or "-Inf" (see internal/jsonx), which
// ReadRecord reads back.
func WriteRecord(dir string, rec *ClassifyRecord) error {
	rec.Format = RunRecordFormat
	b, err := jsonx.Marshal(rec, true)
	if err != nil {
		return fmt.Errorf("classify: %s: %v", filepath.Join(dir, RunRecordFile), err)
	}
	return atomicfile.WriteFile(filepath.Join(dir, RunRecordFile), append(b, '\n'))
}

// ReadRecord reads dir/run.json.
func ReadRecord(dir string) (*ClassifyRecord, error) {
	path := filepath.Join(dir, RunRecordFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rec ClassifyRecord
	if err := jsonx.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if rec.Format != RunRecordFormat {
		return nil, fmt.Errorf("%s: format %q, want %q", path, rec.Format, RunRecordFormat)
	}
	return &rec, nil
}

// WritePredictions writes p to path atomically as CSV: a header line
// "index,label,p0,p1,…,p(K−1)" and a line per test image with its index in
// the full test set, its true label and its K class probabilities (each
// the shortest decimal that reads back to the same float32).
func WritePredictions(path string, p *Predictions) error {
	var b bytes.Buffer
	k := 0
	if len(p.Probs) > 0 {
		k = len(p.Probs[0])
	}
	b.WriteString("index,label")
	for j := range k {
		fmt.Fprintf(&b, ",p%d", j)
	}
	b.WriteByte('\n')
	for i := range p.Index {
		if len(p.Probs[i]) != k {
			return fmt.Errorf("classify: predictions row %d has %d probabilities, want %d", i, len(p.Probs[i]), k)
		}
		b.WriteString(strconv.Itoa(p.Index[i]))
		b.WriteByte(',')
		b.WriteString(strconv.Itoa(p.Label[i]))
		for _, v := range p.Probs[i] {
			b.WriteByte(',')
			b.WriteString(strconv.FormatFloat(v, 'g', -1, 32))
		}
		b.WriteByte('\n')
	}
	return atomicfile.WriteFile(path, b.Bytes())
}

// ReadPredictions reads a file WritePredictions wrote, checking its
// header, its field counts, the labels against the number of classes and
// that every probability is a number in [0, 1]. A path ending in .gz is
// read through gzip (runs archived to save space).
func ReadPredictions(path string) (*Predictions, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		defer zr.Close()
		r = zr
	}
	// The whole file first (it is small: a line per test image), so that
	// a damaged gzip stream is reported as such rather than as the broken
	// line it ends in.
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %v (damaged or cut short)", path, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	bad := func(line int, format string, a ...any) error {
		return fmt.Errorf("%s:%d: %s", path, line, fmt.Sprintf(format, a...))
	}
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		return nil, bad(1, "empty file, want the header index,label,p0,…")
	}
	head := strings.Split(strings.TrimSpace(sc.Text()), ",")
	k := len(head) - 2
	if k < 1 || head[0] != "index" || head[1] != "label" {
		return nil, bad(1, "header %q, want index,label,p0,…", sc.Text())
	}
	for j := range k {
		if head[2+j] != "p"+strconv.Itoa(j) {
			return nil, bad(1, "column %d is %q, want p%d", 3+j, head[2+j], j)
		}
	}
	p := &Predictions{}
	seen := map[int]bool{}
	for line := 2; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		fs := strings.Split(s, ",")
		if len(fs) != k+2 {
			return nil, bad(line, "%d fields, want %d", len(fs), k+2)
		}
		idx, err1 := strconv.Atoi(fs[0])
		lab, err2 := strconv.Atoi(fs[1])
		if err1 != nil || err2 != nil || idx < 0 || lab < 0 || lab >= k {
			return nil, bad(line, "index %q and label %q: want a non-negative index and a label in 0..%d", fs[0], fs[1], k-1)
		}
		if seen[idx] {
			return nil, bad(line, "index %d appears twice", idx)
		}
		seen[idx] = true
		row := make([]float64, k)
		for j := range k {
			v, err := strconv.ParseFloat(fs[2+j], 64)
			if err != nil || !(v >= 0 && v <= 1) {
				return nil, bad(line, "p%d = %q is not a probability", j, fs[2+j])
			}
			row[j] = v
		}
		// A softmax's outputs sum to 1 up to float32 rounding.
		sum := 0.0
		for _, v := range row {
			sum += v
		}
		if math.Abs(sum-1) > 1e-3 {
			return nil, bad(line, "the probabilities sum to %g, not 1", sum)
		}
		p.Index, p.Label, p.Probs = append(p.Index, idx), append(p.Label, lab), append(p.Probs, row)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return p, nil
}

// ClassifyRunFiles is one finished run as read from its folder.
type ClassifyRunFiles struct {
	Dir    string
	Record *ClassifyRecord
	Pred   *Predictions
}

// FindClassifyRuns returns the run folders (folders holding run.json) at or
// below each of roots, at most three levels down, sorted and without
// duplicates. A root that does not exist is an error; so is finding none.
func FindClassifyRuns(roots []string) ([]string, error) {
	set := map[string]bool{}
	var walk func(dir string, depth int) error
	walk = func(dir string, depth int) error {
		if _, err := os.Stat(filepath.Join(dir, RunRecordFile)); err == nil {
			abs, _ := filepath.Abs(dir)
			set[abs] = true
			return nil
		}
		if depth == 3 {
			return nil
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if e.IsDir() {
				if err := walk(filepath.Join(dir, e.Name()), depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, r := range roots {
		if _, err := os.Stat(r); err != nil {
			return nil, err
		}
		if err := walk(r, 0); err != nil {
			return nil, err
		}
	}
	if len(set) == 0 {
		return nil, fmt.Errorf("classify: no run folders (folders with %s) in %s", RunRecordFile, strings.Join(roots, ", "))
	}
	out := make([]string, 0, len(set))
	for d := range set {
		out = append(out, d)
	}
	sort.Strings(out)
	return out, nil
}

// LoadClassifyRun reads a finished run's record and predictions: the
// folder's predictions.csv, or predictions.csv.gz where only that is there
// (a run archived with gzip).
func LoadClassifyRun(dir string) (*ClassifyRunFiles, error) {
	rec, err := ReadRecord(dir)
	if err != nil {
		return nil, err
	}
	if rec.Status != "done" {
		return nil, fmt.Errorf("classify: %s: run not finished (status %q); finish it with --resume", dir, rec.Status)
	}
	path := filepath.Join(dir, PredictionsFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if _, err := os.Stat(path + ".gz"); err != nil {
			return nil, fmt.Errorf("classify: %s: no %s (or %s.gz): the run's test-set predictions are missing", dir, PredictionsFile, PredictionsFile)
		}
		path += ".gz" // an archived run (gzip -9 predictions.csv)
	}
	if err := rec.check(); err != nil {
		return nil, fmt.Errorf("classify: %s: %v", filepath.Join(dir, RunRecordFile), err)
	}
	pred, err := ReadPredictions(path)
	if err != nil {
		return nil, err
	}
	// The record's accuracy was counted on these very probabilities (the
	// file holds them to the bit), so the two agree exactly unless the
	// file lost rows or came from another run.
	if acc := pred.accuracy(); math.Abs(acc-rec.TestAcc) > 1e-9 {
		return nil, fmt.Errorf("classify: %s: its %d rows give a test accuracy of %.4f, but %s says %.4f: the file is incomplete or belongs to another run", path, len(pred.Index), acc, RunRecordFile, rec.TestAcc)
	}
	return &ClassifyRunFiles{Dir: dir, Record: rec, Pred: pred}, nil
}

// check reports a finished run's record that the report cannot use: a
// configuration that could not have run, a test accuracy that is not a
// fraction, or no epochs.
func (rec *ClassifyRecord) check() error {
	if err := rec.Config.Validate(); err != nil {
		return err
	}
	if !(rec.TestAcc >= 0 && rec.TestAcc <= 1) {
		return fmt.Errorf("test_acc %v: want a fraction in [0, 1]", rec.TestAcc)
	}
	if len(rec.Epochs) == 0 {
		return errors.New("no epochs")
	}
	for _, e := range rec.Epochs {
		if !(e.TestAcc >= 0 && e.TestAcc <= 1) {
			return fmt.Errorf("epoch %d: test_acc %v: want a fraction in [0, 1]", e.Epoch, e.TestAcc)
		}
	}
	return nil
}

// accuracy is the fraction of rows whose most probable class (the first,
// on ties) is the label, as RunClassify counts it.
func (p *Predictions) accuracy() float64 {
	correct := 0
	for i, row := range p.Probs {
		if argmax(row) == p.Label[i] {
			correct++
		}
	}
	return float64(correct) / float64(max(len(p.Probs), 1))
}

// ClassifyReport merges finished runs: the paper's Fig. 7 (accuracy
// against epoch and time, the distribution of final accuracy), Table 2
// (the solver swap) and Table 3 (test-retest ICC).
type ClassifyReport struct {
	Data     string               `json:"data"`
	Runs     []ClassifyRunSummary `json:"runs"`
	Curves   []ClassifyCurve      `json:"curves"`
	Accuracy []AccuracySummary    `json:"accuracy"`
	Swap     []SwapSummary        `json:"swap"`
	ICC      []ICCRow             `json:"icc"`
	Notes    []string             `json:"notes,omitempty"`
}

// ClassifyRunSummary is one run in a report.
type ClassifyRunSummary struct {
	Label   string  `json:"label"`
	Run     int     `json:"run"`
	Seed    uint64  `json:"seed"`
	Dir     string  `json:"dir"`
	Host    string  `json:"host,omitempty"`
	Epochs  int     `json:"epochs"`
	TestAcc float64 `json:"test_acc"`
	// SecondsPerEpoch is the mean training wall time of an epoch; the NFE
	// and memory figures are the means (NFE) and maxima (bytes) over its
	// epochs.
	SecondsPerEpoch float64 `json:"seconds_per_epoch"`
	NFEForward      float64 `json:"nfe_forward"`
	NFEBackward     float64 `json:"nfe_backward"`
	GraphPeakBytes  int64   `json:"graph_peak_bytes"`
	MaxRSSBytes     int64   `json:"max_rss_bytes"`
	// ACAMemory is ACA's memory budget per ODE block in the run's last
	// epoch (ClassifyEpoch.ACAMemory).
	ACAMemory int64 `json:"aca_memory,omitempty"`
}

// ClassifyCurve is test accuracy against epoch for one model and method:
// the mean, min and max over the runs at each epoch, and the mean
// cumulative training time at that epoch (Fig. 7a and b).
type ClassifyCurve struct {
	Label   string    `json:"label"`
	Epoch   []int     `json:"epoch"`
	Runs    []int     `json:"runs"`
	Mean    []float64 `json:"mean"`
	Min     []float64 `json:"min"`
	Max     []float64 `json:"max"`
	Seconds []float64 `json:"seconds"`
}

// AccuracySummary is the distribution of final test accuracy over the
// runs of one model and method (Fig. 7c and d).
type AccuracySummary struct {
	Label  string    `json:"label"`
	Runs   int       `json:"runs"`
	Mean   float64   `json:"mean"`
	Std    float64   `json:"std"` // sample standard deviation (0 for one run)
	Min    float64   `json:"min"`
	Max    float64   `json:"max"`
	Values []float64 `json:"values"`
}

// SwapSummary is one solver of the solver swap over the runs of a NODE.
type SwapSummary struct {
	Label string `json:"label"`
	SwapSolver
	Trained bool    `json:"trained"`
	Runs    int     `json:"runs"`
	ErrMean float64 `json:"error_mean"`
	ErrStd  float64 `json:"error_std"`
	NFEMean float64 `json:"nfe_mean"`
	Failed  int     `json:"failed"`
}

// ICCRow is test-retest reliability over the runs of one model and method
// (raters = runs, subjects = test images, rating = the probability the run
// gives the true class), on all test images ("all") or on those at least
// one run misclassifies ("misclassified"), as psych::ICC computes ICC1
// and ICC1k with their F-based 95% intervals.
type ICCRow struct {
	Label  string `json:"label"`
	Subset string `json:"subset"`
	Images int    `json:"images"`
	Raters int    `json:"raters"`
	stats.ICCResult
	Note string `json:"note,omitempty"`
}

// MergeClassify builds the report of runs. Every run must be on the same
// data set and test images; two runs of the same model, method and seed
// are an error (a run merged twice would inflate the ICC).
func MergeClassify(runs []*ClassifyRunFiles) (*ClassifyReport, error) {
	if len(runs) == 0 {
		return nil, errors.New("classify: no runs to merge")
	}
	rep := &ClassifyReport{Data: runs[0].Record.Config.Data}
	seen := map[string]string{}
	byLabel := map[string][]*ClassifyRunFiles{}
	var labels []string
	for _, r := range runs {
		c := r.Record.Config
		if c.Data != rep.Data {
			return nil, fmt.Errorf("classify: %s is on %s, %s on %s: merge runs of one data set", r.Dir, c.Data, runs[0].Dir, rep.Data)
		}
		key := fmt.Sprintf("%s seed %d", c.Label(), c.Seed)
		if d, ok := seen[key]; ok {
			return nil, fmt.Errorf("classify: %s and %s are both %s: a run is merged once", d, r.Dir, key)
		}
		seen[key] = r.Dir
		if _, ok := byLabel[c.Label()]; !ok {
			labels = append(labels, c.Label())
		}
		byLabel[c.Label()] = append(byLabel[c.Label()], r)
	}
	sort.Slice(labels, func(i, j int) bool { return labelOrder(labels[i]) < labelOrder(labels[j]) })
	for _, l := range labels {
		rs := byLabel[l]
		sort.Slice(rs, func(i, j int) bool { return rs[i].Record.Config.Seed < rs[j].Record.Config.Seed })
		for _, r := range rs[1:] {
			if a, b := configJSON(sansRun(rs[0].Record.Config)), configJSON(sansRun(r.Record.Config)); a != b {
				rep.Notes = append(rep.Notes, fmt.Sprintf("%s: %s and %s were trained with different settings", l, rs[0].Dir, r.Dir))
			}
		}
		// ACA's memory budget changes no result but the time, NFE and
		// memory figures, which the report averages over the runs.
		budgets := map[int64]bool{}
		for _, r := range rs {
			for _, e := range r.Record.Epochs {
				budgets[e.ACAMemory] = true
			}
		}
		if len(budgets) > 1 {
			var bs []string
			for b := range budgets {
				bs = append(bs, formatBudget(b))
			}
			sort.Strings(bs)
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: epochs trained with different ACA memory budgets (%s): its time, NFE and memory figures mix them", l, strings.Join(bs, ", ")))
		}
		rep.Runs = append(rep.Runs, summarizeRuns(rs)...)
		rep.Curves = append(rep.Curves, curve(l, rs))
		rep.Accuracy = append(rep.Accuracy, accuracy(l, rs))
		rep.Swap = append(rep.Swap, swapSummary(l, rs)...)
		rows, err := iccRows(l, rs)
		if err != nil {
			return nil, err
		}
		most := 0
		for _, r := range rs {
			most = max(most, len(r.Pred.Index))
		}
		if len(rows) > 0 && rows[0].Images < most {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: the ICC is over the %d test images every run predicted, of up to %d in one run (runs on different test subsets?)", l, rows[0].Images, most))
		}
		rep.ICC = append(rep.ICC, rows...)
	}
	return rep, nil
}

// labelOrder sorts NODE-ACA, adjoint, naive, then ResNet, then others.
func labelOrder(l string) string {
	for i, k := range []string{"node-aca", "node-adjoint", "node-naive", "resnet"} {
		if l == k {
			return strconv.Itoa(i)
		}
	}
	return "9" + l
}

func sansRun(c ClassifyConfig) ClassifyConfig {
	c.Seed, c.Run = 0, 0
	return c
}

func summarizeRuns(rs []*ClassifyRunFiles) []ClassifyRunSummary {
	var out []ClassifyRunSummary
	for _, r := range rs {
		c := r.Record.Config
		s := ClassifyRunSummary{Label: c.Label(), Run: c.Run, Seed: c.Seed, Dir: r.Dir, Host: r.Record.Host, Epochs: len(r.Record.Epochs), TestAcc: r.Record.TestAcc}
		for _, e := range r.Record.Epochs {
			s.SecondsPerEpoch += e.Seconds
			s.NFEForward += e.NFEForward
			s.NFEBackward += e.NFEBackward
			s.GraphPeakBytes = max(s.GraphPeakBytes, e.GraphPeakBytes)
			s.MaxRSSBytes = max(s.MaxRSSBytes, e.MaxRSSBytes)
			s.ACAMemory = e.ACAMemory
		}
		if n := float64(len(r.Record.Epochs)); n > 0 {
			s.SecondsPerEpoch /= n
			s.NFEForward /= n
			s.NFEBackward /= n
		}
		out = append(out, s)
	}
	return out
}

func curve(label string, rs []*ClassifyRunFiles) ClassifyCurve {
	c := ClassifyCurve{Label: label}
	for e := 1; ; e++ {
		var accs, secs []float64
		for _, r := range rs {
			if len(r.Record.Epochs) >= e {
				ep := r.Record.Epochs[e-1]
				accs = append(accs, ep.TestAcc)
				secs = append(secs, ep.TrainSeconds)
			}
		}
		if len(accs) == 0 {
			return c
		}
		m, _ := meanStd(accs)
		s, _ := meanStd(secs)
		c.Epoch = append(c.Epoch, e)
		c.Runs = append(c.Runs, len(accs))
		c.Mean, c.Min, c.Max = append(c.Mean, m), append(c.Min, slices.Min(accs)), append(c.Max, slices.Max(accs))
		c.Seconds = append(c.Seconds, s)
	}
}

func accuracy(label string, rs []*ClassifyRunFiles) AccuracySummary {
	a := AccuracySummary{Label: label, Runs: len(rs)}
	for _, r := range rs {
		a.Values = append(a.Values, r.Record.TestAcc)
	}
	a.Mean, a.Std = meanStd(a.Values)
	a.Min, a.Max = slices.Min(a.Values), slices.Max(a.Values)
	return a
}

func swapSummary(label string, rs []*ClassifyRunFiles) []SwapSummary {
	var out []SwapSummary
	idx := map[string]int{}
	var errs [][]float64
	var nfes [][]float64
	for _, r := range rs {
		for _, row := range r.Record.Swap {
			key := fmt.Sprintf("%s/%d/%g/%g", row.Solver, row.Steps, row.RTol, row.ATol)
			i, ok := idx[key]
			if !ok {
				i = len(out)
				idx[key] = i
				out = append(out, SwapSummary{Label: label, SwapSolver: row.SwapSolver, Trained: row.Trained})
				errs, nfes = append(errs, nil), append(nfes, nil)
			}
			out[i].Runs++
			if row.Err != "" {
				out[i].Failed++
				continue
			}
			errs[i] = append(errs[i], row.ErrorRate)
			nfes[i] = append(nfes[i], row.NFE)
		}
	}
	for i := range out {
		if len(errs[i]) > 0 {
			out[i].ErrMean, out[i].ErrStd = meanStd(errs[i])
			out[i].NFEMean, _ = meanStd(nfes[i])
		} else {
			out[i].ErrMean = 1
		}
	}
	return out
}

// iccRows computes the ICC over the runs of one model on the test images
// every run predicted, and on those at least one run misclassifies.
func iccRows(label string, rs []*ClassifyRunFiles) ([]ICCRow, error) {
	// Test images common to every run, with each run's row for them.
	pos := make([]map[int]int, len(rs))
	for j, r := range rs {
		pos[j] = map[int]int{}
		for i, idx := range r.Pred.Index {
			pos[j][idx] = i
		}
	}
	var common []int
	for _, idx := range rs[0].Pred.Index {
		ok := true
		for j := range rs[1:] {
			if _, in := pos[j+1][idx]; !in {
				ok = false
				break
			}
		}
		if ok {
			common = append(common, idx)
		}
	}
	sort.Ints(common)
	var all, wrong [][]float64
	for _, idx := range common {
		row := make([]float64, len(rs))
		miss := false
		lab := rs[0].Pred.Label[pos[0][idx]]
		for j, r := range rs {
			i := pos[j][idx]
			if r.Pred.Label[i] != lab {
				return nil, fmt.Errorf("classify: test image %d has label %d in %s but %d in %s: the runs are not on the same test set", idx, lab, rs[0].Dir, r.Pred.Label[i], r.Dir)
			}
			p := r.Pred.Probs[i]
			row[j] = p[lab]
			if argmax(p) != lab {
				miss = true
			}
		}
		all = append(all, row)
		if miss {
			wrong = append(wrong, row)
		}
	}
	var out []ICCRow
	for _, s := range []struct {
		name string
		m    [][]float64
	}{{"all", all}, {"misclassified", wrong}} {
		row := ICCRow{Label: label, Subset: s.name, Images: len(s.m), Raters: len(rs)}
		switch {
		case len(rs) < 2:
			row.Note = "needs at least 2 runs"
		case len(s.m) < 2:
			row.Note = "needs at least 2 images"
		default:
			res, err := stats.ICC(s.m)
			if err != nil {
				row.Note = err.Error()
			} else {
				row.ICCResult = res
			}
		}
		out = append(out, row)
	}
	return out, nil
}

func argmax(p []float64) int {
	best := 0
	for j := range p {
		if p[j] > p[best] {
			best = j
		}
	}
	return best
}

// formatBudget writes an ACA memory budget for a note: "all", or bytes.
func formatBudget(b int64) string {
	if b < 0 {
		return "all"
	}
	return fmt.Sprintf("%d bytes", b)
}
