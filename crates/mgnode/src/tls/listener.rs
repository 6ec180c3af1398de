//! `ListenerTls`: a listener's TLS contexts: the default one, those added
//! for server names (node's `server.addContext`), and, in place of those,
//! JavaScript's `SNICallback`.

use std::sync::{Arc, Mutex};

use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;

use super::context::Context;

/// Calls `SNICallback` on a JavaScript thread with `(connId, servername)`;
/// weak: it does not keep Node alive.
pub type SniAsk = ThreadsafeFunction<(f64, String), (), (f64, String), Status, false, true>;

pub struct ListenerTls {
  pub default: Arc<Context>,
  /// Server-name patterns (`*` matches one label) and their contexts; the
  /// last added that matches wins, as in node.
  names: Mutex<Vec<(String, Arc<Context>)>>,
  sni: Option<SniAsk>,
}

/// How to pick the context of a handshake.
pub enum Choice {
  Context(Arc<Context>),
  /// Ask JavaScript (`SNICallback`); the answer comes as a command.
  AskJs,
}

impl ListenerTls {
  pub fn new(default: Arc<Context>, sni: Option<SniAsk>) -> Self {
    ListenerTls { default, names: Mutex::new(Vec::new()), sni }
  }

  /// Adds a context for server names matching `pattern` (node's `addContext`).
  pub fn add_context(&self, pattern: &str, context: Arc<Context>) {
    if let Ok(mut names) = self.names.lock() {
      names.push((pattern.to_ascii_lowercase(), context));
    }
  }

  pub fn choose(&self, servername: Option<&str>) -> Choice {
    let Some(name) = servername else {
      return Choice::Context(self.default.clone());
    };
    if self.sni.is_some() {
      return Choice::AskJs;
    }
    let name = name.to_ascii_lowercase();
    let names = self.names.lock();
    let found =
      names.ok().and_then(|names| names.iter().rev().find(|(p, _)| matches(p, &name)).map(|(_, c)| c.clone()));
    Choice::Context(found.unwrap_or_else(|| self.default.clone()))
  }

  /// Asks JavaScript to choose; false if it cannot be asked.
  pub fn ask_js(&self, conn_id: u64, servername: String) -> bool {
    match &self.sni {
      Some(ask) => ask.call((conn_id as f64, servername), ThreadsafeFunctionCallMode::NonBlocking) == Status::Ok,
      None => false,
    }
  }
}

/// Whether `name` matches `pattern`, where `*` stands for any run of
/// characters without a dot (node turns `addContext` names into such a regex).
fn matches(pattern: &str, name: &str) -> bool {
  match pattern.split_once('*') {
    None => pattern == name,
    Some((head, tail)) => {
      let Some(rest) = name.strip_prefix(head) else { return false };
      (0..=rest.len())
        .take_while(|&i| !rest[..i].contains('.'))
        .any(|i| rest.is_char_boundary(i) && matches(tail, &rest[i..]))
    }
  }
}

#[cfg(test)]
mod tests {
  use super::matches;

  #[test]
  fn names_match_exactly_or_by_one_label_wildcards() {
    assert!(matches("example.com", "example.com"));
    assert!(!matches("example.com", "www.example.com"));
    assert!(matches("*.example.com", "www.example.com"));
    assert!(!matches("*.example.com", "a.b.example.com"));
    assert!(!matches("*.example.com", "example.com.evil"));
    assert!(matches("*.example.com", ".example.com"));
    assert!(matches("a*c.test", "abbc.test"));
    assert!(!matches("a*c.test", "ab.c.test"));
  }
}
