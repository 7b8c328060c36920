//! What every guest host process starts from: the seccomp filter that traps every syscall, and the
//! stub executable whose one page holds the loop the kernel injects syscalls through.

/// Where the stub is loaded in every guest. Guests never get this range (see `RESERVED_*`): it is
/// below the host's randomized stack range and far above where guest mappings are placed.
pub const STUB_BASE: u64 = 0x7ff0_0000_0000;
pub const RESERVED_START: u64 = STUB_BASE;
pub const RESERVED_END: u64 = STUB_BASE + 0x1000;
const CODE_OFFSET: u64 = 0x78; // right after the ELF header and one program header
/// The injection loop's `syscall` instruction, and the instruction after it, where every
/// injected call returns to (see `Tracer::inject`).
pub const BATCH_SYSCALL: u64 = STUB_BASE + CODE_OFFSET + 10;
pub const BATCH_RESUME: u64 = BATCH_SYSCALL + 2;
/// The syscall the loop makes between injected calls; the tracer replaces it with the next call.
pub const BATCH_MARKER: u64 = 39; // getpid, which the kernel never injects

/// The guest-side fd of pmem in every guest host process.
pub const PMEM_GUEST_FD: i32 = 3;
/// The stub's own fd while it is being executed (close-on-exec).
pub const STUB_GUEST_FD: i32 = 4;

/// A minimal static ELF: `mov eax, SYS_getpid; syscall; int3; jmp start`, and the injection loop
/// after it. Its first syscall is the stop where the kernel takes over; it never runs further on its
/// own. In the loop each call's result is kept in r12, where the tracer reads it at the marker's stop.
pub fn stub_elf() -> Vec<u8> {
    let code: [u8; 22] = [
        0xb8, 39, 0, 0, 0, // start: mov eax, 39 (getpid)
        0x0f, 0x05,        // syscall
        0xcc,              // int3
        0xeb, 0xf6,        // jmp start
        0x0f, 0x05,        // syscall           <- BATCH_SYSCALL
        0x49, 0x89, 0xc4,  // mov r12, rax      <- BATCH_RESUME
        0xb8, 39, 0, 0, 0, // mov eax, 39 (BATCH_MARKER)
        0xeb, 0xf4,        // jmp BATCH_SYSCALL
    ];
    let size = CODE_OFFSET as usize + code.len();
    let mut e = vec![0u8; size];
    let put16 = |e: &mut Vec<u8>, off: usize, v: u16| e[off..off + 2].copy_from_slice(&v.to_le_bytes());
    let put32 = |e: &mut Vec<u8>, off: usize, v: u32| e[off..off + 4].copy_from_slice(&v.to_le_bytes());
    let put64 = |e: &mut Vec<u8>, off: usize, v: u64| e[off..off + 8].copy_from_slice(&v.to_le_bytes());
    e[0..4].copy_from_slice(b"\x7fELF");
    e[4] = 2; // ELFCLASS64
    e[5] = 1; // little endian
    e[6] = 1; // EV_CURRENT
    put16(&mut e, 16, 2); // ET_EXEC
    put16(&mut e, 18, 62); // EM_X86_64
    put32(&mut e, 20, 1);
    put64(&mut e, 24, STUB_BASE + CODE_OFFSET); // e_entry
    put64(&mut e, 32, 64); // e_phoff
    put64(&mut e, 40, 0); // e_shoff
    put32(&mut e, 48, 0); // e_flags
    put16(&mut e, 52, 64); // e_ehsize
    put16(&mut e, 54, 56); // e_phentsize
    put16(&mut e, 56, 1); // e_phnum
    // PT_LOAD, R+X, the whole file at STUB_BASE.
    let ph = 64;
    put32(&mut e, ph, 1);
    put32(&mut e, ph + 4, 5);
    put64(&mut e, ph + 8, 0);
    put64(&mut e, ph + 16, STUB_BASE);
    put64(&mut e, ph + 24, STUB_BASE);
    put64(&mut e, ph + 32, size as u64);
    put64(&mut e, ph + 40, 0x1000);
    put64(&mut e, ph + 48, 0x1000);
    e[CODE_OFFSET as usize..].copy_from_slice(&code);
    e
}

const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
const SECCOMP_RET_KILL_PROCESS: u32 = 0x8000_0000;
const SECCOMP_RET_TRACE: u32 = 0x7ff0_0000;
const SECCOMP_RET_USER_NOTIF: u32 = 0x7fc0_0000;

/// Syscalls answered through a seccomp notification instead of a ptrace stop: about half the cost,
/// but the kernel sees only the number and arguments and can only set the result. So only calls
/// whose handlers read nothing but their arguments, never run natively in the guest (passthrough or
/// injection) and never rewrite other registers. A signal due when one of them returns makes the
/// kernel stop the thread in ptrace first (`Tracer::stop_notified`).
pub const NOTIFIED_SYSCALLS: &[u32] = &[
    0, 1, 2, 3, 4, 5, 6, 7, 8, // read write open close stat fstat lstat poll lseek
    16, 17, 18, 19, 20, 21, // ioctl pread64 pwrite64 readv writev access
    22, 23, 24, 32, 33, 35, // pipe select sched_yield dup dup2 nanosleep
    39, 61, 62, 63, // getpid wait4 kill uname
    72, 73, 74, 75, 76, 77, 79, 80, 81, // fcntl flock fsync fdatasync truncate ftruncate getcwd chdir fchdir
    82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, // rename mkdir rmdir creat link unlink symlink readlink chmod fchmod chown fchown lchown umask
    96, 97, 98, 99, 100, // gettimeofday getrlimit getrusage sysinfo times
    102, 104, 107, 108, 110, 111, 115, 121, 124, // getuid getgid geteuid getegid getppid getpgrp getgroups getpgid getsid
    137, 138, 186, 201, 202, 217, // statfs fstatfs gettid time futex getdents64
    228, 229, 230, 234, // clock_gettime clock_getres clock_nanosleep tgkill
    257, 258, 260, 262, 263, 264, 265, 266, 267, 268, 269, // openat mkdirat fchownat newfstatat unlinkat renameat linkat symlinkat readlinkat fchmodat faccessat
    280, 292, 293, 316, 318, 332, 439, // utimensat dup3 pipe2 renameat2 getrandom statx faccessat2
    13, 14, 34, 127, 128, 129, 130, 200, // rt_sigaction rt_sigprocmask pause rt_sigpending rt_sigtimedwait rt_sigqueueinfo rt_sigsuspend tkill
    26, 27, 28, // msync mincore madvise (whose rare remap, a copy-on-write mapping's copy, the run loop makes after answering)
    29, 31, 64, 65, 66, 220, // shmget shmctl semget semop semctl semtimedop
    68, 69, 70, 71, // msgget msgsnd msgrcv msgctl
    253, 254, 255, 294, // inotify_init inotify_add_watch inotify_rm_watch inotify_init1
    135, 149, 150, 151, 152, 325, // personality mlock munlock mlockall munlockall mlock2
    222, 223, 224, 225, 226, // timer_create timer_settime timer_gettime timer_getoverrun timer_delete
    140, 141, 142, 143, 144, 145, 146, 147, 148, 203, 251, 252, 314, 315, // the scheduling calls (getpriority … sched_rr_get_interval, affinity, ioprio, sched_setattr/getattr)
    221, 187, 277, 274, 441, // fadvise64 readahead sync_file_range get_robust_list epoll_pwait2
    36, 37, 38, // getitimer alarm setitimer
    40, 326, 275, 276, 278, 295, 296, 327, 328, 285, // sendfile copy_file_range splice tee vmsplice preadv pwritev preadv2 pwritev2 fallocate
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 288, // socket … getsockopt, accept4
    213, 232, 233, 281, 291, 270, 271, 247, // epoll_create epoll_wait epoll_ctl epoll_pwait epoll_create1 pselect6 ppoll waitid
    282, 283, 284, 286, 287, 289, 290, 319, 436, // signalfd timerfd_create eventfd timerfd_settime timerfd_gettime signalfd4 eventfd2 memfd_create close_range
    105, 106, 109, 112, 113, 114, 116, 117, 118, 119, 120, // setuid setgid setpgid setsid setreuid setregid setgroups setresuid getresuid setresgid getresgid
    157, 161, 204, 218, 273, 302, 334, // prctl chroot sched_getaffinity set_tid_address set_robust_list prlimit64 rseq
    188, 189, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199, // the xattr calls
    132, 133, 235, 259, 261, 162, 306, 165, 166, // utime mknod utimes mknodat futimesat sync syncfs mount umount2
];
// The filter's jumps over this list are 8-bit offsets.
const _: () = assert!(NOTIFIED_SYSCALLS.len() < 250);

/// The filter: any other architecture (int 0x80 from a 64-bit process) kills; the calls in
/// `NOTIFIED_SYSCALLS` go to the kernel's notification fd, every other x86-64 syscall stops for the
/// tracer, and so does every syscall made from the stub page (the injected ones). Nothing runs
/// natively unless the tracer lets it.
pub fn filter() -> Vec<libc::sock_filter> {
    let ins = |code: u16, jt: u8, jf: u8, k: u32| libc::sock_filter { code, jt, jf, k };
    let ld = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
    let jeq = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
    let jge = (libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K) as u16;
    let ret = (libc::BPF_RET | libc::BPF_K) as u16;
    let n = NOTIFIED_SYSCALLS.len();
    // Offsets in struct seccomp_data: nr 0, arch 4, instruction_pointer 8 (low) and 12 (high).
    let mut f = vec![
        ins(ld, 0, 0, 4),
        ins(jeq, 1, 0, AUDIT_ARCH_X86_64),
        ins(ret, 0, 0, SECCOMP_RET_KILL_PROCESS),
        ins(ld, 0, 0, 12),
        ins(jeq, 0, 2, (STUB_BASE >> 32) as u32),
        ins(ld, 0, 0, 8),
        ins(jge, 0, n as u8 + 1, 0x1000), // inside the stub page: trace
        ins(ld, 0, 0, 0),
    ];
    for (i, &nr) in NOTIFIED_SYSCALLS.iter().enumerate() {
        f.push(ins(jeq, (n - i) as u8, 0, nr)); // to the RET_USER_NOTIF after the RET_TRACE
    }
    f.push(ins(ret, 0, 0, SECCOMP_RET_TRACE));
    f.push(ins(ret, 0, 0, SECCOMP_RET_USER_NOTIF));
    f
}
