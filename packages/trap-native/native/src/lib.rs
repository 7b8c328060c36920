//! rVisor-ts trap-native: the x86-64 Linux platform (ptrace + seccomp) as a Node addon.
//!
//! The JavaScript face is the hand-written loader in ../../src; this file only registers functions.
//! Every function is called from the kernel's one JS thread, which is also the ptrace tracer.
mod anchor;
mod guest;
mod holder;
mod hostops;
mod hostproc;
mod napi;
mod pmem;
mod spill;
mod sys;
mod tracer;
mod tsc;
mod wait_ring;
mod watcher;

use napi::{napi_callback_info, napi_env, napi_value, Args};
use pmem::Pmem;
use tracer::{Tracer, REG_COUNT};
use tsc::TscClock;

/// Unwrap an Option, or throw a JS error and return from the N-API callback.
macro_rules! require {
    ($opt:expr, $env:expr, $msg:expr) => {
        match $opt {
            Some(v) => v,
            None => return napi::throw($env, $msg),
        }
    };
}

const NOT_INITIALISED: &str = "trap-native is not initialised";

static mut PMEM: Option<Pmem> = None;
static mut TRACER: Option<Tracer> = None;
static mut CLOCK: Option<TscClock> = None;

#[allow(static_mut_refs)]
fn tracer() -> Option<&'static mut Tracer> {
    unsafe { TRACER.as_mut() }
}

#[allow(static_mut_refs)]
fn pmem() -> Option<&'static Pmem> {
    unsafe { PMEM.as_ref() }
}

#[allow(static_mut_refs)]
fn clock() -> Option<&'static mut TscClock> {
    unsafe { CLOCK.as_mut() }
}

/// init(pmemSize, cpu, useTsc, waitRing, spill): create pmem, the tracer and the clock; pin the
/// tracer thread (and so every guest it forks) to `cpu` unless it is negative; base the clock on
/// the TSC (and give guests a vDSO) if `useTsc` and the TSC is trusted; wait for ptrace events with
/// an io_uring if `waitRing` and the kernel can; move guests computing side by side to the process's
/// other CPUs if `spill` (spill.rs). Returns the shared registers/event ArrayBuffer.
unsafe extern "C" fn init(env: napi_env, info: napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    if tracer().is_some() {
        return napi::throw(env, "trap-native is already initialised in this process");
    }
    let size = a.f64(0) as usize;
    let cpu = a.i32(1);
    let allowed = allowed_cpus();
    if cpu >= 0 {
        if let Err(e) = pin(cpu) {
            return napi::throw(env, &e);
        }
    }
    let p = match Pmem::create(size) {
        Ok(p) => p,
        Err(e) => return napi::throw(env, &e),
    };
    let fd = p.fd;
    PMEM = Some(p);
    let spill = spill::Spill::new(if cpu >= 0 && a.i32(4) != 0 { Some(cpu as usize) } else { None }, &allowed);
    match Tracer::new(napi::uv_loop(env), fd, a.i32(3) != 0, spill) {
        Ok(t) => TRACER = Some(t),
        Err(e) => return napi::throw(env, &e),
    }
    CLOCK = Some(TscClock::new(a.i32(2) != 0));
    let t = tracer().unwrap();
    let ptr = &mut *t.shared as *mut tracer::Shared as *mut u8;
    napi::external_buffer(env, ptr, std::mem::size_of::<tracer::Shared>())
}

/// The CPUs this thread may run on.
unsafe fn allowed_cpus() -> libc::cpu_set_t {
    let mut set: libc::cpu_set_t = std::mem::zeroed();
    libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set);
    set
}

/// The CPU numbered `index` (modulo their count) among those of `set`, and their count; None for
/// an empty set.
unsafe fn nth_cpu(set: &libc::cpu_set_t, index: usize) -> Option<(usize, usize)> {
    let cpus: Vec<usize> = (0..libc::CPU_SETSIZE as usize).filter(|&c| libc::CPU_ISSET(c, set)).collect();
    cpus.get(index % cpus.len().max(1)).map(|&cpu| (cpu, cpus.len()))
}

/// Pin this thread (the tracer, and so every guest it forks from now on) to `cpu`.
unsafe fn pin(cpu: i32) -> Result<(), String> {
    let mut set: libc::cpu_set_t = std::mem::zeroed();
    libc::CPU_SET(cpu as usize, &mut set);
    if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) < 0 {
        return Err(format!("cannot pin the kernel to CPU {cpu}: errno {}", -sys::neg_errno()));
    }
    Ok(())
}

/// repin(index, spill): the CPUs this process may use changed, as when it joins a cpuset cgroup.
/// Learn which they are (widen this thread's affinity to every CPU: the host narrows it to those),
/// pin the tracer thread again to the one numbered `index` among them (modulo their count), and
/// let computing guests spill to the others if `spill`. Returns how many there are.
unsafe extern "C" fn repin(env: napi_env, info: napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let t = require!(tracer(), env, "trap-native is not initialised");
    let mut every: libc::cpu_set_t = std::mem::zeroed();
    for c in 0..libc::CPU_SETSIZE as usize {
        libc::CPU_SET(c, &mut every);
    }
    libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &every);
    let allowed = allowed_cpus();
    let (cpu, count) = match nth_cpu(&allowed, a.f64(0) as usize) {
        Some(found) => found,
        None => return napi::throw(env, "sched_getaffinity: no CPU allowed"),
    };
    if let Err(e) = pin(cpu as i32) {
        return napi::throw(env, &e);
    }
    t.set_spill(spill::Spill::new(if a.i32(1) != 0 { Some(cpu) } else { None }, &allowed));
    napi::int(env, count as i32)
}

/// allowedCpu(index): the CPU numbered `index` (modulo their count) among those this thread may run
/// on (its affinity mask: taskset, a cpuset cgroup), so a default pin never names a CPU the host
/// forbids.
unsafe extern "C" fn allowed_cpu(env: napi_env, info: napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    match nth_cpu(&allowed_cpus(), a.f64(0) as usize) {
        Some((cpu, _)) => napi::int(env, cpu as i32),
        None => napi::throw(env, "sched_getaffinity: no CPU allowed"),
    }
}

/// pmemChunk(offset, length): an ArrayBuffer over pmem bytes [offset, offset+length).
unsafe extern "C" fn pmem_chunk(env: napi_env, info: napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let p = require!(pmem(), env, "pmem is not initialised");
    let (off, len) = (a.f64(0) as usize, a.f64(1) as usize);
    if off.checked_add(len).map_or(true, |e| e > p.size) {
        return napi::throw(env, "pmem chunk out of range");
    }
    napi::external_buffer(env, p.base.add(off), len)
}

unsafe extern "C" fn pmem_release(env: napi_env, info: napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let p = require!(pmem(), env, "pmem is not initialised");
    napi::num(env, p.release(a.f64(0) as usize, a.f64(1) as usize) as f64)
}

/// pmemCopy(from, to, length): copy pmem bytes into fresh (zero) pmem, skipping holes.
unsafe extern "C" fn pmem_copy(env: napi_env, info: napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let p = require!(pmem(), env, "pmem is not initialised");
    napi::num(env, p.copy(a.f64(0) as usize, a.f64(1) as usize, a.f64(2) as usize) as f64)
}

/// pmemOverwrite(from, to, length): copy pmem bytes over any pmem, every byte.
unsafe extern "C" fn pmem_overwrite(env: napi_env, info: napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let p = require!(pmem(), env, "pmem is not initialised");
    napi::num(env, p.overwrite(a.f64(0) as usize, a.f64(1) as usize, a.f64(2) as usize) as f64)
}

/// pmemFill(to, fd, fileOffset, length): copy host file bytes into pmem; bytes copied or -errno.
unsafe extern "C" fn pmem_fill(env: napi_env, info: napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let p = require!(pmem(), env, "pmem is not initialised");
    napi::num(env, p.fill(a.f64(0) as usize, a.f64(1) as i32, a.f64(2) as i64, a.f64(3) as usize) as f64)
}

/// constants(): [reservedStart, reservedEnd, pmemGuestFd] as numbers.
unsafe extern "C" fn constants(env: napi_env, _info: napi_callback_info) -> napi_value {
    let buf = Box::leak(Box::new([
        guest::RESERVED_START as f64,
        guest::RESERVED_END as f64,
        guest::PMEM_GUEST_FD as f64,
        tracer().map_or(0.0, |t| t.waits_with_ring() as u8 as f64),
    ]));
    napi::external_buffer(env, buf.as_mut_ptr() as *mut u8, 32)
}

unsafe extern "C" fn spawn(env: napi_env, _info: napi_callback_info) -> napi_value {
    let t = require!(tracer(), env, NOT_INITIALISED);
    match t.spawn() {
        Ok(pid) => napi::int(env, pid),
        Err(e) => napi::throw(env, &e),
    }
}

fn regs_arg(a: &Args, i: usize) -> Option<&'static [u64]> {
    if a.is_nullish(i) {
        return None;
    }
    let b = a.bytes(i)?;
    if b.len() < REG_COUNT * 8 {
        return None;
    }
    Some(unsafe { std::slice::from_raw_parts(b.as_ptr() as *const u64, REG_COUNT) })
}

/// resumeAndWait(tid, regs | null, signal, timeoutNs): the one call per trapped syscall.
unsafe extern "C" fn resume_and_wait(env: napi_env, info: napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let t = require!(tracer(), env, NOT_INITIALISED);
    let c = require!(clock(), env, NOT_INITIALISED);
    let regs = regs_arg(&a, 1);
    napi::int(env, t.resume_and_wait(a.i32(0), regs, a.i32(2), a.f64(3), c))
}

/// clockNow(): the kernel's CLOCK_MONOTONIC in ns (a BigInt), the time the vDSO gives guests.
unsafe extern "C" fn clock_now(env: napi_env, _info: napi_callback_info) -> napi_value {
    let c = require!(clock(), env, NOT_INITIALISED);
    napi::bigint(env, c.now() as i64)
}

/// processCpuNs(pid, which): a host process's CPU time in ns, all its threads' (gone ones too):
/// `which` 0 user + system, 1 user only, 2 time run (Linux's CPUCLOCK_PROF, CPUCLOCK_VIRT and
/// CPUCLOCK_SCHED; only the last is finer than a tick); -errno if the process is gone. Any
/// process's clock may be read; a thread's only from its own process.
unsafe extern "C" fn process_cpu_ns(env: napi_env, info: napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let (pid, which) = (a.f64(0) as i32, a.f64(1) as i32);
    let id: libc::clockid_t = (!pid << 3) | (which & 3).min(2);
    let mut ts: libc::timespec = std::mem::zeroed();
    if libc::clock_gettime(id, &mut ts) != 0 {
        return napi::num(env, crate::sys::neg_errno() as f64);
    }
    napi::num(env, ts.tv_sec as f64 * 1e9 + ts.tv_nsec as f64)
}

/// clockRealtimeOffset(): CLOCK_REALTIME - CLOCK_MONOTONIC in ns (a BigInt), fixed at init.
unsafe extern "C" fn clock_realtime_offset(env: napi_env, _info: napi_callback_info) -> napi_value {
    let c = require!(clock(), env, NOT_INITIALISED);
    napi::bigint(env, c.real_offset())
}

/// vdso(): a copy of the vDSO's ELF image, or undefined if guests cannot read the clock themselves.
unsafe extern "C" fn vdso(env: napi_env, _info: napi_callback_info) -> napi_value {
    let c = require!(clock(), env, NOT_INITIALISED);
    if !c.valid() {
        return napi::undefined(env);
    }
    let copy = Box::leak(tsc::VDSO.to_vec().into_boxed_slice());
    napi::external_buffer(env, copy.as_mut_ptr(), copy.len())
}

/// timePage(offset, keep): keep (1) or stop keeping (0) the time page at pmem `offset` current.
unsafe extern "C" fn time_page(env: napi_env, info: napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let c = require!(clock(), env, NOT_INITIALISED);
    let p = require!(pmem(), env, "pmem is not initialised");
    let off = a.f64(0) as usize;
    if off % 4096 != 0 || off.checked_add(4096).map_or(true, |e| e > p.size) {
        return napi::throw(env, "timePage: offset is not a page of pmem");
    }
    let page = p.base.add(off) as *mut tsc::TimePage;
    if a.i32(1) != 0 {
        c.attach(page);
    } else {
        c.detach(page);
    }
    napi::undefined(env)
}

/// stopNotified(tid, result): if `tid` waits at a seccomp notification, answer it with `result`
/// and stop it in ptrace as it returns, reading its registers into the shared ones: 1 if done, 0 if
/// it was stopped already, -1 if it died.
unsafe extern "C" fn stop_notified(env: napi_env, info: napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let t = require!(tracer(), env, NOT_INITIALISED);
    napi::int(env, t.stop_notified(a.i32(0), a.f64(1) as i64))
}

/// inject(tid, regs, calls: BigInt64Array of 7 per call): results replace each call's first slot.
unsafe extern "C" fn inject(env: napi_env, info: napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let t = require!(tracer(), env, NOT_INITIALISED);
    let regs = require!(regs_arg(&a, 1), env, "inject: bad registers");
    let calls = require!(a.bytes(2), env, "inject: calls must be a BigInt64Array");
    let n = calls.len() / 56;
    let calls = std::slice::from_raw_parts_mut(calls.as_mut_ptr() as *mut [i64; 7], n);
    let tid = a.i32(0);
    // A thread at a seccomp notification has no registers yet: stop it and read them, keeping the
    // result the caller already put in rax/orig_rax.
    match t.stop_notified(tid, regs[tracer::RAX] as i64) {
        1 => {
            let real = t.shared.regs;
            let regs_mut = std::slice::from_raw_parts_mut(regs.as_ptr() as *mut u64, REG_COUNT);
            for (i, v) in real.iter().enumerate() {
                if i != tracer::RAX && i != tracer::ORIG_RAX {
                    regs_mut[i] = *v;
                }
            }
        }
        -1 => return napi::throw(env, &format!("guest {tid} died")),
        _ => {}
    }
    let mut r = [0u64; REG_COUNT];
    r.copy_from_slice(regs);
    match t.inject(tid, &r, calls) {
        Ok(()) => napi::int(env, 0),
        Err(e) => napi::throw(env, &e),
    }
}

unsafe extern "C" fn kill(env: napi_env, info: napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let t = require!(tracer(), env, NOT_INITIALISED);
    napi::num(env, t.kill(a.i32(0)) as f64)
}

/// interrupt(tid, signal): a host signal to one guest thread, so that it stops.
unsafe extern "C" fn interrupt(env: napi_env, info: napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let t = require!(tracer(), env, NOT_INITIALISED);
    napi::num(env, t.interrupt(a.i32(0), a.i32(1)) as f64)
}

/// fpregs(tid, buf, set): read or write a stopped thread's 512-byte fxsave state.
unsafe extern "C" fn fpregs(env: napi_env, info: napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let t = require!(tracer(), env, NOT_INITIALISED);
    let buf = require!(a.bytes(1), env, "fpregs: buf must be a Uint8Array");
    let set = a.i32(2) != 0;
    napi::num(env, t.fpregs(a.i32(0), buf, set) as f64)
}

/// regset(tid, nt, buf, set): read or write register set `nt` of a stopped thread; the bytes it
/// took or gave, or -errno.
unsafe extern "C" fn regset(env: napi_env, info: napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let t = require!(tracer(), env, NOT_INITIALISED);
    let buf = require!(a.bytes(2), env, "regset: buf must be a Uint8Array");
    let set = a.i32(3) != 0;
    napi::num(env, t.regset(a.i32(0), a.i32(1), buf, set) as f64)
}

unsafe extern "C" fn watch(env: napi_env, info: napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let t = require!(tracer(), env, NOT_INITIALISED);
    napi::num(env, t.watch(a.i32(0), a.i32(1) as u32) as f64)
}

unsafe extern "C" fn unwatch(env: napi_env, info: napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let t = require!(tracer(), env, NOT_INITIALISED);
    napi::num(env, t.unwatch(a.i32(0)) as f64)
}

unsafe extern "C" fn shutdown(env: napi_env, _info: napi_callback_info) -> napi_value {
    if let Some(t) = tracer() {
        t.shutdown();
    }
    napi::undefined(env)
}

#[no_mangle]
pub unsafe extern "C" fn napi_register_module_v1(env: napi_env, exports: napi_value) -> napi_value {
    let fns: [(&str, napi::napi_callback); 57] = [
        ("init", init),
        ("repin", repin),
        ("allowedCpu", allowed_cpu),
        ("pmemChunk", pmem_chunk),
        ("pmemRelease", pmem_release),
        ("pmemCopy", pmem_copy),
        ("pmemOverwrite", pmem_overwrite),
        ("pmemFill", pmem_fill),
        ("constants", constants),
        ("spawn", spawn),
        ("resumeAndWait", resume_and_wait),
        ("inject", inject),
        ("stopNotified", stop_notified),
        ("kill", kill),
        ("interrupt", interrupt),
        ("fpregs", fpregs),
        ("regset", regset),
        ("watch", watch),
        ("unwatch", unwatch),
        ("shutdown", shutdown),
        ("clockNow", clock_now),
        ("processCpuNs", process_cpu_ns),
        ("clockRealtimeOffset", clock_realtime_offset),
        ("vdso", vdso),
        ("timePage", time_page),
        ("openat", hostops::openat),
        ("close", hostops::close),
        ("fstatat", hostops::fstatat),
        ("getdents64", hostops::getdents64),
        ("readlinkat", hostops::readlinkat),
        ("read", hostops::read),
        ("write", hostops::write),
        ("pread", hostops::pread),
        ("pwrite", hostops::pwrite),
        ("lseek", hostops::lseek),
        ("pollNow", hostops::poll_now),
        ("ioctl", hostops::ioctl),
        ("mkdirat", hostops::mkdirat),
        ("mknodat", hostops::mknodat),
        ("unlinkat", hostops::unlinkat),
        ("renameat2", hostops::renameat2),
        ("symlinkat", hostops::symlinkat),
        ("linkat", hostops::linkat),
        ("fchmodat", hostops::fchmodat),
        ("fchmod", hostops::fchmod),
        ("fchownat", hostops::fchownat),
        ("ftruncate", hostops::ftruncate),
        ("fallocate", hostops::fallocate),
        ("utimensat", hostops::utimensat),
        ("fsync", hostops::fsync),
        ("fdatasync", hostops::fdatasync),
        ("syncfs", hostops::syncfs),
        ("fstatfs", hostops::fstatfs),
        ("getxattrat", hostops::getxattrat),
        ("setxattrat", hostops::setxattrat),
        ("listxattrat", hostops::listxattrat),
        ("removexattrat", hostops::removexattrat),
    ];
    for (name, f) in fns {
        napi::export(env, exports, name, f);
    }
    for (name, f) in hostproc::FUNCTIONS {
        napi::export(env, exports, name, f);
    }
    exports
}
