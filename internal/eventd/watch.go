package eventd

import (
	"sync"
	"sync/atomic"

	"github.com/fsnotify/fsnotify"
	"github.com/sirupsen/logrus"
)

// scriptCache holds the script list of one directory. An fsnotify watch
// invalidates it on any change, so scripts added, removed or chmod-ed take
// effect at the next event. Without a working watch it rescans every time.
type scriptCache struct {
	dir string
	log *logrus.Entry
	w   *fsnotify.Watcher // nil when not watching
	// loopDone is closed when the watch goroutine has ended.
	loopDone chan struct{}

	gen      atomic.Uint64 // bumped by every change notification
	watching atomic.Bool

	mu        sync.Mutex // serialises scans
	cachedGen uint64
	cached    []scriptEntry
	scanned   bool
}

func newScriptCache(dir string, log *logrus.Entry, watch bool) *scriptCache {
	c := &scriptCache{dir: dir, log: log, loopDone: make(chan struct{})}
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
func (c *scriptCache) startWatch() {
	w, err := fsnotify.NewWatcher()
	if err == nil {
		err = w.Add(c.dir)
		if err != nil {
			w.Close()
		}
	}
	if err != nil {
		c.log.Warnf("cannot watch script directory %s (%v): rescanning it before every event", c.dir, err)
		return
	}
	c.w = w
	c.watching.Store(true)
	go c.loop()
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
			c.log.Warnf("watch on script directory %s: %v", c.dir, err)
			c.invalidate()
		}
	}
}

func (c *scriptCache) onEvent(ev fsnotify.Event) {
	c.log.Debugf("script directory change: %s", ev)
	if ev.Name == c.dir && ev.Has(fsnotify.Remove|fsnotify.Rename) {
		c.log.Warnf("script directory %s was removed or renamed: rescanning before every event", c.dir)
		c.watching.Store(false)
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
	list, err := scanDir(c.dir)
	if err != nil {
		return nil, err
	}
	if c.scanned {
		for _, m := range diffScripts(c.cached, list) {
			c.log.Info(m)
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
