package archive_test

import (
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/mailark/mailark/internal/archive"
)

// resident counts the pages of f in [from, to) that are in the page
// cache, and all of them.
func resident(t *testing.T, f *os.File, from, to int64) (in, all int) {
	t.Helper()
	m, err := unix.Mmap(int(f.Fd()), 0, int(to), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(m)
	page := int64(os.Getpagesize())
	vec := make([]byte, (to+page-1)/page)
	if _, _, e := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
		t.Fatal(e)
	}
	for _, v := range vec[from/page:] {
		all++
		if v&1 != 0 {
			in++
		}
	}
	return in, all
}

// fileSize is the size of the file at path.
func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// checkLeftCache checks that what the database file grew by from from to
// its size now, at least 8 MB of messages, is mostly out of the page
// cache (what: by whom it grew), then closes a. It looks through the
// writer's own descriptor: another one, closed while SQLite has the file
// open, would drop its locks.
func checkLeftCache(t *testing.T, a *archive.Archive, db string, from int64, what string) {
	t.Helper()
	to := fileSize(t, db)
	if to-from < 8<<20 {
		t.Fatalf("8 MB of messages grew the database by %d bytes (%s)", to-from, what)
	}
	if in, all := resident(t, archive.HeldDBFile(a), from, to); in > all/10 {
		t.Errorf("%d of the %d pages %s added to the database are still cached, want at most a tenth", in, all, what)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
}

// diskDir is a new folder for an archive, on a file system that keeps
// files on a disk: on tmpfs (/tmp on some systems) the page cache is where
// files are, and nothing is let go. It is under the package's folder when
// the temporary folder is on tmpfs.
func diskDir(t *testing.T) string {
	t.Helper()
	tmpfs := func(dir string) bool {
		var fs unix.Statfs_t
		return unix.Statfs(dir, &fs) == nil && fs.Type == unix.TMPFS_MAGIC
	}
	dir := t.TempDir()
	if tmpfs(dir) {
		d, err := os.MkdirTemp(".", "pagecache-test-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(d) })
		dir = d
	}
	if tmpfs(dir) {
		t.Skip("no folder on a disk to test in: the temporary folder and this one are on tmpfs")
	}
	return filepath.Join(dir, "arch")
}

// What a batch added to the database file is not left in the page cache
// once it is committed (pagecache.go): the next batch's writes reuse that
// memory.
func TestCommittedPagesLeaveThePageCache(t *testing.T) {
	dir := diskDir(t)
	a := openBulk(t, dir)
	ctx := t.Context()
	f, _ := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 1})
	run, _ := a.BeginRun(ctx, "backup")
	addBatch(t, a, f, run, entry(1, "first"))
	db := filepath.Join(dir, archive.DBFile)
	from := fileSize(t, db)
	var es []*archive.Entry
	for uid := uint32(2); uid < 10; uid++ {
		es = append(es, entry(uid, bulkBody))
	}
	addBatch(t, a, f, run, es...)
	checkLeftCache(t, a, db, from, "the batch")
}

// In WAL mode (a reader had the archive open when the backup began) the
// pages go into the database when the checkpointer copies the log in:
// what that added leaves the page cache too.
func TestCheckpointedPagesLeaveThePageCache(t *testing.T) {
	dir := diskDir(t)
	a := openArchive(t, dir)
	ctx := t.Context()
	f, _ := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 1})
	run, _ := a.BeginRun(ctx, "backup")
	addBatch(t, a, f, run, entry(1, "first"))
	archive.WaitCheckpointed(a)
	db := filepath.Join(dir, archive.DBFile)
	from := fileSize(t, db)
	for uid := uint32(2); uid < 10; uid++ {
		addBatch(t, a, f, run, entry(uid, bulkBody))
	}
	archive.WaitCheckpointed(a)
	checkLeftCache(t, a, db, from, "the checkpoints")
}
