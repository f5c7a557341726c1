// Package words writes counts in English for reports, notes and pages:
// "1 patch", "3 patches".
package words

import "strconv"

// Count is n followed by one or many: Count(1, "day", "days") = "1 day",
// Count(3, "day", "days") = "3 days", Count(0, …) = "0 days".
func Count(n int, one, many string) string {
	return strconv.Itoa(n) + " " + Pick(n, one, many)
}

// Pick is one when n is 1, many otherwise.
func Pick(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
