-- demarc-server schema 13 (PostgreSQL): hosts by provider backlog (issue 14).
-- The overview's heaviest provider backlogs and the hosts list sorted by
-- them read one page of this index instead of sorting every host. A
-- host's weight changes only when its counts do.
CREATE INDEX hosts_provider_weight ON hosts (provider_weight, host_id);
CREATE INDEX hosts_tenant_provider_weight ON hosts (tenant, provider_weight, host_id);
