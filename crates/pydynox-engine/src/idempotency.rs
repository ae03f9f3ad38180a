//! What each TransactWriteItems ClientRequestToken was used for, kept for ten minutes after the
//! request that first used it completed (DynamoDB's window), so that a retry is answered without
//! being applied again.

use std::collections::{HashMap, VecDeque};

use crate::table::PrimaryKey;

/// DynamoDB remembers a client request token for ten minutes.
pub const WINDOW_SECONDS: f64 = 600.0;

pub struct Remembered {
    /// SHA-256 of the request's canonical form, token left out (see `canonical`).
    pub fingerprint: [u8; 32],
    /// When the request completed.
    pub at: f64,
    /// The items the transaction acted on (table, key), in request order: a retry reports the
    /// capacity of reading them.
    pub items: Vec<(String, PrimaryKey)>,
}

#[derive(Default)]
pub struct Tokens {
    by_token: HashMap<String, Remembered>,
    /// Tokens in the order they were remembered, so that expired ones are dropped from the front
    /// instead of by a pass over every token on every transaction (SDKs send a fresh token with
    /// every call, so there can be many).
    order: VecDeque<(f64, String)>,
}

impl Tokens {
    /// What `token` was used for, if it was within the window before `now`.
    pub fn get(&mut self, token: &str, now: f64) -> Option<&Remembered> {
        self.expire(now);
        // Checked again here: a clock set back can leave an expired token behind a newer one.
        self.by_token
            .get(token)
            .filter(|r| now - r.at < WINDOW_SECONDS)
    }

    pub fn remember(&mut self, token: &str, remembered: Remembered) {
        self.order.push_back((remembered.at, token.to_owned()));
        self.by_token.insert(token.to_owned(), remembered);
    }

    fn expire(&mut self, now: f64) {
        while let Some((at, _)) = self.order.front() {
            if now - *at < WINDOW_SECONDS {
                break;
            }
            if let Some((at, token)) = self.order.pop_front() {
                // The token may have been used again since (after its window closed).
                if self.by_token.get(&token).is_some_and(|r| r.at == at) {
                    self.by_token.remove(&token);
                }
            }
        }
    }

    /// The remembered tokens, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Remembered)> {
        self.order.iter().filter_map(|(at, token)| {
            self.by_token
                .get(token)
                .filter(|r| r.at == *at)
                .map(|r| (token.as_str(), r))
        })
    }

    pub fn clear(&mut self) {
        self.by_token.clear();
        self.order.clear();
    }

    pub fn len(&self) -> usize {
        self.by_token.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_token.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remembered(at: f64) -> Remembered {
        Remembered {
            fingerprint: [0; 32],
            at,
            items: Vec::new(),
        }
    }

    #[test]
    fn a_token_is_forgotten_ten_minutes_after_its_request() {
        let mut tokens = Tokens::default();
        tokens.remember("a", remembered(1000.0));
        tokens.remember("b", remembered(1100.0));
        assert!(tokens.get("a", 1599.9).is_some());
        assert!(tokens.get("a", 1600.0).is_none());
        assert_eq!(tokens.len(), 1);
        assert!(tokens.get("b", 1699.0).is_some());
        // Used again once forgotten: the new use has its own window.
        tokens.remember("a", remembered(1650.0));
        assert!(tokens.get("b", 1700.0).is_none());
        assert!(tokens.get("a", 2249.0).is_some());
        assert!(tokens.get("a", 2250.0).is_none());
        assert!(tokens.is_empty());
    }
}
