package controlpanel

import (
	"bufio"
	"bytes"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/report"
)

// Plesk's files per domain (its database is not read): every domain with
// hosting, a subscription's own as well as its additional domains and
// subdomains, has a directory under pleskVhostsSystem whose conf/ holds
// the Apache configuration Plesk generates for it (conf/httpd.conf, named
// last_httpd.conf by older releases): DocumentRoot and SuexecUserGroup
// "<system user>" "psacln". A domain served by PHP-FPM also has a pool
// file <domain>.conf, section [<domain>], user = <system user>, in the
// pool directory of the PHP that runs it: one of Plesk's PHP builds
// (/opt/plesk/php/X.Y/etc/php-fpm.d) or, on Debian and Ubuntu, the
// distribution's (/etc/php/X.Y/fpm/pool.d). The system user is the
// subscription's: the domains of one subscription share it, and are one
// account.
const pleskVhostsSystem = "/var/www/vhosts/system"

// pleskHTTPDConfs are the names of a domain's Apache configuration in
// its conf/ directory, newest first.
var pleskHTTPDConfs = []string{"httpd.conf", "last_httpd.conf"}

// pleskPoolDir is a directory of PHP-FPM pools and the PHP that runs them.
type pleskPoolDir struct {
	glob string
	re   *regexp.Regexp
	// php names the PHP of a directory re matched (groups: major, minor)
	// as the applications collector names the instance: "plesk-php74";
	// "system-8.1" for the distribution's PHP 8.1 (see rules' accounts).
	php func(major, minor string) string
}

var pleskPoolDirs = []pleskPoolDir{
	{
		glob: "/opt/plesk/php/*/etc/php-fpm.d",
		re:   regexp.MustCompile(`^/opt/plesk/php/([5-9])\.([0-9]{1,2})/etc/php-fpm\.d$`),
		php:  func(x, y string) string { return "plesk-php" + x + y },
	},
	{
		glob: "/etc/php/*/fpm/pool.d",
		re:   regexp.MustCompile(`^/etc/php/([5-9])\.([0-9]{1,2})/fpm/pool\.d$`),
		php:  func(x, y string) string { return "system-" + x + "." + y },
	},
}

// pleskPoolGlobs are the pool directories' patterns, for Sources.
func pleskPoolGlobs() []string {
	var out []string
	for _, d := range pleskPoolDirs {
		out = append(out, d.glob)
	}
	return out
}

var (
	// pleskDomainRE is a domain name as Plesk names its directories
	// (internationalised names in their xn-- form).
	pleskDomainRE = regexp.MustCompile(`^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)+$`)
	// pleskUserRE is a system user name ("example.com_bc8fzauq68v").
	pleskUserRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$`)
)

// pleskPool is one domain's pool file and the PHP that runs it.
type pleskPool struct{ path, php string }

// pleskAccounts lists the domains under pleskVhostsSystem (at most
// report.MaxAccounts, noted past it), each with its system user,
// document root and PHP, grouped by system user into accounts of at most
// report.MaxAccountDomains domains. A domain whose system user no
// readable file names is left out, with a note.
func (c *Collector) pleskAccounts(a *collectors.Recorder) []report.Account {
	domains := c.subdirs(a, pleskVhostsSystem, report.MaxAccounts, "domains")
	if len(domains) == 0 {
		return nil
	}
	pools := c.pleskPools(a)
	byUser := map[string][]report.AccountDomain{}
	for _, name := range domains {
		if !pleskDomainRE.MatchString(name) || len(name) > 253 {
			continue
		}
		if user, d, ok := c.pleskDomain(a, name, pools[name]); ok {
			byUser[user] = append(byUser[user], d)
		}
	}
	users := make([]string, 0, len(byUser))
	for u := range byUser {
		users = append(users, u)
	}
	sort.Strings(users)
	out := make([]report.Account, 0, len(users))
	for _, u := range users {
		doms := byUser[u] // in directory order: sorted by name
		if len(doms) > report.MaxAccountDomains {
			a.Note("Plesk system user %s: more than %d domains; the rest are not listed", u, report.MaxAccountDomains)
			doms = doms[:report.MaxAccountDomains]
		}
		out = append(out, report.Account{Panel: "plesk", User: u, Domains: doms})
	}
	return out
}

// pleskDomain reads one domain's Apache configuration and pool file.
func (c *Collector) pleskDomain(a *collectors.Recorder, domain string, pools []pleskPool) (string, report.AccountDomain, bool) {
	d := report.AccountDomain{Name: domain}
	var vhost PleskVhost
	conf := path.Join(pleskVhostsSystem, domain, "conf")
	for _, name := range pleskHTTPDConfs {
		b, st := c.read(a, path.Join(conf, name), headLimit, true)
		if st == collectors.Absent {
			continue
		}
		vhost = ParsePleskVhost(b)
		break
	}
	d.DocumentRoot = vhost.DocumentRoot
	user := vhost.User
	if len(pools) > 1 {
		a.Note("Plesk domain %s: PHP-FPM pools in %d pool directories (%s first); the first is reported", domain, len(pools), pools[0].path)
	}
	if len(pools) > 0 {
		p := pools[0]
		if b, st := c.read(a, p.path, headLimit, true); st == collectors.Read {
			pool := ParsePleskPool(b)
			switch {
			case pool.Name != domain:
				a.Note("%s: its pool is not named [%s]; not read", p.path, domain)
			case pool.User == "":
				a.Note("%s: no valid user; the PHP it runs is not reported", p.path)
			default:
				if user != "" && user != pool.User {
					a.Note("Plesk domain %s: the Apache configuration names user %q, the PHP-FPM pool %q; the pool's is reported", domain, user, pool.User)
				}
				user, d.PHP = pool.User, p.php
			}
		}
	}
	if user == "" {
		a.Note("Plesk domain %s: no readable file names its system user; not listed", domain)
		return "", report.AccountDomain{}, false
	}
	return user, d, true
}

// pleskPools indexes the pool files of every pool directory by the
// domain they are named for (<domain>.conf), in pleskPoolDirs' order and
// then by version. Each directory is listed up to twice report.MaxAccounts
// entries (noted past it).
func (c *Collector) pleskPools(a *collectors.Recorder) map[string][]pleskPool {
	out := map[string][]pleskPool{}
	for _, pd := range pleskPoolDirs {
		dirs, _ := c.deps.Root.Glob(pd.glob)
		for _, dir := range dirs {
			m := pd.re.FindStringSubmatch(dir)
			if m == nil {
				continue
			}
			l, err := c.deps.Root.ListDir(dir, 2*report.MaxAccounts, true)
			if a.ReadProblemNote(dir, err) != collectors.Read {
				continue
			}
			if l.Capped {
				a.Note("%s: more than %d entries; not every pool was examined", dir, 2*report.MaxAccounts)
			}
			for _, e := range l.Entries {
				domain, ok := strings.CutSuffix(e.Name(), ".conf")
				if !ok || !e.Type().IsRegular() || !pleskDomainRE.MatchString(domain) {
					continue
				}
				out[domain] = append(out[domain], pleskPool{path: path.Join(dir, e.Name()), php: pd.php(m[1], m[2])})
			}
		}
	}
	return out
}

// PleskVhost is what a domain's Apache configuration says.
type PleskVhost struct {
	// DocumentRoot is the first absolute DocumentRoot, cleaned.
	DocumentRoot string
	// User is the first SuexecUserGroup's user.
	User string
}

// ParsePleskVhost reads the DocumentRoot and SuexecUserGroup directives
// of the Apache configuration Plesk writes for a domain
// (`DocumentRoot "/var/www/vhosts/example.com/httpdocs"`,
// `SuexecUserGroup "example.com_bc8fzauq68v" "psacln"`); the first of
// each wins (the HTTP and HTTPS virtual hosts repeat them). Values that
// are not plausible are left empty.
func ParsePleskVhost(b []byte) PleskVhost {
	var v PleskVhost
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		name, arg, ok := apacheDirective(sc.Text())
		switch {
		case !ok:
		case strings.EqualFold(name, "DocumentRoot") && v.DocumentRoot == "":
			if strings.HasPrefix(arg, "/") && !strings.ContainsAny(arg, "\x00'") {
				v.DocumentRoot = path.Clean(arg)
			}
		case strings.EqualFold(name, "SuexecUserGroup") && v.User == "":
			if pleskUserRE.MatchString(arg) {
				v.User = arg
			}
		}
	}
	return v
}

// apacheDirective splits an Apache configuration line into the
// directive's name and its first argument, unquoted (`Name "a b" c` is
// Name, "a b"); ok is false for a line with no argument or an unclosed
// quote.
func apacheDirective(line string) (name, arg string, ok bool) {
	line = strings.TrimSpace(line)
	i := strings.IndexAny(line, " \t")
	if i < 0 {
		return line, "", false
	}
	name, rest := line[:i], strings.TrimLeft(line[i:], " \t")
	if q, quoted := strings.CutPrefix(rest, `"`); quoted {
		arg, _, ok = strings.Cut(q, `"`)
		return name, arg, ok && arg != ""
	}
	if f := strings.Fields(rest); len(f) > 0 {
		return name, f[0], true
	}
	return name, "", false
}

// PleskPool is what a PHP-FPM pool file says.
type PleskPool struct {
	// Name is the first section's name, the pool's: Plesk names it for
	// the domain ([example.com]); "" when it is no domain name.
	Name string
	// User is the first section's user, the system user PHP runs as.
	User string
}

// ParsePleskPool reads the first section of a PHP-FPM pool file (INI:
// "[name]", "key = value" lines, ";" comments); later sections are not
// read. Values that are not plausible are left empty.
func ParsePleskPool(b []byte) PleskPool {
	var p PleskPool
	in := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == ';' || line[0] == '#' {
			continue
		}
		if line[0] == '[' {
			if in {
				break
			}
			in = true
			if name, ok := strings.CutSuffix(line[1:], "]"); ok && pleskDomainRE.MatchString(name) && len(name) <= 253 {
				p.Name = name
			}
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !in || !ok || strings.TrimSpace(k) != "user" {
			continue
		}
		if v = strings.Trim(strings.TrimSpace(v), `"'`); p.User == "" && pleskUserRE.MatchString(v) {
			p.User = v
		}
	}
	return p
}
