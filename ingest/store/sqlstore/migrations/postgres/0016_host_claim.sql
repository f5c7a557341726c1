-- demarc-server schema 16 (PostgreSQL): the profile a host's latest report
-- claims (its agent.yaml: tier, maintenance agreement, customer-managed
-- virtualisation) beside the one the server judged it on, so the hosts list
-- can flag and filter the hosts whose claim disagrees with the provider's
-- records (issue 13). '' claimed_tier: not known (a state stored before).
ALTER TABLE hosts ADD COLUMN claimed_tier TEXT NOT NULL DEFAULT '';
ALTER TABLE hosts ADD COLUMN claimed_maintenance BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE hosts ADD COLUMN claimed_virt BOOLEAN NOT NULL DEFAULT FALSE;
