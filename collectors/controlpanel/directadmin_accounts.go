package controlpanel

import (
	"bufio"
	"bytes"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/report"
)

// DirectAdmin's account files: one directory per account under daUsers,
// whose domains/<domain>.conf holds key=value lines, among them
// php1_select=N, the CustomBuild PHP slot the domain runs (slot 1 when the
// line is absent). CustomBuild's options.conf maps slots to releases
// (php1_release=8.3, php2_release=7.4, "no" for an unused slot). A
// domain's document root is /home/<user>/domains/<domain>/public_html.
const (
	daUsers      = "/usr/local/directadmin/data/users"
	daOptionsCnf = "/usr/local/directadmin/custombuild/options.conf"
)

// daSlotRE is a php<N>_release key of options.conf.
var daSlotRE = regexp.MustCompile(`^php([1-4])_release$`)

// daReleaseRE is a PHP release as options.conf writes it ("8.3").
var daReleaseRE = regexp.MustCompile(`^([5-9])\.([0-9]{1,2})$`)

// daAccounts reads every account's domains and the PHP each runs, bounded
// like cPanel's (report.MaxAccounts, report.MaxAccountDomains).
func (c *Collector) daAccounts(a *collectors.Recorder) []report.Account {
	users := c.accountUsers(a, daUsers)
	if len(users) == 0 {
		return nil
	}
	slots := c.daPHPSlots(a)
	var out []report.Account
	for _, u := range users {
		if acct, ok := c.daAccount(a, u, slots); ok {
			out = append(out, acct)
		}
	}
	return out
}

// daAccount reads one account's domain files.
func (c *Collector) daAccount(a *collectors.Recorder, user string, slots map[int]string) (report.Account, bool) {
	dir := path.Join(daUsers, user, "domains")
	files, err := c.deps.Root.ListDir(dir, 8*report.MaxAccountDomains, true)
	if a.ReadProblemNote(dir, err) != collectors.Read {
		return report.Account{}, false
	}
	acct := report.Account{Panel: "directadmin", User: user, Domains: []report.AccountDomain{}}
	for _, f := range files.Entries {
		domain, ok := strings.CutSuffix(f.Name(), ".conf")
		if !ok || !f.Type().IsRegular() || !strings.Contains(domain, ".") || strings.ContainsAny(domain, "/ ") ||
			strings.HasSuffix(domain, ".hotlink") || strings.HasSuffix(domain, ".cust_httpd") {
			continue
		}
		if len(acct.Domains) == report.MaxAccountDomains {
			a.Note("%s: more than %d domains; the rest are not listed", dir, report.MaxAccountDomains)
			break
		}
		b, st := c.read(a, path.Join(dir, f.Name()), headLimit, true)
		if st != collectors.Read {
			continue
		}
		slot, set := ParseDirectAdminDomainConf(b)
		dom := report.AccountDomain{Name: domain, DocumentRoot: path.Join("/home", user, "domains", domain, "public_html")}
		if rel := slots[slot]; rel != "" {
			dom.PHP, dom.PHPInherited = "da-php"+strings.ReplaceAll(rel, ".", ""), !set
		}
		acct.Domains = append(acct.Domains, dom)
	}
	if len(acct.Domains) == 0 {
		return report.Account{}, false
	}
	sort.Slice(acct.Domains, func(i, j int) bool { return acct.Domains[i].Name < acct.Domains[j].Name })
	return acct, true
}

// daPHPSlots maps CustomBuild's PHP slots to their releases ("8.3").
func (c *Collector) daPHPSlots(a *collectors.Recorder) map[int]string {
	b, err := c.deps.Root.ReadHead(daOptionsCnf, headLimit)
	if a.ReadProblemNote(daOptionsCnf, err) != collectors.Read {
		return nil
	}
	return ParseCustomBuildPHPSlots(b)
}

// ParseCustomBuildPHPSlots reads the php<N>_release lines of CustomBuild's
// options.conf: slot → release, unused ("no") and malformed slots left out.
func ParseCustomBuildPHPSlots(b []byte) map[int]string {
	out := map[int]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok {
			continue
		}
		m := daSlotRE.FindStringSubmatch(k)
		if m == nil || !daReleaseRE.MatchString(v) {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		out[n] = v
	}
	return out
}

// ParseDirectAdminDomainConf returns the PHP slot a DirectAdmin domain
// file selects (php1_select=N), 1 with set false when it names none or a
// value out of range.
func ParseDirectAdminDomainConf(b []byte) (slot int, set bool) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "php1_select=")
		if !ok {
			continue
		}
		if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= 4 {
			return n, true
		}
		return 1, false
	}
	return 1, false
}
