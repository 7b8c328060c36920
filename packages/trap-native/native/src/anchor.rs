//! The group anchor: a tiny child that does nothing but exist, so that the guests' process group
//! (which the tracer and the watcher wait on) never runs empty: waitpid and waitid on it block
//! instead of failing with ECHILD while no guest is alive. It shares the kernel's memory
//! and fd table (CLONE_VM | CLONE_FILES: it holds no extra references to any fd; a small stack of
//! its own) and dies with the kernel (PR_SET_PDEATHSIG).
use crate::sys::{neg_errno, raw, raw6};

const STACK_SIZE: usize = 16 * 1024;

pub struct Anchor {
    /// Its pid, also the guests' process group id.
    pub pid: i32,
}

extern "C" fn anchor_main(_arg: *mut libc::c_void) -> libc::c_int {
    unsafe {
        raw(libc::SYS_prctl, libc::PR_SET_PDEATHSIG as i64, libc::SIGKILL as i64, 0);
        raw(libc::SYS_setpgid, 0, 0, 0);
        // Block every signal: it must never run a handler it inherited from Node.
        let all: u64 = !0;
        raw6(libc::SYS_rt_sigprocmask, libc::SIG_SETMASK as i64, &all as *const u64 as i64, 0, 8, 0, 0);
        let word: u32 = 0;
        loop {
            raw6(libc::SYS_futex, &word as *const u32 as i64, libc::FUTEX_WAIT as i64, 0, 0, 0, 0);
        }
    }
}

impl Anchor {
    pub fn start() -> Result<Anchor, i64> {
        let stack = Box::leak(vec![0u8; STACK_SIZE].into_boxed_slice());
        let top = unsafe { stack.as_mut_ptr().add(STACK_SIZE - 64) } as *mut libc::c_void;
        let pid = unsafe { libc::clone(anchor_main, top, libc::CLONE_VM | libc::CLONE_FILES | libc::SIGCHLD, std::ptr::null_mut()) };
        if pid < 0 {
            return Err(neg_errno());
        }
        // Also from this side, so guests spawned right away can join the group.
        unsafe { libc::setpgid(pid, pid) };
        Ok(Anchor { pid })
    }

    pub fn stop(&self) {
        unsafe {
            libc::kill(self.pid, libc::SIGKILL);
            let mut st = 0;
            libc::waitpid(self.pid, &mut st, libc::__WALL);
        }
    }
}
