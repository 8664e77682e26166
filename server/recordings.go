package main

import (
	"log/slog"
	"os"
	"path/filepath"

	"github.com/earshot/earshot/store"
)

// deleteRecordingFiles removes the directories of recordings retention
// deleted from the store. A directory name that is not one plain path
// element (a tampered row) is refused rather than followed.
func deleteRecordingFiles(root string, log *slog.Logger) func([]store.RecordingRecord) {
	return func(recs []store.RecordingRecord) {
		for _, r := range recs {
			if r.Dir == "" || r.Dir != filepath.Base(r.Dir) || r.Dir == "." || r.Dir == ".." {
				log.Warn("retention: recording directory refused", "recording", r.ID, "dir", r.Dir)
				continue
			}
			if err := os.RemoveAll(filepath.Join(root, r.Dir)); err != nil {
				log.Error("retention: recording files not deleted", "recording", r.ID, "err", err)
			}
		}
	}
}
