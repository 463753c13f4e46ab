package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// interruptContext is the command's one way of handling SIGINT and SIGTERM.
// Every subcommand that works for more than a moment uses it like this:
//
//	ctx, intr := interruptContext(context.Background())
//	defer intr.stop()
//	for … { if ctx.Err() != nil { break }; … one safe unit of work … }
//	if intr.signal() != nil {
//		… write what is finished (dir.stop) …
//		return intr.exit(stderr, "toy", "wrote the finished rows to DIR")
//	}
//
// The returned context is cancelled when the first SIGINT or SIGTERM
// arrives; the subcommand then stops at its next safe point (between rows,
// epochs or iterations: never in the middle of writing a file), writes what
// it finished, says so on stderr and exits with intr.exit's status: 130
// for SIGINT and 143 for SIGTERM (128 + the signal's number, the shell's
// convention). After the first signal the handler is removed, so a second
// one kills the process at once, as a user pressing Ctrl-C twice expects.
//
// intr.stop releases the handler and the goroutine; call it when the
// subcommand returns. Tests may cancel the context themselves through
// intr.cancel(sig) to simulate a signal without sending one.
func interruptContext(parent context.Context) (context.Context, *interrupt) {
	ctx, cancel := context.WithCancel(parent)
	in := &interrupt{ch: make(chan os.Signal, 1), done: make(chan struct{}), ctxCancel: cancel}
	signal.Notify(in.ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case s := <-in.ch:
			signal.Stop(in.ch) // a second signal takes the default action
			in.cancel(s)
		case <-in.done:
		}
	}()
	return ctx, in
}

// interrupt is the state of interruptContext: which signal arrived, if any.
type interrupt struct {
	ch        chan os.Signal
	done      chan struct{}
	ctxCancel context.CancelFunc
	once      sync.Once

	mu  sync.Mutex
	sig os.Signal
}

// cancel records sig (the first one wins) and cancels the context.
func (in *interrupt) cancel(sig os.Signal) {
	in.mu.Lock()
	if in.sig == nil {
		in.sig = sig
	}
	in.mu.Unlock()
	in.ctxCancel()
}

// signal returns the signal that cancelled the context, or nil.
func (in *interrupt) signal() os.Signal {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.sig
}

// stop removes the signal handler and cancels the context; it is safe to
// call more than once.
func (in *interrupt) stop() {
	in.once.Do(func() {
		signal.Stop(in.ch)
		close(in.done)
		in.ctxCancel()
	})
}

// exit reports the interruption on stderr ("aca SUB: interrupted by
// SIGINT; WHAT") and returns the exit status for the signal: 130 for
// SIGINT, 143 for SIGTERM.
func (in *interrupt) exit(stderr io.Writer, sub, what string) int {
	s := in.signal()
	fmt.Fprintf(stderr, "aca %s: interrupted by %s; %s\n", sub, signalName(s), what)
	return signalStatus(s)
}

// signalName is the conventional name of a signal: SIGINT, SIGTERM.
func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case nil:
		return "no signal"
	}
	return s.String()
}

// signalStatus is the exit status of a run stopped by s: 128 plus the
// signal's number (130 for SIGINT, 143 for SIGTERM), or 1.
func signalStatus(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 1
}
