//! `FileBody`: a response body the engine reads from disk itself, so file
//! bytes never pass through JavaScript (the counterpart of `wsgi.file_wrapper`).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

/// Keep at most this much of a file queued on a connection.
pub const QUEUE_LIMIT: usize = 256 * 1024;
/// Read slice.
const SLICE: usize = 64 * 1024;

pub struct FileBody {
  file: File,
  remaining: u64,
  /// Write flags to apply once the file is sent (end, close).
  pub flags: u32,
}

impl FileBody {
  /// Opens `path` and positions it at `offset`; `length` bytes will be sent.
  pub fn open(path: &str, offset: u64, length: u64, flags: u32) -> io::Result<Self> {
    let mut file = File::open(path)?;
    if offset > 0 {
      file.seek(SeekFrom::Start(offset))?;
    }
    Ok(FileBody { file, remaining: length, flags })
  }

  /// True once every promised byte was read.
  pub fn is_done(&self) -> bool {
    self.remaining == 0
  }

  /// Reads the next slice of the body; an error also covers a file shorter than promised.
  pub fn next_slice(&mut self) -> io::Result<Vec<u8>> {
    let want = (self.remaining.min(SLICE as u64)) as usize;
    let mut buf = vec![0u8; want];
    let n = self.file.read(&mut buf)?;
    if n == 0 && want > 0 {
      return Err(io::ErrorKind::UnexpectedEof.into());
    }
    buf.truncate(n);
    self.remaining -= n as u64;
    Ok(buf)
  }
}
