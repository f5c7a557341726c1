package web_test

import (
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var (
	selectRE   = regexp.MustCompile(`(?s)<select id="([^"]+)" name="([^"]+)">(.*?)</select>`)
	selectedRE = regexp.MustCompile(`<option value="([^"]*)" selected>`)
	inputRE    = regexp.MustCompile(`<input id="([^"]+)" name="([^"]+)" type="search"[^>]* value="([^"]*)"`)
	hiddenRE   = regexp.MustCompile(`<input type="hidden" name="host_id" value="([^"]*)">`)
	datalistRE = regexp.MustCompile(`<datalist id="products">(<option value="[^"]*">)+</datalist>`)
)

// TestFilterFormsShowTheFilters renders the hosts and findings pages with
// filters set and reads back their forms: every menu (id and name, in
// order) with the one option it marks selected ("" for none: the menu
// shows its first, "any" choice), the search field's value, the hidden
// host id, the datalist of products. A field lost, renamed or showing
// another choice than the page filters on fails.
func TestFilterFormsShowTheFilters(t *testing.T) {
	e := newEnv(t, 8, 3)
	hostMenus := func(admin bool, tenant, tier, os, resp, sev, sort, failing, claim string) []string {
		m := []string{"f-tier=tier:" + tier, "f-os=os:" + os, "f-resp=responsible:" + resp,
			"f-sev=severity:" + sev, "f-sort=sort:" + sort, "f-failing=failing:" + failing, "f-claim=claim:" + claim}
		if admin {
			m = append([]string{"f-tenant=tenant:" + tenant}, m...)
		}
		return m
	}
	findingMenus := func(admin bool, tenant, resp, sev, kind, layer, tier, status, sla, sort string) []string {
		m := []string{"f-resp=responsible:" + resp, "f-sev=severity:" + sev, "f-kind=kind:" + kind,
			"f-layer=layer:" + layer, "f-tier=tier:" + tier, "f-status=status:" + status, "f-sla=sla:" + sla, "f-sort=sort:" + sort}
		if admin {
			m = append([]string{"f-tenant=tenant:" + tenant}, m...)
		}
		return m
	}
	for _, tc := range []struct {
		name, who, path string
		menus           []string // id=name:selected value
		search          string   // id=value of the search field
		hostID          string   // the hidden host_id ("" for none)
	}{
		{name: "hosts unfiltered", who: "admin", path: "/hosts",
			menus: hostMenus(true, "", "", "", "", "", "-provider_open", "", ""), search: "f-q="},
		{name: "hosts every filter", who: "admin",
			path:  "/hosts?tenant=acme&tier=iaas&os=debian:12&responsible=customer&severity=low&sort=-scanned_at&failing=1&claim=1&q=web%22x",
			menus: hostMenus(true, "acme", "iaas", "debian:12", "customer", "low", "-scanned_at", "1", "1"), search: `f-q=web"x`},
		{name: "hosts unknown values", who: "admin", path: "/hosts?tenant=nobody&tier=bogus&os=nope&severity=%3Cx%3E&sort=nope",
			menus: hostMenus(true, "", "", "", "", "", "-provider_open", "", ""), search: "f-q="},
		{name: "hosts viewer", who: "viewerA", path: "/hosts?tenant=globex&responsible=provider&sort=hostname",
			menus: hostMenus(false, "", "", "", "provider", "", "hostname", "", ""), search: "f-q="},
		{name: "findings unfiltered", who: "admin", path: "/findings",
			menus: findingMenus(true, "", "", "", "", "", "", "open", "", "severity"), search: "f-product="},
		{name: "findings every filter", who: "admin",
			path:   "/findings?product=PHP&tenant=globex&responsible=customer&severity=high&kind=eol&layer=applications&tier=colocation&status=resolved&sort=opened_at&host_id=h%3C1",
			menus:  findingMenus(true, "globex", "customer", "high", "eol", "applications", "colocation", "resolved", "", "opened_at"),
			search: "f-product=PHP", hostID: "h<1"},
		{name: "findings past their SLA are open", who: "admin", path: "/findings?sla=breached&responsible=provider&status=any&sort=-last_seen",
			menus: findingMenus(true, "", "provider", "", "", "", "", "open", "breached", "-last_seen"), search: "f-product="},
		{name: "findings viewer", who: "viewerA", path: "/findings?sla=due&kind=updates_pending&layer=operating_system&tier=managed&tenant=globex",
			menus: findingMenus(false, "", "", "", "updates_pending", "operating_system", "managed", "open", "due", "severity"), search: "f-product="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.session(e.tok[tc.who])
			_, body := e.get(c, tc.path)
			form := formOf(t, body)
			var menus []string
			for _, m := range selectRE.FindAllStringSubmatch(form, -1) {
				sel := selectedRE.FindAllStringSubmatch(m[3], -1)
				if len(sel) > 1 {
					t.Errorf("%s marks %d options selected", m[1], len(sel))
				}
				v := ""
				if len(sel) > 0 {
					v = html.UnescapeString(sel[0][1])
				}
				menus = append(menus, m[1]+"="+m[2]+":"+v)
			}
			if !slices.Equal(menus, tc.menus) {
				t.Errorf("menus\n got %q\nwant %q", menus, tc.menus)
			}
			in := inputRE.FindStringSubmatch(form)
			if in == nil || in[1]+"="+html.UnescapeString(in[3]) != tc.search {
				t.Errorf("search field %q, want %q", in, tc.search)
			}
			hostID := ""
			if hid := hiddenRE.FindStringSubmatch(form); hid != nil {
				hostID = html.UnescapeString(hid[1])
			}
			if hostID != tc.hostID {
				t.Errorf("hidden host_id %q, want %q", hostID, tc.hostID)
			}
			if strings.HasPrefix(tc.path, "/findings") != datalistRE.MatchString(form) {
				t.Errorf("datalist of products: %v on %s", datalistRE.MatchString(form), tc.path)
			}
		})
	}
}

// formOf is the filter form of a list page.
func formOf(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, `<form class="filters card"`)
	if i < 0 {
		t.Fatal("no filter form")
	}
	j := strings.Index(body[i:], "</form>")
	if j < 0 {
		t.Fatal("filter form not closed")
	}
	return body[i : i+j]
}
