//! The kernel's clock, and the guests' through the vDSO (../vdso): CLOCK_MONOTONIC as a linear
//! function of the TSC, fitted to the host's clock and written to time pages the guests map
//! read-only. The kernel and the vDSO compute time with the same integers from the same fit, so a
//! time a guest reads and one the kernel answers or sleeps against agree.
//!
//! The fit is refined as time passes: its rate is measured from the first sample, over a baseline
//! four times longer at each refit (up to a minute apart), and each refit starts from the clock's
//! own value, so time never steps; the difference from the host's clock is absorbed by running up
//! to 500 ppm faster or slower until the next refit, as adjtime does.
use core::arch::x86_64::{__cpuid, _mm_lfence, _rdtsc};
use std::ptr;

/// The vDSO, built by build.rs from ../vdso.
pub static VDSO: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/vdso.so"));

/// One time page, as vdso.c's `struct time_page` reads it.
#[repr(C)]
pub struct TimePage {
    seq: u32,
    tsc_read: u32,
    tsc_base: u64,
    mono_base: u64,
    mult: u64,
    real_offset: i64,
    /// The largest `tsc - tsc_base` whose product with `mult` fits in 64 bits.
    delta_max: u64,
}

/// How the vDSO reads the TSC (`TimePage::tsc_read`, vdso.c's enum).
#[derive(Clone, Copy)]
#[repr(u32)]
enum TscRead {
    /// Not at all: the TSC is not to be trusted, and guests make the syscall.
    None = 0,
    Rdtscp = 1,
    /// LFENCE; RDTSC, where LFENCE keeps RDTSC from running ahead of earlier loads.
    LfenceRdtsc = 2,
}

/// The first refit after this many ns; each next one after four times as long, up to `MAX_FIT_NS`.
const FIRST_FIT_NS: u64 = 2_000_000;
const MAX_FIT_NS: u64 = 64_000_000_000;
/// The rate's fraction bits: ns = (ticks * mult) >> SHIFT. 24, not 32, so that the vDSO's product
/// fits 64 bits for ~18 minutes of a 3 GHz TSC, far past the minute between refits (one multiply
/// instead of a 128-bit one; ~1 ns of a clock_gettime), at 0.2 ppm resolution, which the refits absorb.
const SHIFT: u32 = 24;
/// How much faster or slower than the measured rate the clock may run to catch up with the host.
const MAX_SLEW_PPM: u128 = 500;

pub struct TscClock {
    /// False when the TSC is not to be trusted: the kernel reads the host's clock and guests trap.
    valid: bool,
    read: TscRead,
    /// ns = mono_base + ((tsc - tsc_base) * mult >> SHIFT)
    tsc_base: u64,
    mono_base: u64,
    mult: u64,
    /// CLOCK_REALTIME - CLOCK_MONOTONIC, fixed when the clock starts.
    real_offset: i64,
    /// The first sample (tsc, host ns): every refit measures the rate from it.
    first: (u64, u64),
    next_fit_tsc: u64,
    fit_interval_ns: u64,
    pages: Vec<*mut TimePage>,
}

fn host_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    unsafe { libc::clock_gettime(clock, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

fn rdtsc() -> u64 {
    unsafe {
        _mm_lfence();
        _rdtsc()
    }
}

/// A (tsc, host ns on `clock`) pair taken as close together as a few tries allow.
fn sample(clock: libc::clockid_t) -> (u64, u64) {
    let mut best = (u64::MAX, 0, 0);
    for _ in 0..5 {
        let t0 = rdtsc();
        let ns = host_ns(clock);
        let t1 = rdtsc();
        if t1 > t0 && t1 - t0 < best.0 {
            best = (t1 - t0, t0 + (t1 - t0) / 2, ns);
        }
    }
    (best.1, best.2)
}

/// Whether LFENCE orders RDTSC after earlier loads, as Linux decides it (X86_FEATURE_LFENCE_RDTSC):
/// on Intel always; on AMD and Hygon with SSE2, where Linux makes LFENCE dispatch-serializing
/// (MSR DE_CFG) and relies on it, as its vDSO's rdtsc_ordered then does. Measured on an AMD EPYC
/// guest: 15.3 ns for LFENCE; RDTSC against 17.5 for RDTSCP.
#[allow(unused_unsafe)]
fn lfence_orders_rdtsc() -> bool {
    let v = unsafe { __cpuid(0) };
    let mut vendor = [0u8; 12];
    vendor[..4].copy_from_slice(&v.ebx.to_le_bytes());
    vendor[4..8].copy_from_slice(&v.edx.to_le_bytes());
    vendor[8..].copy_from_slice(&v.ecx.to_le_bytes());
    let sse2 = unsafe { __cpuid(1).edx } & (1 << 26) != 0;
    match &vendor {
        b"GenuineIntel" => true,
        b"AuthenticAMD" | b"HygonGenuine" => sse2,
        _ => false,
    }
}

/// Whether CPUID advertises RDTSCP.
#[allow(unused_unsafe)]
fn has_rdtscp() -> bool {
    let max = unsafe { __cpuid(0x8000_0000).eax };
    max >= 0x8000_0001 && unsafe { __cpuid(0x8000_0001).edx } & (1 << 27) != 0
}

/// Whether the TSC ticks at one rate on every CPU whatever their power state (CPUID's invariant
/// TSC), the vDSO can read it in order (LFENCE; RDTSC, or RDTSCP), and the host's own clock is built on it (a host that
/// found it unstable uses another): its clocksource is `tsc`, or `kvm-clock` on a TSC the
/// hypervisor declares stable, which is then the TSC scaled linearly, as this fit is.
#[allow(unused_unsafe)] // __cpuid is unsafe in older Rust (Debian's 1.63)
fn tsc_trusted() -> bool {
    let max = unsafe { __cpuid(0x8000_0000).eax };
    let invariant = max >= 0x8000_0007 && unsafe { __cpuid(0x8000_0007).edx } & (1 << 8) != 0;
    let source = std::fs::read_to_string("/sys/devices/system/clocksource/clocksource0/current_clocksource");
    invariant
        && (has_rdtscp() || lfence_orders_rdtsc())
        && source.map_or(false, |s| match s.trim() {
            "tsc" => true,
            "kvm-clock" => kvm_tsc_stable(),
            _ => false,
        })
}

/// Whether the host's kvm-clock is the TSC scaled linearly on every vCPU: its pvclock page, which
/// the host's own vDSO reads (`[vvar_vclock]` in this process's maps, Linux 6.x), carries
/// PVCLOCK_TSC_STABLE_BIT (the `flags` byte of pvclock_vcpu_time_info, at offset 29). Any other
/// layout answers false, and guests keep trapping their clock calls.
fn kvm_tsc_stable() -> bool {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
    let start = maps
        .lines()
        .find(|l| l.ends_with("[vvar_vclock]"))
        .and_then(|l| l.split('-').next())
        .and_then(|a| usize::from_str_radix(a, 16).ok());
    match start {
        // The mapping is the host's, readable for the life of the process.
        Some(start) => (unsafe { ptr::read_volatile((start + 29) as *const u8) } & 1) != 0,
        None => false,
    }
}

impl TscClock {
    /// `use_tsc` false: the host's clock, and no vDSO, whatever the TSC.
    pub fn new(use_tsc: bool) -> TscClock {
        let valid = use_tsc && tsc_trusted();
        let first = sample(libc::CLOCK_MONOTONIC);
        // RDTSCP where CPUID has it, as Linux's rdtsc_ordered prefers it (ALTERNATIVE_2 takes the
        // last feature present): 12.4 ns against 13.0 for LFENCE; RDTSC on an Intel Xeon guest.
        let read = match (valid, has_rdtscp()) {
            (false, _) => TscRead::None,
            (true, true) => TscRead::Rdtscp,
            (true, false) => TscRead::LfenceRdtsc,
        };
        let mut c = TscClock {
            valid,
            read,
            tsc_base: first.0,
            mono_base: first.1,
            mult: 0,
            real_offset: 0,
            first,
            next_fit_tsc: u64::MAX,
            fit_interval_ns: FIRST_FIT_NS,
            pages: Vec::new(),
        };
        if valid {
            // A first rate over 200 µs (a few hundred ppm off); the refits make it exact.
            while host_ns(libc::CLOCK_MONOTONIC) < first.1 + 200_000 {}
            let (t, ns) = sample(libc::CLOCK_MONOTONIC);
            c.mult = rate(first, (t, ns));
            c.tsc_base = t;
            c.mono_base = ns;
            c.schedule(t);
        }
        c.real_offset = if valid {
            let (t, real) = sample(libc::CLOCK_REALTIME);
            real as i64 - c.at(t) as i64
        } else {
            host_ns(libc::CLOCK_REALTIME) as i64 - host_ns(libc::CLOCK_MONOTONIC) as i64
        };
        c
    }

    /// CLOCK_MONOTONIC in ns.
    pub fn now(&mut self) -> u64 {
        if !self.valid {
            return host_ns(libc::CLOCK_MONOTONIC);
        }
        let t = rdtsc();
        if t < self.next_fit_tsc {
            return self.at(t);
        }
        self.refit();
        self.at(rdtsc())
    }

    /// Whether guests can read this clock themselves (through the vDSO).
    pub fn valid(&self) -> bool {
        self.valid
    }

    pub fn real_offset(&self) -> i64 {
        self.real_offset
    }

    /// How long until the next refit (ns; i64::MAX if there is none), so a wait can end for it.
    pub fn until_refit_ns(&self) -> i64 {
        if !self.valid {
            return i64::MAX;
        }
        let t = rdtsc();
        if t >= self.next_fit_tsc {
            return 0;
        }
        ((((self.next_fit_tsc - t) as u128) * self.mult as u128) >> SHIFT).min(i64::MAX as u128) as i64
    }

    /// Refit if one is due.
    pub fn tick(&mut self) {
        if self.valid && rdtsc() >= self.next_fit_tsc {
            self.refit();
        }
    }

    /// Keep the page at `page` current (it is zero, or was written by this clock).
    pub fn attach(&mut self, page: *mut TimePage) {
        self.pages.push(page);
        unsafe { self.write(page) };
    }

    pub fn detach(&mut self, page: *mut TimePage) {
        self.pages.retain(|&p| p != page);
    }

    fn at(&self, tsc: u64) -> u64 {
        let delta = tsc.saturating_sub(self.tsc_base) as u128;
        self.mono_base + ((delta * self.mult as u128) >> SHIFT) as u64
    }

    fn refit(&mut self) {
        let (t, host) = sample(libc::CLOCK_MONOTONIC);
        let ours = self.at(t);
        let measured = rate(self.first, (t, host));
        // Catch up with the host over the next interval: ours + interval * mult = host + interval * rate.
        let next_ns = (self.fit_interval_ns * 4).min(MAX_FIT_NS);
        let interval_tsc = ((next_ns as u128) << SHIFT) / measured.max(1) as u128;
        let max_slew = measured as u128 * MAX_SLEW_PPM / 1_000_000;
        let slew = ((ours.abs_diff(host) as u128) << SHIFT) / interval_tsc.max(1);
        let slew = slew.min(max_slew) as u64;
        self.mult = if ours > host { measured - slew } else { measured + slew };
        self.tsc_base = t;
        self.mono_base = ours;
        self.fit_interval_ns = next_ns;
        self.schedule(t);
        for &p in &self.pages {
            unsafe { self.write(p) };
        }
    }

    fn schedule(&mut self, from_tsc: u64) {
        let ticks = ((self.fit_interval_ns as u128) << SHIFT) / self.mult.max(1) as u128;
        self.next_fit_tsc = from_tsc.saturating_add(ticks.min(u64::MAX as u128) as u64);
    }

    /// Rewrite one page under its sequence count (odd while it changes), as vdso.c expects.
    unsafe fn write(&self, p: *mut TimePage) {
        let seq = ptr::read_volatile(&(*p).seq);
        let odd = seq.wrapping_add(1) | 1;
        ptr::write_volatile(&mut (*p).seq, odd);
        std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
        ptr::write_volatile(&mut (*p).tsc_read, self.read as u32);
        ptr::write_volatile(&mut (*p).tsc_base, self.tsc_base);
        ptr::write_volatile(&mut (*p).mono_base, self.mono_base);
        ptr::write_volatile(&mut (*p).mult, self.mult);
        ptr::write_volatile(&mut (*p).real_offset, self.real_offset);
        ptr::write_volatile(&mut (*p).delta_max, u64::MAX / self.mult.max(1));
        std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
        ptr::write_volatile(&mut (*p).seq, odd.wrapping_add(1));
    }
}

/// Host ns per TSC tick between two samples, as a fixed-point number with SHIFT fraction bits.
fn rate(from: (u64, u64), to: (u64, u64)) -> u64 {
    let ticks = to.0.saturating_sub(from.0).max(1) as u128;
    ((((to.1.saturating_sub(from.1)) as u128) << SHIFT) / ticks) as u64
}
