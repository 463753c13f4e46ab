package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/acaode/aca/tensor/blas"
)

// The helper itself: a simulated signal cancels the context and names the
// signal and exit status.
func TestInterruptContext(t *testing.T) {
	ctx, intr := interruptContext(context.Background())
	defer intr.stop()
	if ctx.Err() != nil || intr.signal() != nil {
		t.Fatal("cancelled before any signal")
	}
	intr.cancel(syscall.SIGTERM)
	intr.cancel(os.Interrupt) // the first signal wins
	if !errors.Is(ctx.Err(), context.Canceled) || intr.signal() != syscall.SIGTERM {
		t.Fatalf("after SIGTERM: ctx %v, signal %v", ctx.Err(), intr.signal())
	}
	var b strings.Builder
	if st := intr.exit(&b, "toy", "nothing"); st != 143 || b.String() != "aca toy: interrupted by SIGTERM; nothing\n" {
		t.Errorf("exit: %d %q", st, b.String())
	}
	if signalStatus(os.Interrupt) != 130 {
		t.Errorf("SIGINT: status %d", signalStatus(os.Interrupt))
	}
	intr.stop()
	intr.stop()
}

// buildACA builds the command into a temporary directory.
func buildACA(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("signals are POSIX")
	}
	if testing.Short() {
		t.Skip("builds the binary")
	}
	exe := filepath.Join(t.TempDir(), "aca")
	// The binary must compute what this test binary computes: with the
	// openblas tag when the tests run with it (results compared across
	// the two would otherwise differ in their last bits).
	args := []string{"build", "-o", exe}
	if blas.Default().Name() == "openblas" {
		args = append(args, "-tags", "openblas")
	}
	cmd := exec.Command("go", append(args, ".")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return exe
}

// started is a running aca with its stdout read line by line.
type started struct {
	cmd    *exec.Cmd
	lines  chan string
	stderr *strings.Builder
	mu     *sync.Mutex
}

func startACA(t *testing.T, exe string, args ...string) *started {
	t.Helper()
	cmd := exec.Command(exe, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &started{cmd: cmd, lines: make(chan string, 1<<16), stderr: &strings.Builder{}, mu: &sync.Mutex{}}
	cmd.Stderr = lockedWriter{s.mu, s.stderr}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	return s
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// waitLines waits for n stdout lines (JSON results) and returns them.
func (s *started) waitLines(t *testing.T, n int) []string {
	t.Helper()
	var got []string
	deadline := time.After(5 * time.Minute)
	for len(got) < n {
		select {
		case l, ok := <-s.lines:
			if !ok {
				t.Fatalf("exited after %d lines; stderr: %s", len(got), s.stderr.String())
			}
			got = append(got, l)
		case <-deadline:
			t.Fatalf("no %d result lines in 5 minutes", n)
		}
	}
	return got
}

// wait returns the exit status and stderr, and the stdout lines not read.
func (s *started) wait(t *testing.T) (int, string, []string) {
	t.Helper()
	var rest []string
	for l := range s.lines {
		rest = append(rest, l)
	}
	err := s.cmd.Wait()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return code, s.stderr.String(), rest
}

// checkStoppedRun requires the folder of an interrupted run: a STOPPED
// note naming why, results.jsonl with exactly the results printed, a
// metrics.json saying it stopped, and no temporary file.
func checkStoppedRun(t *testing.T, dir, why string, printed []string) {
	t.Helper()
	note, err := os.ReadFile(filepath.Join(dir, "STOPPED"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(note), why) {
		t.Errorf("STOPPED says %q, not %q", note, why)
	}
	res, err := os.ReadFile(filepath.Join(dir, "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(string(res)), strings.Join(printed, "\n"); got != want {
		t.Errorf("results.jsonl holds\n%s\nbut the run printed\n%s", got, want)
	}
	m, err := os.ReadFile(filepath.Join(dir, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(m), `"stopped": "`+why) {
		t.Errorf("metrics.json does not say it stopped: %.300s", m)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left %s behind", e.Name())
		}
	}
}

// SIGINT and SIGTERM sent to the built binary: it stops at a safe point,
// writes the finished results and a STOPPED note, says so on stderr and
// exits 130 or 143.
func TestSignalsStopRuns(t *testing.T) {
	exe := buildACA(t)
	for _, tc := range []struct {
		name string
		sig  syscall.Signal
		want int
		args []string
	}{
		{"toy SIGINT", syscall.SIGINT, 130, []string{"toy", "--k", "-1", "--T", "1:100000", "--method", "naive"}},
		{"toy SIGTERM", syscall.SIGTERM, 143, []string{"toy", "--k", "-1", "--T", "1:100000", "--method", "aca"}},
		{"threebody SIGTERM", syscall.SIGTERM, 143, []string{"threebody", "--quick", "--method", "naive", "--node-epochs", "100000"}},
		{"reverse SIGINT", syscall.SIGINT, 130, []string{"reverse", "--rtol", "1e-3,1e-3,1e-3,1e-3,1e-3,1e-3,1e-3,1e-3,1e-3,1e-3,1e-3,1e-3", "--atol", "1e-6,1e-6,1e-6,1e-6,1e-6,1e-6,1e-6,1e-6,1e-6,1e-6,1e-6,1e-6", "--T", "2000", "--image-dir", t.TempDir()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			s := startACA(t, exe, append(tc.args, "--json", "--quiet", "--out", dir)...)
			first := s.waitLines(t, 1)
			if err := s.cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			code, errOut, rest := s.wait(t)
			if code != tc.want {
				t.Errorf("status %d, want %d; stderr %s", code, tc.want, errOut)
			}
			name := map[syscall.Signal]string{syscall.SIGINT: "SIGINT", syscall.SIGTERM: "SIGTERM"}[tc.sig]
			if !strings.Contains(errOut, "interrupted by "+name) || !strings.Contains(errOut, dir) {
				t.Errorf("stderr does not report the interruption and the folder: %q", errOut)
			}
			if strings.Contains(errOut, "goroutine ") {
				t.Errorf("a stack trace: %s", errOut)
			}
			checkStoppedRun(t, dir, "interrupted by "+name, append(first, rest...))
		})
	}
}

// gradcheck and data have no run folder: gradcheck stops between two
// cases, prints the table of what it checked and exits 130.
func TestSignalStopsGradcheck(t *testing.T) {
	exe := buildACA(t)
	s := startACA(t, exe, "gradcheck", "--configs", "2000", "--quiet")
	time.Sleep(time.Second)
	if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code, errOut, out := s.wait(t)
	if code != 130 || !strings.Contains(errOut, "aca gradcheck: interrupted by SIGINT") {
		t.Errorf("status %d, stderr %q", code, errOut)
	}
	if all := strings.Join(out, "\n"); !strings.Contains(all, "OPERATION") || strings.Contains(all, "All ") {
		t.Errorf("the table of what was checked:\n%s", all)
	}
}

// childrenOf lists the processes whose parent is pid.
func childrenOf(pid int) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …: comm may hold spaces; split after ')'.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		f := strings.Fields(s[i+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, p)
		}
	}
	return out
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(f) > 0 && f[0] != "Z"
}

// waitChild waits for the bench parent to start its per-method child.
func waitChild(t *testing.T, pid int) int {
	t.Helper()
	for range 600 {
		if c := childrenOf(pid); len(c) > 0 {
			return c[0]
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no child process in 30 s")
	return 0
}

// gone waits up to 10 s for pid to end.
func gone(pid int) bool {
	for range 200 {
		if !alive(pid) {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// aca bench runs each method in a child: SIGTERM to the parent ends the
// child too, and the run, with no method finished, leaves no folder;
// SIGKILL to the parent (no handler runs) still kills the child, through
// the parent-death signal.
func TestBenchChildrenDieWithParent(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	exe := buildACA(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			s := startACA(t, exe, "bench", "mlp", "--method", "naive,aca", "--iters", "1000000", "--quiet", "--out", dir)
			child := waitChild(t, s.cmd.Process.Pid)
			time.Sleep(200 * time.Millisecond) // let the child install its handler
			if err := s.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			code, errOut, _ := s.wait(t)
			if !gone(child) {
				syscall.Kill(child, syscall.SIGKILL)
				t.Fatalf("child %d survived its parent's %v", child, sig)
			}
			if sig == syscall.SIGKILL {
				return
			}
			if code != 143 || !strings.Contains(errOut, "interrupted by SIGTERM") {
				t.Errorf("status %d, stderr %q", code, errOut)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("an interrupted run with nothing finished left %s (%v)", dir, err)
			}
		})
	}
}
