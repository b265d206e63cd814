//! Bounds-checked access to the calling module's memory: every access out of range is
//! `EFAULT`, never a panic.

use super::abi::IOVEC_SIZE;
use super::errno::Errno;

/// The caller's memory 0 (empty when it has none).
pub(crate) struct GuestMem<'a> {
    data: &'a mut [u8],
}

type Res<T> = Result<T, Errno>;

impl<'a> GuestMem<'a> {
    pub(crate) fn new(data: &'a mut [u8]) -> Self {
        GuestMem { data }
    }

    fn range(&self, offset: u32, len: u64) -> Res<std::ops::Range<usize>> {
        let start = offset as u64;
        let end = start.checked_add(len).ok_or(Errno::EFAULT)?;
        if end > self.data.len() as u64 {
            return Err(Errno::EFAULT);
        }
        Ok(start as usize..end as usize)
    }

    /// `len` bytes at `offset`.
    pub(crate) fn slice(&self, offset: u32, len: u32) -> Res<&[u8]> {
        let r = self.range(offset, len as u64)?;
        Ok(&self.data[r])
    }

    /// `len` writable bytes at `offset`.
    pub(crate) fn slice_mut(&mut self, offset: u32, len: u32) -> Res<&mut [u8]> {
        let r = self.range(offset, len as u64)?;
        Ok(&mut self.data[r])
    }

    /// Checks that `len` bytes at `offset` are in range (before a side effect that
    /// should not happen if the result cannot be written).
    pub(crate) fn check(&self, offset: u32, len: u32) -> Res<()> {
        self.range(offset, len as u64).map(|_| ())
    }

    /// Writes `bytes` at `offset`.
    pub(crate) fn write(&mut self, offset: u32, bytes: &[u8]) -> Res<()> {
        let len = u32::try_from(bytes.len()).map_err(|_| Errno::EFAULT)?;
        self.slice_mut(offset, len)?.copy_from_slice(bytes);
        Ok(())
    }

    pub(crate) fn read_u8(&self, offset: u32) -> Res<u8> {
        Ok(self.slice(offset, 1)?[0])
    }

    pub(crate) fn read_u16(&self, offset: u32) -> Res<u16> {
        let b = self.slice(offset, 2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub(crate) fn read_u32(&self, offset: u32) -> Res<u32> {
        let mut a = [0; 4];
        a.copy_from_slice(self.slice(offset, 4)?);
        Ok(u32::from_le_bytes(a))
    }

    pub(crate) fn read_u64(&self, offset: u32) -> Res<u64> {
        let mut a = [0; 8];
        a.copy_from_slice(self.slice(offset, 8)?);
        Ok(u64::from_le_bytes(a))
    }

    pub(crate) fn write_u8(&mut self, offset: u32, v: u8) -> Res<()> {
        self.write(offset, &[v])
    }

    pub(crate) fn write_u16(&mut self, offset: u32, v: u16) -> Res<()> {
        self.write(offset, &v.to_le_bytes())
    }

    pub(crate) fn write_u32(&mut self, offset: u32, v: u32) -> Res<()> {
        self.write(offset, &v.to_le_bytes())
    }

    pub(crate) fn write_u64(&mut self, offset: u32, v: u64) -> Res<()> {
        self.write(offset, &v.to_le_bytes())
    }

    /// A guest string (a path): UTF-8, `EILSEQ` otherwise.
    pub(crate) fn read_str(&self, offset: u32, len: u32) -> Res<String> {
        let bytes = self.slice(offset, len)?;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| Errno::EILSEQ)
    }

    /// The `(buf, len)` pairs of an iovec array, each checked to lie in memory.
    pub(crate) fn iovecs(&self, iovs: u32, count: u32) -> Res<Vec<(u32, u32)>> {
        // The array itself must fit, which also bounds the allocation below.
        self.range(iovs, count as u64 * IOVEC_SIZE as u64)?;
        (0..count)
            .map(|i| {
                let at = iovs + i * IOVEC_SIZE;
                let (buf, len) = (self.read_u32(at)?, self.read_u32(at + 4)?);
                self.check(buf, len)?;
                Ok((buf, len))
            })
            .collect()
    }
}
