//! `FileBody`: a response body the engine reads from disk itself, so file
//! bytes never pass through JavaScript (the counterpart of `wsgi.file_wrapper`).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

use crate::conn::Conn;

/// Keep at most this much of a file queued on a connection.
const QUEUE_LIMIT: usize = 256 * 1024;
/// Read slice.
const SLICE: usize = 64 * 1024;

pub struct FileBody {
  file: File,
  remaining: u64,
  /// Write flags to apply once the file is sent (end, close).
  pub flags: u32,
}

/// What a pump did.
pub enum Pumped {
  /// More to send once the connection drains.
  More,
  /// Everything was queued.
  Done,
  /// The file could not be read to the promised length; the connection must close.
  Failed,
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

  /// Queues file data on `conn` until its send buffer holds `QUEUE_LIMIT` bytes.
  /// Returns how many bytes were queued, and whether the body is complete.
  pub fn pump(&mut self, conn: Conn) -> (u64, Pumped) {
    let mut queued = 0u64;
    let mut buf = vec![0u8; SLICE];
    while self.remaining > 0 && conn.send_len() < QUEUE_LIMIT {
      let want = (self.remaining.min(SLICE as u64)) as usize;
      match self.file.read(&mut buf[..want]) {
        Ok(0) | Err(_) => return (queued, Pumped::Failed),
        Ok(n) => {
          if !conn.send(&buf[..n]) {
            return (queued, Pumped::Failed);
          }
          self.remaining -= n as u64;
          queued += n as u64;
        }
      }
    }
    (queued, if self.remaining == 0 { Pumped::Done } else { Pumped::More })
  }
}
