/*
 * The guests' vDSO: clock_gettime, gettimeofday, time and clock_getres answered in the guest,
 * without a trap, from the time page the kernel maps right before this image (tsc.rs writes it),
 * and getcpu.
 * Time is a linear function of the TSC, the same one the kernel's own clock computes, so a time
 * read here and one the kernel answers agree. Anything else, and every call while the page says
 * the TSC is not to be trusted, is the real syscall, which the kernel answers.
 *
 * Freestanding: no libc, no relocations. Built by ../../build.rs into the addon.
 */
typedef unsigned int u32;
typedef unsigned long u64;
typedef long i64;

/* tsc.rs's TimePage, field for field. */
struct time_page {
  volatile u32 seq; /* odd while the kernel rewrites the page */
  u32 tsc_read;     /* how to read the TSC (enum below); TSC_NONE: make the syscall */
  u64 tsc_base;
  u64 mono_base;    /* CLOCK_MONOTONIC at tsc_base, ns */
  u64 mult;         /* ns = mono_base + ((tsc - tsc_base) * mult >> SHIFT) */
  i64 real_offset;  /* CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
  u64 delta_max;    /* the largest tsc - tsc_base whose product with mult fits 64 bits */
};

/* tsc.rs's SHIFT. */
#define SHIFT 24

struct timespec { i64 tv_sec; i64 tv_nsec; };
struct timeval { i64 tv_sec; i64 tv_usec; };
struct timezone { int tz_minuteswest; int tz_dsttime; };

enum {
  CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5,
  CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7, CLOCK_TAI = 11,
};
enum { SYS_gettimeofday = 96, SYS_time = 201, SYS_clock_gettime = 228, SYS_clock_getres = 229 };

/* tsc.rs's TscRead. */
enum { TSC_NONE = 0, TSC_RDTSCP = 1, TSC_LFENCE_RDTSC = 2 };

/* The first byte of this image; the time page is the page before it. */
extern const char __ehdr_start[] __attribute__((visibility("hidden")));

static inline const struct time_page *page(void) {
  return (const struct time_page *)(__ehdr_start - 4096);
}

static inline long syscall2(long nr, long a, long b) {
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
  return ret;
}

/*
 * The TSC, read after the loads before it (the page's seq), as Linux's rdtsc_ordered does: with
 * LFENCE; RDTSC where LFENCE orders it (the faster of the two), else RDTSCP.
 */
static inline u64 rdtsc(u32 how) {
  u32 lo, hi;
  if (how == TSC_LFENCE_RDTSC) __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
  else __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi) : : "rcx", "memory");
  return ((u64)hi << 32) | lo;
}

/* CLOCK_MONOTONIC in ns into *ns, and the realtime offset; 0 if the page is not valid. */
static inline int monotonic(u64 *ns, i64 *real_offset) {
  const struct time_page *p = page();
  for (;;) {
    u32 seq = p->seq;
    __asm__ volatile("" : : : "memory");
    if (seq & 1) continue;
    u32 how = p->tsc_read;
    if (how == TSC_NONE) return 0;
    u64 tsc = rdtsc(how);
    u64 base = p->tsc_base;
    /* A TSC read on another CPU may be a little behind the base: no time before it. */
    u64 delta = tsc > base ? tsc - base : 0;
    u64 mult = p->mult;
    /* The same value either way; the 128-bit product only after a minute without a refit. */
    u64 scaled = __builtin_expect(delta <= p->delta_max, 1) ? delta * mult >> SHIFT : (u64)(((unsigned __int128)delta * mult) >> SHIFT);
    *ns = p->mono_base + scaled;
    *real_offset = p->real_offset;
    __asm__ volatile("" : : : "memory");
    if (p->seq == seq) return 1;
  }
}

/* The time on `clock` in ns into *ns; 0 for a clock this image does not serve (or an invalid page). */
static inline int now(long clock, u64 *ns) {
  i64 real_offset;
  switch (clock) {
  case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW: case CLOCK_MONOTONIC_COARSE: case CLOCK_BOOTTIME:
    return monotonic(ns, &real_offset);
  case CLOCK_REALTIME: case CLOCK_REALTIME_COARSE: case CLOCK_TAI:
    if (!monotonic(ns, &real_offset)) return 0;
    *ns += real_offset;
    return 1;
  default:
    return 0;
  }
}

int __vdso_clock_gettime(long clock, struct timespec *ts) {
  u64 ns;
  if (!now(clock, &ns)) return (int)syscall2(SYS_clock_gettime, clock, (long)ts);
  ts->tv_sec = ns / 1000000000;
  ts->tv_nsec = ns % 1000000000;
  return 0;
}

int __vdso_gettimeofday(struct timeval *tv, struct timezone *tz) {
  u64 ns;
  if (!now(CLOCK_REALTIME, &ns)) return (int)syscall2(SYS_gettimeofday, (long)tv, (long)tz);
  if (tv) {
    tv->tv_sec = ns / 1000000000;
    tv->tv_usec = ns % 1000000000 / 1000;
  }
  if (tz) {
    tz->tz_minuteswest = 0;
    tz->tz_dsttime = 0;
  }
  return 0;
}

i64 __vdso_time(i64 *t) {
  u64 ns;
  if (!now(CLOCK_REALTIME, &ns)) return syscall2(SYS_time, (long)t, 0);
  i64 sec = ns / 1000000000;
  if (t) *t = sec;
  return sec;
}

int __vdso_clock_getres(long clock, struct timespec *res) {
  i64 ns;
  switch (clock) {
  case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE: ns = 4000000; break; /* a 250 Hz tick */
  case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW: case CLOCK_BOOTTIME: case CLOCK_TAI: ns = 1; break;
  default: return (int)syscall2(SYS_clock_getres, clock, (long)res);
  }
  if (res) {
    res->tv_sec = 0;
    res->tv_nsec = ns;
  }
  return 0;
}

/* The sandbox shows its guests one CPU and one NUMA node (sched_getaffinity, /proc/cpuinfo). */
int __vdso_getcpu(u32 *cpu, u32 *node, void *unused) {
  (void)unused;
  if (cpu) *cpu = 0;
  if (node) *node = 0;
  return 0;
}

/* The names without __vdso_, as Linux's vDSO has them too. */
int clock_gettime(long, struct timespec *) __attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(struct timeval *, struct timezone *) __attribute__((weak, alias("__vdso_gettimeofday")));
i64 time(i64 *) __attribute__((weak, alias("__vdso_time")));
int clock_getres(long, struct timespec *) __attribute__((weak, alias("__vdso_clock_getres")));
int getcpu(u32 *, u32 *, void *) __attribute__((weak, alias("__vdso_getcpu")));
