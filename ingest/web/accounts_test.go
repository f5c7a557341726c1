package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/internal/reportgen"
	"github.com/demarc/demarc/report"
)

// TestHostAccounts: the host page of a shared server lists its panel
// accounts' sites by PHP, then account and domain (the accounts on PHP
// 7.4 read down one column), says which run the server's default, and
// bounds a long list with a pointer to the report.
func TestHostAccounts(t *testing.T) {
	e := newEnv(t, 0, 1)
	now := *e.clock
	h := reportgen.NewHost(1800, 18, "acme", 4, -1)
	r := h.Next(now.Add(-time.Hour))
	r.Host.Accounts = []report.Account{
		{Panel: "cpanel", User: "carol", Owner: "reseller1", Domains: []report.AccountDomain{
			{Name: "carol.example", DocumentRoot: "/home/carol/public_html", PHP: "ea-php82"},
			{Name: "shop.carol.example", DocumentRoot: "/home/carol/shop", PHP: "ea-php74"},
		}},
		{Panel: "cpanel", User: "bob", Owner: "root", Domains: []report.AccountDomain{
			{Name: "bob.example", DocumentRoot: "/home/bob/public_html", PHP: "ea-php74", PHPInherited: true},
		}},
	}
	e.saveReport(r, r.ScannedAt)
	_, page := e.get(e.session(e.tok["viewerA"]), "/hosts/"+h.ID)
	table := between(page, `id="accounts-table"`, "</table>")
	var rows []string
	for _, row := range strings.Split(between(table, "<tbody>", "</tbody>"), "</tr>") {
		if row = strings.TrimSpace(row); row != "" {
			rows = append(rows, row)
		}
	}
	want := []struct{ php, user, site string }{
		{"ea-php74", "bob", "bob.example"}, {"ea-php74", "carol", "shop.carol.example"}, {"ea-php82", "carol", "carol.example"},
	}
	if len(rows) != len(want) {
		t.Fatalf("accounts table: %d rows %q, want %d", len(rows), rows, len(want))
	}
	for i, w := range want {
		if !strings.Contains(rows[i], "<code>"+w.php+"</code>") || !strings.Contains(rows[i], ">"+w.user) || !strings.Contains(rows[i], "<td>"+w.site+"</td>") {
			t.Errorf("row %d %q, want %s %s %s", i, rows[i], w.php, w.user, w.site)
		}
	}
	if !strings.Contains(rows[0], "server default") || strings.Contains(rows[1], "server default") {
		t.Error("the site on the server's default PHP is not marked as such (or another is)")
	}
	if !strings.Contains(rows[1], "of reseller1") || strings.Contains(rows[0], "of root") {
		t.Error("a reseller's account does not name its reseller (or root is named)")
	}

	big := h.Next(now.Add(-time.Minute))
	var doms []report.AccountDomain
	for i := range 503 {
		doms = append(doms, report.AccountDomain{Name: fmt.Sprintf("site%03d.example", i), PHP: "ea-php81"})
	}
	big.Host.Accounts = []report.Account{{Panel: "cpanel", User: "hoster", Domains: doms}}
	e.saveReport(big, big.ScannedAt)
	_, page = e.get(e.session(e.tok["viewerA"]), "/hosts/"+h.ID)
	if n := strings.Count(between(page, `id="accounts-table"`, "</table>"), "<tr>"); n != 501 || !strings.Contains(page, `id="accounts-more"`) ||
		!strings.Contains(between(page, `id="accounts-more"`, "</p>"), "3 more sites") {
		t.Errorf("503 sites: %d rows (with the head), want 500 and a note of 3 more", n)
	}
	plain := reportgen.NewHost(1801, 19, "acme", 4, -1)
	pr := plain.Next(now.Add(-time.Hour))
	e.saveReport(pr, pr.ScannedAt)
	_, page = e.get(e.session(e.tok["viewerA"]), "/hosts/"+plain.ID)
	if !strings.Contains(page, `id="software"`) || strings.Contains(page, `id="accounts"`) {
		t.Error("a host without panel accounts shows an accounts section")
	}
}
