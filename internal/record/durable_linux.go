package record

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// watch opens dir, once per filesystem, before anything is written there.
func (p *Pending) watch(dir string) error {
	var st syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.fss[st.Dev]; ok {
		return nil
	}
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	if p.fss == nil {
		p.fss = map[uint64]*os.File{}
	}
	p.fss[st.Dev] = f
	return nil
}

// syncFilesystems syncs each filesystem with syncfs(2), which writes out
// every file and directory changed on it and reports a write that failed
// since the directory was opened (Linux 5.8 and later).
func syncFilesystems(fss map[uint64]*os.File) (bool, error) {
	for _, f := range fss {
		if err := unix.Syncfs(int(f.Fd())); err != nil {
			return false, fmt.Errorf("syncfs %s: %w", f.Name(), err)
		}
	}
	return true, nil
}
