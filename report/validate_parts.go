package report

func validateHost(c *checker, h *Host) {
	c.hostname(p("host.hostname"), h.Hostname)
	c.token(p("host.host_id"), h.HostID, MaxIDLen, true)
	o := h.OS
	c.token(p("host.os.id"), o.ID, 64, false)
	c.text(p("host.os.name"), o.Name, MaxShort, false)
	c.token(p("host.os.version_id"), o.VersionID, 64, false)
	c.text(p("host.os.pretty_name"), o.PrettyName, MaxShort, false)
	c.token(p("host.os.family"), o.Family, 64, false)
	c.text(p("host.os.codename"), o.Codename, MaxShort, false)
	c.text(p("host.os.source"), o.Source, MaxText, false)
	c.count(p("host.os.channels"), len(o.Channels), 32)
	for _, s := range o.Channels {
		c.token(p("host.os.channels"), s, 64, true)
	}
	c.count(p("host.os.id_like"), len(o.IDLike), 32)
	for _, s := range o.IDLike {
		c.token(p("host.os.id_like"), s, 64, true)
	}
	k := h.Kernel
	c.text(p("host.kernel.release"), k.Release, MaxShort, false)
	c.text(p("host.kernel.arch"), k.Arch, 64, false)
	c.text(p("host.kernel.newest_installed"), k.NewestInstalled, MaxShort, false)
	c.text(p("host.kernel.source"), k.Source, MaxText, false)
	c.count(p("host.kernel.reboot_packages"), len(k.RebootPackages), MaxListSmall)
	for _, s := range k.RebootPackages {
		c.text(p("host.kernel.reboot_packages"), s, MaxShort, true)
	}
	c.token(p("host.kernel.built"), k.Built, 10, false)
	if lp := k.LivePatch; lp != nil {
		c.token(p("host.kernel.live_patch.system"), lp.System, 64, true)
		c.text(p("host.kernel.live_patch.effective_release"), lp.EffectiveRelease, MaxShort, false)
		c.number(p("host.kernel.live_patch.cves"), int64(lp.CVEs), 0, MaxCount)
		c.count(p("host.kernel.live_patch.patches"), len(lp.Patches), MaxListSmall)
		for _, s := range lp.Patches {
			c.text(p("host.kernel.live_patch.patches"), s, MaxShort, true)
		}
		c.count(p("host.kernel.live_patch.evidence"), len(lp.Evidence), MaxEvidence)
		for _, s := range lp.Evidence {
			c.text(p("host.kernel.live_patch.evidence"), s, MaxText, false)
		}
	}
	v := h.Virtualization
	c.text(p("host.virtualization.system"), v.System, 64, false)
	switch v.Role {
	case "", "guest", "host":
	default:
		c.fail(p("host.virtualization.role"), `must be "guest", "host" or empty`)
	}
	c.count(p("host.virtualization.evidence"), len(v.Evidence), MaxEvidence)
	for _, s := range v.Evidence {
		c.text(p("host.virtualization.evidence"), s, MaxText, false)
	}
	c.number(p("host.uptime_seconds"), h.UptimeSeconds, 0, MaxUptime)
	c.count(p("host.accounts"), len(h.Accounts), MaxAccounts)
	for i, a := range h.Accounts {
		at := idx("host.accounts", i)
		c.token(at.f("panel"), a.Panel, 64, true)
		c.text(at.f("user"), a.User, MaxShort, true)
		c.text(at.f("owner"), a.Owner, MaxShort, false)
		c.count(at.f("domains"), len(a.Domains), MaxAccountDomains)
		for j, d := range a.Domains {
			dt := at.in("domains", j)
			c.text(dt.f("name"), d.Name, MaxShort, true)
			c.text(dt.f("document_root"), d.DocumentRoot, MaxText, false)
			c.token(dt.f("php"), d.PHP, 64, false)
		}
	}
}

func validateProfile(c *checker, pr *Profile) {
	c.text(p("profile.provider"), pr.Provider, MaxShort, false)
	if !pr.Tier.Valid() {
		c.fail(p("profile.tier"), "must be managed, iaas or colocation")
	}
	if pr.Tenant != "" && !ValidTenant(pr.Tenant) {
		c.fail(p("profile.tenant"), "must match %s", TenantPattern)
	}
}

func validateComponent(c *checker, at path, k *Component) {
	if !k.Layer.Valid() {
		c.fail(at.f("layer"), "unknown layer")
	}
	c.text(at.f("product"), k.Product, MaxShort, true)
	c.text(at.f("version"), k.Version, MaxShort, false)
	c.text(at.f("source"), k.Source, MaxText, false)
	c.count(at.f("details"), len(k.Details), MaxDetails)
	for key, val := range k.Details {
		c.text(at.f("details{}"), key, MaxShort, true)
		c.text(at.f("details"), val, MaxText, false)
	}
}

func validateUpdates(c *checker, u *Updates) {
	c.text(p("updates.manager"), u.Manager, 64, false)
	c.number(p("updates.count"), int64(u.Count), 0, MaxCount)
	c.number(p("updates.security_count"), int64(u.SecurityCount), 0, MaxCount)
	c.number(p("updates.metadata_age_seconds"), u.MetadataAgeSeconds, -1, MaxUptime)
	c.text(p("updates.source"), u.Source, MaxText, false)
	c.count(p("updates.packages"), len(u.Packages), MaxPackages)
	for i := range u.Packages {
		if c.err != nil {
			return
		}
		pk := &u.Packages[i]
		at := idx("updates.packages", i)
		c.text(at.f("name"), pk.Name, MaxShort, true)
		c.text(at.f("arch"), pk.Arch, 64, false)
		c.text(at.f("installed"), pk.Installed, MaxShort, false)
		c.text(at.f("candidate"), pk.Candidate, MaxShort, false)
		c.text(at.f("origin"), pk.Origin, MaxShort, false)
		c.count(at.f("advisories"), len(pk.Advisories), MaxListSmall)
		for _, a := range pk.Advisories {
			c.text(at.f("advisories"), a, MaxShort, true)
		}
		c.text(at.f("severity"), pk.Severity, 64, false)
		c.count(at.f("cves"), len(pk.CVEs), MaxListSmall)
		for _, cve := range pk.CVEs {
			c.text(at.f("cves"), cve, 64, true)
		}
	}
}

func validateFindings(c *checker, fs []Finding) {
	c.count(p("findings"), len(fs), MaxFindings)
	seen := make(map[string]bool, len(fs))
	for i := range fs {
		if c.err != nil {
			return
		}
		f := &fs[i]
		at := idx("findings", i)
		c.token(at.f("id"), f.ID, MaxFindingIDLen, true)
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
		c.text(at.f("product"), f.Product, MaxShort, true)
		for _, s := range []struct{ name, v string }{
			{"installed", f.Installed}, {"latest", f.Latest}, {"cycle", f.Cycle}, {"eol_date", f.EOLDate}, {"rule", f.Rule},
		} {
			c.text(at.f(s.name), s.v, MaxShort, false)
		}
		c.text(at.f("rationale"), f.Rationale, MaxText, false)
		c.text(at.f("remediation"), f.Remediation, MaxText, false)
		c.count(at.f("evidence"), len(f.Evidence), MaxEvidence)
		for _, e := range f.Evidence {
			c.text(at.f("evidence"), e, MaxText, false)
		}
		c.token(at.f("blocked_by"), f.BlockedBy, MaxFindingIDLen, false)
	}
}

func validateCollectors(c *checker, cs []CollectorRun) {
	c.count(p("collectors"), len(cs), MaxCollectors)
	seen := make(map[string]bool, len(cs))
	for i := range cs {
		if c.err != nil {
			return
		}
		k, at := &cs[i], idx("collectors", i)
		c.token(at.f("name"), k.Name, MaxCollectorName, true)
		if seen[k.Name] {
			c.fail(at.f("name"), "duplicate collector")
		}
		seen[k.Name] = true
		if !k.Status.Valid() {
			c.fail(at.f("status"), "must be ok, partial, failed, timed_out or not_run")
		}
		c.number(at.f("duration_ms"), k.DurationMS, 0, MaxDurationMS)
	}
}
