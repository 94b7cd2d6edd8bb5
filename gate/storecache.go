package gate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailstore"
)

// Reading a store once per check.
//
// Verify reads every imported store whole; the gate's check just after it
// would read each one whole again. So Verify keeps, per imported store,
// what it found (the StoreState) with the store's fingerprint (each
// folder's files' sizes and modification times, or a Maildir's listing),
// and the check takes that result instead of reading again only when it
// belongs to the last verification, the store was not imported again
// after it, and the fingerprint is the same now. A store changed since the
// verification, or one whose format cannot tell (Apple Mail, Outlook
// Express, Becky!, Windows Live Mail), is read again. Removal always reads.

const storeStateKey = "gate_store_state:"

// storeRecord is what Verify keeps of one store.
type storeRecord struct {
	VerificationID int64      `json:"verification_id"`
	Fingerprint    string     `json:"fingerprint"`
	State          StoreState `json:"state"`
}

// storeFingerprint changes when any folder of s changes; "" when the
// store's format cannot tell or it cannot be opened.
func storeFingerprint(ctx context.Context, s *mailstore.Store) string {
	if s.NotRead != "" {
		return ""
	}
	f := mailstore.Lookup(s.Kind)
	if f == nil {
		return ""
	}
	r, err := f.Open(s)
	if err != nil {
		return ""
	}
	defer r.Close()
	fp, ok := r.(mailstore.Fingerprinter)
	if !ok {
		return ""
	}
	folders, err := r.Folders(ctx)
	if err != nil {
		return ""
	}
	h := sha256.New()
	for _, fo := range folders {
		p := fp.Fingerprint(fo)
		if p == "" {
			return ""
		}
		h.Write([]byte(fo.Name + "\x00" + fo.Origin + "\x00" + p + "\x00"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// verifiedStoreState is what the last verification found of src's store
// s, when s is as it was then; nil when it must be read again.
func verifiedStoreState(ctx context.Context, a *archive.Archive, src *archive.Source, last *archive.Verification, s *mailstore.Store) *StoreState {
	if src == nil || last == nil || src.LastImportAt == "" || src.LastImportAt > last.FinishedAt {
		return nil
	}
	raw, err := a.Meta(ctx, storeStateKey+strconv.FormatInt(src.ID, 10))
	if err != nil || raw == "" {
		return nil
	}
	var rec storeRecord
	if json.Unmarshal([]byte(raw), &rec) != nil || rec.VerificationID != last.ID || rec.Fingerprint == "" {
		return nil
	}
	if storeFingerprint(ctx, s) != rec.Fingerprint {
		return nil
	}
	return &rec.State
}

// saveStoreStates keeps what verification id found of each store read
// whole and unchanged while it was read.
func saveStoreStates(ctx context.Context, a *archive.Archive, id int64, recs map[int64]storeRecord) error {
	if len(recs) == 0 || id == 0 {
		return nil
	}
	kv := map[string]string{}
	for srcID, rec := range recs {
		rec.VerificationID = id
		j, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		kv[storeStateKey+strconv.FormatInt(srcID, 10)] = string(j)
	}
	return a.SetMeta(ctx, kv)
}
