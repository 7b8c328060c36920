//! pmem: the sandbox's physical memory, one sparse memfd mapped once into the kernel.
use crate::sys::neg_errno;

pub struct Pmem {
    pub fd: i32,
    pub base: *mut u8,
    pub size: usize,
}

impl Pmem {
    pub fn create(size: usize) -> Result<Pmem, String> {
        let fd = unsafe { libc::memfd_create(b"rvisor-pmem\0".as_ptr() as *const libc::c_char, libc::MFD_CLOEXEC) };
        if fd < 0 {
            return Err(format!("memfd_create: errno {}", -neg_errno()));
        }
        if unsafe { libc::ftruncate(fd, size as i64) } < 0 {
            return Err(format!("sizing pmem to {size} bytes: errno {}", -neg_errno()));
        }
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_NORESERVE,
                fd,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(format!("mapping pmem: errno {}", -neg_errno()));
        }
        Ok(Pmem { fd, base: base as *mut u8, size })
    }

    /// Copy [from, from+len) to [to, to+len) — the destination must be fresh (zero) — skipping
    /// the source's holes (SEEK_DATA/SEEK_HOLE), so untouched memory stays unallocated. A range of
    /// at most `WHOLE_COPY_MAX` bytes is copied whole, holes as zeros: two lseeks per extent cost
    /// more than the few pages that may then be allocated for nothing.
    pub fn copy(&self, from: usize, to: usize, len: usize) -> i64 {
        const WHOLE_COPY_MAX: usize = 64 * 1024;
        if !self.in_range(from, len) || !self.in_range(to, len) {
            return -(libc::EINVAL as i64);
        }
        if len <= WHOLE_COPY_MAX {
            return self.overwrite(from, to, len);
        }
        let end = from + len;
        let mut pos = from;
        while pos < end {
            let data = unsafe { libc::lseek(self.fd, pos as i64, libc::SEEK_DATA) };
            if data < 0 || data as usize >= end {
                break; // ENXIO: only holes from here on
            }
            let hole = unsafe { libc::lseek(self.fd, data, libc::SEEK_HOLE) };
            let stop = if hole < 0 { end } else { (hole as usize).min(end) };
            let start = data as usize;
            self.copy_extent(start, to + (start - from), stop - start);
            pos = stop;
        }
        0
    }

    /// Copy [from, from+len) over [to, to+len), every byte, whatever the destination held (frames
    /// kept populated for reuse: `PmemAllocator`'s recycled extents).
    pub fn overwrite(&self, from: usize, to: usize, len: usize) -> i64 {
        if !self.in_range(from, len) || !self.in_range(to, len) {
            return -(libc::EINVAL as i64);
        }
        self.copy_extent(from, to, len);
        0
    }

    /// Copy up to `len` bytes of host file `fd` from `file_offset` into pmem at `to`, inside the
    /// host (sendfile): no page of the kernel's mapping is touched, where a pread into it takes a
    /// page fault per page, the most of a read's cost on a VM whose faults are dear (17× here).
    /// Returns the bytes copied, fewer at the file's end, or -errno. The pmem fd's file position
    /// is this call's to set (`copy`'s SEEK_DATA moves it too, and nothing reads it).
    pub fn fill(&self, to: usize, fd: i32, file_offset: i64, len: usize) -> i64 {
        if !self.in_range(to, len) || file_offset < 0 {
            return -(libc::EINVAL as i64);
        }
        if unsafe { libc::lseek(self.fd, to as i64, libc::SEEK_SET) } < 0 {
            return neg_errno();
        }
        let mut off = file_offset;
        let mut done = 0usize;
        while done < len {
            let n = unsafe { libc::sendfile(self.fd, fd, &mut off, len - done) };
            if n < 0 {
                return if done > 0 { done as i64 } else { neg_errno() };
            }
            if n == 0 {
                break; // the file's end
            }
            done += n as usize;
        }
        done as i64
    }

    /// Whether [offset, offset+len) lies in pmem.
    fn in_range(&self, offset: usize, len: usize) -> bool {
        offset.checked_add(len).map_or(false, |end| end <= self.size)
    }

    /// Copy [from, from+len) to [to, to+len) inside pmem, through the host's page cache.
    fn copy_extent(&self, from: usize, to: usize, len: usize) {
        let (mut src, mut dst) = (from as i64, to as i64);
        let mut left = len;
        while left > 0 {
            let n = unsafe { libc::copy_file_range(self.fd, &mut src, self.fd, &mut dst, left, 0) };
            if n <= 0 {
                unsafe { std::ptr::copy_nonoverlapping(self.base.add(src as usize), self.base.add(dst as usize), left) };
                break;
            }
            left -= n as usize;
        }
    }

    /// Punch a hole: the host frees the pages; later reads see zeros.
    pub fn release(&self, offset: usize, len: usize) -> i64 {
        if !self.in_range(offset, len) {
            return -(libc::EINVAL as i64);
        }
        let r = unsafe {
            libc::fallocate(self.fd, libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE, offset as i64, len as i64)
        };
        if r < 0 { neg_errno() } else { 0 }
    }
}
