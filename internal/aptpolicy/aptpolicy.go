// Package aptpolicy computes a Debian or Ubuntu host's pending package
// updates from the files apt itself reads, without running apt: the dpkg
// status (installed versions, holds), /var/lib/dpkg/arch (foreign
// architectures), the sources, the index files under /var/lib/apt/lists
// (Packages, plain or compressed, with their suite's InRelease or Release)
// and the pins of /etc/apt/preferences(.d), all through a hostfs.Root.
//
// The candidate of each installed package is chosen as apt's policy does
// (apt-pkg/policy.cc, pkgPolicy::GetCandidateVer): every file has a default
// priority (500; 100 for the dpkg status and for a suite whose Release says
// ButAutomaticUpgrades; 1 for NotAutomatic), "Package: *" pins set the
// priority of the files they match (the first matching pin wins), pins of
// named packages (names, globs, /regex/, src:) set that of the versions they
// match (the first wins); a version's priority is its pin's, else the
// highest of its files'; the candidate is the version of highest priority,
// the first in descending version order among equals, and a version older
// than the installed one only with a priority of 1000 or more.
//
// What apt decides and this package does not model is ErrUndecidable, never
// a guess: apt.conf options that change the policy (APT::Default-Release,
// architectures, phasing, other directories), a pin type or expression
// beyond the above, phased updates (Phased-Update-Percentage below 100 on a
// newer candidate: apt's phasing rule depends on apt's version and
// configuration), flat repositories, an index without its Release file, a
// zstd-compressed index. The caller then asks apt itself.
package aptpolicy

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/internal/pkgver"
)

// ErrUndecidable means the root has something the native evaluation does
// not model; the reason is in the wrapping error.
var ErrUndecidable = errors.New("not decidable natively")

// Update is one installed package with a newer candidate.
type Update struct {
	// Name and Arch as apt prints them: the package name without an
	// architecture suffix, the candidate's architecture ("all" included).
	Name, Arch string
	Installed  string
	Candidate  string
	// Origin is the candidate's origins as apt-get -s prints them
	// (VerIterator::RelStr without the architecture): "Label:Version/Archive"
	// per distinct source, comma-separated, in apt's file order.
	Origin string
	// Archives is the candidate's archives as apt list prints them
	// ("bookworm,bookworm-security"), one per index file.
	Archives string
	// Held is true for a package dpkg holds (Status: hold …): apt keeps
	// it back.
	Held bool
}

// Result is the pending updates of a root.
type Result struct {
	// Updates are ordered by name, then architecture.
	Updates []Update
	// Downgrades are packages whose candidate is older than the installed
	// version (a pin of 1000 or more): apt would downgrade them.
	Downgrades []Update
	// Lists is the number of Packages files read; Installed the number
	// of installed packages.
	Lists, Installed int
}

// indexFile is one Packages file, or the dpkg status.
type indexFile struct {
	rel         *release // nil for the status file
	comp, arch  string   // component ("now" for the status file) and architecture
	path        string
	compression int
	priority    int
	status      bool
}

// version is one version of an installed package, with the files that
// offer it in apt's order.
type version struct {
	ver    string
	arch   string // the stanza's Architecture
	source string
	phased int
	files  []*indexFile
}

// installed is one installed package.
type installed struct {
	name, arch string // arch: the status file's, "all" included
	ver        string
	source     string
	hold       bool
	versions   []*version
}

type pkgKey struct{ name, arch string }

// Evaluate computes the pending updates of root.
func Evaluate(root hostfs.Root) (*Result, error) {
	if err := checkAptConf(root); err != nil {
		return nil, err
	}
	native, inst, err := readStatus(root)
	if err != nil {
		return nil, err
	}
	archs, err := readArchs(root, native)
	if err != nil {
		return nil, err
	}
	sources, err := readSources(root)
	if err != nil {
		return nil, err
	}
	pins, err := readPreferences(root)
	if err != nil {
		return nil, err
	}
	files, err := indexFiles(root, sources, archs)
	if err != nil {
		return nil, err
	}
	if err := readLists(root, files, inst, native); err != nil {
		return nil, err
	}
	status := &indexFile{comp: "now", status: true, priority: 100}
	for _, f := range files {
		f.priority = 500
		switch {
		case f.rel.ButAutomaticUpgrades:
			f.priority = 100
		case f.rel.NotAutomatic:
			f.priority = 1
		}
	}
	for _, f := range append(slices.Clone(files), status) {
		for _, p := range pins {
			if p.pkg == "" && p.match.fileMatches(f) {
				f.priority = p.priority
				break
			}
		}
	}
	res := &Result{Lists: len(files), Installed: len(inst)}
	for _, ip := range inst {
		u, err := candidate(ip, status, pins, native)
		if err != nil {
			return nil, err
		}
		if u == nil {
			continue
		}
		if u.downgrade {
			res.Downgrades = append(res.Downgrades, u.Update)
		} else {
			res.Updates = append(res.Updates, u.Update)
		}
	}
	order := func(a, b Update) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Arch, b.Arch)
	}
	slices.SortFunc(res.Updates, order)
	slices.SortFunc(res.Downgrades, order)
	return res, nil
}

type pending struct {
	Update
	downgrade bool
}

// candidate applies GetCandidateVer to one installed package; nil when its
// candidate is the installed version.
func candidate(ip *installed, status *indexFile, pins []pin, native string) (*pending, error) {
	cur := &version{ver: ip.ver, arch: ip.arch, source: ip.source, files: []*indexFile{status}, phased: 100}
	all := []*version{cur}
	for _, v := range ip.versions {
		if v.ver == ip.ver {
			cur.files = append(v.files, status)
			cur.arch = v.arch
			continue
		}
		all = append(all, v)
	}
	var sortErr error
	slices.SortStableFunc(all, func(a, b *version) int {
		c, err := pkgver.Compare(pkgver.Deb, b.ver, a.ver)
		if err != nil && sortErr == nil {
			sortErr = fmt.Errorf("%w: %s: %w", ErrUndecidable, ip.name, err)
		}
		return c
	})
	if sortErr != nil {
		return nil, sortErr
	}
	var cand *version
	candPrio := -1
	for _, v := range all {
		prio := priority(ip, v, pins, native)
		if prio == 0 || prio <= candPrio {
			continue
		}
		if prio < 1000 && v != cur {
			if c, _ := pkgver.Compare(pkgver.Deb, v.ver, cur.ver); c < 0 {
				continue
			}
		}
		cand, candPrio = v, prio
	}
	if cand == nil || cand == cur {
		return nil, nil
	}
	c, _ := pkgver.Compare(pkgver.Deb, cand.ver, cur.ver)
	if c > 0 && cand.phased < 100 {
		return nil, fmt.Errorf("%w: %s %s is a phased update (%d%%)", ErrUndecidable, ip.name, cand.ver, cand.phased)
	}
	u := &pending{downgrade: c < 0, Update: Update{
		Name: ip.name, Arch: cand.arch, Installed: ip.ver, Candidate: cand.ver, Held: ip.hold,
		Origin: relStr(cand), Archives: archives(cand),
	}}
	return u, nil
}

// priority is pkgPolicy::GetPriority(Ver, ConsiderFiles=true).
func priority(ip *installed, v *version, pins []pin, native string) int {
	pkgArch := ip.arch
	if pkgArch == "all" {
		pkgArch = native
	}
	for _, p := range pins {
		if p.pkg == "" || !p.appliesTo(ip.name, v.source, pkgArch, native) {
			continue
		}
		if p.versionMatches(v) {
			return p.priority
		}
	}
	best, any := 0, false
	for _, f := range v.files {
		prio := f.priority
		if f.status && v.ver != ip.ver {
			prio = -1
		}
		if !any || prio > best {
			best, any = prio, true
		}
	}
	return best
}

// appliesTo reports whether a pin of a named package covers the package
// name (or, for src: pins, the source package) of architecture arch.
func (p pin) appliesTo(name, source, arch, native string) bool {
	want := p.arch
	if want == "" {
		want = native
	}
	if want != "any" && want != arch {
		return false
	}
	subject := name
	if p.src {
		subject = source
	}
	if isPattern(p.pkg) {
		return p.pkg != subject && exprMatches(p.pkg, subject)
	}
	return p.pkg == subject
}

// versionMatches is pkgVersionMatch::VersionMatches.
func (p pin) versionMatches(v *version) bool {
	if p.typ == pinVersion {
		return p.match.versionMatches(v.ver)
	}
	for _, f := range v.files {
		if p.match.fileMatches(f) {
			return true
		}
	}
	return false
}

// relStr is VerIterator::RelStr without the " [arch]".
func relStr(v *version) string {
	var parts []string
	for _, f := range v.files {
		if f.status {
			continue
		}
		r := f.rel
		s := ""
		if r.Label != "" {
			s = r.Label + ":"
		}
		switch {
		case r.Archive != "" && r.Version == "":
			s += r.Archive
		case r.Archive != "":
			s += r.Version + "/" + r.Archive
		case r.Site != "":
			s += r.Site
		default:
			s += "localhost"
		}
		if !slices.Contains(parts, s) {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// archives is apt list's GetArchiveSuite.
func archives(v *version) string {
	var parts []string
	for _, f := range v.files {
		if f.status {
			continue
		}
		a := f.rel.Archive
		if a == "" {
			a = "unknown"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, ",")
}

// indexFiles lists the Packages files apt reads, in its order: each
// source's suite, its components, its architectures.
func indexFiles(root hostfs.Root, sources []source, archs []string) ([]*indexFile, error) {
	var out []*indexFile
	seen := map[string]bool{}
	for _, s := range sources {
		prefix := s.listPrefix()
		var rel *release
		sarchs := archs
		if len(s.archs) > 0 {
			sarchs = s.archs
		}
		for _, comp := range s.components {
			for _, arch := range append(slices.Clone(sarchs), "all") {
				base := prefix + quoteName(comp) + "_binary-" + arch + "_Packages"
				if seen[base] {
					continue
				}
				seen[base] = true
				p, idx, err := findList(root, base)
				if err != nil {
					return nil, err
				}
				if p == "" {
					continue
				}
				if rel == nil {
					if rel, err = readRelease(root, prefix); err != nil {
						return nil, err
					}
					rel.Site = s.site()
				}
				out = append(out, &indexFile{rel: rel, comp: comp, arch: arch, path: p, compression: idx})
			}
		}
	}
	return out, nil
}

// readRelease reads the InRelease (else Release) file of a suite.
func readRelease(root hostfs.Root, prefix string) (*release, error) {
	for _, n := range []string{"InRelease", "Release"} {
		p := "/var/lib/apt/lists/" + prefix + n
		b, err := root.ReadFileLimit(p, 64<<20)
		if isNotExist(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("release: %w", err)
		}
		r, err := parseRelease(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		r.File = prefix + n
		return r, nil
	}
	return nil, fmt.Errorf("%w: %sPackages has no InRelease or Release file", ErrUndecidable, prefix)
}

// readLists reads the Packages files, two at a time, keeping the stanzas
// of installed packages.
func readLists(root hostfs.Root, files []*indexFile, inst map[pkgKey]*installed, native string) error {
	type found struct {
		key pkgKey
		v   version
	}
	names := make(map[string]bool, len(inst))
	for k := range inst {
		names[k.name] = true
	}
	results := make([][]found, len(files))
	errs := make([]error, len(files))
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for i, f := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r, c, err := openList(root, f.path, f.compression)
			if err != nil {
				errs[i] = err
				return
			}
			defer c.Close()
			sr := newStanzaReader(r, false, "Package", "Version", "Architecture", "Source", "Phased-Update-Percentage")
			keep := func(name string) bool { return names[name] }
			for sr.next(keep) {
				v := sr.vals
				if v[0] == "" || v[1] == "" || v[2] == "" {
					errs[i] = fmt.Errorf("%s: %w: a stanza without Package, Version or Architecture", f.path, ErrUndecidable)
					return
				}
				arch := v[2]
				if arch == "all" {
					arch = native
				}
				if _, ok := inst[pkgKey{v[0], arch}]; !ok {
					continue
				}
				src := v[0]
				if v[3] != "" {
					src, _, _ = strings.Cut(v[3], " ")
				}
				phased := 100
				if v[4] != "" {
					n := 0
					if _, err := fmt.Sscanf(v[4], "%d", &n); err != nil || n < 0 || n > 100 {
						errs[i] = fmt.Errorf("%s: %w: Phased-Update-Percentage %q", f.path, ErrUndecidable, v[4])
						return
					}
					phased = n
				}
				results[i] = append(results[i], found{pkgKey{v[0], arch}, version{ver: v[1], arch: v[2], source: src, phased: phased}})
			}
			if err := sr.Err(); err != nil {
				errs[i] = fmt.Errorf("%s: %w", f.path, err)
			}
		}()
	}
	wg.Wait()
	for i, f := range files {
		if errs[i] != nil {
			if errors.Is(errs[i], ErrUndecidable) {
				return errs[i]
			}
			return fmt.Errorf("%w: %w", ErrUndecidable, errs[i])
		}
		for _, fd := range results[i] {
			ip := inst[fd.key]
			var v *version
			for _, have := range ip.versions {
				if have.ver == fd.v.ver {
					v = have
					break
				}
			}
			if v == nil {
				nv := fd.v
				v = &nv
				ip.versions = append(ip.versions, v)
			}
			if !slices.Contains(v.files, f) {
				v.files = append(v.files, f)
			}
		}
	}
	return nil
}

func isNotExist(err error) bool { return err != nil && errors.Is(err, fs.ErrNotExist) }

// Files are the files Evaluate reads (globs), for the collector's
// declared sources.
var Files = []string{
	"/var/lib/dpkg/status", "/var/lib/dpkg/arch",
	"/etc/apt/sources.list", "/etc/apt/sources.list.d/*.list", "/etc/apt/sources.list.d/*.sources",
	"/var/lib/apt/lists/*_Packages", "/var/lib/apt/lists/*_Packages.{lz4,gz,xz,bz2,lzma,zst} (zst: seen, then apt-get)",
	"/etc/apt/preferences", "/etc/apt/preferences.d/*",
	"/etc/apt/apt.conf", "/etc/apt/apt.conf.d/*",
}
