package app

import (
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
)

// askSavePath asks where to save a file, offering fileName in the home
// folder, and gives the chosen path to save. The empty file the dialog
// opens there is closed at once: save writes the file itself, whole or not
// at all. Nothing happens when the person cancels.
func askSavePath(win fyne.Window, fileName string, save func(path string)) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		path := w.URI().Path()
		w.Close()
		save(path)
	}, win)
	d.SetFileName(fileName)
	if home, err := os.UserHomeDir(); err == nil {
		if l, err := storage.ListerForURI(storage.NewFileURI(home)); err == nil {
			d.SetLocation(l)
		}
	}
	d.Show()
}

// askFolder asks for a folder and gives its path to chosen; nothing
// happens when the person cancels.
func askFolder(win fyne.Window, chosen func(path string)) {
	dialog.NewFolderOpen(func(dir fyne.ListableURI, err error) {
		if err != nil || dir == nil {
			return
		}
		chosen(dir.Path())
	}, win).Show()
}
