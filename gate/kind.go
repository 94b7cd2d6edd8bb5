package gate

// InArchive reports whether a discrepancy of kind k is in the archive's own
// files (an mbox file or SQLite's copy no longer what was committed), which
// repair mends from the other copy, rather than between the archive and
// the server, which a backup mends.
func (k Kind) InArchive() bool {
	switch k {
	case MboxFileMissing, MboxTruncated, MboxUnreadable, MboxMessageMissing, MboxMessageDiffers, MboxOffsetDiffers,
		MboxExtraEntry, StoredMissing, StoredDiffers, ArchiveFileChanged:
		return true
	}
	return false
}
