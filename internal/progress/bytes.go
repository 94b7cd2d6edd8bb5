package progress

import "fmt"

// Bytes is n bytes for people: "512 B", "12 KB", "3.4 MB", "1.2 GB" (binary
// units). The CLI, the report and the progress line all write sizes this way.
func Bytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
