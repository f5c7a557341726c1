-- demarc-server schema 20 (PostgreSQL): the notification outbox (issue 18).
-- notify_events holds every event, written in the transaction that
-- produces it (a provider finding opened by a report or a re-judgement)
-- or by the server's event jobs; event_id is the idempotency key that
-- receivers see. dispatched is 0 until the dispatcher has queued the
-- event for every subscription it matches (notify_queue); a queue row's
-- delivered_at is set once the receiver answered 2xx. notify_log keeps
-- one row per delivery attempt.
CREATE TABLE notify_events (
    seq        BIGSERIAL PRIMARY KEY,
    event_id   TEXT NOT NULL UNIQUE,
    type       TEXT NOT NULL,
    tenant     TEXT NOT NULL,
    sev_rank   BIGINT NOT NULL,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    dispatched BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX notify_events_new ON notify_events (seq) WHERE dispatched = 0;
CREATE TABLE notify_queue (
    subscription TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    delivered_at BIGINT,
    PRIMARY KEY (subscription, seq)
);
CREATE INDEX notify_queue_pending ON notify_queue (subscription, seq) WHERE delivered_at IS NULL;
CREATE TABLE notify_log (
    id           BIGSERIAL PRIMARY KEY,
    subscription TEXT NOT NULL,
    delivery_id  TEXT NOT NULL,
    at           BIGINT NOT NULL,
    events       BIGINT NOT NULL,
    attempt      BIGINT NOT NULL,
    status       BIGINT NOT NULL,
    error        TEXT NOT NULL,
    micros       BIGINT NOT NULL
);
CREATE INDEX notify_log_sub ON notify_log (subscription, id);
