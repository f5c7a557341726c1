package spool

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/demarc/demarc/agent/internal/fsafe"
)

// writeAtomic writes data to dir/name so that the name holds either
// nothing or all of data, even across a crash or power loss (see
// fsafe.WriteAtomic). On failure the temporary file is removed.
func (s *Spool) writeAtomic(dir, name string, data []byte) error {
	if err := fsafe.WriteAtomic(s.create, dir, name, data, nil); err != nil {
		// The file may be complete and in place with only the directory
		// fsync failed: reported so that the caller keeps its copy (Put
		// will not write the id twice).
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}

func syncDir(dir string) error {
	if err := fsafe.SyncDir(dir); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}

// ErrLocked means another process is draining the spool.
var ErrLocked = errors.New("spool is being drained by another process")

// TryLock takes the spool's drain lock (flock on the directory) without
// waiting. Only one process drains a spool at a time, so `demarc spool
// flush` and the agent never send the same report concurrently. It returns
// ErrLocked when the lock is held elsewhere, and an *UntrustedError when
// the directory is not this process's user's (or root's) or group or
// others may write to it: a drain never reads from such a spool.
func (s *Spool) TryLock() (unlock func(), err error) {
	d, err := os.Open(s.dir)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	// Whoever drains must find the directory it opened its own: a spool
	// given to another user since Recover is not read from.
	fi, err := d.Stat()
	if err == nil && !fi.IsDir() {
		err = &UntrustedError{Path: s.dir, Owner: fsafe.Owner(fi), Problem: "is a " + fsafe.Kind(fi.Mode()) + ", not a directory"}
	}
	if err == nil {
		_, err = checkDirInfo(s.dir, fi, false)
	}
	if err != nil {
		d.Close()
		return nil, err
	}
	if err := syscall.Flock(int(d.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		d.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrLocked
		}
		return nil, fmt.Errorf("spool: lock: %w", err)
	}
	return func() {
		_ = syscall.Flock(int(d.Fd()), syscall.LOCK_UN)
		d.Close()
	}, nil
}

// Lock takes the drain lock, waiting until ctx is done.
func (s *Spool) Lock(ctx context.Context) (unlock func(), err error) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		unlock, err := s.TryLock()
		if !errors.Is(err, ErrLocked) {
			return unlock, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("spool: wait for lock: %w", ctx.Err())
		case <-t.C:
		}
	}
}
