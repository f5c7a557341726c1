package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/rs/zerolog"

	"github.com/demarc/demarc/agent"
	"github.com/demarc/demarc/agent/deliver"
	"github.com/demarc/demarc/agent/enroll"
	"github.com/demarc/demarc/config"
	"github.com/demarc/demarc/report"
)

// inproc is an agent in this process: agent.Agent with the Setup that
// `demarc agent` builds from the same configuration file (agent.FromConfig:
// the same deliver.Client, the same spool), with a recording sender
// around the real one. Only the scan differs: generated or a fixture
// host's, instead of this machine's.
type inproc struct {
	name, cfgPath string
	led           *ledger
	scan          agent.ScanFunc
	lat           *samples
	log           zerolog.Logger
	spoolDir      string
	stateDir      string

	cancel context.CancelFunc
	done   chan struct{}
}

func (a *inproc) ledger() *ledger { return a.led }
func (a *inproc) spool() string   { return a.spoolDir }
func (a *inproc) state() string   { return a.stateDir }

// setup is what `demarc agent` does on load (cmd/demarc loadAgentSetup),
// with this agent's scan.
func (a *inproc) setup() (*agent.Setup, error) {
	cfg, err := config.Load(a.cfgPath)
	if err != nil {
		return nil, err
	}
	if _, err := cfg.CheckAgent(); err != nil {
		return nil, err
	}
	st, err := agent.FromConfig(cfg, a.recordScan, "fleet")
	if err != nil {
		return nil, err
	}
	st.Sender = &recorder{inner: st.Sender, led: a.led, lat: a.lat, stateDir: a.stateDir}
	return st, nil
}

func (a *inproc) recordScan(ctx context.Context) (*report.Report, error) {
	r, err := a.scan(ctx)
	if err == nil {
		a.led.generated(r.ReportID, time.Now())
	}
	return r, err
}

func (a *inproc) start() error {
	ctx, cancel := context.WithCancel(context.Background())
	ag := agent.New(agent.Options{
		Load: a.setup, Log: a.log, Version: "fleet",
		// A thousand agents share this process: no forced collection
		// after each of their scans.
		ReleaseMemory: func() {},
	})
	a.cancel, a.done = cancel, make(chan struct{})
	go func() {
		defer close(a.done)
		if err := ag.Run(ctx, nil); err != nil {
			a.led.issue("agent did not start: " + err.Error())
		}
	}()
	return nil
}

// stop ends the agent as SIGTERM does.
func (a *inproc) stop() {
	if a.cancel == nil {
		return
	}
	a.cancel()
	<-a.done
	a.cancel = nil
}

// crash stops the agent abruptly: its context is cancelled with no grace
// (an in-flight request is cut mid-stream, an in-flight scan abandoned),
// and a half-written temporary spool file is left behind, as a SIGKILL
// during a spool write leaves one. The next start must clean it up.
func (a *inproc) crash() {
	a.stop()
	partial := []byte(`{"schema":"demarc.report/v1","report_id":"`)
	_ = os.WriteFile(filepath.Join(a.spoolDir, ".tmp-crash"+time.Now().Format("150405.000000")), partial, 0o600)
}

// flush is `demarc spool flush`: agent.Flush over the same Setup.
func (a *inproc) flush(ctx context.Context) error {
	st, err := a.setup()
	if err != nil {
		return err
	}
	res, err := agent.Flush(ctx, st, a.log)
	if err == nil {
		err = res.Err
	}
	return err
}

// recorder is the real sender with a ledger: what the agent believes was
// delivered is what Send returned without error. The sender enrolls and
// rotates the host key in the state directory; the recorder sees the
// key files change around each send.
type recorder struct {
	inner    agent.Sender
	led      *ledger
	lat      *samples
	stateDir string
}

func (r *recorder) Send(ctx context.Context, data []byte) (deliver.Receipt, error) {
	key, pending := r.keys()
	t0 := time.Now()
	rc, err := r.inner.Send(ctx, data)
	t1 := time.Now()
	key2, pending2 := r.keys()
	switch {
	case key != "" && key2 != key:
		r.led.keyEvent(&r.led.rotations) // host-key.new made current
	case pending != "" && pending2 == "":
		r.led.keyEvent(&r.led.keysDropped) // the server refused the new key
	}
	if pending2 != "" && pending2 != pending {
		r.led.keyEvent(&r.led.keysReceived)
	}
	var rj *deliver.RejectedError
	var re *deliver.RetryError
	switch {
	case err == nil:
		r.led.ack(reportID(data), rc.Status, t1)
		r.lat.add(t0, t1)
	case ctx.Err() != nil:
	case errors.As(err, &rj):
		r.led.refused()
	case errors.As(err, &re) && re.Status == http.StatusUnauthorized:
		r.led.keyEvent(&r.led.unauthorized)
		r.led.failed()
	default:
		r.led.failed()
	}
	return rc, err
}

// keys reads the agent's host key and pending key files ("" when absent).
func (r *recorder) keys() (key, pending string) {
	k, _ := os.ReadFile(filepath.Join(r.stateDir, enroll.KeyFile))
	p, _ := os.ReadFile(filepath.Join(r.stateDir, enroll.PendingFile))
	return string(k), string(p)
}

func (r *recorder) CloseIdle() { r.inner.CloseIdle() }

// reportID finds the report_id of an encoded report without decoding it
// (json.Marshal of report.Report writes it near the start).
func reportID(data []byte) string {
	const key = `"report_id":"`
	i := bytes.Index(data, []byte(key))
	if i < 0 {
		return ""
	}
	rest := data[i+len(key):]
	if j := bytes.IndexByte(rest, '"'); j >= 0 {
		return string(rest[:j])
	}
	return ""
}

// errorHook records the agent's error-level log lines in its ledger: in
// this simulation none is expected.
type errorHook struct{ led *ledger }

func (h errorHook) Run(_ *zerolog.Event, level zerolog.Level, msg string) {
	if level >= zerolog.ErrorLevel {
		h.led.issue(msg)
	}
}
