//! Raw syscalls that never touch errno or any thread-local state: safe in a forked child and in the
//! group anchor, which shares the kernel's memory (and thread pointer) without being its thread.
use std::arch::asm;

#[inline(always)]
pub unsafe fn raw6(nr: i64, a: i64, b: i64, c: i64, d: i64, e: i64, f: i64) -> i64 {
    let ret: i64;
    asm!(
        "syscall",
        inlateout("rax") nr => ret,
        in("rdi") a, in("rsi") b, in("rdx") c, in("r10") d, in("r8") e, in("r9") f,
        lateout("rcx") _, lateout("r11") _,
        options(nostack)
    );
    ret
}

#[inline(always)]
pub unsafe fn raw(nr: i64, a: i64, b: i64, c: i64) -> i64 {
    raw6(nr, a, b, c, 0, 0, 0)
}

/// The calling thread's errno, as a negative number (for libc calls made on the kernel's thread).
pub fn neg_errno() -> i64 {
    -(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO) as i64)
}

/// Map a libc return value to `value` or `-errno`.
pub fn check(r: i64) -> i64 {
    if r < 0 { neg_errno() } else { r }
}
