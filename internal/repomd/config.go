package repomd

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/demarc/demarc/internal/hostfs"
)

// ini is one parsed dnf/yum configuration file: sections of keys, keys
// lower-cased, the last assignment winning, continuation lines (leading
// whitespace) appended with a space.
type ini map[string]map[string]string

func parseINI(b []byte) (ini, error) {
	out := ini{}
	var sec, last string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		raw := sc.Text()
		line := strings.TrimSpace(raw)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if (raw[0] == ' ' || raw[0] == '\t') && sec != "" && last != "" {
			out[sec][last] += " " + line
			continue
		}
		if line[0] == '[' {
			if !strings.HasSuffix(line, "]") {
				return nil, fmt.Errorf("line %d: %w: section %q", n, ErrUndecidable, line)
			}
			sec, last = strings.TrimSpace(line[1:len(line)-1]), ""
			if out[sec] == nil {
				out[sec] = map[string]string{}
			}
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || sec == "" {
			return nil, fmt.Errorf("line %d: %w: %q", n, ErrUndecidable, line)
		}
		last = strings.ToLower(strings.TrimSpace(k))
		out[sec][last] = strings.TrimSpace(v)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// boolean reads a dnf boolean ("1", "yes", "true", "on"; "0", "no",
// "false", "off"); def when absent.
func boolean(v string, def bool) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "":
		return def, nil
	case "1", "yes", "true", "on":
		return true, nil
	case "0", "no", "false", "off":
		return false, nil
	}
	return false, fmt.Errorf("%w: boolean %q", ErrUndecidable, v)
}

// list splits a dnf list option (comma or whitespace separated).
func list(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
}

// Repo is one configured repository.
type Repo struct {
	ID       string
	Enabled  bool
	URL      string // the metalink, mirrorlist or first baseurl, variables expanded: what dnf hashes for the cache directory
	Priority int
	Exclude  []string
	Include  []string
	File     string
}

// config is what evaluation needs of the root's dnf configuration.
type config struct {
	repos   []Repo
	exclude []string // [main] exclude/excludepkgs
	include []string // [main] includepkgs
	vars    map[string]string
	files   []string // every file read, for the source
}

// readConfig reads /etc/dnf/dnf.conf [main], the variables and every
// /etc/yum.repos.d/*.repo (or the reposdir [main] names) of the root;
// releasever and basearch are what dnf would detect, from the package
// database ("" when unknown).
func readConfig(root hostfs.Root, releasever, basearch string) (*config, error) {
	c := &config{vars: map[string]string{}}
	mainConf := "/etc/dnf/dnf.conf"
	b, err := root.ReadFileLimit(mainConf, 1<<20)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUndecidable, mainConf, err)
	}
	c.files = append(c.files, mainConf)
	conf, err := parseINI(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", mainConf, err)
	}
	m := conf["main"]
	for _, k := range []string{"exclude", "excludepkgs"} {
		c.exclude = append(c.exclude, list(m[k])...)
	}
	c.include = list(m["includepkgs"])
	for _, k := range []string{"disable_excludes", "installroot", "module_platform_id", "varsdir", "config_file_path", "include"} {
		if m[k] != "" {
			return nil, fmt.Errorf("%w: %s sets %s", ErrUndecidable, mainConf, k)
		}
	}
	if plugins, err := boolean(m["plugins"], true); err != nil {
		return nil, err
	} else if plugins {
		if err := checkPlugins(root, m["pluginconfpath"]); err != nil {
			return nil, err
		}
	}
	// Variables: the files of /etc/dnf/vars, then the detected ones
	// (dnf.conf's releasever outranks detection).
	if entries, err := root.ReadDir("/etc/dnf/vars"); err == nil {
		for _, e := range entries {
			if !e.Type().IsRegular() {
				continue
			}
			v, err := root.ReadFileLimit("/etc/dnf/vars/"+e.Name(), 4096)
			if err != nil {
				return nil, fmt.Errorf("%w: /etc/dnf/vars/%s: %v", ErrUndecidable, e.Name(), err)
			}
			c.vars[e.Name()] = strings.TrimSpace(strings.SplitN(string(v), "\n", 2)[0])
		}
	}
	if m["releasever"] != "" {
		c.vars["releasever"] = m["releasever"]
	}
	if c.vars["releasever"] == "" && releasever != "" {
		c.vars["releasever"] = releasever
	}
	if basearch != "" {
		c.vars["basearch"] = basearch
		if basearch != "i386" && basearch != "armhfp" { // there $arch is the machine's (i686, armv7hl): unknown
			c.vars["arch"] = basearch
		}
	}
	dirs := ReposDirs
	if m["reposdir"] != "" {
		dirs = list(m["reposdir"])
	}
	seen := map[string]bool{}
	for _, d := range dirs {
		if !strings.HasPrefix(d, "/") {
			return nil, fmt.Errorf("%w: relative reposdir %q", ErrUndecidable, d)
		}
		entries, err := root.ReadDir(d)
		if err != nil {
			continue
		}
		var names []string
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".repo") {
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
		for _, n := range names {
			p := path.Join(d, n)
			b, err := root.ReadFileLimit(p, 1<<20)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: %v", ErrUndecidable, p, err)
			}
			c.files = append(c.files, p)
			f, err := parseINI(b)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			for id, kv := range f {
				if id == "main" {
					continue
				}
				if seen[id] {
					return nil, fmt.Errorf("%w: repository %s defined twice", ErrUndecidable, id)
				}
				seen[id] = true
				r, err := c.repo(id, kv, p)
				if err != nil {
					return nil, fmt.Errorf("%s [%s]: %w", p, id, err)
				}
				c.repos = append(c.repos, r)
			}
		}
	}
	sort.Slice(c.repos, func(i, j int) bool { return c.repos[i].ID < c.repos[j].ID })
	for _, g := range c.exclude {
		if strings.HasPrefix(g, "/") {
			return nil, fmt.Errorf("%w: exclude %q names a file", ErrUndecidable, g)
		}
	}
	for _, r := range c.repos {
		for _, g := range append(append([]string{}, r.Exclude...), r.Include...) {
			if strings.HasPrefix(g, "/") {
				return nil, fmt.Errorf("%w: repository %s: exclude %q names a file", ErrUndecidable, r.ID, g)
			}
		}
	}
	return c, nil
}

func (c *config) repo(id string, kv map[string]string, file string) (Repo, error) {
	r := Repo{ID: id, Priority: 99, File: file}
	var err error
	if r.Enabled, err = boolean(kv["enabled"], true); err != nil {
		return r, err
	}
	if v := kv["priority"]; v != "" {
		if _, err := fmt.Sscan(v, &r.Priority); err != nil {
			return r, fmt.Errorf("%w: priority %q", ErrUndecidable, v)
		}
	}
	for _, k := range []string{"exclude", "excludepkgs"} {
		r.Exclude = append(r.Exclude, list(kv[k])...)
	}
	r.Include = list(kv["includepkgs"])
	if !r.Enabled {
		return r, nil
	}
	if kv["module_hotfixes"] != "" {
		if hot, _ := boolean(kv["module_hotfixes"], false); hot {
			return r, fmt.Errorf("%w: module_hotfixes", ErrUndecidable)
		}
	}
	url := kv["metalink"]
	if url == "" {
		url = kv["mirrorlist"]
	}
	if url == "" {
		if bu := list(kv["baseurl"]); len(bu) > 0 {
			url = bu[0]
		}
	}
	if url == "" {
		url = id
	}
	if r.URL, err = c.expand(url); err != nil {
		return r, err
	}
	return r, nil
}

// expand substitutes $var and ${var}; an unknown variable is undecidable
// (the cache directory's name depends on it).
func (c *config) expand(s string) (string, error) {
	var out strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			out.WriteByte(s[i])
			continue
		}
		j := i + 1
		var name string
		if j < len(s) && s[j] == '{' {
			k := strings.IndexByte(s[j:], '}')
			if k < 0 {
				return "", fmt.Errorf("%w: unterminated variable in %q", ErrUndecidable, s)
			}
			name, i = s[j+1:j+k], j+k
			if strings.ContainsAny(name, ":-+") {
				return "", fmt.Errorf("%w: variable expression ${%s}", ErrUndecidable, name)
			}
		} else {
			k := j
			for k < len(s) && (s[k] == '_' || s[k] >= 'a' && s[k] <= 'z' || s[k] >= 'A' && s[k] <= 'Z' || s[k] >= '0' && s[k] <= '9') {
				k++
			}
			name, i = s[j:k], k-1
		}
		v, ok := c.vars[name]
		if !ok || v == "" {
			return "", fmt.Errorf("%w: variable $%s of %q unknown", ErrUndecidable, name, s)
		}
		out.WriteString(v)
	}
	return out.String(), nil
}

// checkPlugins refuses the plugins whose configuration changes what
// check-update lists (pluginsThatFilter) when enabled.
func checkPlugins(root hostfs.Root, confPath string) error {
	// The default directory and the configured ones alike: either may be
	// what dnf reads (a configured path is the host's, read inside the root).
	dirs := append([]string{"/etc/dnf/plugins"}, list(confPath)...)
	for _, d := range dirs {
		for _, name := range pluginsThatFilter {
			p := path.Join(d, name+".conf")
			b, err := root.ReadFileLimit(p, 1<<20)
			if err != nil {
				continue
			}
			f, err := parseINI(b)
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			if on, _ := boolean(f["main"]["enabled"], false); on {
				return fmt.Errorf("%w: the %s plugin is enabled (%s)", ErrUndecidable, name, p)
			}
		}
	}
	return nil
}

// pluginsThatFilter are dnf plugins that hide or pin packages.
var pluginsThatFilter = []string{"versionlock", "local", "priorities"}

// ReposDirs are dnf's default repository directories (reposdir): their
// *.repo files are read.
var ReposDirs = []string{"/etc/yum.repos.d", "/etc/yum/repos.d", "/etc/distro.repos.d"}
