// Package bytesize formats byte counts for people, the one way ctgit writes
// a size in a reason or a message.
package bytesize

import "fmt"

// Format writes n in decimal (SI) units, as a user declares sizes such as
// maxModelBytes: "519 B", "1.0 kB", "1.5 MB". Counts under 1000 are exact.
func Format(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
