package repomd

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/internal/pkgdb"
)

// ZyppRawCache is libzypp's cache of each repository's raw metadata, as
// downloaded: /var/cache/zypp/raw/<alias>/repodata/repomd.xml and the
// files it lists, for rpm-md repositories (libzypp's RepoManager keeps
// the raw cache under <cachedir>/raw/<alias>, the solv files under
// <cachedir>/solv/<alias>).
const ZyppRawCache = "/var/cache/zypp/raw"

// readRepomd reads dir/repodata/repomd.xml inside the root. A missing or
// unreadable file is an error wrapping ErrUndecidable (and the fs error),
// one that does not parse an error wrapping ErrMalformed.
func readRepomd(root hostfs.Root, dir string) (*repomdDoc, error) {
	p := path.Join(dir, "repodata/repomd.xml")
	b, err := root.ReadFileLimit(p, 16<<20)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUndecidable, p, err)
	}
	var md repomdDoc
	if err := xml.Unmarshal(b, &md); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, p, err)
	}
	return &md, nil
}

// readUpdateinfo opens and parses the updateinfo at href of dir, keeping
// the advisories keep accepts (all when nil).
func readUpdateinfo(root hostfs.Root, dir, href string, keep func(id string) bool) ([]Advisory, error) {
	f, p, err := open(root, dir, href)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	adv, err := parseUpdateinfo(f, keep)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return adv, nil
}

// ReadAdvisories reads the advisories of one repository's metadata under
// dir, a directory inside the root that holds repodata/repomd.xml (dnf's
// cache directory of a repository, libzypp's ZyppRawCache/<alias>): the
// updateinfo repomd.xml lists, plain or compressed (internal/decompress),
// keeping the advisories keep accepts by id (all when keep is nil; the
// others are parsed and dropped, never held). ok is false, with no error, when dir has no repomd.xml or it lists no
// updateinfo, and when only its zchunk form is there (libzypp built with
// zchunk support downloads updateinfo_zck instead, which is not read
// here). A repomd.xml or updateinfo that does not parse is an error
// wrapping ErrMalformed; an unreadable repomd.xml, or a listed updateinfo
// missing or unreadable, an error wrapping ErrUndecidable.
func ReadAdvisories(root hostfs.Root, dir string, keep func(id string) bool) (advs []Advisory, ok bool, err error) {
	md, err := readRepomd(root, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	href := md.location("updateinfo")
	if href == "" {
		return nil, false, nil
	}
	advs, err = readUpdateinfo(root, dir, href, keep)
	if errors.Is(err, fs.ErrNotExist) && md.location("updateinfo_zck") != "" {
		return nil, false, nil // only the zchunk form was downloaded
	}
	if err != nil {
		return nil, true, err
	}
	return advs, true, nil
}

// Security is what the security advisories say of one pending update.
type Security struct {
	// Advisories are their ids, sorted.
	Advisories []string
	// Severity is the highest of their severities, as the repository
	// writes it ("Important", SUSE's "important").
	Severity string
	// CVEs are the CVE ids they reference, sorted and unique.
	CVEs []string
}

// severityRank orders the severities of Red Hat's and SUSE's scales
// (critical, important, moderate, low) and the CVSS words some
// repositories write instead, case-insensitively.
var severityRank = map[string]int{"low": 1, "moderate": 2, "medium": 2, "important": 3, "high": 3, "critical": 4}

// index accumulates advisories by name.arch.
type index map[string]*Security

func (x index) add(key string, a Advisory) {
	s := x[key]
	if s == nil {
		s = &Security{}
		x[key] = s
	}
	if !slices.Contains(s.Advisories, a.ID) {
		s.Advisories = append(s.Advisories, a.ID)
	}
	if severityRank[strings.ToLower(a.Severity)] > severityRank[strings.ToLower(s.Severity)] {
		s.Severity = a.Severity
	}
	for _, c := range a.CVEs {
		if !slices.Contains(s.CVEs, c) {
			s.CVEs = append(s.CVEs, c)
		}
	}
}

func (x index) sorted() map[string]*Security {
	for _, s := range x {
		sort.Strings(s.Advisories)
		sort.Strings(s.CVEs)
	}
	return x
}

// securityIndex maps name.arch to the security advisories that update it
// past the newest installed version of that name.arch: the rule of dnf 4's
// updateinfo list --security.
func securityIndex(advs []Advisory, installed map[string][]pkgdb.Package) (map[string]*Security, error) {
	var c comparer
	x := index{}
	for _, a := range advs {
		if a.Type != "security" {
			continue
		}
		for _, p := range a.Packages {
			newest := ""
			for _, i := range installed[p.Name] {
				if i.Arch == p.Arch && (newest == "" || c.cmp(i.Version, newest) > 0) {
					newest = i.Version
				}
			}
			if newest == "" || c.cmp(newest, p.EVR) >= 0 {
				continue
			}
			x.add(p.Name+"."+p.Arch, a)
		}
	}
	if c.err != nil {
		return nil, c.err
	}
	return x.sorted(), nil
}

// Pending is one pending update as a package manager lists it: the
// installed version it replaces and the candidate it installs.
type Pending struct {
	Name, Arch           string
	Installed, Candidate string
}

// MatchSecurity maps the name.arch of each pending update to the security
// advisories it fixes, by the rule libsolv turns an updateinfo package
// into (ext/repo_updateinfoxml.c: the patch conflicts with name.arch <
// EVR, and with name.noarch < EVR; a noarch package with name < EVR), the
// rule that makes zypper list a patch as needed: an advisory package of
// the update's name, of its architecture (or either is noarch), newer
// than the installed version; and, the update being what fixes it, not
// newer than the candidate. Advisories that are not of type security, or
// are retracted, do not count. A version that cannot be ordered is an
// error wrapping ErrUndecidable.
func MatchSecurity(advs []Advisory, pending []Pending) (map[string]Security, error) {
	byName := map[string][]Pending{}
	for _, p := range pending {
		byName[p.Name] = append(byName[p.Name], p)
	}
	var c comparer
	x := index{}
	for _, a := range advs {
		if a.Type != "security" || a.Status == "retracted" {
			continue
		}
		for _, ap := range a.Packages {
			for _, p := range byName[ap.Name] {
				if !archMatch(ap.Arch, p.Arch) || p.Installed == "" {
					continue
				}
				if c.cmp(p.Installed, ap.EVR) < 0 && c.cmp(ap.EVR, p.Candidate) <= 0 {
					x.add(p.Name+"."+p.Arch, a)
				}
			}
		}
	}
	if c.err != nil {
		return nil, c.err
	}
	out := make(map[string]Security, len(x))
	for k, s := range x.sorted() {
		out[k] = *s
	}
	return out, nil
}
