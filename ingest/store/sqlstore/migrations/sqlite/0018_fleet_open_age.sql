-- demarc-server schema 18 (SQLite): open findings by the day their open stretch
-- began (issue 18, SLAs). Per tenant, party and severity, each day d (unix
-- days, UTC: opened_at in [d, d+1) days) counts the open findings whose
-- open stretch began that day. The findings past a party's SLA for a
-- severity are then a sum over the days before the cutoff's day plus one
-- indexed count within that day: O(days), not O(findings). SaveBatch and
-- Rejudge keep it in their own transactions, in shards like the other
-- fleet aggregates (Prune deletes only resolved findings: nothing here).
CREATE TABLE fleet_open_age (
    tenant       TEXT NOT NULL,
    responsible  TEXT NOT NULL,
    severity     TEXT NOT NULL,
    day          INTEGER NOT NULL,
    shard        INTEGER NOT NULL,
    findings     INTEGER NOT NULL,
    PRIMARY KEY (tenant, responsible, severity, day, shard)
);
INSERT INTO fleet_open_age (tenant, responsible, severity, day, shard, findings)
SELECT tenant, responsible, severity,
CASE WHEN opened_at >= 0 THEN opened_at / 86400000000 ELSE -((-opened_at + 86399999999) / 86400000000) END AS day, 0, COUNT(*)
FROM findings WHERE resolved_at IS NULL GROUP BY tenant, responsible, severity, day;
