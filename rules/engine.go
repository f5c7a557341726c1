package rules

import (
	"time"

	"github.com/demarc/demarc/report"
)

// Options tunes the engine.
type Options struct {
	// MatrixFile overrides the built-in responsibility matrix.
	MatrixFile string
	// FirmwareMaxAge is the BIOS age past which firmware is a finding.
	FirmwareMaxAge time.Duration
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
// responsibility matrix.
type Engine struct {
	opts Options
}

// NewEngine loads the embedded lifecycle data and the responsibility
// matrix (built-in, or opts.MatrixFile).
func NewEngine(opts Options) (*Engine, error) {
	return &Engine{opts: opts}, nil
}

// Evaluate judges in and returns the findings, sorted.
func (e *Engine) Evaluate(in Input) Output {
	return Output{}
}
