package reportgen

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"

	"github.com/demarc/demarc/report"
)

// pendingList is a host's simulated pending package updates. It has its
// own random source, so that a host with them draws the same findings as
// one without.
type pendingList struct {
	rng     *rand.Rand
	pkgs    []report.Package
	next    int // the next package name to become pending
	manager string
}

// pendingNames are the package names a simulated host may have pending:
// the OS packages of the findings and their -common, -doc, -dev and
// -data companions.
var pendingNames = func() []string {
	var out []string
	for _, suffix := range []string{"", "-common", "-doc", "-dev", "-data"} {
		for _, p := range osPackages {
			out = append(out, p+suffix)
		}
	}
	return out
}()

// WithUpdates gives the host's reports an updates section listing between
// lo and hi pending packages (about one in five a security update),
// drawn once per host; each later report installs one of them and finds
// one new (as a daily apt list does) with the host's drift chance, and
// moves a package to a newer candidate as often. Without it (the default)
// reports carry no updates section, as they always did. It returns h.
func (h *Host) WithUpdates(lo, hi int) *Host {
	f := fnv.New64a()
	f.Write([]byte(h.ID))
	seed := f.Sum64()
	l := &pendingList{rng: rand.New(rand.NewPCG(seed, seed^0x5bd1e995)), manager: "apt"}
	if h.os.family != "debian" {
		l.manager = "dnf"
	}
	n := lo
	if hi > lo {
		n += l.rng.IntN(hi - lo + 1)
	}
	for range min(n, len(pendingNames)) {
		l.pkgs = append(l.pkgs, l.newPackage())
	}
	h.pending = l
	return h
}

func (l *pendingList) newPackage() report.Package {
	name := pendingNames[l.next%len(pendingNames)]
	l.next++
	sec := l.rng.IntN(5) == 0
	origin := "updates"
	if sec {
		origin = "security"
	}
	v := fmt.Sprintf("%d.%d.%d-%d", 1+l.rng.IntN(3), l.rng.IntN(20), l.rng.IntN(10), 1+l.rng.IntN(9))
	p := report.Package{Name: name, Arch: "amd64", Installed: v, Candidate: v + "ubuntu0.1", Security: sec, Origin: origin}
	if sec && l.manager == "dnf" {
		SimAdvisory(&p)
	}
	return p
}

// SimAdvisory gives a simulated dnf security update the advisory that
// fixes it, as updateinfo names one: an id, a severity and CVE ids, drawn
// from the package name (not the host's random source), so that every
// host with the package pending shares them. The ids are the simulation's
// own ("SIM-…", CVE numbers of the 9xxxx range), never a real advisory's.
func SimAdvisory(p *report.Package) {
	f := fnv.New32a()
	f.Write([]byte(p.Name))
	n := f.Sum32()
	p.Advisories = []string{fmt.Sprintf("SIM-2026:%04d", 1000+n%9000)}
	p.Severity = []string{"Critical", "Important", "Moderate", "Low"}[n%4]
	p.CVEs = []string{fmt.Sprintf("CVE-2026-9%04d", n%10000)}
	if n%3 == 0 {
		p.CVEs = append(p.CVEs, fmt.Sprintf("CVE-2026-9%04d", (n/7)%10000))
		slices.Sort(p.CVEs)
		p.CVEs = slices.Compact(p.CVEs)
	}
}

// step drifts the list before a later report.
func (l *pendingList) step(drift float64) {
	if len(l.pkgs) == 0 {
		return
	}
	if l.rng.Float64() < drift {
		i := l.rng.IntN(len(l.pkgs))
		l.pkgs[i] = l.newPackage()
	}
	if l.rng.Float64() < drift {
		p := &l.pkgs[l.rng.IntN(len(l.pkgs))]
		p.Candidate += ".1"
	}
}

// updates is the report's updates section.
func (l *pendingList) updates() *report.Updates {
	u := &report.Updates{Manager: l.manager, Count: len(l.pkgs), SecurityDataAvailable: true, MetadataAgeSeconds: 3600,
		Source: l.manager + " list --upgradable", Packages: append([]report.Package(nil), l.pkgs...)}
	for _, p := range l.pkgs {
		if p.Security {
			u.SecurityCount++
		}
	}
	return u
}
