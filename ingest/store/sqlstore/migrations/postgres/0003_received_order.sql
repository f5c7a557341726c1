-- demarc-server schema 3 (PostgreSQL): a host's state is the report received last (not
-- the one with the latest scanned_at, which its sender chooses), and its
-- history is listed in that order. Existing hosts need no change: the next
-- report received replaces their state.
DROP INDEX reports_host;
CREATE INDEX reports_host_received ON reports (host_id, received_at, scanned_at, report_id);
