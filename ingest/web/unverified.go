package web

import (
	"strings"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// unverifiedWhy says why each unverified open finding of a host could not
// be checked: "the packages check failed: <its error>", for the collectors
// it rests on (report.EvidenceCollectors) that did not run cleanly in the
// host's latest report. Keyed by finding id.
func unverifiedWhy(h store.Host, fs []store.Finding) map[string]string {
	failing := make(map[string]store.CollectorIssue, len(h.FailingCollectors))
	for _, c := range h.FailingCollectors {
		failing[c.Collector] = c
	}
	out := map[string]string{}
	for i := range fs {
		f := &fs[i]
		if f.UnverifiedSince == nil {
			continue
		}
		var why []string
		for _, n := range report.EvidenceCollectors(&f.Finding) {
			if c, ok := failing[n]; ok {
				why = append(why, checkFailed(c))
			}
		}
		if len(why) == 0 {
			why = append(why, "a check it rests on did not run cleanly")
		}
		out[f.ID] = strings.Join(why, "; ")
	}
	return out
}

// checkFailed is one collector's failure in words.
func checkFailed(c store.CollectorIssue) string {
	var s string
	switch c.Status {
	case report.CollectorTimedOut:
		s = "the " + c.Collector + " check timed out"
	case report.CollectorNotRun:
		s = "the " + c.Collector + " check did not run"
	case report.CollectorPartial:
		s = "the " + c.Collector + " check failed in part"
	default:
		s = "the " + c.Collector + " check failed"
	}
	if c.Error != "" {
		s += ": " + c.Error
	}
	return s
}

// failingNames lists a host's failing collectors by name.
func failingNames(cs []store.CollectorIssue) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Collector
	}
	return strings.Join(names, ", ")
}
