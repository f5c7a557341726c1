package agent

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// Signals returns a context cancelled on SIGTERM or SIGINT and a channel
// that receives on SIGHUP (reload), for Run. stop releases the signals.
func Signals(parent context.Context) (ctx context.Context, reload <-chan struct{}, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	hup := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				if s != syscall.SIGHUP {
					cancel()
					continue
				}
				select {
				case hup <- struct{}{}:
				default: // a reload is already pending
				}
			case <-done:
				return
			}
		}
	}()
	return ctx, hup, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}
