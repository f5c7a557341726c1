package rules

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/demarc/demarc/report"
)

// maxAccountsShown bounds the accounts one evidence line names.
const maxAccountsShown = 20

// accountEvidence says which hosting accounts a component concerns, from
// the accounts a control panel lists (Host.Accounts): for a PHP instance,
// every account with a site on it ("accounts: bob (addon.example.net),
// carol (carol.example.org by default)"); for a site found in a
// docroot, the account and domain whose document root holds it. Nothing
// when the panel lists no accounts.
func (x *evaluation) accountEvidence(c report.Component) []string {
	accts := x.in.Host.Accounts
	if len(accts) == 0 {
		return nil
	}
	var ev []string
	if inst := detail(c, "instance"); inst != "" {
		if line := accountsOn(accts, inst, detail(c, "branch")); line != "" {
			ev = append(ev, line)
		}
	}
	if site := detail(c, "path"); site != "" {
		if a, d, ok := x.siteAccount(site); ok {
			ev = append(ev, fmt.Sprintf("%s%s (%s, document root %s)", report.AccountEvidence, clean(a.User), clean(d.Name), clean(d.DocumentRoot)))
		}
	}
	return ev
}

// accountsOn names the accounts with a site on the PHP instance inst of
// branch ("7.4").
func accountsOn(accts []report.Account, inst, branch string) string {
	var names []string
	for _, a := range accts {
		var doms []string
		for _, d := range a.Domains {
			if runsOn(d.PHP, inst, branch) {
				name := clean(d.Name)
				if d.PHPInherited {
					name += " by default"
				}
				doms = append(doms, name)
			}
		}
		if len(doms) > 0 {
			names = append(names, clean(a.User)+" ("+strings.Join(doms, ", ")+")")
		}
	}
	if len(names) == 0 {
		return ""
	}
	sort.Strings(names)
	n := len(names)
	if n > maxAccountsShown {
		names = append(names[:maxAccountsShown], fmt.Sprintf("and %d more", n-maxAccountsShown))
	}
	return report.AccountsEvidence + strings.Join(names, ", ")
}

// runsOn reports whether a site whose panel names its PHP php runs on the
// PHP instance inst of branch. Panels name a PHP build as the
// applications collector names its instance ("ea-php74", "da-php83",
// "plesk-php74"), except the distribution's PHP: a panel that knows its
// branch names it "system-X.Y" (Plesk's pool in /etc/php/X.Y/fpm), while
// the collector calls the distribution's only PHP "system" and one of
// several "system-X.Y".
func runsOn(php, inst, branch string) bool {
	if php == "" {
		return false
	}
	return php == inst || inst == "system" && branch != "" && php == "system-"+branch
}

// accountDomain is one domain of an account.
type accountDomain struct {
	account report.Account
	domain  report.AccountDomain
}

// siteAccount finds the account and domain whose document root is the
// deepest one holding the directory site: the site itself, then each
// parent, looked up in an index of the document roots built once per
// evaluation (a shared server has thousands of sites and domains).
func (x *evaluation) siteAccount(site string) (report.Account, report.AccountDomain, bool) {
	if x.docroots == nil {
		x.docroots = map[string]accountDomain{}
		for _, a := range x.in.Host.Accounts {
			for _, d := range a.Domains {
				if d.DocumentRoot == "" {
					continue
				}
				root := path.Clean(d.DocumentRoot)
				if _, dup := x.docroots[root]; !dup { // the first account listing it wins
					x.docroots[root] = accountDomain{a, d}
				}
			}
		}
	}
	for p := path.Clean(site); ; p = path.Dir(p) {
		if ad, ok := x.docroots[p]; ok {
			return ad.account, ad.domain, true
		}
		if p == "/" || p == "." {
			return report.Account{}, report.AccountDomain{}, false
		}
	}
}
