-- demarc-server schema 20 (SQLite): the notification outbox (issue 18).
-- notify_events holds every event, written in the transaction that
-- produces it (a provider finding opened by a report or a re-judgement)
-- or by the server's event jobs; event_id is the idempotency key that
-- receivers see. dispatched is 0 until the dispatcher has queued the
-- event for every subscription it matches (notify_queue); a queue row's
-- delivered_at is set once the receiver answered 2xx. notify_log keeps
-- one row per delivery attempt.
CREATE TABLE notify_events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id   TEXT NOT NULL UNIQUE,
    type       TEXT NOT NULL,
    tenant     TEXT NOT NULL,
    sev_rank   INTEGER NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    dispatched INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notify_events_new ON notify_events (seq) WHERE dispatched = 0;
CREATE TABLE notify_queue (
    subscription TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    delivered_at INTEGER,
    PRIMARY KEY (subscription, seq)
);
CREATE INDEX notify_queue_pending ON notify_queue (subscription, seq) WHERE delivered_at IS NULL;
CREATE TABLE notify_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription TEXT NOT NULL,
    delivery_id  TEXT NOT NULL,
    at           INTEGER NOT NULL,
    events       INTEGER NOT NULL,
    attempt      INTEGER NOT NULL,
    status       INTEGER NOT NULL,
    error        TEXT NOT NULL,
    micros       INTEGER NOT NULL
);
CREATE INDEX notify_log_sub ON notify_log (subscription, id);
