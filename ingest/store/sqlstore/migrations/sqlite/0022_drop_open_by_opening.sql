-- demarc-server schema 22 (SQLite): fewer indexes of open findings (issue
-- 14). findings_open and findings_open_all ordered the open findings by
-- opening alone (of a tenant, of the fleet); findings_open_sev and
-- findings_open_tenant_sev order them by severity, then opening, and the
-- lists by opening now read one range of those per severity and merge
-- them (five bounded ranges for a page). Every open finding wrote six
-- partial index entries; it writes four.
DROP INDEX findings_open;
DROP INDEX findings_open_all;
