//! The doorbell: how the tracer, asleep in waitpid, is woken for things that are not guest stops.
//!
//! waitpid cannot time out or watch fds, and ptrace works only from the tracer thread, so the
//! tracer never sleeps anywhere else. The doorbell is a tiny child process sharing the kernel's
//! memory and fd table (CLONE_VM | CLONE_FILES), in the guests' process group. While armed it sits in
//! ppoll on libuv's backend fd, the kernel's epoll fd of watched host fds, and a kick eventfd, with
//! the kernel's next deadline as timeout. When one of them fires it stops itself with SIGSTOP; that
//! stop ends the tracer's waitpid like a guest stop would. The hot path (guest stop → tracer) stays
//! on one thread with no extra hop; see docs/platform.md.
use crate::sys::{monotonic_ns, raw, raw6};
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};

const IDLE: u32 = 0;
const POLLING: u32 = 1;
const RUNG: u32 = 2;
const STACK_SIZE: usize = 64 * 1024;

#[repr(C)]
struct Shared {
    state: AtomicU32,
    deadline: AtomicI64, // CLOCK_MONOTONIC ns; i64::MAX = none
    fds: [i32; 3],       // uv backend fd, kernel epoll fd, kick eventfd
}

pub struct Doorbell {
    shared: &'static Shared,
    pub pid: i32,
    kick_fd: i32,
}

extern "C" fn doorbell_main(arg: *mut libc::c_void) -> libc::c_int {
    let s = unsafe { &*(arg as *const Shared) };
    unsafe {
        raw(libc::SYS_prctl, libc::PR_SET_PDEATHSIG as i64, libc::SIGKILL as i64, 0);
        raw(libc::SYS_setpgid, 0, 0, 0);
        // Block every signal: the doorbell must never run a handler it inherited from Node.
        let all: u64 = !0;
        raw6(libc::SYS_rt_sigprocmask, libc::SIG_SETMASK as i64, &all as *const u64 as i64, 0, 8, 0, 0);
    }
    let mut pfds = [
        libc::pollfd { fd: s.fds[0], events: libc::POLLIN, revents: 0 },
        libc::pollfd { fd: s.fds[1], events: libc::POLLIN, revents: 0 },
        libc::pollfd { fd: s.fds[2], events: libc::POLLIN, revents: 0 },
    ];
    loop {
        while s.state.load(Ordering::Acquire) == IDLE {
            unsafe {
                raw6(libc::SYS_futex, &s.state as *const AtomicU32 as i64, libc::FUTEX_WAIT as i64, IDLE as i64, 0, 0, 0);
            }
        }
        let deadline = s.deadline.load(Ordering::Acquire);
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        let tsp = if deadline == i64::MAX {
            0
        } else {
            let left = (deadline - monotonic_ns()).max(0);
            ts.tv_sec = left / 1_000_000_000;
            ts.tv_nsec = left % 1_000_000_000;
            &ts as *const libc::timespec as i64
        };
        for p in pfds.iter_mut() {
            p.revents = 0;
        }
        let n = unsafe { raw6(libc::SYS_ppoll, pfds.as_mut_ptr() as i64, 3, tsp, 0, 8, 0) };
        if n > 0 && pfds[2].revents != 0 {
            let mut v = 0u64;
            unsafe { raw(libc::SYS_read, s.fds[2] as i64, &mut v as *mut u64 as i64, 8) };
            if pfds[0].revents == 0 && pfds[1].revents == 0 {
                continue; // only kicked: the deadline or the state changed
            }
        }
        // Timeout, readiness, or an error (a bad fd): ring, so the kernel looks rather than this spins.
        if s.state.compare_exchange(POLLING, RUNG, Ordering::AcqRel, Ordering::Acquire).is_ok() {
            unsafe {
                let me = raw(libc::SYS_getpid, 0, 0, 0);
                raw(libc::SYS_kill, me, libc::SIGSTOP as i64, 0);
            }
        }
    }
}

impl Doorbell {
    /// Start the doorbell. `uv_fd` is libuv's backend fd, `epoll_fd` the kernel's watch set.
    pub fn start(uv_fd: i32, epoll_fd: i32) -> Result<Doorbell, i64> {
        let kick_fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if kick_fd < 0 {
            return Err(crate::sys::neg_errno());
        }
        let shared: &'static Shared = Box::leak(Box::new(Shared {
            state: AtomicU32::new(IDLE),
            deadline: AtomicI64::new(i64::MAX),
            fds: [uv_fd, epoll_fd, kick_fd],
        }));
        let stack = Box::leak(vec![0u8; STACK_SIZE].into_boxed_slice());
        let top = unsafe { stack.as_mut_ptr().add(STACK_SIZE - 64) } as *mut libc::c_void;
        let pid = unsafe {
            libc::clone(
                doorbell_main,
                top,
                libc::CLONE_VM | libc::CLONE_FILES | libc::SIGCHLD,
                shared as *const Shared as *mut libc::c_void,
            )
        };
        if pid < 0 {
            return Err(crate::sys::neg_errno());
        }
        // Also from this side, so guests spawned right away can join the group.
        unsafe { libc::setpgid(pid, pid) };
        Ok(Doorbell { shared, pid, kick_fd })
    }

    /// Make sure the doorbell rings no later than `deadline` (ns, CLOCK_MONOTONIC; i64::MAX: only
    /// for I/O). A later deadline than the armed one is left alone: an early ring is harmless.
    pub fn arm(&self, deadline: i64) {
        let s = self.shared;
        match s.state.load(Ordering::Acquire) {
            IDLE => {
                s.deadline.store(deadline, Ordering::Release);
                s.state.store(POLLING, Ordering::Release);
                unsafe {
                    raw6(libc::SYS_futex, &s.state as *const AtomicU32 as i64, libc::FUTEX_WAKE as i64, 1, 0, 0, 0);
                }
            }
            POLLING => {
                if deadline < s.deadline.load(Ordering::Acquire) {
                    s.deadline.store(deadline, Ordering::Release);
                    let one = 1u64;
                    unsafe { libc::write(self.kick_fd, &one as *const u64 as *const libc::c_void, 8) };
                }
            }
            _ => {} // already rung: its stop is on the way to waitpid
        }
    }

    /// The tracer saw the doorbell stopped: disarm it and let it run back to its idle wait.
    pub fn acknowledge(&self) {
        self.shared.state.store(IDLE, Ordering::Release);
        self.shared.deadline.store(i64::MAX, Ordering::Release);
        unsafe { libc::kill(self.pid, libc::SIGCONT) };
    }

    pub fn stop(&self) {
        unsafe {
            libc::kill(self.pid, libc::SIGKILL);
            let mut st = 0;
            libc::waitpid(self.pid, &mut st, libc::__WALL);
        }
    }
}
