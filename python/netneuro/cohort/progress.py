"""Progress bar of a cohort run (tqdm when installed, else a line on stderr)."""

from __future__ import annotations

import sys
import time


class _Progress:
    def __init__(self, total, initial, enabled):
        self.total, self.done, self.failed = total, initial, 0
        self.bar = None
        self.enabled = bool(enabled) and hasattr(sys.stderr, "isatty") and sys.stderr.isatty()
        self.t0 = time.perf_counter()
        self.last = 0.0
        if self.enabled:
            try:
                from tqdm.auto import tqdm

                self.bar = tqdm(total=total, initial=initial, unit="subject", dynamic_ncols=True,
                                desc="netneuro cohort")
            except ImportError:
                self._line(force=True)

    def update(self, failed=False):
        self.done += 1
        self.failed += int(failed)
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.update(1)
            if failed:
                self.bar.set_postfix(failed=self.failed)
        else:
            self._line()

    def _line(self, force=False):
        now = time.perf_counter()
        if not force and now - self.last < 0.2 and self.done < self.total:
            return
        self.last = now
        rate = self.done / max(now - self.t0, 1e-9)
        sys.stderr.write(f"\rnetneuro cohort: {self.done}/{self.total} subjects"
                         f" ({self.failed} failed), {rate:.2f}/s")
        sys.stderr.flush()

    def close(self):
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.close()
        else:
            self._line(force=True)
            sys.stderr.write("\n")
            sys.stderr.flush()
