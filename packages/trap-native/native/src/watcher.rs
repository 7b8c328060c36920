//! The watcher: what notices ptrace events while the tracer sleeps in epoll.
//!
//! The tracer waits in epoll on the guests' seccomp notification fds (the fast path) and on libuv's
//! and the kernel's fds, so it cannot also sleep in waitpid. Ptrace events (RET_TRACE syscalls,
//! faults, exits) are rarer. Where the kernel has IORING_OP_WAITID, an io_uring waits for them
//! (wait_ring.rs) and its fd is the one the tracer polls; elsewhere a native thread waits with
//! waitid(WNOWAIT), which leaves the event for the tracer to collect, and then writes an eventfd.
//! Either fires once per arming: the tracer re-arms it only after waitpid(WNOHANG) found nothing
//! more, so it never spins on an event it already reported.
use crate::sys::{neg_errno, raw6};
use crate::wait_ring::WaitRing;
use std::sync::atomic::{AtomicU32, Ordering};

const IDLE: u32 = 0;
const ARMED: u32 = 1;
const FIRED: u32 = 2;

enum Backend {
    /// A waitid is in flight in the ring (or has completed, and its completion is unread).
    Ring { ring: WaitRing, in_flight: bool },
    Thread { state: &'static AtomicU32 },
}

pub struct Watcher {
    backend: Backend,
    /// What turns readable when an armed watcher fires: the ring's fd, or the thread's eventfd.
    pub event_fd: i32,
}

impl Watcher {
    /// Start watching the process group `pgid` (the guests and the group anchor, which lives as
    /// long as the tracer, so waitid never fails with ECHILD). `ring` false: the thread, always.
    pub fn start(pgid: i32, ring: bool) -> Result<Watcher, i64> {
        if let Some(ring) = if ring { WaitRing::open(pgid) } else { None } {
            let event_fd = ring.fd;
            return Ok(Watcher { backend: Backend::Ring { ring, in_flight: false }, event_fd });
        }
        let event_fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if event_fd < 0 {
            return Err(neg_errno());
        }
        let state: &'static AtomicU32 = Box::leak(Box::new(AtomicU32::new(IDLE)));
        std::thread::Builder::new()
            .name("rvisor-watcher".into())
            .spawn(move || watch(state, pgid, event_fd))
            .map_err(|_| -(libc::EAGAIN as i64))?;
        Ok(Watcher { backend: Backend::Thread { state }, event_fd })
    }

    /// Whether the events are waited for by an io_uring (not a thread).
    pub fn uses_ring(&self) -> bool {
        matches!(self.backend, Backend::Ring { .. })
    }

    /// Whether an event is already known to be reportable, or the watcher is not looking.
    pub fn armed(&self) -> bool {
        match &self.backend {
            Backend::Ring { in_flight, .. } => *in_flight,
            Backend::Thread { state } => state.load(Ordering::Acquire) == ARMED,
        }
    }

    /// Look for the next ptrace event (call after waitpid(WNOHANG) found none). False if it could
    /// not: the ring refused the waitid (no memory for it), and nothing watches until the next arm.
    pub fn arm(&mut self) -> bool {
        match &mut self.backend {
            Backend::Ring { ring, in_flight } => {
                if !*in_flight {
                    *in_flight = ring.submit(0);
                }
                *in_flight
            }
            Backend::Thread { state } => {
                if state.swap(ARMED, Ordering::AcqRel) != ARMED {
                    unsafe { futex_wake(state) };
                }
                true
            }
        }
    }

    /// Stop looking: the tracer is about to wait for a thread itself (an injection), and the
    /// stops it waits for should not also wake it through the eventfd. It looks again with
    /// waitpid(WNOHANG) before it next sleeps, as after any event. A waitid in the ring cannot be
    /// taken back: it completes at the next event, and the tracer reads that completion as any
    /// other, one spurious wake-up.
    pub fn disarm(&self) {
        if let Backend::Thread { state } = &self.backend {
            let _ = state.compare_exchange(ARMED, IDLE, Ordering::AcqRel, Ordering::Acquire);
        }
    }

    /// The tracer saw `event_fd` readable: consume it; the watcher rests until the next `arm`.
    pub fn acknowledge(&mut self) {
        match &mut self.backend {
            Backend::Ring { ring, in_flight } => {
                if ring.take().is_some() {
                    *in_flight = false;
                }
            }
            Backend::Thread { state } => {
                let mut v = 0u64;
                unsafe { libc::read(self.event_fd, &mut v as *mut u64 as *mut libc::c_void, 8) };
                let _ = state.compare_exchange(FIRED, IDLE, Ordering::AcqRel, Ordering::Acquire);
            }
        }
    }
}

fn watch(state: &'static AtomicU32, pgid: i32, event_fd: i32) {
    unsafe {
        // Never run a Node signal handler on this thread.
        let mut all: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, std::ptr::null_mut());
    }
    loop {
        while state.load(Ordering::Acquire) != ARMED {
            let cur = state.load(Ordering::Acquire);
            if cur != ARMED {
                unsafe { futex_wait(state, cur) };
            }
        }
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let flags = libc::WEXITED | libc::WSTOPPED | libc::WNOWAIT | libc::__WALL;
        let r = unsafe { libc::waitid(libc::P_PGID, pgid as libc::id_t, &mut info, flags) };
        if r < 0 && neg_errno() == -(libc::EINTR as i64) {
            continue;
        }
        // An event (or an error the tracer's own waitpid will meet): report it once.
        if state.compare_exchange(ARMED, FIRED, Ordering::AcqRel, Ordering::Acquire).is_ok() {
            let one = 1u64;
            unsafe { libc::write(event_fd, &one as *const u64 as *const libc::c_void, 8) };
        }
    }
}

unsafe fn futex_wait(state: &AtomicU32, expected: u32) {
    raw6(libc::SYS_futex, state as *const AtomicU32 as i64, libc::FUTEX_WAIT as i64, expected as i64, 0, 0, 0);
}

unsafe fn futex_wake(state: &AtomicU32) {
    raw6(libc::SYS_futex, state as *const AtomicU32 as i64, libc::FUTEX_WAKE as i64, 1, 0, 0, 0);
}
