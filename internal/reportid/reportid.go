// Package reportid makes report ids: RFC 9562 version 7 UUIDs, the Unix
// time in milliseconds followed by random bits. Ids made later sort later
// (to the millisecond), so the server's index of report ids grows at its
// end: a report's id lands on the index's last, cached page instead of a
// random one, which at 100k hosts was a page read and written for every
// report stored (docs/PERFORMANCE.md, "Report ids in time order").
package reportid

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// maxMillis is the largest time a version 7 UUID holds (48 bits).
const maxMillis = 1<<48 - 1

// At returns the version 7 UUID of t and random: t's Unix milliseconds
// (clamped to the 48 bits the format holds), then 74 bits of random
// (random[0]'s low 4 bits, random[1], random[2]'s low 6 bits, and
// random[3:]), lowercase, in the 8-4-4-4-12 form.
func At(t time.Time, random [10]byte) string {
	ms := min(max(t.UnixMilli(), 0), maxMillis)
	var b [16]byte
	for i := range 6 {
		b[i] = byte(ms >> (40 - 8*i))
	}
	b[6] = 0x70 | random[0]&0x0f
	b[7] = random[1]
	b[8] = 0x80 | random[2]&0x3f
	copy(b[9:], random[3:])
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], b[10:16])
	return string(s[:])
}

// New returns the id of a report of a scan that started at t: At t with
// random bits from crypto/rand.
func New(t time.Time) string {
	var r [10]byte
	_, _ = rand.Read(r[:]) // crypto/rand.Read never fails on Linux
	return At(t, r)
}
