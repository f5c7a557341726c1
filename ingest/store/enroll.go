package store

import (
	"context"
	"time"
)

// EnrollSecret is a tenant's enroll secret ("dme_…") as stored: its hash,
// never the secret. A host trades one use of it for a host key.
type EnrollSecret struct {
	ID     string `json:"id"`
	Tenant string `json:"tenant"`
	Name   string `json:"name"`
	// Hash is the SHA-256 of the secret part.
	Hash      []byte    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt is nil for a secret that never expires.
	ExpiresAt *time.Time `json:"expires_at"`
	// MaxUses is nil for a secret with unlimited uses.
	MaxUses   *int       `json:"max_uses"`
	Uses      int        `json:"uses"`
	RevokedAt *time.Time `json:"revoked_at"`
}

// NewHostKey is a host key ("dmh_…") to store: its hash, never the secret.
type NewHostKey struct {
	ID        string
	Hash      []byte
	CreatedAt time.Time
}

// HostIdentity is a host as enrolled: the server assigned its HostID and
// took its tenant from the enroll secret. It exists from enrollment on,
// before any report.
type HostIdentity struct {
	HostID      string    `json:"host_id"`
	Tenant      string    `json:"tenant"`
	Hostname    string    `json:"hostname"`
	MachineID   string    `json:"machine_id"`
	ProductUUID string    `json:"product_uuid"`
	OSID        string    `json:"os_id"`
	OSVersionID string    `json:"os_version_id"`
	EnrolledAt  time.Time `json:"enrolled_at"`
	// EnrolledWith is the id of the enroll secret, or of the legacy agent
	// token, the host enrolled with.
	EnrolledWith string     `json:"enrolled_with"`
	RevokedAt    *time.Time `json:"revoked_at"`
	// RotateRequested is set by RequestRotation and cleared when a post
	// issues the host a new key (Incoming.IssueKey).
	RotateRequested bool `json:"rotate_requested"`

	// The read-side fields below are computed by reads and ignored by
	// Enroll.

	// DuplicateMachineID is true when another identity (of any tenant) has
	// the same non-empty machine id: a cloned image, or one machine
	// enrolled twice. Both hosts are flagged.
	DuplicateMachineID bool `json:"duplicate_machine_id"`
	// KeyCreatedAt and KeyLastUsedAt are those of the current key (zero
	// and nil when the host has none).
	KeyCreatedAt  time.Time  `json:"key_created_at"`
	KeyLastUsedAt *time.Time `json:"key_last_used_at"`
}

// Enrollment is what Enroll stores: one use of a secret (or a legacy agent
// token) traded for an identity and its first key.
type Enrollment struct {
	// SecretID is the enroll secret used; "" when enrolling with a legacy
	// agent token (TokenID set), which consumes no use.
	SecretID string
	TokenID  string
	// Identity is the new host: HostID, Tenant and EnrolledAt set by the
	// caller (EnrolledWith is set by Enroll).
	Identity HostIdentity
	// Key becomes the host's current key.
	Key NewHostKey
}

// KeyState is where a host key is in its rotation.
type KeyState string

// The states of a host key. A host has at most one current and one
// pending key.
const (
	// KeyCurrent authenticates the host's posts.
	KeyCurrent KeyState = "current"
	// KeyPending was issued in an answer and is not yet confirmed: the
	// first post made with it promotes it to current.
	KeyPending KeyState = "pending"
	// KeyRetired was replaced and authenticates nothing.
	KeyRetired KeyState = "retired"
)

// HostKey is a stored host key with what authenticating a post needs to
// know about its host.
type HostKey struct {
	ID, HostID, Tenant string
	Hash               []byte
	State              KeyState
	CreatedAt          time.Time
	LastUsedAt         *time.Time
	// HostRevokedAt is the host identity's revocation time (nil: not
	// revoked); every key of a revoked host is refused.
	HostRevokedAt   *time.Time
	RotateRequested bool
}

// EnrollStore keeps enroll secrets and enrolled hosts' identities and keys:
// enrolment, key lookup, revocation and rotation.
type EnrollStore interface {
	// CreateEnrollSecret stores an enroll secret (its hash, never the
	// secret); an existing id is ErrConflict.
	CreateEnrollSecret(ctx context.Context, s EnrollSecret) error
	// EnrollSecret returns the secret with this id, revoked, expired or
	// used up or not, or ErrNotFound.
	EnrollSecret(ctx context.Context, id string) (EnrollSecret, error)
	// EnrollSecrets lists every enroll secret, oldest first.
	EnrollSecrets(ctx context.Context) ([]EnrollSecret, error)
	// RevokeEnrollSecret marks a secret revoked (keeping the first
	// revocation time), or returns ErrNotFound.
	RevokeEnrollSecret(ctx context.Context, id string, at time.Time) error
	// Enroll consumes one use of e.SecretID, re-checked inside the
	// transaction (not revoked, not expired at e.Identity.EnrolledAt, of
	// e.Identity.Tenant, uses below max_uses), or checks that e.TokenID is
	// an unrevoked agent token of that tenant; otherwise it returns
	// ErrNotFound and writes nothing. Then it creates the identity and its
	// current key, all in one transaction. A host or key id already taken
	// is ErrConflict (and consumes no use).
	Enroll(ctx context.Context, e Enrollment) error
	// HostKey returns the host key with this id, in any state, with its
	// host's tenant and revocation, or ErrNotFound.
	HostKey(ctx context.Context, keyID string) (HostKey, error)
	// HostIdentity returns the identity of an enrolled host in scope (with
	// its read-side fields), or ErrNotFound.
	HostIdentity(ctx context.Context, sc Scope, hostID string) (HostIdentity, error)
	// RevokeHost marks a host identity revoked (keeping the first
	// revocation time): every key of it is refused. Unknown: ErrNotFound.
	RevokeHost(ctx context.Context, hostID string, at time.Time) error
	// RequestRotation sets the host's rotate_requested: the next post made
	// with its current key is answered with a new key. Unknown: ErrNotFound.
	RequestRotation(ctx context.Context, hostID string) error
}
