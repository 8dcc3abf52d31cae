package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// interruptSignals stop vigil: Ctrl-C, and what a CI runner or Kubernetes
// sends to a job it cancels.
var interruptSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// signalCause is the context's cancellation cause when a signal arrived.
type signalCause struct{ sig os.Signal }

func (c signalCause) Error() string {
	switch c.sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return c.sig.String()
}

// notifyInterrupt returns a context cancelled, with a signalCause, by the
// first interrupt signal. stop restores the signals' default behaviour.
func notifyInterrupt(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, interruptSignals...)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			cancel(signalCause{sig})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

// interrupted is the error a command returns when a signal stopped it;
// what says what became of its work (for example "nothing was written").
func interrupted(ctx context.Context, what string) error {
	cause := "a signal"
	var sc signalCause
	if errors.As(context.Cause(ctx), &sc) {
		cause = sc.Error()
	}
	return &exitError{exitUsage, fmt.Errorf("interrupted by %s; %s", cause, what)}
}

// await runs f and returns its result, or returns early with an
// interruption error when ctx is cancelled first. An abandoned f goes on
// in the background until the process exits, so f must not write
// anything: loading, validating and generating only.
func await[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, interrupted(ctx, "nothing was written")
	}
}
