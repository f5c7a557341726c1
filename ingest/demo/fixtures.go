package demo

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/demarc/demarc/report"
)

// fixturesJSON holds the observations of scan's golden fixture hosts
// (scan/testdata/hosts/<case>/want.managed.json: a real scan of each
// fixture's root with every collector): what the host, its software and
// its package manager showed, without the findings. TestFixturesFresh
// keeps it equal to the golden reports; `go test ./ingest/demo -run
// TestFixturesFresh -update` writes it again after they change.
//
//go:embed fixtures.json
var fixturesJSON []byte

// template is one fixture host's observations, the pattern of a simulated
// host.
type template struct {
	// Case is the fixture's folder name.
	Case       string                  `json:"case"`
	Host       report.Host             `json:"host"`
	Components []report.Component      `json:"components"`
	Updates    *report.Updates         `json:"updates,omitempty"`
	Collectors []report.CollectorRun   `json:"collectors"`
	Errors     []report.CollectorError `json:"errors"`
	// CustomerManagedVirtualisation is the fixture's profile flag.
	CustomerManagedVirtualisation bool `json:"customer_managed_virtualisation,omitempty"`
	// Patches are the same-branch patch releases the scan found missing
	// for software besides the OS: applying one sets the component's
	// version to the release the finding named.
	Patches []patch `json:"patches,omitempty"`
}

// patch moves one component to a newer version.
type patch struct {
	Component int    `json:"component"`
	Version   string `json:"version"`
}

// templates are the embedded fixture hosts, checked once.
var templates = mustTemplates(fixturesJSON)

func mustTemplates(b []byte) []template {
	ts, err := parseTemplates(b)
	if err != nil {
		panic("demo: embedded fixtures.json: " + err.Error())
	}
	return ts
}

func parseTemplates(b []byte) ([]template, error) {
	var ts []template
	if err := json.Unmarshal(b, &ts); err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("no fixture host")
	}
	for _, t := range ts {
		if t.Case == "" || t.Host.OS.ID == "" {
			return nil, fmt.Errorf("fixture %q: no case name or OS", t.Case)
		}
		for _, p := range t.Patches {
			if p.Component < 0 || p.Component >= len(t.Components) || p.Version == "" {
				return nil, fmt.Errorf("fixture %s: patch %+v names no component", t.Case, p)
			}
		}
	}
	return ts, nil
}
