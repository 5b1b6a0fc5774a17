package eventd

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ctdb-go/ctdb/internal/scriptdir"
	"github.com/fsnotify/fsnotify"
	"github.com/sirupsen/logrus"
)

// scriptCache holds the merged script list of the script directories. An
// fsnotify watch invalidates it on any change, so scripts added, removed or
// chmod-ed take effect at the next event. The data directory is watched too,
// so a package upgrade of a symlinked script is seen. A script directory
// that does not exist yet (a CTDB 4.x layout has no events.d, an older one
// no events/legacy) is watched through its nearest existing ancestor, and
// for itself once it is created. Without a working watch it rescans every
// time.
type scriptCache struct {
	layout scriptdir.Layout
	extra  []string // more directories to watch (the data directory)
	log    *logrus.Entry
	w      *fsnotify.Watcher // nil when not watching
	// loopDone is closed when the watch goroutine has ended.
	loopDone chan struct{}
	// missing are the script directories watched through an ancestor
	// because they did not exist; only the watch goroutine uses it once
	// it runs.
	missing map[string]bool

	gen      atomic.Uint64 // bumped by every change notification
	watching atomic.Bool

	mu        sync.Mutex // serialises scans
	cachedGen uint64
	cached    []scriptEntry
	scanned   bool
}

func newScriptCache(layout scriptdir.Layout, extra []string, log *logrus.Entry, watch bool) *scriptCache {
	c := &scriptCache{layout: layout, extra: extra, log: log, loopDone: make(chan struct{})}
	c.gen.Store(1)
	if watch {
		c.startWatch()
	}
	if c.w == nil {
		close(c.loopDone)
	}
	return c
}

// startWatch sets up the watch; failing that, the cache rescans every time.
// A script directory that does not exist is not an error: it is rescanned
// (cheaply) before every event, so creating it later takes effect.
func (c *scriptCache) startWatch() {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		c.log.Warningf("Cannot watch script directories (%v): rescanning them before every event", err)
		return
	}
	all := true
	c.missing = map[string]bool{}
	for _, d := range c.layout.Dirs() {
		if err := c.watchDir(w, d.Path); err != nil {
			all = false
			if !os.IsNotExist(err) {
				c.log.Warningf("Cannot watch script directory %s (%v): rescanning it before every event", d.Path, err)
			}
		}
	}
	for _, d := range c.extra {
		_ = w.Add(d) // best effort: only symlink targets live there
	}
	c.w = w
	c.watching.Store(all)
	go c.loop()
}

// watchDir watches script directory dir or, while it does not exist, its
// nearest existing ancestor, whose changes then say when dir appears.
//
// A directory on the way to dir may be created after adding dir failed
// and before its parent's watch is in place: that creation gives no event.
// So once an ancestor is watched, its child on the way to dir is looked
// for again, and if it exists now the walk starts over from dir (a bounded
// number of times: a directory created and removed over and over stays
// watched through its ancestor).
func (c *scriptCache) watchDir(w *fsnotify.Watcher, dir string) error {
	for attempt := 0; ; attempt++ {
		err := w.Add(dir)
		if err == nil || !os.IsNotExist(err) {
			delete(c.missing, dir)
			return err
		}
		if missingDirHook != nil {
			missingDirHook(dir)
		}
		child := dir
		for p := filepath.Dir(dir); ; child, p = p, filepath.Dir(p) {
			aerr := w.Add(p)
			if aerr == nil {
				break
			}
			if !os.IsNotExist(aerr) || p == filepath.Dir(p) {
				return err
			}
		}
		c.missing[dir] = true
		if _, serr := os.Lstat(child); serr != nil || attempt == maxWatchAttempts-1 {
			return nil
		}
	}
}

// maxWatchAttempts bounds watchDir's walks for one directory.
const maxWatchAttempts = 8

// missingDirHook, when set (by tests only), runs after watching a script
// directory failed because it does not exist, before its ancestor is
// watched: the window in which its creation would go unseen.
var missingDirHook func(dir string)

// rearm watches again the missing script directories on the way to
// path, which was created: they may exist now.
func (c *scriptCache) rearm(path string) {
	for dir := range c.missing {
		if dir != path && !strings.HasPrefix(dir, path+string(filepath.Separator)) {
			continue
		}
		if err := c.watchDir(c.w, dir); err != nil {
			c.log.Warningf("Cannot watch script directory %s (%v): rescanning it before every event", dir, err)
			c.watching.Store(false)
		}
	}
}

// isScriptDir reports whether p is one of the script directories.
func (c *scriptCache) isScriptDir(p string) bool {
	for _, d := range c.layout.Dirs() {
		if d.Path == p {
			return true
		}
	}
	return false
}

// loop turns watch notifications into invalidations until the watcher closes.
func (c *scriptCache) loop() {
	defer close(c.loopDone)
	for {
		select {
		case ev, ok := <-c.w.Events:
			if !ok {
				return
			}
			c.onEvent(ev)
		case err, ok := <-c.w.Errors:
			if !ok {
				return
			}
			c.log.Warningf("Watch on script directories failed: %v", err)
			c.invalidate()
		}
	}
}

func (c *scriptCache) onEvent(ev fsnotify.Event) {
	c.log.Debugf("Script directory change: %s", ev)
	if c.isScriptDir(ev.Name) && ev.Has(fsnotify.Remove|fsnotify.Rename) {
		c.log.Warningf("Script directory %s was removed or renamed: rescanning before every event", ev.Name)
		c.watching.Store(false)
	}
	if ev.Has(fsnotify.Create) {
		c.rearm(ev.Name)
	}
	c.invalidate()
}

func (c *scriptCache) invalidate() {
	c.gen.Add(1)
}

// get returns the current script list, rescanning when it may have changed
// and logging what changed.
func (c *scriptCache) get() ([]scriptEntry, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	gen := c.gen.Load()
	if c.watching.Load() && c.cachedGen == gen {
		return append([]scriptEntry(nil), c.cached...), nil
	}
	list, err := c.layout.Scan()
	if err != nil {
		return nil, err
	}
	if c.scanned {
		for _, m := range diffScripts(c.cached, list) {
			c.log.Info(m)
		}
		if scriptdir.CountEnabled(list) == 0 && scriptdir.CountEnabled(c.cached) > 0 {
			c.log.Warning(c.layout.NoScriptWarning())
		}
	}
	c.cached, c.cachedGen, c.scanned = list, gen, true
	return append([]scriptEntry(nil), list...), nil
}

// close stops the watch and waits for its goroutine.
func (c *scriptCache) close() {
	if c.w != nil {
		c.w.Close()
	}
	<-c.loopDone
}
