package packages

import (
	"context"
	"errors"
	"fmt"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/aptpolicy"
	"github.com/demarc/demarc/report"
)

// collectAptNative computes apt's pending updates from apt's own files
// (internal/aptpolicy), running nothing. ok is false when the native
// evaluation cannot decide; the reason is then in a note and the caller
// asks apt-get. See doc.go.
func (c *Collector) collectAptNative(res *collectors.Result) (*report.Updates, bool) {
	r, err := aptpolicy.Evaluate(c.deps.Root)
	if err == nil && r.Lists == 0 {
		err = fmt.Errorf("%w: no Packages index under /var/lib/apt/lists", aptpolicy.ErrUndecidable)
	}
	if err != nil {
		why := err.Error()
		if !errors.Is(err, aptpolicy.ErrUndecidable) {
			why = "unreadable apt files: " + why
		}
		res.Notes = append(res.Notes, "apt: pending updates from apt-get, the native evaluation did not decide ("+why+")")
		return nil, false
	}
	u := &report.Updates{
		Manager:            "apt",
		Source:             fmt.Sprintf("native: dpkg status + %d apt lists", r.Lists),
		MetadataAgeSeconds: -1,
		Packages:           make([]report.Package, 0, len(r.Updates)),
	}
	u.SecurityDataAvailable = c.aptHasSecuritySource()
	for _, p := range r.Updates {
		pkg := report.Package{Name: p.Name, Arch: p.Arch, Installed: p.Installed, Candidate: p.Candidate}
		if p.Held {
			// As the simulation path reports a kept-back package: its
			// origin from apt list (archives), security from them.
			pkg.Origin = p.Archives
			for _, a := range splitComma(p.Archives) {
				pkg.Security = pkg.Security || aptSecurityArchive(a)
			}
		} else {
			pkg.Origin = p.Origin
			pkg.Security = aptSecurityOrigin(p.Origin)
		}
		u.Packages = append(u.Packages, pkg)
	}
	if len(r.Downgrades) > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("apt would also downgrade or reinstall %d package(s); they are not counted as updates", len(r.Downgrades)))
	}
	return u, true
}

func splitComma(s string) []string {
	var out []string
	for s != "" {
		i := 0
		for i < len(s) && s[i] != ',' {
			i++
		}
		out = append(out, s[:i])
		if i == len(s) {
			break
		}
		s = s[i+1:]
	}
	return out
}

// errNativeNoted is the native evaluation's answer when it did not decide
// and a note already says why (or it was switched off): the manager is
// asked, and its source needs no reason appended.
var errNativeNoted = errors.New("native evaluation did not decide")

// nativeApt is apt's nativeFunc.
func (c *Collector) nativeApt(_ context.Context, res *collectors.Result) (*report.Updates, error) {
	if c.simulateOnly {
		return nil, errNativeNoted
	}
	u, ok := c.collectAptNative(res)
	if !ok {
		return nil, errNativeNoted
	}
	return u, nil
}
