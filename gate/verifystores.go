package gate

import (
	"context"
	"fmt"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailstore"
)

// checkStores verifies the archive against each mail-app store imported
// into it, as checkServer does against the server: the store is read
// again and every message must be archived with the same SHA-256. A store
// folder's result is recorded with OnServer false; a store no longer on
// this computer is a note (its mail is in the archive).
func (v *verifier) checkStores(ctx context.Context) error {
	srcs, err := v.a.Sources(ctx)
	if err != nil {
		return err
	}
	for _, src := range srcs {
		if src.Kind == archive.SourcePOP3 {
			continue
		}
		store, _ := mailstore.At(src.Location, src.Kind)
		afs, err := v.a.SourceFolders(ctx, src.ID)
		if err != nil {
			return err
		}
		if store == nil {
			v.note(Discrepancy{Kind: StoreGone, Folder: src.Label, Want: src.Location,
				Detail: fmt.Sprintf("%s: the store at %s is no longer on this computer; its mail is in the archive", src.Label, src.Location)})
			for _, af := range afs {
				if g := v.gens[af.ID]; g != nil {
					v.res.Folders = append(v.res.Folders, archivedOnly(g))
				}
			}
			continue
		}
		v.setFolder(src.Label, 0, 1)
		fp := storeFingerprint(ctx, store)
		st, checks, err := compareStore(ctx, v.a, src, store)
		if err != nil {
			return err
		}
		if fp != "" && st.Error == "" && storeFingerprint(ctx, store) == fp {
			if v.stores == nil {
				v.stores = map[int64]storeRecord{}
			}
			v.stores[src.ID] = storeRecord{Fingerprint: fp, State: st}
		}
		if st.Error != "" && len(checks) == 0 {
			v.problem(Discrepancy{Kind: StoreUnreadable, Folder: src.Label, Got: st.Error,
				Detail: fmt.Sprintf("%s: the store at %s could not be read: %s", src.Label, src.Location, st.Error)})
		}
		done := map[int64]bool{}
		for _, fc := range checks {
			name := archive.SourceFolderName(src, fc.name)
			switch {
			case fc.err != nil:
				v.problem(Discrepancy{Kind: StoreUnreadable, Folder: name, Got: fc.err.Error(),
					Detail: fmt.Sprintf("%s: the store's folder could not be read: %v", name, fc.err)})
			case fc.missing > 0:
				v.problem(Discrepancy{Kind: StoreNotImported, Folder: name, Want: fmt.Sprint(fc.missing),
					Detail: fmt.Sprintf("%s: %d message(s) in %s are not in the archive: run mailark import", name, fc.missing, store.App)})
			}
			if fc.archived == nil {
				continue
			}
			g := v.gens[fc.archived.ID]
			if g == nil {
				continue
			}
			fr := archivedOnly(g)
			fr.Verified = fc.matched
			v.res.Folders = append(v.res.Folders, fr)
			done[fc.archived.ID] = true
		}
		for _, af := range afs {
			if g := v.gens[af.ID]; g != nil && !done[af.ID] {
				// Archived, no longer in the store (the app deleted it).
				v.res.Folders = append(v.res.Folders, archivedOnly(g))
			}
		}
	}
	return nil
}
