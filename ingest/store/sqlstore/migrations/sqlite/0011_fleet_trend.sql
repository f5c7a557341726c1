-- demarc-server schema 11 (SQLite): the trend of open findings as an
-- aggregate (issue 14). A finding counts as open at an instant t when its
-- open stretch began by t (opened_at <= t) and it was not resolved by t.
-- Per tenant and party, each day d (unix days, UTC) counts the findings
-- whose open stretch began in (d-1, d] (opened) and those resolved in
-- (d-1, d] (resolved); a finding resolved no later than it opened never
-- counts. The open findings at midnight d are then the sum of opened
-- minus resolved over the days up to d: O(days), not O(findings).
-- SaveBatch, Rejudge and Prune keep it in their own transactions, in
-- shards like the other fleet aggregates.
CREATE TABLE fleet_trend (
    tenant       TEXT NOT NULL,
    responsible  TEXT NOT NULL,
    day          INTEGER NOT NULL,
    shard        INTEGER NOT NULL,
    opened       INTEGER NOT NULL,
    resolved     INTEGER NOT NULL,
    PRIMARY KEY (tenant, responsible, day, shard)
);
INSERT INTO fleet_trend (tenant, responsible, day, shard, opened, resolved)
SELECT tenant, responsible, day, 0, SUM(o), SUM(r) FROM (
SELECT tenant, responsible, CASE WHEN opened_at >= 0 THEN (opened_at + 86399999999) / 86400000000 ELSE -((-opened_at) / 86400000000) END AS day, 1 AS o, 0 AS r
FROM findings WHERE resolved_at IS NULL OR resolved_at > opened_at
UNION ALL
SELECT tenant, responsible, CASE WHEN resolved_at >= 0 THEN (resolved_at + 86399999999) / 86400000000 ELSE -((-resolved_at) / 86400000000) END, 0, 1
FROM findings WHERE resolved_at > opened_at
) x GROUP BY tenant, responsible, day;
