package rules

import (
	"fmt"
	"time"

	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules/lifecycle"
	"github.com/demarc/demarc/rules/matrix"
)

// DefaultFirmwareMaxAge is the BIOS age past which firmware is a finding
// when Options.FirmwareMaxAge is zero: three years.
const DefaultFirmwareMaxAge = 3 * 365 * 24 * time.Hour

// Options tunes the engine.
type Options struct {
	// MatrixFile overrides the built-in responsibility matrix.
	MatrixFile string
	// FirmwareMaxAge is the BIOS age past which firmware is a finding
	// (default DefaultFirmwareMaxAge).
	FirmwareMaxAge time.Duration
	// Matrix, when set, is used instead of loading MatrixFile (tests,
	// callers that already loaded one).
	Matrix *matrix.Matrix
	// Lifecycle, when set, replaces the embedded lifecycle data (tests).
	Lifecycle *lifecycle.Dataset
	// Now is the clock used when Input.At is zero; nil means time.Now.
	Now func() time.Time
}

// Input is everything the rules judge: the merged observations of all
// collectors and the host's profile.
type Input struct {
	Host       report.Host
	Profile    report.Profile
	Components []report.Component
	Updates    *report.Updates
	// At is the date lifecycle is evaluated for (the scan date or --at).
	At time.Time
}

// Output is the rules' verdict.
type Output struct {
	Findings  []report.Finding
	Notes     []report.Note
	Lifecycle *report.LifecycleData
}

// Engine judges observations against lifecycle data and the
// responsibility matrix. It is safe for concurrent use.
type Engine struct {
	opts   Options
	data   *lifecycle.Dataset
	matrix *matrix.Matrix
}

// NewEngine loads the embedded lifecycle data and the responsibility
// matrix (built-in, or opts.MatrixFile). A bad matrix file is an error
// naming the key and line.
func NewEngine(opts Options) (*Engine, error) {
	e := &Engine{opts: opts, data: opts.Lifecycle, matrix: opts.Matrix}
	if e.data == nil {
		d, err := lifecycle.Default()
		if err != nil {
			return nil, fmt.Errorf("rules: %w", err)
		}
		e.data = d
	}
	if e.matrix == nil {
		if opts.MatrixFile != "" {
			m, err := matrix.Load(opts.MatrixFile)
			if err != nil {
				return nil, err
			}
			e.matrix = m
		} else {
			e.matrix = matrix.Default()
		}
	}
	if e.opts.FirmwareMaxAge <= 0 {
		e.opts.FirmwareMaxAge = DefaultFirmwareMaxAge
	}
	if e.opts.Now == nil {
		e.opts.Now = time.Now
	}
	return e, nil
}

// Matrix returns the responsibility matrix in use.
func (e *Engine) Matrix() *matrix.Matrix { return e.matrix }

// Lifecycle returns the lifecycle data in use.
func (e *Engine) Lifecycle() *lifecycle.Dataset { return e.data }

// Evaluate judges in and returns the findings, sorted by responsible
// party, severity and product.
func (e *Engine) Evaluate(in Input) Output {
	at := in.At
	if at.IsZero() {
		at = e.opts.Now()
	}
	x := &evaluation{e: e, in: in, at: at.UTC()}
	x.profile = in.Profile
	if !x.profile.Tier.Valid() {
		x.note("unknown tier %q: judged as managed", x.profile.Tier)
		x.profile.Tier = report.TierManaged
	}
	x.provider = e.matrix.ProviderName(x.profile.Provider)
	x.profile.Provider = x.provider

	x.operatingSystem()
	x.updates()
	x.reboot()
	for _, c := range in.Components {
		x.component(c)
	}
	x.noteUnjudged()
	out := Output{Findings: x.findings, Notes: x.notes, Lifecycle: x.lifecycleData()}
	sortFindings(out.Findings)
	return out
}

// lifecycleData describes the data's age on the evaluation date, noting
// when it is stale.
func (x *evaluation) lifecycleData() *report.LifecycleData {
	d := x.e.data
	age := int(d.Age(x.at).Hours() / 24)
	if age < 0 {
		age = 0
	}
	ld := &report.LifecycleData{SnapshotDate: d.SnapshotDate.String(), AgeDays: age, Stale: d.Stale(x.at)}
	if ld.Stale {
		x.note("lifecycle data is %d days old (snapshot %s, over %d days): releases and end-of-life dates announced since are missing; update demarc",
			age, ld.SnapshotDate, int(lifecycle.StaleAfter.Hours()/24))
	}
	return ld
}
