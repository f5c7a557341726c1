package repomd

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/demarc/demarc/internal/decompress"
	"github.com/demarc/demarc/internal/hostfs"
)

// maxMetadata caps one decompressed metadata file: a large repository's
// primary.xml (RHEL AppStream, EPEL) is a few hundred MiB at most.
const maxMetadata = 1 << 30

// repomdDoc is repomd.xml: the metadata files of one repository.
type repomdDoc struct {
	Data []struct {
		Type     string `xml:"type,attr"`
		Location struct {
			Href string `xml:"href,attr"`
		} `xml:"location"`
	} `xml:"data"`
}

// location returns the href of the metadata of type t, "" when absent.
func (d *repomdDoc) location(t string) string {
	for _, x := range d.Data {
		if x.Type == t {
			return x.Location.Href
		}
	}
	return ""
}

// open opens a metadata file of the cache directory dir (a path inside the
// root) by its repomd href, decompressed by its name's suffix.
func open(root hostfs.Root, dir, href string) (io.ReadCloser, string, error) {
	if href == "" || strings.Contains(href, "..") {
		return nil, "", fmt.Errorf("%w: metadata location %q", ErrUndecidable, href)
	}
	p := path.Join(dir, "repodata", path.Base(href))
	f, err := root.Open(p)
	if err != nil {
		return nil, p, fmt.Errorf("%w: %s: %w", ErrUndecidable, p, err)
	}
	if strings.HasSuffix(p, ".xml") || strings.HasSuffix(p, ".yaml") {
		return readCloser{io.LimitReader(f, maxMetadata), f.Close}, p, nil
	}
	d, err := decompress.Reader(p, f)
	if err != nil {
		f.Close()
		if errors.Is(err, decompress.ErrUnknown) {
			return nil, p, fmt.Errorf("%w: %s: unknown compression", ErrUndecidable, p)
		}
		return nil, p, fmt.Errorf("%s: %w", p, err)
	}
	return readCloser{io.LimitReader(d, maxMetadata), func() error { d.Close(); return f.Close() }}, p, nil
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }

// Available is one package a repository offers.
type Available struct {
	Name, Arch, EVR string
	Repo            string
	Obsoletes       []Dep
}

// Dep is one dependency entry (name, flags, [epoch:]version[-release]).
type Dep struct {
	Name, Flags, EVR string
}

type primaryPkg struct {
	Type    string `xml:"type,attr"`
	Name    string `xml:"name"`
	Arch    string `xml:"arch"`
	Version struct {
		Epoch string `xml:"epoch,attr"`
		Ver   string `xml:"ver,attr"`
		Rel   string `xml:"rel,attr"`
	} `xml:"version"`
	Obsoletes []struct {
		Name  string `xml:"name,attr"`
		Flags string `xml:"flags,attr"`
		Epoch string `xml:"epoch,attr"`
		Ver   string `xml:"ver,attr"`
		Rel   string `xml:"rel,attr"`
	} `xml:"format>obsoletes>entry"`
}

// evr formats an epoch, version and release as pkgdb does: epoch left
// out when absent or 0, release when absent.
func evr(epoch, ver, rel string) string {
	s := ver
	if rel != "" {
		s += "-" + rel
	}
	if epoch != "" && epoch != "0" {
		s = epoch + ":" + s
	}
	return s
}

// parsePrimaryXML reads primary.xml's packages (source packages skipped)
// with encoding/xml: the reference for parsePrimary, and its reader of
// any package element it does not read itself.
func parsePrimaryXML(r io.Reader, repo string) ([]Available, error) {
	d := xml.NewDecoder(r)
	var out []Available
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: primary: %v", ErrMalformed, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "package" {
			continue
		}
		var p primaryPkg
		if err := d.DecodeElement(&p, &se); err != nil {
			return nil, fmt.Errorf("%w: primary: %v", ErrMalformed, err)
		}
		a, ok, err := p.available(repo)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// available checks a decoded package; ok is false for source packages.
func (p *primaryPkg) available(repo string) (Available, bool, error) {
	if p.Name == "" || p.Arch == "" || p.Version.Ver == "" || p.Version.Rel == "" {
		return Available{}, false, fmt.Errorf("%w: primary: a package without name, arch, version or release", ErrMalformed)
	}
	if p.Arch == "src" || p.Arch == "nosrc" {
		return Available{}, false, nil
	}
	a := Available{Name: p.Name, Arch: p.Arch, EVR: evr(p.Version.Epoch, p.Version.Ver, p.Version.Rel), Repo: repo}
	for _, o := range p.Obsoletes {
		a.Obsoletes = append(a.Obsoletes, Dep{Name: o.Name, Flags: o.Flags, EVR: evr(o.Epoch, o.Ver, o.Rel)})
	}
	return a, true, nil
}

// Advisory is one updateinfo advisory.
type Advisory struct {
	// ID is its id (SUSE's patch name); Type "security", "bugfix",
	// "recommended"…; Status "stable", "final", "retracted"…
	ID, Type, Status, Severity string
	CVEs                       []string
	Packages                   []AdvisoryPackage
}

// AdvisoryPackage is one package an advisory updates to.
type AdvisoryPackage struct{ Name, Arch, EVR string }

// updateElem is one <update> of updateinfo.xml.
type updateElem struct {
	Type     string `xml:"type,attr"`
	Status   string `xml:"status,attr"`
	ID       string `xml:"id"`
	Severity string `xml:"severity"`
	Refs     []struct {
		Type string `xml:"type,attr"`
		ID   string `xml:"id,attr"`
	} `xml:"references>reference"`
	Packages []struct {
		Name    string `xml:"name,attr"`
		Epoch   string `xml:"epoch,attr"`
		Version string `xml:"version,attr"`
		Release string `xml:"release,attr"`
		Arch    string `xml:"arch,attr"`
	} `xml:"pkglist>collection>package"`
}

// parseUpdateinfo reads updateinfo.xml, one <update> at a time, keeping
// the advisories keep accepts by id (all when keep is nil): a large
// repository's updateinfo (SUSE's modules carry thousands of advisories)
// is never held whole. A document without any element, or that breaks
// off, is an error wrapping ErrMalformed, as is an advisory without id or
// a package without name, version or arch.
func parseUpdateinfo(r io.Reader, keep func(id string) bool) ([]Advisory, error) {
	d := xml.NewDecoder(r)
	var out []Advisory
	root := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: updateinfo: %v", ErrMalformed, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if !root {
			root = true
			continue
		}
		if se.Name.Local != "update" {
			continue
		}
		var u updateElem
		if err := d.DecodeElement(&u, &se); err != nil {
			return nil, fmt.Errorf("%w: updateinfo: %v", ErrMalformed, err)
		}
		a, err := u.advisory()
		if err != nil {
			return nil, err
		}
		if keep == nil || keep(a.ID) {
			out = append(out, a)
		}
	}
	if !root {
		return nil, fmt.Errorf("%w: updateinfo: no element", ErrMalformed)
	}
	return out, nil
}

// advisory checks one decoded <update>.
func (u *updateElem) advisory() (Advisory, error) {
	if u.ID == "" {
		return Advisory{}, fmt.Errorf("%w: updateinfo: an advisory without id", ErrMalformed)
	}
	a := Advisory{ID: u.ID, Type: u.Type, Status: u.Status, Severity: strings.TrimSpace(u.Severity)}
	for _, ref := range u.Refs {
		if ref.Type == "cve" && ref.ID != "" {
			a.CVEs = append(a.CVEs, ref.ID)
		}
	}
	for _, p := range u.Packages {
		if p.Name == "" || p.Version == "" || p.Arch == "" {
			return Advisory{}, fmt.Errorf("%w: updateinfo %s: a package without name, version or arch", ErrMalformed, u.ID)
		}
		a.Packages = append(a.Packages, AdvisoryPackage{Name: p.Name, Arch: p.Arch, EVR: evr(p.Epoch, p.Version, p.Release)})
	}
	return a, nil
}

// moduleDoc is one document of modules.yaml: modulemd documents list
// their packages as artifacts ("name-epoch:version-release.arch").
type moduleDoc struct {
	Document string `yaml:"document"`
	Data     struct {
		Artifacts struct {
			RPMs []string `yaml:"rpms"`
		} `yaml:"artifacts"`
	} `yaml:"data"`
}

// moduleNames returns the package names the modules of modules.yaml ship.
func moduleNames(r io.Reader) (map[string]bool, error) {
	out := map[string]bool{}
	d := yaml.NewDecoder(r)
	for {
		var doc moduleDoc
		err := d.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: modules: %v", ErrMalformed, err)
		}
		for _, a := range doc.Data.Artifacts.RPMs {
			name, ok := nevraName(a)
			if !ok {
				return nil, fmt.Errorf("%w: modules: artifact %q", ErrMalformed, a)
			}
			out[name] = true
		}
	}
}

// nevraName is the name of "name-[epoch:]version-release.arch".
func nevraName(s string) (string, bool) {
	dot := strings.LastIndexByte(s, '.')
	if dot <= 0 {
		return "", false
	}
	rest := s[:dot]
	for range 2 {
		i := strings.LastIndexByte(rest, '-')
		if i <= 0 {
			return "", false
		}
		rest = rest[:i]
	}
	return rest, true
}
