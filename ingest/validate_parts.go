package ingest

import (
	"fmt"

	"github.com/demarc/demarc/report"
)

func validateHost(c *checker, h *report.Host) {
	c.hostname("host.hostname", h.Hostname)
	c.token("host.host_id", h.HostID, maxIDLen, true)
	o := h.OS
	c.token("host.os.id", o.ID, 64, false)
	c.text("host.os.name", o.Name, maxShort, false)
	c.token("host.os.version_id", o.VersionID, 64, false)
	c.text("host.os.pretty_name", o.PrettyName, maxShort, false)
	c.token("host.os.family", o.Family, 64, false)
	c.text("host.os.codename", o.Codename, maxShort, false)
	c.text("host.os.source", o.Source, maxText, false)
	c.count("host.os.id_like", len(o.IDLike), 32)
	for _, s := range o.IDLike {
		c.token("host.os.id_like", s, 64, true)
	}
	k := h.Kernel
	c.text("host.kernel.release", k.Release, maxShort, false)
	c.text("host.kernel.arch", k.Arch, 64, false)
	c.text("host.kernel.newest_installed", k.NewestInstalled, maxShort, false)
	c.text("host.kernel.source", k.Source, maxText, false)
	c.count("host.kernel.reboot_packages", len(k.RebootPackages), maxListSmall)
	for _, s := range k.RebootPackages {
		c.text("host.kernel.reboot_packages", s, maxShort, true)
	}
	v := h.Virtualization
	c.text("host.virtualization.system", v.System, 64, false)
	switch v.Role {
	case "", "guest", "host":
	default:
		c.fail("host.virtualization.role", `must be "guest", "host" or empty`)
	}
	c.count("host.virtualization.evidence", len(v.Evidence), maxEvidence)
	for _, s := range v.Evidence {
		c.text("host.virtualization.evidence", s, maxText, false)
	}
	c.number("host.uptime_seconds", h.UptimeSeconds, 0, maxUptime)
}

func validateProfile(c *checker, p *report.Profile) {
	c.text("profile.provider", p.Provider, maxShort, false)
	if !p.Tier.Valid() {
		c.fail("profile.tier", "must be managed, iaas or colocation")
	}
	if p.Tenant != "" && !ValidTenant(p.Tenant) {
		c.fail("profile.tenant", "must match %s", tenantPattern)
	}
}

func validateComponent(c *checker, at string, k *report.Component) {
	if !k.Layer.Valid() {
		c.fail(at+".layer", "unknown layer")
	}
	c.text(at+".product", k.Product, maxShort, true)
	c.text(at+".version", k.Version, maxShort, false)
	c.text(at+".source", k.Source, maxText, false)
	if len(k.Details) > maxDetails {
		c.fail(at+".details", "more than %d keys", maxDetails)
	}
	for key, val := range k.Details {
		c.text(at+".details key", key, maxShort, true)
		c.text(at+".details."+clip(key), val, maxText, false)
	}
}

func validateUpdates(c *checker, u *report.Updates) {
	c.text("updates.manager", u.Manager, 64, false)
	c.number("updates.count", int64(u.Count), 0, maxCount)
	c.number("updates.security_count", int64(u.SecurityCount), 0, maxCount)
	c.number("updates.metadata_age_seconds", u.MetadataAgeSeconds, -1, maxUptime)
	c.text("updates.source", u.Source, maxText, false)
	c.count("updates.packages", len(u.Packages), maxPackages)
	for i := range u.Packages {
		if c.err != nil {
			return
		}
		p := &u.Packages[i]
		at := fmt.Sprintf("updates.packages[%d]", i)
		c.text(at+".name", p.Name, maxShort, true)
		c.text(at+".arch", p.Arch, 64, false)
		c.text(at+".installed", p.Installed, maxShort, false)
		c.text(at+".candidate", p.Candidate, maxShort, false)
		c.text(at+".origin", p.Origin, maxShort, false)
	}
}

func validateFindings(c *checker, fs []report.Finding) {
	c.count("findings", len(fs), maxFindings)
	seen := make(map[string]bool, len(fs))
	for i := range fs {
		if c.err != nil {
			return
		}
		f := &fs[i]
		at := fmt.Sprintf("findings[%d]", i)
		c.token(at+".id", f.ID, maxFindingID, true)
		if seen[f.ID] {
			c.fail(at+".id", "duplicate finding id")
		}
		seen[f.ID] = true
		if !f.Kind.Valid() {
			c.fail(at+".kind", "unknown kind")
		}
		if !f.Layer.Valid() {
			c.fail(at+".layer", "unknown layer")
		}
		if !f.Severity.Valid() {
			c.fail(at+".severity", "unknown severity")
		}
		if !f.Responsible.Valid() {
			c.fail(at+".responsible", "must be provider or customer")
		}
		c.text(at+".product", f.Product, maxShort, true)
		for _, s := range []struct{ name, v string }{
			{"installed", f.Installed}, {"latest", f.Latest}, {"cycle", f.Cycle}, {"eol_date", f.EOLDate}, {"rule", f.Rule},
		} {
			c.text(at+"."+s.name, s.v, maxShort, false)
		}
		c.text(at+".rationale", f.Rationale, maxText, false)
		c.text(at+".remediation", f.Remediation, maxText, false)
		c.count(at+".evidence", len(f.Evidence), maxEvidence)
		for _, e := range f.Evidence {
			c.text(at+".evidence", e, maxText, false)
		}
		c.token(at+".blocked_by", f.BlockedBy, maxFindingID, false)
	}
}
