//! Failures injected in front of a local engine, for testing retry and recovery paths: each rule
//! applies to the next N calls of the named operations (or of any operation).

use std::collections::VecDeque;
use std::time::Duration;

use parking_lot::Mutex;

#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// A 400 with this throttling error code; the SDK retries it.
    Throttle(String),
    /// A batch answered with every item or key handed back unprocessed, nothing applied.
    Unprocessed,
    /// The answer is delayed (added to whatever else happens).
    Latency(Duration),
    /// An HTTP 500 InternalServerError; the SDK retries it.
    ServerError,
    /// The connection drops before an answer (an I/O error to the SDK).
    ConnectionReset,
}

#[derive(Debug, Clone)]
struct Rule {
    fault: Fault,
    remaining: u64,
    operations: Option<Vec<String>>,
}

/// What to do with one call, decided before it reaches the engine.
#[derive(Debug, Default)]
pub struct Plan {
    pub delay: Option<Duration>,
    pub outcome: Option<Fault>,
}

/// How many calls the log keeps: enough for any test, bounded for a server that runs for days.
const MAX_CALLS: usize = 10_000;

#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<Rule>>,
    /// The most recent calls, by operation, so tests can assert how often the SDK retried.
    calls: Mutex<VecDeque<String>>,
}

impl Faults {
    pub fn add(&self, fault: Fault, count: u64, operations: Option<Vec<String>>) {
        self.rules.lock().push(Rule {
            fault,
            remaining: count,
            operations,
        });
    }

    pub fn clear(&self) {
        self.rules.lock().clear();
    }

    pub fn pending(&self) -> u64 {
        self.rules.lock().iter().map(|r| r.remaining).sum()
    }

    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().iter().cloned().collect()
    }

    pub fn reset_calls(&self) {
        self.calls.lock().clear();
    }

    /// Consumes the rules that match this call: latency adds up, the first failure wins.
    pub fn plan(&self, operation: &str) -> Plan {
        {
            let mut calls = self.calls.lock();
            if calls.len() == MAX_CALLS {
                calls.pop_front();
            }
            calls.push_back(operation.to_owned());
        }
        let mut rules = self.rules.lock();
        let mut plan = Plan::default();
        for rule in rules.iter_mut() {
            if rule.remaining == 0 {
                continue;
            }
            let matches = match &rule.operations {
                Some(ops) => ops.iter().any(|o| o == operation),
                None => !matches!(rule.fault, Fault::Unprocessed) || operation.starts_with("Batch"),
            };
            if !matches {
                continue;
            }
            match &rule.fault {
                Fault::Latency(d) => {
                    plan.delay = Some(plan.delay.unwrap_or_default() + *d);
                    rule.remaining -= 1;
                }
                fault if plan.outcome.is_none() => {
                    plan.outcome = Some(fault.clone());
                    rule.remaining -= 1;
                }
                _ => {}
            }
        }
        rules.retain(|r| r.remaining > 0);
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_call_log_keeps_the_most_recent_calls() {
        let faults = Faults::default();
        for i in 0..MAX_CALLS + 5 {
            faults.plan(if i < 5 { "GetItem" } else { "PutItem" });
        }
        let calls = faults.calls();
        assert_eq!(calls.len(), MAX_CALLS);
        assert!(calls.iter().all(|c| c == "PutItem"));
        faults.reset_calls();
        assert!(faults.calls().is_empty());
    }
}
