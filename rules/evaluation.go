package rules

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/demarc/demarc/internal/words"
	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules/lifecycle"
)

// evaluation is one Evaluate call's state.
type evaluation struct {
	e        *Engine
	in       Input
	at       time.Time
	profile  report.Profile
	provider string

	os       hostOS
	findings []report.Finding
	notes    []report.Note
	unjudged []string
	// listed counts, by display name, the components listed without a
	// verdict because their makers publish no support periods (the
	// catalogue's no_lifecycle): WordPress plugins and themes.
	listed map[string]int
	// docroots indexes Host.Accounts' domains by document root, built on
	// first use (siteAccount).
	docroots map[string]accountDomain
}

// hostOS is the operating system as the rules see it.
type hostOS struct {
	id, version, name string // os-release ID and VERSION_ID, display name
	product           *lifecycle.Product
	status            lifecycle.Status
	findingID         string // the OS lifecycle finding, for blocked_by
	findingKind       report.Kind
	updatesID         string // the pending-updates finding, for blocked_by

}

func (x *evaluation) note(format string, a ...any) {
	x.notes = append(x.notes, report.Note{Collector: "rules", Message: fmt.Sprintf(format, a...)})
}

// add appends a finding.
func (x *evaluation) add(f report.Finding) { x.findings = append(x.findings, f) }

// component dispatches one observed component to its layer's rules.
func (x *evaluation) component(c report.Component) {
	switch c.Layer {
	case report.LayerOperatingSystem:
		// judged once, in operatingSystem
	case report.LayerControlPanel:
		x.controlPanel(c)
	case report.LayerVirtualisation:
		x.virtualisation(c)
	case report.LayerApplications:
		x.application(c)
	case report.LayerThirdPartyApps:
		x.thirdPartyApp(c)
	case report.LayerPhysicalHost:
		x.physicalHost(c)
	default:
		x.unjudged = append(x.unjudged, c.Product)
	}
}

// noteUnjudged says once which components have no lifecycle data, and
// once how many were listed without a verdict by design.
func (x *evaluation) noteUnjudged() {
	if len(x.listed) > 0 {
		var parts []string
		for name, n := range x.listed {
			parts = append(parts, words.Count(n, name, name+"s"))
		}
		sort.Strings(parts)
		x.note("listed with their versions but not judged, as their makers publish no support periods: %s", strings.Join(parts, ", "))
	}
	if len(x.unjudged) == 0 {
		return
	}
	sort.Strings(x.unjudged)
	x.note("no lifecycle data for %s: not judged here (OS-packaged software is covered by pending OS updates)",
		strings.Join(x.unjudged, ", "))
}

// dayOf formats a date for a sentence.
func dayOf(d lifecycle.Date) string {
	if d.IsZero() {
		return "an unpublished date"
	}
	return d.Human()
}

// onDay is "on 2026-07-11", or "at the end of 2025-12" for a date known
// to the month.
func onDay(d lifecycle.Date) string {
	h := dayOf(d)
	if strings.HasPrefix(h, "the end of ") {
		return "at " + h
	}
	return "on " + h
}

// osRelease names the OS release a backport comes from by its cycle
// ("Rocky Linux 8"), not its point release ("8.4"): support belongs to the
// cycle.
func (x *evaluation) osRelease() string {
	if c := x.os.status.Cycle; c != nil {
		return x.os.name + " " + c.Name
	}
	return x.os.name + " " + x.os.version
}

// detail returns a component detail.
func detail(c report.Component, key string) string {
	if c.Details == nil {
		return ""
	}
	return strings.TrimSpace(c.Details[key])
}
