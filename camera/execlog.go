package camera

import (
	"bufio"
	"io"
	"log/slog"
	"time"
)

// Limits of logLines: rpicam-vid and ffmpeg can print a line per frame, and
// a log that grows by 30 lines a second hides everything else.
const (
	execLogBurst   = 20              // lines logged before the limit applies
	execLogRefill  = 2 * time.Second // one more line allowed per this time
	execLogLineMax = 512             // longer lines are cut
)

// logLines copies a command's stderr into the log line by line until EOF:
// a burst of execLogBurst lines, then one per execLogRefill, with the
// number of lines left out said on the next line logged.
func logLines(r io.Reader, log *slog.Logger) {
	br := bufio.NewReaderSize(r, execLogLineMax)
	tokens, last := execLogBurst, time.Now()
	skipped := 0
	for {
		line, isPrefix, err := br.ReadLine()
		if len(line) > 0 || (err == nil && !isPrefix) {
			now := time.Now()
			if n := int(now.Sub(last) / execLogRefill); n > 0 {
				tokens, last = min(execLogBurst, tokens+n), last.Add(time.Duration(n)*execLogRefill)
			}
			if tokens > 0 {
				tokens--
				if skipped > 0 {
					log.Info("camera command", "stderr", string(line), "lines_left_out", skipped)
				} else {
					log.Info("camera command", "stderr", string(line))
				}
				skipped = 0
			} else {
				skipped++
			}
		}
		for isPrefix && err == nil { // the rest of an over-long line
			_, isPrefix, err = br.ReadLine()
		}
		if err != nil {
			return
		}
	}
}
