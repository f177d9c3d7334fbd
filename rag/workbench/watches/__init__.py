"""Questions that watch the archive: saved, re-answered after every index update, and a change
recorded when the answer moves (see watching.Watches)."""
