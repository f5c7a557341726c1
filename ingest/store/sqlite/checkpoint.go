package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// DefaultCheckpointEvery is how often the checkpointer runs when
// Options.CheckpointEvery is zero.
const DefaultCheckpointEvery = time.Second

// checkpointer copies the write-ahead log back into the database on a
// connection of its own, every interval, with a PASSIVE checkpoint: it
// waits for no reader and no writer, and copies what no open read
// transaction still needs. The writer's own checkpoint (every 100,000
// WAL pages) then finds most of the log already copied and costs the
// commit that runs it little, instead of stalling it for seconds while
// it copies hundreds of megabytes (docs/PERFORMANCE.md). When a round
// has copied the whole log, the writer's next transaction starts the log
// again from its beginning, so the WAL stays short while the
// checkpointer keeps up.
type checkpointer struct {
	db    *sql.DB
	every time.Duration
	log   zerolog.Logger

	// ctx ends the rounds (cancel, in Close, also interrupts one that
	// runs); done is closed when they have ended.
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu   sync.Mutex
	last checkpoint
	// fails counts the rounds that failed.
	fails int64
}

// checkpoint is one round's answer: the frames in the log and how many
// of them are in the database now.
type checkpoint struct {
	rounds       int64
	frames, done int64
	// busy is a round that found another checkpoint running (the
	// writer's): it copied nothing.
	busy bool
}

// startCheckpointer opens a connection to dsn and starts the rounds.
func startCheckpointer(ctx context.Context, dsn string, every time.Duration, log zerolog.Logger) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("checkpointer: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("checkpointer: %w", err)
	}
	c := &checkpointer{db: db, every: every, log: log, done: make(chan struct{})}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go c.run()
	return c, nil
}

// run does a round every c.every until Close.
func (c *checkpointer) run() {
	defer close(c.done)
	ctx := c.ctx
	t := time.NewTicker(c.every)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		start := time.Now()
		cp, err := c.round(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			// Log a failure once until a round succeeds again: the
			// writer's own checkpoint still bounds the log.
			c.mu.Lock()
			c.fails++
			c.mu.Unlock()
			if !failing {
				c.log.Warn().Err(err).Msg("sqlite checkpoint failed; the writer's checkpoints still bound the WAL")
			}
			failing = true
			continue
		}
		if failing {
			c.log.Info().Msg("sqlite checkpoint works again")
		}
		failing = false
		if took := time.Since(start); took > time.Second {
			c.log.Debug().Dur("took", took).Int64("frames", cp.frames).Int64("copied", cp.done).Msg("sqlite checkpoint")
		}
	}
}

// round runs one PASSIVE checkpoint and records its answer.
func (c *checkpointer) round(ctx context.Context) (checkpoint, error) {
	var busy int
	var frames, done int64
	if err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &done); err != nil {
		return checkpoint{}, fmt.Errorf("wal_checkpoint: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = checkpoint{rounds: c.last.rounds + 1, frames: frames, done: done, busy: busy != 0}
	return c.last, nil
}

// state is the last round's answer.
func (c *checkpointer) state() checkpoint {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// failed is how many rounds failed.
func (c *checkpointer) failed() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fails
}

// Close stops the rounds (interrupting one that runs) and closes the
// connection.
func (c *checkpointer) Close() error {
	c.cancel()
	<-c.done
	if err := c.db.Close(); err != nil {
		return fmt.Errorf("close checkpointer: %w", err)
	}
	return nil
}
