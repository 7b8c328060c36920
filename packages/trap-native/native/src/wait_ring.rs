//! An io_uring that waits for the guests' ptrace events on the tracer's behalf (IORING_OP_WAITID,
//! Linux 6.7): the watcher thread's job without a thread. One waitid(P_PGID, WNOWAIT) is in flight
//! at a time; the guest's stop completes it from the stopping task, the ring's fd turns readable in
//! the tracer's epoll set, and no third task is scheduled (the thread took two context switches to
//! report an event and two more to be armed again).
//!
//! Only the ring's own structures are used, defined here as Linux's uapi lays them out (Debian's
//! libc crate has none of them).
use crate::sys::raw6;
use std::sync::atomic::{AtomicU32, Ordering};

const SYS_IO_URING_SETUP: i64 = 425;
const SYS_IO_URING_ENTER: i64 = 426;
const IORING_OP_WAITID: u8 = 50;
const IORING_FEAT_SINGLE_MMAP: u32 = 1;
const IORING_ENTER_GETEVENTS: i64 = 1;
const IORING_OFF_SQ_RING: i64 = 0;
const IORING_OFF_CQ_RING: i64 = 0x800_0000;
const IORING_OFF_SQES: i64 = 0x1000_0000;
const P_PGID: u32 = 2;

#[repr(C)]
#[derive(Default)]
struct SqOffsets {
    head: u32,
    tail: u32,
    ring_mask: u32,
    ring_entries: u32,
    flags: u32,
    dropped: u32,
    array: u32,
    resv1: u32,
    user_addr: u64,
}

#[repr(C)]
#[derive(Default)]
struct CqOffsets {
    head: u32,
    tail: u32,
    ring_mask: u32,
    ring_entries: u32,
    overflow: u32,
    cqes: u32,
    flags: u32,
    resv1: u32,
    user_addr: u64,
}

#[repr(C)]
#[derive(Default)]
struct Params {
    sq_entries: u32,
    cq_entries: u32,
    flags: u32,
    sq_thread_cpu: u32,
    sq_thread_idle: u32,
    features: u32,
    wq_fd: u32,
    resv: [u32; 3],
    sq_off: SqOffsets,
    cq_off: CqOffsets,
}

/// struct io_uring_sqe, with the fields IORING_OP_WAITID reads.
#[repr(C)]
struct Sqe {
    opcode: u8,
    flags: u8,
    ioprio: u16,
    /// the pid or pgid waited for
    fd: i32,
    /// addr2: the siginfo to fill (none)
    off: u64,
    addr: u64,
    /// idtype (P_PGID)
    len: u32,
    waitid_flags: u32,
    user_data: u64,
    buf_index: u16,
    personality: u16,
    /// the waitid options
    file_index: u32,
    addr3: u64,
    pad: u64,
}

#[repr(C)]
struct Cqe {
    user_data: u64,
    res: i32,
    flags: u32,
}

pub struct WaitRing {
    pub fd: i32,
    /// The ring's mappings (address, length), unmapped when it is dropped.
    maps: Vec<(*mut u8, usize)>,
    pgid: i32,
    sq_head: *const AtomicU32,
    sq_tail: *const AtomicU32,
    sq_mask: u32,
    sq_array: *mut u32,
    sqes: *mut Sqe,
    cq_head: *const AtomicU32,
    cq_tail: *const AtomicU32,
    cq_mask: u32,
    cqes: *const Cqe,
}

impl WaitRing {
    /// A ring whose waitid works here, or None (an older kernel, io_uring disabled or refused by a
    /// seccomp filter): the caller falls back to the watcher thread.
    pub fn open(pgid: i32) -> Option<WaitRing> {
        let mut p = Params::default();
        let fd = unsafe { raw6(SYS_IO_URING_SETUP, 2, &mut p as *mut Params as i64, 0, 0, 0, 0) } as i32;
        if fd < 0 {
            return None;
        }
        let mut maps = Vec::new();
        let ring = unsafe { WaitRing::map(fd, pgid, &p, &mut maps) };
        match ring {
            Some(r) if r.probe() => Some(r),
            Some(r) => {
                drop(r);
                None
            }
            None => {
                unsafe {
                    for &(addr, len) in &maps {
                        libc::munmap(addr as *mut libc::c_void, len);
                    }
                    libc::close(fd);
                }
                None
            }
        }
    }

    /// Map the ring's queues; what was mapped goes into `maps` (the caller's to undo on failure).
    unsafe fn map(fd: i32, pgid: i32, p: &Params, maps: &mut Vec<(*mut u8, usize)>) -> Option<WaitRing> {
        let sq_size = p.sq_off.array as usize + p.sq_entries as usize * 4;
        let cq_size = p.cq_off.cqes as usize + p.cq_entries as usize * std::mem::size_of::<Cqe>();
        let single = p.features & IORING_FEAT_SINGLE_MMAP != 0;
        let sq_len = if single { sq_size.max(cq_size) } else { sq_size };
        let mut map = |len: usize, offset: i64| {
            let m = mmap(fd, len, offset)?;
            maps.push((m, len));
            Some(m)
        };
        let sq = map(sq_len, IORING_OFF_SQ_RING)?;
        let cq = if single { sq } else { map(cq_size, IORING_OFF_CQ_RING)? };
        let sqes = map(p.sq_entries as usize * std::mem::size_of::<Sqe>(), IORING_OFF_SQES)? as *mut Sqe;
        Some(WaitRing {
            fd,
            maps: maps.clone(),
            pgid,
            sq_head: sq.add(p.sq_off.head as usize) as *const AtomicU32,
            sq_tail: sq.add(p.sq_off.tail as usize) as *const AtomicU32,
            sq_mask: *(sq.add(p.sq_off.ring_mask as usize) as *const u32),
            sq_array: sq.add(p.sq_off.array as usize) as *mut u32,
            sqes,
            cq_head: cq.add(p.cq_off.head as usize) as *const AtomicU32,
            cq_tail: cq.add(p.cq_off.tail as usize) as *const AtomicU32,
            cq_mask: *(cq.add(p.cq_off.ring_mask as usize) as *const u32),
            cqes: cq.add(p.cq_off.cqes as usize) as *const Cqe,
        })
    }

    /// Whether this kernel knows IORING_OP_WAITID: a WNOHANG wait answers at once, 0 (nothing to
    /// report) or the pid of an event, where an unknown opcode answers EINVAL.
    fn probe(&self) -> bool {
        if !self.submit(libc::WNOHANG) {
            return false;
        }
        unsafe { raw6(SYS_IO_URING_ENTER, self.fd as i64, 0, 1, IORING_ENTER_GETEVENTS, 0, 0) };
        matches!(self.take(), Some(r) if r >= 0)
    }

    /// Queue one waitid(P_PGID, WNOWAIT) for any ptrace event or exit in the group, and submit it.
    /// Returns false if the kernel refused the submission.
    pub fn submit(&self, extra: i32) -> bool {
        unsafe {
            let head = (*self.sq_head).load(Ordering::Acquire);
            let mut tail = (*self.sq_tail).load(Ordering::Relaxed);
            if head == tail {
                self.queue(tail, extra);
                tail = tail.wrapping_add(1);
                (*self.sq_tail).store(tail, Ordering::Release);
            } // else a waitid an earlier refusal left queued: submit that one
            loop {
                let r = raw6(SYS_IO_URING_ENTER, self.fd as i64, 1, 0, 0, 0, 0);
                if r != -(libc::EINTR as i64) {
                    return r == 1;
                }
            }
        }
    }

    /// Write the waitid into the submission queue's slot for `tail`.
    unsafe fn queue(&self, tail: u32, extra: i32) {
        let i = tail & self.sq_mask;
        let options = libc::WEXITED | libc::WSTOPPED | libc::WNOWAIT | libc::__WALL | extra;
        self.sqes.add(i as usize).write(Sqe {
            opcode: IORING_OP_WAITID,
            flags: 0,
            ioprio: 0,
            fd: self.pgid,
            off: 0,
            addr: 0,
            len: P_PGID,
            waitid_flags: 0,
            user_data: 1,
            buf_index: 0,
            personality: 0,
            file_index: options as u32,
            addr3: 0,
            pad: 0,
        });
        *self.sq_array.add(i as usize) = i;
    }

    /// Consume the completions there are; the last one's result, or None if there was none.
    pub fn take(&self) -> Option<i32> {
        let mut last = None;
        unsafe {
            let mut head = (*self.cq_head).load(Ordering::Relaxed);
            let tail = (*self.cq_tail).load(Ordering::Acquire);
            while head != tail {
                last = Some((*self.cqes.add((head & self.cq_mask) as usize)).res);
                head = head.wrapping_add(1);
            }
            (*self.cq_head).store(head, Ordering::Release);
        }
        last
    }
}

impl Drop for WaitRing {
    fn drop(&mut self) {
        unsafe {
            for &(addr, len) in &self.maps {
                libc::munmap(addr as *mut libc::c_void, len);
            }
            libc::close(self.fd);
        }
    }
}

unsafe fn mmap(fd: i32, len: usize, offset: i64) -> Option<*mut u8> {
    let p = libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED | libc::MAP_POPULATE, fd, offset);
    if p == libc::MAP_FAILED {
        None
    } else {
        Some(p as *mut u8)
    }
}
