package controlpanel

import (
	"bufio"
	"bytes"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/report"
)

// cPanel's account files: one directory per account under cpanelUserdata,
// holding one YAML file per domain (documentroot, servername, user, owner,
// phpversion: ea-php74), beside files of other kinds (main, cache,
// <domain>_SSL, <domain>.cache, <domain>.php-fpm.yaml). A domain without
// phpversion runs the server's default, which EasyApache 4 keeps as
// "default: ea-php81" in cpanelPHPConf.
const (
	cpanelUserdata = "/var/cpanel/userdata"
	cpanelPHPConf  = "/etc/cpanel/ea4/php.conf"
)

// phpInstanceRE is an EasyApache 4 PHP (or CloudLinux alt-php) name.
var phpInstanceRE = regexp.MustCompile(`^(?:ea|alt)-php[5-9][0-9]{1,2}$`)

// userdataSkip are the names of the files of an account's userdata
// directory that are not a domain's.
var userdataSkip = []string{"main", "cache", "main.cache", "main.json"}

// userdataSkipSuffixes end the names of the per-domain files that are not
// the domain's own (SSL vhost, caches, PHP-FPM pool settings).
var userdataSkipSuffixes = []string{"_SSL", ".cache", ".yaml", ".json", ".db", ".lock", ".bak"}

// cpanelAccounts reads every account's domains, document roots and PHP
// versions, bounded by report.MaxAccounts and report.MaxAccountDomains; a
// note says when a bound cut the list or the files are unreadable
// (root-only on a real server).
func (c *Collector) cpanelAccounts(a *collectors.Recorder) []report.Account {
	users := c.accountUsers(a, cpanelUserdata, "nobody")
	if len(users) == 0 {
		return nil
	}
	def := c.cpanelDefaultPHP(a)
	var out []report.Account
	for _, u := range users {
		if acct, ok := c.cpanelAccount(a, u, def); ok {
			out = append(out, acct)
		}
	}
	return out
}

// accountUsers lists the account directories a panel keeps under dir
// (one per system user; hidden ones and skip left out), at most
// report.MaxAccounts with a note past it; nil when dir is absent or
// unreadable (noted).
func (c *Collector) accountUsers(a *collectors.Recorder, dir string, skip ...string) []string {
	return c.subdirs(a, dir, report.MaxAccounts, "accounts", skip...)
}

// subdirs lists the subdirectories of dir (hidden ones and skip left
// out), at most max with a note past it naming what they are ("accounts",
// "domains"); nil when dir is absent or unreadable (noted).
func (c *Collector) subdirs(a *collectors.Recorder, dir string, max int, what string, skip ...string) []string {
	l, err := c.deps.Root.ListDir(dir, max*2, true)
	if a.ReadProblemNote(dir, err) != collectors.Read {
		return nil
	}
	var out []string
	for _, e := range l.Entries {
		n := e.Name()
		if !e.IsDir() || strings.HasPrefix(n, ".") || slices.Contains(skip, n) {
			continue
		}
		if len(out) == max {
			a.Note("%s: more than %d %s; the rest are not listed", dir, max, what)
			break
		}
		out = append(out, n)
	}
	if l.Capped && len(out) < max {
		a.Note("%s: more than %d entries; not every one was examined", dir, max*2)
	}
	return out
}

// cpanelAccount reads one account's domain files.
func (c *Collector) cpanelAccount(a *collectors.Recorder, user, defaultPHP string) (report.Account, bool) {
	dir := path.Join(cpanelUserdata, user)
	files, err := c.deps.Root.ListDir(dir, 4*report.MaxAccountDomains, true)
	if a.ReadProblemNote(dir, err) != collectors.Read {
		return report.Account{}, false
	}
	acct := report.Account{Panel: "cpanel", User: user, Domains: []report.AccountDomain{}}
	for _, f := range files.Entries {
		if !f.Type().IsRegular() || !isDomainFile(f.Name()) {
			continue
		}
		if len(acct.Domains) == report.MaxAccountDomains {
			a.Note("%s: more than %d domains; the rest are not listed", dir, report.MaxAccountDomains)
			break
		}
		p := path.Join(dir, f.Name())
		b, st := c.read(a, p, headLimit, true)
		if st != collectors.Read {
			continue
		}
		d := ParseCPanelUserdata(b)
		if d.User != "" && d.User != user {
			a.Note("%s: names user %q, not the account %q; not listed", p, d.User, user)
			continue
		}
		dom := report.AccountDomain{Name: firstNonEmpty(d.ServerName, f.Name()), DocumentRoot: d.DocumentRoot, PHP: d.PHP}
		if dom.PHP == "" && defaultPHP != "" {
			dom.PHP, dom.PHPInherited = defaultPHP, true
		}
		acct.Domains = append(acct.Domains, dom)
		if acct.Owner == "" {
			acct.Owner = d.Owner
		}
	}
	if files.Capped {
		a.Note("%s: more than %d entries; not every domain was examined", dir, 4*report.MaxAccountDomains)
	}
	if len(acct.Domains) == 0 {
		return report.Account{}, false
	}
	sort.Slice(acct.Domains, func(i, j int) bool { return acct.Domains[i].Name < acct.Domains[j].Name })
	return acct, true
}

// isDomainFile reports whether a userdata file name is a domain's own.
func isDomainFile(name string) bool {
	if !strings.Contains(name, ".") || strings.HasPrefix(name, ".") {
		return false
	}
	for _, s := range userdataSkip {
		if name == s {
			return false
		}
	}
	for _, s := range userdataSkipSuffixes {
		if strings.HasSuffix(name, s) {
			return false
		}
	}
	return true
}

// cpanelDefaultPHP is EasyApache 4's default PHP ("ea-php81"), "" when
// unknown.
func (c *Collector) cpanelDefaultPHP(a *collectors.Recorder) string {
	b, err := c.deps.Root.ReadHead(cpanelPHPConf, headLimit)
	if a.ReadProblemNote(cpanelPHPConf, err) != collectors.Read {
		return ""
	}
	v := topLevelYAML(b)["default"]
	if !phpInstanceRE.MatchString(v) {
		return ""
	}
	return v
}

// CPanelDomain is what one userdata domain file says.
type CPanelDomain struct {
	ServerName, DocumentRoot, User, Owner string
	// PHP is phpversion ("ea-php74"); "" when the domain inherits.
	PHP string
}

// ParseCPanelUserdata reads the top-level keys of a cPanel userdata
// domain file (YAML written by cPanel: "key: value" lines, nested lists
// indented). Values that are not plausible are left empty, never guessed.
func ParseCPanelUserdata(b []byte) CPanelDomain {
	kv := topLevelYAML(b)
	d := CPanelDomain{
		ServerName:   kv["servername"],
		DocumentRoot: kv["documentroot"],
		User:         kv["user"],
		Owner:        kv["owner"],
	}
	if v := kv["phpversion"]; phpInstanceRE.MatchString(v) {
		d.PHP = v
	}
	if !strings.HasPrefix(d.DocumentRoot, "/") {
		d.DocumentRoot = ""
	} else {
		d.DocumentRoot = path.Clean(d.DocumentRoot)
	}
	if strings.ContainsAny(d.ServerName, " /\\") {
		d.ServerName = ""
	}
	return d
}

// topLevelYAML returns the unindented "key: value" pairs of a simple YAML
// file, quotes removed; nested blocks and list items are skipped.
func topLevelYAML(b []byte) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == ' ' || line[0] == '\t' || line[0] == '-' || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), `'"`)
		if _, dup := out[k]; !dup && v != "" {
			out[strings.TrimSpace(k)] = v
		}
	}
	return out
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
