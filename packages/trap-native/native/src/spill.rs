//! Spilling: guests that compute side by side get the CPUs the kernel's thread does not use.
//!
//! The kernel's thread and its guests share one CPU ("home"), so that a trap's two wake-ups are
//! plain context switches (docs/platform.md, "Pinning"). Two guests computing at once, a parallel
//! build's compilers, would then share that CPU too. A guest thread that the tracer finds running
//! at home for `SPILL_AFTER_NS`, while another runs there as well, is moved to the other CPUs the
//! process may use ("away"). It comes home at its next ptrace stop (the stops of fork, exec and
//! mmap take several wake-ups each, which cost most across CPUs, and a child inherits its parent's
//! CPUs), or at a notified call when no other guest runs.

use std::mem::size_of;

/// How long a guest must be seen computing at home beside another before it is moved: far longer
/// than a guest runs between most of its syscalls, short against a compile. 0.5, 1, 2 and 4 ms
/// measured alike on a parallel build (docs/platform.md, "Spilling").
pub const SPILL_AFTER_NS: i64 = 2_000_000;

pub struct Spill {
    home: libc::cpu_set_t,
    away: libc::cpu_set_t,
    /// Whether `away` holds any CPU: with only one CPU allowed, nothing moves.
    enabled: bool,
    next_scan_ns: i64,
}

impl Spill {
    /// `home`: the CPU the tracer is pinned to, or None when nothing is pinned; `allowed`: the
    /// CPUs the process may run on.
    pub fn new(home: Option<usize>, allowed: &libc::cpu_set_t) -> Spill {
        let mut s = Spill { home: unsafe { std::mem::zeroed() }, away: *allowed, enabled: false, next_scan_ns: 0 };
        if let Some(cpu) = home {
            unsafe {
                libc::CPU_SET(cpu, &mut s.home);
                libc::CPU_CLR(cpu, &mut s.away);
                s.enabled = libc::CPU_COUNT(&s.away) > 0;
            }
        }
        s
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Whether a scan is due at `now_ns`; if so the next is due half a `SPILL_AFTER_NS` later, so a
    /// thread moves between one and one and a half of it after it was first seen.
    pub fn scan_due(&mut self, now_ns: i64) -> bool {
        if now_ns < self.next_scan_ns {
            return false;
        }
        self.next_scan_ns = now_ns + SPILL_AFTER_NS / 2;
        true
    }

    pub fn ns_to_next_scan(&self, now_ns: i64) -> i64 {
        (self.next_scan_ns - now_ns).max(1)
    }

    /// Move guest thread `tid` away; false if the host refused. A thread that exited meanwhile is
    /// refused; any other refusal (a cpuset that no longer has those CPUs) ends spilling, rather
    /// than waking the tracer for a move that cannot happen.
    pub fn send_away(&mut self, tid: i32) -> bool {
        if set_cpus(tid, &self.away) {
            return true;
        }
        if crate::sys::neg_errno() != -(libc::ESRCH as i64) {
            self.enabled = false;
        }
        false
    }

    pub fn bring_home(&self, tid: i32) {
        set_cpus(tid, &self.home);
    }
}

fn set_cpus(tid: i32, set: &libc::cpu_set_t) -> bool {
    unsafe { libc::sched_setaffinity(tid, size_of::<libc::cpu_set_t>(), set) == 0 }
}

pub fn monotonic_ns() -> i64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut t) };
    t.tv_sec * 1_000_000_000 + t.tv_nsec
}
