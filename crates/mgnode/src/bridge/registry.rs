//! Process-wide registry of managers, so that worker threads (separate
//! JavaScript environments) can reach a manager created on another thread by id.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use crate::bridge::loop_handle::LoopHandle;

static NEXT_ID: AtomicU32 = AtomicU32::new(1);

fn table() -> &'static Mutex<HashMap<u32, Weak<LoopHandle>>> {
  static TABLE: OnceLock<Mutex<HashMap<u32, Weak<LoopHandle>>>> = OnceLock::new();
  TABLE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Registers a manager's loop handle and returns its id.
pub fn register(handle: &Arc<LoopHandle>) -> u32 {
  let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
  if let Ok(mut t) = table().lock() {
    t.retain(|_, weak| weak.strong_count() > 0);
    t.insert(id, Arc::downgrade(handle));
  }
  id
}

pub fn unregister(id: u32) {
  if let Ok(mut t) = table().lock() {
    t.remove(&id);
  }
}

/// The loop handle of a live manager.
pub fn lookup(id: u32) -> Option<Arc<LoopHandle>> {
  table().lock().ok()?.get(&id)?.upgrade()
}
