//! The tracer: starts guest host processes under the syscall trap, answers or resumes them and waits
//! for their next event (a seccomp notification or a ptrace stop), and injects syscalls into them.
//! Everything here runs on the kernel's one thread; only the watcher (watcher.rs) has its own.
use crate::anchor::Anchor;
use crate::guest::{self, BATCH_MARKER, BATCH_RESUME, BATCH_SYSCALL, PMEM_GUEST_FD, STUB_GUEST_FD};
use crate::spill::{self, Spill, SPILL_AFTER_NS};
use crate::sys::{check, neg_errno, raw, raw6};
use crate::tsc::TscClock;
use crate::watcher::Watcher;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::ffi::c_void;

pub const REG_COUNT: usize = 27;
pub const ORIG_RAX: usize = 15;
pub const RAX: usize = 10;
const RIP: usize = 16;
const EFLAGS: usize = 18;
/// eflags' trap flag: a guest's debugger single-steps with it.
const EFLAGS_TF: u64 = 0x100;
const R12: usize = 3;
const R9: usize = 8;
const ARG_REGS: [usize; 6] = [14, 13, 12, 7, 9, 8]; // rdi, rsi, rdx, r10, r8, r9

/// Event kinds, as in the TypeScript `StopKind`.
pub const EV_SYSCALL: i32 = 1;
pub const EV_SIGNAL: i32 = 2;
pub const EV_EXITED: i32 = 3;
pub const EV_CLONE: i32 = 4;
pub const EV_WAKE: i32 = 5;

const PTRACE_EVENT_SECCOMP: i32 = 7;
const SECCOMP_FILTER_FLAG_NEW_LISTENER: i64 = 8;
/// Once the kernel has received a notification, only SIGKILL interrupts the guest's wait: an
/// answer is never lost to a signal, so no syscall runs twice.
const SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: i64 = 32;
const ERESTARTSYS: i64 = 512;
const SYS_EPOLL_PWAIT2: i64 = 441;
/// The longest wait while no watcher is armed (its ring refused a submission).
const UNWATCHED_WAIT_NS: i64 = 1_000_000;
const SECCOMP_IOCTL_NOTIF_RECV: u64 = 0xc050_2100;
const SECCOMP_IOCTL_NOTIF_SEND: u64 = 0xc018_2101;
const SECCOMP_IOCTL_NOTIF_SET_FLAGS: u64 = 0x4008_2104;
const SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP: u64 = 1;
const SYSGOOD_TRAP: i32 = libc::SIGTRAP | 0x80;

/// The registers and the last event, shared with JavaScript as one ArrayBuffer.
#[repr(C)]
pub struct Shared {
    pub regs: [u64; REG_COUNT],
    _pad: [u64; 5],
    pub kind: i32,
    pub tid: i32,
    pub status: i32,
    pub signal: i32,
    pub code: i32,
    pub new_tid: i32,
    pub fault_addr: u64,
    /// What an exited thread's process used so far (on the last thread's exit, the whole
    /// process's). Set for exits only: no other event is read for it, so no other clears it.
    usage: ExitUsage,
}

/// A hash for host tids, consulted on every syscall: one multiplication, where the default
/// (SipHash, built against untrusted keys) costs more than the rest of the lookup. Tids come from
/// the host kernel, not from guests.
#[derive(Default)]
struct TidHasher(u64);

impl Hasher for TidHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | b as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_i32(&mut self, v: i32) {
        self.0 = (v as u32 as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

impl Shared {
    /// Start describing an event of thread `tid`: every field but the registers and the exit usage cleared.
    fn begin_event(&mut self, tid: i32) {
        self.tid = tid;
        self.status = 0;
        self.signal = 0;
        self.code = 0;
        self.new_tid = 0;
        self.fault_addr = 0;
    }
}

/// What a wait4 rusage says of an exited task: user and system CPU time in microseconds, its
/// largest resident set in KiB, and its page faults (minor, major). Part of `Shared`: JavaScript
/// reads it in this order.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct ExitUsage {
    user_us: u64,
    system_us: u64,
    max_rss_kb: u64,
    minor_faults: u64,
    major_faults: u64,
}

impl ExitUsage {
    fn of(ru: &libc::rusage) -> ExitUsage {
        let us = |t: libc::timeval| (t.tv_sec as u64) * 1_000_000 + t.tv_usec as u64;
        let count = |n: libc::c_long| n.max(0) as u64;
        ExitUsage {
            user_us: us(ru.ru_utime),
            system_us: us(ru.ru_stime),
            max_rss_kb: count(ru.ru_maxrss),
            minor_faults: count(ru.ru_minflt),
            major_faults: count(ru.ru_majflt),
        }
    }
}

/// Where a thread stopped last, which decides how it is resumed and how a syscall can be injected.
#[derive(Clone, Copy, PartialEq)]
enum Stop {
    /// Resumed, and not seen stopping since.
    Running,
    Seccomp,
    /// At the injection loop's marker syscall (`inject`), which resuming with registers skips.
    Injected,
    Other,
    /// Waiting for the answer to seccomp notification `id` of listener `fd`: not in a ptrace stop,
    /// registers unread.
    Notified { id: u64, fd: i32 },
}

/// Where a guest thread runs (spill.rs).
#[derive(Clone, Copy, PartialEq)]
enum Place {
    Home,
    /// At home, and seen running by a spill scan at this time (ns), with no stop since.
    SeenAt(i64),
    Away,
}

#[derive(Clone, Copy)]
struct Guest {
    stop: Stop,
    place: Place,
}

/// What the tracer knows of each guest thread, how many of them it has let run, and how many of
/// those run away from home.
struct Threads {
    guests: HashMap<i32, Guest, BuildHasherDefault<TidHasher>>,
    running: usize,
    running_away: usize,
    spill: Spill,
}

impl Threads {
    fn new(spill: Spill) -> Threads {
        Threads { guests: HashMap::default(), running: 0, running_away: 0, spill }
    }

    fn get(&self, tid: i32) -> Option<Stop> {
        self.guests.get(&tid).map(|g| g.stop)
    }

    fn set(&mut self, tid: i32, stop: Stop) -> Option<Stop> {
        let now_running = stop == Stop::Running;
        let g = match self.guests.get_mut(&tid) {
            Some(g) => g,
            None => {
                self.guests.insert(tid, Guest { stop, place: Place::Home });
                self.running += now_running as usize;
                return None;
            }
        };
        let was_running = g.stop == Stop::Running;
        if g.place == Place::Away {
            // Home at a ptrace stop, or at a notified call when no other guest runs.
            let others_run = self.running > was_running as usize;
            if !now_running && (!matches!(stop, Stop::Notified { .. }) || !others_run) {
                self.spill.bring_home(tid);
                g.place = Place::Home;
            }
            self.running_away = self.running_away + (now_running && g.place == Place::Away) as usize - was_running as usize;
        } else {
            g.place = Place::Home; // a stop or a resume ends what a scan saw
        }
        self.running = self.running + now_running as usize - was_running as usize;
        Some(std::mem::replace(&mut g.stop, stop))
    }

    fn remove(&mut self, tid: i32) {
        if let Some(g) = self.guests.remove(&tid) {
            if g.stop == Stop::Running {
                self.running -= 1;
                self.running_away -= (g.place == Place::Away) as usize;
            }
        }
    }

    /// Before the tracer waits: while two or more guest threads run at home, move those seen
    /// running there since a scan at least `SPILL_AFTER_NS` ago, keeping one at home. Returns how
    /// long the wait may last before the next scan, or None if no scan is needed.
    fn spill_scan(&mut self) -> Option<i64> {
        if !self.spill.enabled() || self.running - self.running_away < 2 {
            return None;
        }
        let now = spill::monotonic_ns();
        if self.spill.scan_due(now) {
            let mut home = self.running - self.running_away;
            for (&tid, g) in self.guests.iter_mut() {
                if g.stop != Stop::Running {
                    continue;
                }
                match g.place {
                    Place::Home => g.place = Place::SeenAt(now),
                    Place::SeenAt(t) if home > 1 && now - t >= SPILL_AFTER_NS && self.spill.send_away(tid) => {
                        g.place = Place::Away;
                        home -= 1;
                    }
                    _ => {}
                }
            }
            self.running_away = self.running - home;
            if home < 2 {
                return None;
            }
        }
        Some(self.spill.ns_to_next_scan(now))
    }
}

#[repr(C)]
struct SeccompNotif {
    id: u64,
    pid: u32,
    flags: u32,
    nr: i32,
    arch: u32,
    ip: u64,
    args: [u64; 6],
}

#[repr(C)]
struct SeccompNotifResp {
    id: u64,
    val: i64,
    error: i32,
    flags: u32,
}

/// Tags of the tracer's wait set; a guest's notification fd is tagged with its number + TAG_LISTENER.
const TAG_WATCHER: u64 = 0;
const TAG_UV: u64 = 1;
const TAG_EPOLL: u64 = 2;
const TAG_LISTENER: u64 = 16;

pub struct Tracer {
    pub shared: Box<Shared>,
    threads: Threads,
    anchor: Anchor,
    watcher: Watcher,
    /// What the tracer sleeps on (epoll, so nothing is registered per wait): the watcher's
    /// eventfd, libuv's fd, `epoll_fd` and the guests' seccomp listeners.
    wait_fd: i32,
    ready: [libc::epoll_event; 8],
    /// Wait statuses collected by a synchronous wait that belong to the run loop (an exit), with
    /// what wait4 reported of the task's usage.
    deferred: VecDeque<(i32, i32, ExitUsage)>,
    /// The usage the last `wait_for` reported.
    waited_usage: ExitUsage,
    pub epoll_fd: i32,
    stub_fd: i32,
    pmem_fd: i32,
    filter: Vec<libc::sock_filter>,
    uv_loop: *mut c_void,
}

extern "C" {
    fn uv_backend_fd(l: *const c_void) -> i32;
    fn uv_backend_timeout(l: *const c_void) -> i32;
    fn uv_update_time(l: *mut c_void);
    fn uv_loop_alive(l: *const c_void) -> i32;
    fn uv_now(l: *const c_void) -> u64;
}

unsafe fn ptrace(req: libc::c_uint, pid: i32, addr: usize, data: usize) -> i64 {
    libc::ptrace(req, pid, addr as *mut c_void, data as *mut c_void)
}

impl Tracer {
    /// `wait_ring`: wait for ptrace events with an io_uring where the kernel can (watcher.rs);
    /// `spill`: where computing guests may go (spill.rs).
    pub fn new(uv_loop: *mut c_void, pmem_fd: i32, wait_ring: bool, spill: Spill) -> Result<Tracer, String> {
        let epoll_fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if epoll_fd < 0 {
            return Err(format!("epoll_create1: errno {}", -neg_errno()));
        }
        let uv_fd = unsafe { uv_backend_fd(uv_loop) };
        let anchor = Anchor::start().map_err(|e| format!("anchor: errno {}", -e))?;
        let watcher = Watcher::start(anchor.pid, wait_ring).map_err(|e| format!("watcher: errno {}", -e))?;
        let wait_fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if wait_fd < 0 {
            return Err(format!("epoll_create1: errno {}", -neg_errno()));
        }
        for (fd, tag) in [(watcher.event_fd, TAG_WATCHER), (uv_fd, TAG_UV), (epoll_fd, TAG_EPOLL)] {
            if epoll_add(wait_fd, fd, tag) < 0 {
                return Err(format!("epoll_ctl: errno {}", -neg_errno()));
            }
        }
        let stub_fd = unsafe { libc::memfd_create(b"rvisor-stub\0".as_ptr() as *const libc::c_char, libc::MFD_CLOEXEC) };
        if stub_fd < 0 {
            return Err(format!("memfd_create: errno {}", -neg_errno()));
        }
        let elf = guest::stub_elf();
        if unsafe { libc::write(stub_fd, elf.as_ptr() as *const c_void, elf.len()) } != elf.len() as isize {
            return Err("cannot write the stub executable".into());
        }
        Ok(Tracer {
            shared: Box::new(unsafe { std::mem::zeroed() }),
            threads: Threads::new(spill),
            anchor,
            watcher,
            wait_fd,
            ready: unsafe { std::mem::zeroed() },
            deferred: VecDeque::new(),
            waited_usage: ExitUsage::default(),
            epoll_fd,
            stub_fd,
            pmem_fd,
            filter: guest::filter(),
            uv_loop,
        })
    }

    /// Where computing guests may go from now on (spill.rs).
    pub fn set_spill(&mut self, spill: Spill) {
        self.threads.spill = spill;
    }

    /// Whether ptrace events are waited for by an io_uring rather than the watcher thread.
    pub fn waits_with_ring(&self) -> bool {
        self.watcher.uses_ring()
    }

    pub fn pgid(&self) -> i32 {
        self.anchor.pid
    }

    /// Start a guest host process: fork, trace, trap every syscall, exec the stub, then unmap
    /// everything the host gave it but the stub page. Returns its pid, stopped at a seccomp stop.
    pub fn spawn(&mut self) -> Result<i32, String> {
        let prog = libc::sock_fprog { len: self.filter.len() as u16, filter: self.filter.as_mut_ptr() };
        let pgid = self.pgid();
        let (pmem_fd, stub_fd) = (self.pmem_fd, self.stub_fd);
        let empty: [*const libc::c_char; 1] = [std::ptr::null()];
        // The child shares this process's memory (CLONE_VM, on a stack of its own) until its
        // execveat gives it the stub's: a fork copied the page tables of everything Node had
        // touched, ~1.8 ms more per spawn for each 50 MB of it, and left every page of Node's
        // copy-on-write until written again. Not CLONE_VFORK: the child stops for the tracer (this
        // thread) before its exec. It makes only raw syscalls, which touch neither errno nor any
        // memory of ours but its stack and what `setup` points to, all alive until the exec.
        let setup = ChildSetup { pgid, pmem_fd, stub_fd, prog: &prog, empty: empty.as_ptr() };
        let mut stack = vec![0u8; CHILD_STACK_SIZE];
        let top = unsafe { stack.as_mut_ptr().add(CHILD_STACK_SIZE - 64) } as *mut c_void;
        let arg = &setup as *const ChildSetup as *mut c_void;
        let pid = unsafe { libc::clone(child_main, top, libc::CLONE_VM | libc::SIGCHLD, arg) };
        if pid < 0 {
            return Err(format!("clone: errno {}", -neg_errno()));
        }
        unsafe { libc::setpgid(pid, pgid) };
        if let Err(e) = self.until_exec(pid) {
            // It may still run on `stack`, in our memory: end it before the stack goes.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            self.wait_for(pid);
            return Err(e);
        }
        drop(stack); // the child runs in the stub's memory now
        let st = self.wait_for(pid);
        if !is_seccomp_stop(st) {
            return Err(format!("guest start failed at the stub's first syscall (wait status {st:#x})"));
        }
        self.threads.set(pid, Stop::Seccomp);
        let mut regs = [0u64; REG_COUNT];
        unsafe { ptrace(libc::PTRACE_GETREGS, pid, 0, regs.as_mut_ptr() as usize) };
        // Leave nothing of the host's in the guest but the stub page.
        let mut calls: Vec<[i64; 7]> = host_mappings(pid)?
            .into_iter()
            .filter(|&(s, _)| s != guest::STUB_BASE)
            .map(|(s, e)| [libc::SYS_munmap, s as i64, (e - s) as i64, 0, 0, 0, 0])
            .collect();
        self.inject(pid, &regs, &mut calls)?;
        for c in &calls {
            if c[0] != 0 {
                return Err(format!("cannot clear the guest address space (munmap: {})", c[0]));
            }
        }
        // Back at a syscall exit; the JS side sees the thread as stopped in a syscall.
        unsafe { ptrace(libc::PTRACE_SETREGS, pid, 0, regs.as_ptr() as usize) };
        self.shared.regs = regs;
        Ok(pid)
    }

    /// A spawned child's start, from its first stop to the exec event of the stub (after which it
    /// is resumed, to make the stub's first syscall).
    fn until_exec(&mut self, pid: i32) -> Result<(), String> {
        let fail = |what: &str, st: i32| Err(format!("guest start failed at {what} (wait status {st:#x})"));
        let st = self.wait_for(pid);
        if !(libc::WIFSTOPPED(st) && libc::WSTOPSIG(st) == libc::SIGSTOP) {
            return fail("the initial stop", st);
        }
        let opts = libc::PTRACE_O_TRACESECCOMP
            | libc::PTRACE_O_EXITKILL
            | libc::PTRACE_O_TRACESYSGOOD
            | libc::PTRACE_O_TRACEEXEC
            | libc::PTRACE_O_TRACECLONE
            | libc::PTRACE_O_TRACEFORK
            | libc::PTRACE_O_TRACEVFORK;
        unsafe {
            ptrace(libc::PTRACE_SETOPTIONS, pid, 0, opts as usize);
            ptrace(libc::PTRACE_CONT, pid, 0, 0);
        }
        // The execveat of the stub, then the exec event, then the stub's first syscall.
        let st = self.wait_for(pid);
        if !is_seccomp_stop(st) {
            return fail("the stub's exec", st);
        }
        self.take_listener(pid)?;
        unsafe { ptrace(libc::PTRACE_CONT, pid, 0, 0) };
        let st = self.wait_for(pid);
        if !(libc::WIFSTOPPED(st) && (st >> 8) == (libc::SIGTRAP | (libc::PTRACE_EVENT_EXEC << 8))) {
            return fail("the exec event", st);
        }
        unsafe { ptrace(libc::PTRACE_CONT, pid, 0, 0) };
        Ok(())
    }

    /// wait4 for one specific thread, retrying on EINTR; its usage goes to `waited_usage`.
    fn wait_for(&mut self, pid: i32) -> i32 {
        let mut st = 0;
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        loop {
            let r = unsafe { libc::wait4(pid, &mut st, libc::__WALL, &mut ru) };
            if r >= 0 || neg_errno() != -(libc::EINTR as i64) {
                self.waited_usage = ExitUsage::of(&ru);
                return if r < 0 { -1 } else { st };
            }
        }
    }

    /// The guest's seccomp listener fd: the child put its number in execveat's unused sixth
    /// argument; copy it here (it is close-on-exec in the child).
    fn take_listener(&mut self, pid: i32) -> Result<(), String> {
        let mut regs = [0u64; REG_COUNT];
        unsafe { ptrace(libc::PTRACE_GETREGS, pid, 0, regs.as_mut_ptr() as usize) };
        let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as i32;
        if pidfd < 0 {
            return Err(format!("pidfd_open: errno {}", -neg_errno()));
        }
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd, regs[R9] as i32, 0) } as i32;
        let err = neg_errno();
        unsafe { libc::close(pidfd) };
        if fd < 0 {
            return Err(format!("cannot take the guest's seccomp listener: errno {}", -err));
        }
        // Hand the CPU straight to the woken side on each notification and answer (Linux 6.6+;
        // without it only slower).
        unsafe { libc::ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) };
        if epoll_add(self.wait_fd, fd, TAG_LISTENER + fd as u64) < 0 {
            let err = neg_errno();
            unsafe { libc::close(fd) };
            return Err(format!("cannot watch the guest's seccomp listener: errno {}", -err));
        }
        Ok(())
    }

    /// Resume `tid` (0: nobody) after writing `regs`, then wait for the next event. A thread at a
    /// seccomp notification is answered instead: `regs`' rax is the result, and no `regs` means
    /// "run the syscall natively".
    pub fn resume_and_wait(&mut self, tid: i32, regs: Option<&[u64]>, sig: i32, timeout_ns: f64, clock: &mut TscClock) -> i32 {
        // What is left of the caller's timeout (i64::MAX: none); a wait that ends for the clock's
        // refit and goes on spends part of it.
        let mut budget = if timeout_ns >= 0.0 { timeout_ns as i64 } else { i64::MAX };
        // A thread resumed from a ptrace stop, which has most likely not stopped again yet.
        let mut continued = false;
        if tid > 0 {
            match self.threads.set(tid, Stop::Running) {
                Some(Stop::Notified { id, fd }) => answer(fd, id, regs.map(|r| r[RAX] as i64)),
                was => unsafe {
                    if let Some(r) = regs {
                        if was == Some(Stop::Injected) {
                            // The marker is pending: skip it, whatever orig_rax the caller kept.
                            let mut skip = [0u64; REG_COUNT];
                            skip.copy_from_slice(&r[..REG_COUNT]);
                            skip[ORIG_RAX] = u64::MAX;
                            ptrace(libc::PTRACE_SETREGS, tid, 0, skip.as_ptr() as usize);
                        } else {
                            ptrace(libc::PTRACE_SETREGS, tid, 0, r.as_ptr() as usize);
                        }
                    }
                    ptrace(libc::PTRACE_CONT, tid, 0, sig as usize);
                    continued = true;
                },
            }
        }
        loop {
            // No time to wait (a timeout of 0 is how callers only resume): report nothing, so no
            // event is taken that the caller would drop.
            // The wait also ends when the clock is due for a refit, so the guests' time pages stay
            // fitted while no guest traps; that is not the caller's wake-up.
            let refit = clock.until_refit_ns();
            let mut timeout = match self.poll_timeout(budget, refit) {
                Some(t) => t,
                None => return self.wake(),
            };
            if let Some((pid, st, usage)) = self.deferred.pop_front() {
                if let Some(kind) = self.decode(pid, st, usage) {
                    return kind;
                }
                continue;
            }
            // While the watcher is armed it reports any ptrace event; otherwise look first.
            if !self.watcher.armed() {
                let mut st = 0;
                let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
                let flags = libc::__WALL | libc::WUNTRACED | libc::WNOHANG;
                let pid = unsafe { libc::wait4(-self.pgid(), &mut st, flags, &mut ru) };
                if pid > 0 {
                    if pid == self.anchor.pid {
                        continue; // the group's anchor: never a guest
                    }
                    if let Some(kind) = self.decode(pid, st, ExitUsage::of(&ru)) {
                        return kind;
                    }
                    continue;
                }
                if std::mem::take(&mut continued) && self.threads.running == 1 {
                    // PTRACE_CONT, unlike a notification's answer, does not hand the CPU over. Give
                    // it once: on the guest's CPU it runs to its next stop, which the next look
                    // finds without waking the watcher thread (two context switches fewer). Only
                    // while no other guest runs: one computing instead would keep the tracer from
                    // their calls for the rest of a time slice.
                    unsafe { libc::sched_yield() };
                    continue;
                }
                if !self.watcher.arm() {
                    // A ring that refused the waitid (out of memory) watches nothing: look again soon.
                    timeout = Some(match timeout {
                        Some(t) if t.tv_sec == 0 && t.tv_nsec < UNWATCHED_WAIT_NS => t,
                        _ => libc::timespec { tv_sec: 0, tv_nsec: UNWATCHED_WAIT_NS },
                    });
                }
            }
            // While guests compute side by side at home, wake up to move them apart.
            let mut scan_ns = self.threads.spill_scan().unwrap_or(i64::MAX);
            match timeout {
                Some(t) if t.tv_sec * 1_000_000_000 + t.tv_nsec <= scan_ns => scan_ns = i64::MAX,
                _ if scan_ns != i64::MAX => timeout = Some(libc::timespec { tv_sec: 0, tv_nsec: scan_ns }),
                _ => {}
            }
            let tsp = timeout.as_ref().map_or(std::ptr::null(), |t| t as *const libc::timespec);
            let n = unsafe { libc::syscall(SYS_EPOLL_PWAIT2, self.wait_fd, self.ready.as_mut_ptr(), self.ready.len(), tsp, 0, 8) };
            if n < 0 {
                if neg_errno() == -(libc::EINTR as i64) {
                    continue;
                }
                return self.wake();
            }
            if n == 0 {
                if scan_ns != i64::MAX {
                    if budget != i64::MAX {
                        budget -= scan_ns;
                    }
                    continue;
                }
                if refit < budget && clock.until_refit_ns() <= 0 {
                    clock.tick();
                    if budget != i64::MAX {
                        budget -= refit.max(1);
                    }
                    continue;
                }
                return self.wake(); // a deadline
            }
            let ready = self.ready; // a copy: the loop below needs `self`
            let ready = &ready[..n as usize];
            if ready.iter().any(|ev| ev.u64 == TAG_WATCHER) {
                self.watcher.acknowledge();
                continue; // ptrace events first
            }
            if ready.iter().any(|ev| ev.u64 == TAG_UV || ev.u64 == TAG_EPOLL) {
                return self.wake();
            }
            for ev in ready {
                let (fd, events) = ((ev.u64 - TAG_LISTENER) as i32, ev.events);
                if events & libc::EPOLLIN as u32 != 0 {
                    if let Some(kind) = self.receive_notification(fd) {
                        return kind;
                    }
                } else if events & libc::EPOLLHUP as u32 != 0 {
                    // Every guest using this filter is gone. Only EPOLLHUP says so: the listener's
                    // poll answers EPOLLERR when a signal is pending for this thread as it takes
                    // the filter's lock, and closing it then left every guest of the filter with
                    // ENOSYS for each notified call (a shell that exited 2 without a word).
                    unsafe {
                        libc::epoll_ctl(self.wait_fd, libc::EPOLL_CTL_DEL, fd, std::ptr::null_mut());
                        libc::close(fd);
                    }
                }
            }
        }
    }

    fn wake(&mut self) -> i32 {
        self.shared.kind = EV_WAKE;
        self.shared.tid = 0;
        EV_WAKE
    }

    /// The wait's timeout for the kernel's (`budget_ns`, i64::MAX for none), libuv's and the clock's
    /// next refit (`refit_ns` from now): None if the caller should not block at all, Some(None)
    /// for no limit.
    fn poll_timeout(&mut self, budget_ns: i64, refit_ns: i64) -> Option<Option<libc::timespec>> {
        let mut left = budget_ns;
        unsafe {
            if uv_loop_alive(self.uv_loop) != 0 {
                uv_update_time(self.uv_loop);
                let mut t = uv_backend_timeout(self.uv_loop) as i64;
                if t == 0 {
                    // 0 also means "immediates or idle handles are active", which is always true
                    // while the kernel runs inside setImmediate, whatever libuv's timers say: ask
                    // its timer heap instead, so that a Node timer still ends the wait.
                    t = uv_next_timer_ms(self.uv_loop);
                    if t == 0 {
                        return None; // a Node timer is due
                    }
                }
                if t > 0 {
                    left = left.min(t * 1_000_000);
                }
            }
        }
        if left <= 0 {
            return None;
        }
        let left = left.min(refit_ns.max(1));
        // An fd libuv started watching in this turn (an accepted connection, say) reaches its epoll
        // set only at its next poll: until then ppoll on libuv's fd could not see it, so do not block.
        if unsafe { uv_has_pending_watchers(self.uv_loop) } {
            return None;
        }
        if left == i64::MAX {
            return Some(None);
        }
        Some(Some(libc::timespec { tv_sec: left / 1_000_000_000, tv_nsec: left % 1_000_000_000 }))
    }

    /// Take a pending seccomp notification from listener `fd` as a syscall event: the number and
    /// arguments go into the registers (nothing else of them is known).
    fn receive_notification(&mut self, fd: i32) -> Option<i32> {
        let mut n: SeccompNotif = unsafe { std::mem::zeroed() };
        if unsafe { libc::ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &mut n as *mut SeccompNotif) } != 0 {
            return None; // ENOENT: the caller died meanwhile; its exit comes through waitpid
        }
        let pid = n.pid as i32;
        let sh = &mut self.shared;
        sh.regs[ORIG_RAX] = n.nr as i64 as u64;
        sh.regs[RAX] = -(libc::ENOSYS as i64) as u64;
        sh.regs[RIP] = n.ip;
        for (k, &reg) in ARG_REGS.iter().enumerate() {
            sh.regs[reg] = n.args[k];
        }
        sh.begin_event(pid);
        sh.kind = EV_SYSCALL;
        self.threads.set(pid, Stop::Notified { id: n.id, fd });
        Some(EV_SYSCALL)
    }

    /// If `tid` waits at a seccomp notification, answer it with `result` and have the thread stop
    /// in ptrace as it returns (a host signal queued before the answer), then read its registers
    /// into `shared`. Returns 1 if it did, 0 if the thread was in a ptrace stop already, -1 if it
    /// died (its exit is kept for the run loop).
    pub fn stop_notified(&mut self, tid: i32, result: i64) -> i32 {
        let (id, fd) = match self.threads.get(tid) {
            Some(Stop::Notified { id, fd }) => (id, fd),
            _ => return 0,
        };
        // SIGURG, as the JS side's interrupt: ignored by default, so never fatal; the run loop
        // resumes the thread without it. The wait is killable only (WAIT_KILLABLE_RECV), so the
        // signal waits for the answer.
        unsafe { libc::syscall(libc::SYS_tkill, tid, libc::SIGURG) };
        self.watcher.disarm();
        answer(fd, id, Some(result));
        loop {
            let st = self.wait_for(tid);
            if st == -1 || libc::WIFEXITED(st) || libc::WIFSIGNALED(st) {
                self.threads.remove(tid);
                if st != -1 {
                    self.deferred.push_back((tid, st, self.waited_usage));
                }
                return -1;
            }
            if libc::WIFSTOPPED(st) {
                unsafe { ptrace(libc::PTRACE_GETREGS, tid, 0, self.shared.regs.as_mut_ptr() as usize) };
                self.threads.set(tid, Stop::Other);
                return 1;
            }
        }
    }

    /// Turn a wait status into an event in `shared`; None for stops handled here.
    fn decode(&mut self, pid: i32, st: i32, usage: ExitUsage) -> Option<i32> {
        let sh = &mut self.shared;
        sh.begin_event(pid);
        if libc::WIFEXITED(st) || libc::WIFSIGNALED(st) {
            self.threads.remove(pid);
            sh.kind = EV_EXITED;
            sh.usage = usage;
            if libc::WIFEXITED(st) {
                sh.status = libc::WEXITSTATUS(st);
            } else {
                sh.signal = libc::WTERMSIG(st);
            }
            return Some(EV_EXITED);
        }
        if !libc::WIFSTOPPED(st) {
            return None;
        }
        let sig = libc::WSTOPSIG(st);
        let event = (st >> 16) & 0xff;
        if sig == libc::SIGTRAP && event == PTRACE_EVENT_SECCOMP {
            unsafe { ptrace(libc::PTRACE_GETREGS, pid, 0, sh.regs.as_mut_ptr() as usize) };
            self.threads.set(pid, Stop::Seccomp);
            sh.kind = EV_SYSCALL;
            return Some(EV_SYSCALL);
        }
        if sig == libc::SIGTRAP && (event == libc::PTRACE_EVENT_CLONE || event == libc::PTRACE_EVENT_FORK || event == libc::PTRACE_EVENT_VFORK) {
            let mut msg: libc::c_ulong = 0;
            unsafe {
                ptrace(libc::PTRACE_GETEVENTMSG, pid, 0, &mut msg as *mut libc::c_ulong as usize);
                ptrace(libc::PTRACE_GETREGS, pid, 0, sh.regs.as_mut_ptr() as usize);
            }
            self.threads.set(pid, Stop::Other);
            sh.new_tid = msg as i32;
            sh.kind = EV_CLONE;
            return Some(EV_CLONE);
        }
        if sig == SYSGOOD_TRAP || (sig == libc::SIGTRAP && event != 0) {
            // A syscall or exec stop nobody asked for: let the thread go on.
            unsafe { ptrace(libc::PTRACE_CONT, pid, 0, 0) };
            return None;
        }
        // A signal about to be delivered: the kernel decides what becomes of it.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        unsafe {
            ptrace(libc::PTRACE_GETSIGINFO, pid, 0, &mut info as *mut libc::siginfo_t as usize);
            ptrace(libc::PTRACE_GETREGS, pid, 0, sh.regs.as_mut_ptr() as usize);
        }
        if sh.regs[ORIG_RAX] as i64 >= 0 {
            // Stopped on the way out of a host syscall: a notification wait the signal interrupted
            // before the kernel took it (-ERESTARTSYS; the kernel never saw the call, so it runs again
            // after whatever the signal brings), or an answered one. Either way the thread is then in
            // guest code, as the run loop expects of a signal stop.
            if sh.regs[RAX] as i64 == -ERESTARTSYS {
                sh.regs[RAX] = sh.regs[ORIG_RAX];
                sh.regs[RIP] -= 2;
            }
            sh.regs[ORIG_RAX] = u64::MAX;
            unsafe { ptrace(libc::PTRACE_SETREGS, pid, 0, sh.regs.as_ptr() as usize) };
        }
        self.threads.set(pid, Stop::Other);
        sh.signal = sig;
        sh.code = info.si_code;
        sh.fault_addr = unsafe { info.si_addr() } as u64;
        sh.kind = EV_SIGNAL;
        Some(EV_SIGNAL)
    }

    /// Run each call ([nr, a0..a5]) natively in stopped thread `tid`; each result replaces the
    /// call's nr. The calls run in the stub's loop (`syscall; mov r12, rax; mov eax, MARKER; jmp`):
    /// at each seccomp stop the tracer writes the next call over the pending one, which returns into
    /// the loop, and the loop's next syscall stops again with the result in r12. N calls cost N stops
    /// at a seccomp stop (the first replaces the pending syscall), one more elsewhere. The thread is
    /// left at the loop's marker stop (`Stop::Injected`); resuming it with registers skips the marker.
    pub fn inject(&mut self, tid: i32, regs: &[u64; REG_COUNT], calls: &mut [[i64; 7]]) -> Result<(), String> {
        if matches!(self.threads.get(tid), Some(Stop::Notified { .. })) {
            return Err(format!("guest {tid} waits at a seccomp notification: stop it first (stop_notified)"));
        }
        self.watcher.disarm();
        let mut r = *regs;
        r[EFLAGS] &= !EFLAGS_TF; // the calls run in one go, not an instruction per stop
        if !matches!(self.threads.get(tid), Some(Stop::Seccomp | Stop::Injected)) {
            // Enter the loop at its syscall, as the marker, and wait for that call's stop.
            r[RIP] = BATCH_SYSCALL;
            r[RAX] = BATCH_MARKER;
            r[ORIG_RAX] = u64::MAX;
            unsafe { ptrace(libc::PTRACE_SETREGS, tid, 0, r.as_ptr() as usize) };
            self.continue_to_marker(tid)?;
        }
        for call in calls.iter_mut() {
            for (i, &reg) in ARG_REGS.iter().enumerate() {
                r[reg] = call[i + 1] as u64;
            }
            r[ORIG_RAX] = call[0] as u64;
            r[RAX] = call[0] as u64;
            r[RIP] = BATCH_RESUME;
            unsafe { ptrace(libc::PTRACE_SETREGS, tid, 0, r.as_ptr() as usize) };
            call[0] = self.continue_to_marker(tid)? as i64;
        }
        self.threads.set(tid, Stop::Injected);
        Ok(())
    }

    /// Continue `tid` until it stops at the injection loop's marker syscall; returns r12 there (the
    /// result of the call before). A restarted call (one a host signal interrupted) stops at its own
    /// entry again and is let through; other stops are host noise (SIGCHLD from a guest's host
    /// children, the fork event of a clone made without CLONE_UNTRACED): dropped, and the thread continued.
    fn continue_to_marker(&mut self, tid: i32) -> Result<u64, String> {
        let mut out = [0u64; REG_COUNT];
        loop {
            unsafe { ptrace(libc::PTRACE_CONT, tid, 0, 0) };
            let st = self.wait_for(tid);
            if st == -1 || libc::WIFEXITED(st) || libc::WIFSIGNALED(st) {
                self.threads.remove(tid);
                if st != -1 {
                    // Its exit is the run loop's to report, as any other.
                    self.deferred.push_back((tid, st, self.waited_usage));
                }
                return Err(format!("guest {tid} died during an injected syscall"));
            }
            if !is_seccomp_stop(st) {
                continue;
            }
            unsafe { ptrace(libc::PTRACE_GETREGS, tid, 0, out.as_mut_ptr() as usize) };
            if out[ORIG_RAX] == BATCH_MARKER && out[RIP] == BATCH_RESUME {
                return Ok(out[R12]);
            }
        }
    }

    pub fn kill(&mut self, tid: i32) -> i64 {
        check(unsafe { libc::kill(tid, libc::SIGKILL) } as i64)
    }

    /// Send host signal `sig` to one guest host thread (tkill): used to make a running guest stop.
    pub fn interrupt(&mut self, tid: i32, sig: i32) -> i64 {
        check(unsafe { libc::syscall(libc::SYS_tkill, tid, sig) })
    }

    /// Read (`set` false) or write the FPU/SSE state (`struct user_fpregs_struct`, the fxsave
    /// layout, 512 bytes) of a stopped thread.
    pub fn fpregs(&mut self, tid: i32, buf: &mut [u8], set: bool) -> i64 {
        if buf.len() < 512 {
            return -(libc::EINVAL as i64);
        }
        let req = if set { libc::PTRACE_SETFPREGS } else { libc::PTRACE_GETFPREGS };
        check(unsafe { ptrace(req, tid, 0, buf.as_mut_ptr() as usize) })
    }

    /// Read (`set` false) or write register set `nt` (an NT_* note type: NT_X86_XSTATE for a
    /// guest's debugger) of a stopped thread; returns the bytes the set took or gave.
    pub fn regset(&mut self, tid: i32, nt: i32, buf: &mut [u8], set: bool) -> i64 {
        let mut iov = libc::iovec { iov_base: buf.as_mut_ptr() as *mut c_void, iov_len: buf.len() };
        let req = if set { libc::PTRACE_SETREGSET } else { libc::PTRACE_GETREGSET };
        let r = check(unsafe { ptrace(req, tid, nt as usize, &mut iov as *mut libc::iovec as usize) });
        if r < 0 { r } else { iov.iov_len as i64 }
    }

    pub fn watch(&mut self, fd: i32, events: u32) -> i64 {
        let mut ev = libc::epoll_event { events, u64: fd as u64 };
        let r = unsafe { libc::epoll_ctl(self.epoll_fd, libc::EPOLL_CTL_ADD, fd, &mut ev) };
        if r < 0 && neg_errno() == -(libc::EEXIST as i64) {
            return check(unsafe { libc::epoll_ctl(self.epoll_fd, libc::EPOLL_CTL_MOD, fd, &mut ev) } as i64);
        }
        check(r as i64)
    }

    pub fn unwatch(&mut self, fd: i32) -> i64 {
        check(unsafe { libc::epoll_ctl(self.epoll_fd, libc::EPOLL_CTL_DEL, fd, std::ptr::null_mut()) } as i64)
    }

    pub fn shutdown(&mut self) {
        self.anchor.stop();
    }
}

/// Answer a seccomp notification with `result` (a -errno fails the call). No result ("let the host
/// run it") is refused with ENOSYS: no notified call may run natively, so a handler that asked for
/// it by mistake cannot open a hole. A caller killed meanwhile makes the answer fail with ENOENT,
/// which is fine: its exit is reported by waitpid.
fn answer(fd: i32, id: u64, result: Option<i64>) {
    let v = result.unwrap_or(-(libc::ENOSYS as i64));
    let mut resp = SeccompNotifResp { id, val: 0, error: 0, flags: 0 };
    if (-4095..0).contains(&v) {
        resp.error = v as i32;
    } else {
        resp.val = v;
    }
    if unsafe { libc::ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &mut resp as *mut SeccompNotifResp) } < 0
        && neg_errno() == -(libc::EINVAL as i64)
    {
        // Not an answer Linux takes: never leave the guest waiting for one.
        resp = SeccompNotifResp { id, val: 0, error: -libc::EINTR, flags: 0 };
        unsafe { libc::ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &mut resp as *mut SeccompNotifResp) };
    }
}

fn epoll_add(epfd: i32, fd: i32, tag: u64) -> i32 {
    let mut ev = libc::epoll_event { events: libc::EPOLLIN as u32, u64: tag };
    unsafe { libc::epoll_ctl(epfd, libc::EPOLL_CTL_ADD, fd, &mut ev) }
}

fn is_seccomp_stop(st: i32) -> bool {
    libc::WIFSTOPPED(st) && (st >> 8) == (libc::SIGTRAP | (PTRACE_EVENT_SECCOMP << 8))
}

/// The user-space mappings of a host process, from /proc/<pid>/maps.
fn host_mappings(pid: i32) -> Result<Vec<(u64, u64)>, String> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/maps")).map_err(|e| format!("reading guest maps: {e}"))?;
    let mut out = Vec::new();
    for line in text.lines() {
        let range = line.split_whitespace().next().unwrap_or("");
        let mut it = range.split('-');
        if let (Some(a), Some(b)) = (it.next(), it.next()) {
            if let (Ok(s), Ok(e)) = (u64::from_str_radix(a, 16), u64::from_str_radix(b, 16)) {
                if e <= 0x7fff_ffff_f000 {
                    out.push((s, e));
                }
            }
        }
    }
    Ok(out)
}

/// Bytes of stack for a spawned child until its exec (it runs `child_setup` only).
const CHILD_STACK_SIZE: usize = 64 * 1024;

/// What a spawned child needs, in the spawning thread's frame (shared memory until the exec).
struct ChildSetup {
    pgid: i32,
    pmem_fd: i32,
    stub_fd: i32,
    prog: *const libc::sock_fprog,
    empty: *const *const libc::c_char,
}

extern "C" fn child_main(arg: *mut c_void) -> libc::c_int {
    let s = unsafe { &*(arg as *const ChildSetup) };
    unsafe { child_setup(s.pgid, s.pmem_fd, s.stub_fd, s.prog, s.empty) }
}

/// Runs in the spawned child, on its own stack until the exec. Never returns.
unsafe fn child_setup(pgid: i32, pmem_fd: i32, stub_fd: i32, prog: *const libc::sock_fprog, empty: *const *const libc::c_char) -> ! {
    let exit = |code: i64| -> ! {
        raw(libc::SYS_exit_group, code, 0, 0);
        loop {}
    };
    raw(libc::SYS_setpgid, 0, pgid as i64, 0);
    raw(libc::SYS_prctl, libc::PR_SET_PDEATHSIG as i64, libc::SIGKILL as i64, 0);
    let none: u64 = 0;
    raw6(libc::SYS_rt_sigprocmask, libc::SIG_SETMASK as i64, &none as *const u64 as i64, 0, 8, 0, 0);
    let dfl: [u64; 4] = [0; 4]; // struct kernel_sigaction with SIG_DFL
    for sig in 1..=64 {
        if sig != libc::SIGKILL && sig != libc::SIGSTOP {
            raw6(libc::SYS_rt_sigaction, sig as i64, dfl.as_ptr() as i64, 0, 8, 0, 0);
        }
    }
    // Host children of guests (their forks) are reaped by the host once the tracer has seen them
    // exit: an ignored SIGCHLD survives execve and fork. The guest's own SIGCHLD is the kernel's.
    let ign: [u64; 4] = [1, 0, 0, 0]; // SIG_IGN
    raw6(libc::SYS_rt_sigaction, libc::SIGCHLD as i64, ign.as_ptr() as i64, 0, 8, 0, 0);
    // fds: pmem at PMEM_GUEST_FD, the stub (close-on-exec) at STUB_GUEST_FD, nothing else.
    if raw(libc::SYS_dup2, pmem_fd as i64, 1000, 0) < 0 || raw(libc::SYS_dup2, stub_fd as i64, 1001, 0) < 0 {
        exit(120);
    }
    raw(libc::SYS_dup2, 1000, PMEM_GUEST_FD as i64, 0);
    raw(libc::SYS_dup2, 1001, STUB_GUEST_FD as i64, 0);
    raw(libc::SYS_fcntl, STUB_GUEST_FD as i64, libc::F_SETFD as i64, libc::FD_CLOEXEC as i64);
    raw(libc::SYS_close_range, 0, 2, 0);
    raw(libc::SYS_close_range, (STUB_GUEST_FD + 1) as i64, u32::MAX as i64, 0);
    raw(libc::SYS_ptrace, libc::PTRACE_TRACEME as i64, 0, 0);
    raw(libc::SYS_kill, raw(libc::SYS_getpid, 0, 0, 0), libc::SIGSTOP as i64, 0);
    raw(libc::SYS_prctl, libc::PR_SET_NO_NEW_PRIVS as i64, 1, 0);
    let flags = SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
    let listener = raw(libc::SYS_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, flags, prog as i64);
    if listener < 0 {
        exit(121);
    }
    // The listener's number rides in the sixth argument, which execveat ignores (see take_listener).
    raw6(libc::SYS_execveat, STUB_GUEST_FD as i64, b"\0".as_ptr() as i64, empty as i64, empty as i64, libc::AT_EMPTY_PATH as i64, listener);
    exit(122)
}

/// Offsets in libuv 1.x's `uv_loop_t` (x86-64): `backend_fd`, then `watcher_queue`, the fds whose
/// epoll registration is deferred to the next `uv__io_poll`.
const UV_BACKEND_FD_OFFSET: usize = 64;
const UV_WATCHER_QUEUE_OFFSET: usize = 88;

/// Offsets in libuv 1.x's `uv_loop_t` of `timer_heap` (its `min` node) and `time`, and in
/// `uv_timer_t` from its heap node to its `timeout` (libuv 1.46, x86-64).
const UV_TIMER_HEAP_MIN_OFFSET: usize = 520;
const UV_TIME_OFFSET: usize = 544;
const UV_HEAP_NODE_TO_TIMEOUT: usize = 24;

/// Milliseconds until libuv's earliest timer (0 if due), or -1 if it has none. The layout is
/// checked against `uv_now`; if it does not match, this says -1 (no timer: the behaviour without it).
unsafe fn uv_next_timer_ms(l: *const c_void) -> i64 {
    let base = l as *const u8;
    let now = uv_now(l);
    if *(base.add(UV_TIME_OFFSET) as *const u64) != now {
        return -1;
    }
    let min = *(base.add(UV_TIMER_HEAP_MIN_OFFSET) as *const *const u8);
    if min.is_null() {
        return -1;
    }
    let timeout = *(min.add(UV_HEAP_NODE_TO_TIMEOUT) as *const u64);
    timeout.saturating_sub(now).min(i32::MAX as u64) as i64
}

/// Whether libuv has fds waiting to be added to its epoll set. The layout is checked against
/// `uv_backend_fd`; if it does not match, this says no (the behaviour without the check).
unsafe fn uv_has_pending_watchers(l: *const c_void) -> bool {
    let base = l as *const u8;
    if *(base.add(UV_BACKEND_FD_OFFSET) as *const i32) != uv_backend_fd(l) {
        return false;
    }
    let queue = base.add(UV_WATCHER_QUEUE_OFFSET);
    *(queue as *const *const u8) != queue
}
