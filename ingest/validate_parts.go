package ingest

import (
	"github.com/demarc/demarc/report"
)

func validateHost(c *checker, h *report.Host) {
	c.hostname(p("host.hostname"), h.Hostname)
	c.token(p("host.host_id"), h.HostID, maxIDLen, true)
	o := h.OS
	c.token(p("host.os.id"), o.ID, 64, false)
	c.text(p("host.os.name"), o.Name, maxShort, false)
	c.token(p("host.os.version_id"), o.VersionID, 64, false)
	c.text(p("host.os.pretty_name"), o.PrettyName, maxShort, false)
	c.token(p("host.os.family"), o.Family, 64, false)
	c.text(p("host.os.codename"), o.Codename, maxShort, false)
	c.text(p("host.os.source"), o.Source, maxText, false)
	c.count(p("host.os.id_like"), len(o.IDLike), 32)
	for _, s := range o.IDLike {
		c.token(p("host.os.id_like"), s, 64, true)
	}
	k := h.Kernel
	c.text(p("host.kernel.release"), k.Release, maxShort, false)
	c.text(p("host.kernel.arch"), k.Arch, 64, false)
	c.text(p("host.kernel.newest_installed"), k.NewestInstalled, maxShort, false)
	c.text(p("host.kernel.source"), k.Source, maxText, false)
	c.count(p("host.kernel.reboot_packages"), len(k.RebootPackages), maxListSmall)
	for _, s := range k.RebootPackages {
		c.text(p("host.kernel.reboot_packages"), s, maxShort, true)
	}
	v := h.Virtualization
	c.text(p("host.virtualization.system"), v.System, 64, false)
	switch v.Role {
	case "", "guest", "host":
	default:
		c.fail(p("host.virtualization.role"), `must be "guest", "host" or empty`)
	}
	c.count(p("host.virtualization.evidence"), len(v.Evidence), maxEvidence)
	for _, s := range v.Evidence {
		c.text(p("host.virtualization.evidence"), s, maxText, false)
	}
	c.number(p("host.uptime_seconds"), h.UptimeSeconds, 0, maxUptime)
}

func validateProfile(c *checker, pr *report.Profile) {
	c.text(p("profile.provider"), pr.Provider, maxShort, false)
	if !pr.Tier.Valid() {
		c.fail(p("profile.tier"), "must be managed, iaas or colocation")
	}
	if pr.Tenant != "" && !ValidTenant(pr.Tenant) {
		c.fail(p("profile.tenant"), "must match %s", tenantPattern)
	}
}

func validateComponent(c *checker, at path, k *report.Component) {
	if !k.Layer.Valid() {
		c.fail(at.f("layer"), "unknown layer")
	}
	c.text(at.f("product"), k.Product, maxShort, true)
	c.text(at.f("version"), k.Version, maxShort, false)
	c.text(at.f("source"), k.Source, maxText, false)
	if len(k.Details) > maxDetails {
		c.fail(at.f("details"), "more than %d keys", maxDetails)
	}
	for key, val := range k.Details {
		c.text(at.f("details"), key, maxShort, true)
		c.text(at.f("details"), val, maxText, false)
	}
}

func validateUpdates(c *checker, u *report.Updates) {
	c.text(p("updates.manager"), u.Manager, 64, false)
	c.number(p("updates.count"), int64(u.Count), 0, maxCount)
	c.number(p("updates.security_count"), int64(u.SecurityCount), 0, maxCount)
	c.number(p("updates.metadata_age_seconds"), u.MetadataAgeSeconds, -1, maxUptime)
	c.text(p("updates.source"), u.Source, maxText, false)
	c.count(p("updates.packages"), len(u.Packages), maxPackages)
	for i := range u.Packages {
		if c.err != nil {
			return
		}
		pk := &u.Packages[i]
		at := idx("updates.packages", i)
		c.text(at.f("name"), pk.Name, maxShort, true)
		c.text(at.f("arch"), pk.Arch, 64, false)
		c.text(at.f("installed"), pk.Installed, maxShort, false)
		c.text(at.f("candidate"), pk.Candidate, maxShort, false)
		c.text(at.f("origin"), pk.Origin, maxShort, false)
	}
}

func validateFindings(c *checker, fs []report.Finding) {
	c.count(p("findings"), len(fs), maxFindings)
	seen := make(map[string]bool, len(fs))
	for i := range fs {
		if c.err != nil {
			return
		}
		f := &fs[i]
		at := idx("findings", i)
		c.token(at.f("id"), f.ID, maxFindingID, true)
		if seen[f.ID] {
			c.fail(at.f("id"), "duplicate finding id")
		}
		seen[f.ID] = true
		if !f.Kind.Valid() {
			c.fail(at.f("kind"), "unknown kind")
		}
		if !f.Layer.Valid() {
			c.fail(at.f("layer"), "unknown layer")
		}
		if !f.Severity.Valid() {
			c.fail(at.f("severity"), "unknown severity")
		}
		if !f.Responsible.Valid() {
			c.fail(at.f("responsible"), "must be provider or customer")
		}
		c.text(at.f("product"), f.Product, maxShort, true)
		for _, s := range []struct{ name, v string }{
			{"installed", f.Installed}, {"latest", f.Latest}, {"cycle", f.Cycle}, {"eol_date", f.EOLDate}, {"rule", f.Rule},
		} {
			c.text(at.f(s.name), s.v, maxShort, false)
		}
		c.text(at.f("rationale"), f.Rationale, maxText, false)
		c.text(at.f("remediation"), f.Remediation, maxText, false)
		c.count(at.f("evidence"), len(f.Evidence), maxEvidence)
		for _, e := range f.Evidence {
			c.text(at.f("evidence"), e, maxText, false)
		}
		c.token(at.f("blocked_by"), f.BlockedBy, maxFindingID, false)
	}
}
