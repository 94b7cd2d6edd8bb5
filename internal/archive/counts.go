package archive

import "context"

// Counts of what the archive holds, for summaries and the removal gate.

// MessageCount counts every archived message, of every folder generation.
func (a *Archive) MessageCount(ctx context.Context) (int64, error) {
	return a.count(ctx, `SELECT count(*) FROM messages`)
}

// CurrentMessageCount counts the messages of the current folder generations
// (those the server still has under their UIDVALIDITY).
func (a *Archive) CurrentMessageCount(ctx context.Context) (int64, error) {
	return a.count(ctx, `SELECT count(*) FROM messages m JOIN folders f ON f.id = m.folder_id WHERE f.current = 1`)
}

// FolderMessageCount counts the messages of one folder generation.
func (a *Archive) FolderMessageCount(ctx context.Context, folderID int64) (int64, error) {
	return a.count(ctx, `SELECT count(*) FROM messages WHERE folder_id = ?`, folderID)
}

// OpenFailureCount counts the messages of a folder generation that failed
// and have not been saved since.
func (a *Archive) OpenFailureCount(ctx context.Context, folderID int64) (int64, error) {
	return a.count(ctx, `SELECT count(*) FROM failures WHERE folder_id = ? AND resolved_at IS NULL`, folderID)
}

// MessageCounts counts the messages of every folder generation that has
// any: folder id → messages.
func (a *Archive) MessageCounts(ctx context.Context) (map[int64]int64, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT folder_id, count(*) FROM messages GROUP BY folder_id`)
	pairs, err := scanAll(a, rows, err, func(s scanner) (p [2]int64, err error) {
		err = s.Scan(&p[0], &p[1])
		return p, err
	})
	if err != nil {
		return nil, err
	}
	out := make(map[int64]int64, len(pairs))
	for _, p := range pairs {
		out[p[0]] = p[1]
	}
	return out, nil
}

func (a *Archive) count(ctx context.Context, q string, args ...any) (int64, error) {
	var n int64
	err := a.db.QueryRowContext(ctx, q, args...).Scan(&n)
	return n, classifyDB("read archive", a.dir, err)
}
