//! Client-side rate limiting: `FixedRate` and `AdaptiveRate`, attached to a client with
//! `DynamoDBClient(rate_limit=...)` and shared by every task, thread and model that uses the client.
//!
//! Each of the two budgets (read and write capacity units per second) is a token bucket that may go
//! into debt. An operation reserves its estimated units (1 for a single item, the item count of a batch)
//! and waits until the bucket has recovered from any debt, then the units DynamoDB reports as consumed
//! replace the estimate once the response is in (never below one unit per item written). Reserving before waiting makes concurrent callers
//! queue in order: each one sees the debt of those before it. The wait is a tokio timer on the shared
//! runtime: an `await` never blocks the event loop, a `sync_` call waits with the GIL released.
//!
//! `AdaptiveRate` starts at half its maximum, drops by a fifth on a throttle (at most once a second,
//! so a burst of throttled calls counts as one signal) and grows by a tenth after every ten seconds
//! without one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

use crate::errors::is_throttling_code;
use crate::events::{OpStats, Trace};

const DECREASE: f64 = 0.8;
const INCREASE: f64 = 1.1;
const CALM_BEFORE_INCREASE: Duration = Duration::from_secs(10);
const THROTTLE_COOLDOWN: Duration = Duration::from_secs(1);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capacity {
    Read,
    Write,
    /// Table management and the like: not rate limited.
    Free,
}

impl Capacity {
    pub fn of(operation: &str) -> Capacity {
        match operation {
            "PutItem" | "UpdateItem" | "DeleteItem" | "BatchWriteItem" | "TransactWriteItems" => {
                Capacity::Write
            }
            "GetItem" | "Query" | "Scan" | "BatchGetItem" | "TransactGetItems"
            | "ExecuteStatement" => Capacity::Read,
            _ => Capacity::Free,
        }
    }
}

#[derive(Debug)]
struct Bucket {
    /// Units per second now (moves between `min` and `max` when adaptive).
    rate: f64,
    min: f64,
    max: f64,
    burst: Option<f64>,
    tokens: f64,
    last: Instant,
    consumed: f64,
}

impl Bucket {
    fn new(rate: f64, min: f64, max: f64, burst: Option<f64>, now: Instant) -> Bucket {
        Bucket {
            rate,
            min,
            max,
            burst,
            tokens: 0.0,
            last: now,
            consumed: 0.0,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        let ceiling = self.burst.unwrap_or(self.rate).max(1.0);
        self.tokens = (self.tokens + elapsed * self.rate).min(ceiling);
    }

    /// Takes `units` now and says how long to wait for the debt this leaves to be repaid.
    fn reserve(&mut self, units: f64, now: Instant) -> Duration {
        self.refill(now);
        let debt = -self.tokens;
        self.tokens -= units;
        if debt <= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(debt / self.rate)
        }
    }
}

#[derive(Debug)]
struct State {
    read: Option<Bucket>,
    write: Option<Bucket>,
    throttles: u64,
    last_throttle: Option<Instant>,
    last_change: Instant,
}

fn bucket_mut(state: &mut State, capacity: Capacity) -> Option<&mut Bucket> {
    match capacity {
        Capacity::Read => state.read.as_mut(),
        Capacity::Write => state.write.as_mut(),
        Capacity::Free => None,
    }
}

fn buckets(state: &mut State) -> impl Iterator<Item = &mut Bucket> {
    let State { read, write, .. } = state;
    read.iter_mut().chain(write.iter_mut())
}

#[derive(Debug)]
pub struct RateLimiter {
    adaptive: bool,
    state: Mutex<State>,
}

impl RateLimiter {
    /// Waits until `units` of `capacity` may be spent (asynchronously, on the runtime).
    pub async fn acquire(&self, capacity: Capacity, units: f64) {
        let wait = {
            let mut state = self.state.lock();
            let now = Instant::now();
            self.adapt_up(&mut state, now);
            match bucket_mut(&mut state, capacity) {
                Some(b) => b.reserve(units, now),
                None => Duration::ZERO,
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Replaces the estimate by what DynamoDB reports and learns from throttled attempts.
    pub fn settle(&self, capacity: Capacity, estimate: f64, stats: &OpStats, trace: &Trace) {
        let throttled = trace
            .attempts
            .iter()
            .filter(|a| a.error_code.as_deref().is_some_and(is_throttling_code))
            .count() as u64;
        let (mut read, mut write) = (0.0, 0.0);
        for (r, w) in stats.consumed.values() {
            read += r;
            write += w;
        }
        let reported = !stats.consumed.is_empty();
        let mut state = self.state.lock();
        let now = Instant::now();
        for (kind, reported_units) in [(Capacity::Read, read), (Capacity::Write, write)] {
            if let Some(b) = bucket_mut(&mut state, kind) {
                let charged = if capacity == kind { estimate } else { 0.0 };
                // Without ConsumedCapacity in the response the estimate stands. A write costs at
                // least one unit per item, whatever a (non-AWS) server reports.
                let actual = match (reported, kind) {
                    (false, _) => charged,
                    (true, Capacity::Write) => reported_units.max(charged),
                    (true, _) => reported_units,
                };
                b.tokens -= actual - charged;
                b.consumed += actual;
            }
        }
        if throttled > 0 {
            state.throttles += throttled;
            if self.adaptive {
                let cooled = state
                    .last_throttle
                    .is_none_or(|t| now.saturating_duration_since(t) >= THROTTLE_COOLDOWN);
                if cooled {
                    for b in buckets(&mut state) {
                        b.refill(now);
                        b.rate = (b.rate * DECREASE).max(b.min);
                    }
                    state.last_change = now;
                }
            }
            state.last_throttle = Some(now);
        }
    }

    fn adapt_up(&self, state: &mut State, now: Instant) {
        if !self.adaptive {
            return;
        }
        let calm_since = state
            .last_throttle
            .map_or(state.last_change, |t| t.max(state.last_change));
        if now.saturating_duration_since(calm_since) < CALM_BEFORE_INCREASE {
            return;
        }
        for b in buckets(state) {
            b.refill(now);
            b.rate = (b.rate * INCREASE).min(b.max);
        }
        state.last_change = now;
    }

    fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        f(&self.state.lock())
    }
}

fn check_rate(name: &str, value: Option<f64>) -> PyResult<Option<f64>> {
    match value {
        Some(v) if !(v.is_finite() && v > 0.0) => Err(PyValueError::new_err(format!(
            "{name} must be a positive number of capacity units per second, got {v}"
        ))),
        other => Ok(other),
    }
}

/// A fixed budget: at most `rcu` read and `wcu` write capacity units per second (None: unlimited);
/// `burst` units may be spent at once after a quiet period (default: one second's worth).
#[pyclass(module = "pydynox._core", frozen)]
pub struct FixedRate {
    pub limiter: Arc<RateLimiter>,
    rcu: Option<f64>,
    wcu: Option<f64>,
}

#[pymethods]
impl FixedRate {
    #[new]
    #[pyo3(signature = (rcu=None, wcu=None, burst=None))]
    fn new(rcu: Option<f64>, wcu: Option<f64>, burst: Option<f64>) -> PyResult<Self> {
        let rcu = check_rate("rcu", rcu)?;
        let wcu = check_rate("wcu", wcu)?;
        let burst = check_rate("burst", burst)?;
        if rcu.is_none() && wcu.is_none() {
            return Err(PyValueError::new_err(
                "FixedRate needs rcu=, wcu= or both (capacity units per second)",
            ));
        }
        let now = Instant::now();
        let make = |r: Option<f64>| r.map(|r| Bucket::new(r, r, r, burst, now));
        Ok(FixedRate {
            limiter: Arc::new(RateLimiter {
                adaptive: false,
                state: Mutex::new(State {
                    read: make(rcu),
                    write: make(wcu),
                    throttles: 0,
                    last_throttle: None,
                    last_change: now,
                }),
            }),
            rcu,
            wcu,
        })
    }

    #[getter]
    fn rcu(&self) -> Option<f64> {
        self.rcu
    }

    #[getter]
    fn wcu(&self) -> Option<f64> {
        self.wcu
    }

    #[getter]
    fn consumed_rcu(&self) -> f64 {
        consumed(&self.limiter, Capacity::Read)
    }

    #[getter]
    fn consumed_wcu(&self) -> f64 {
        consumed(&self.limiter, Capacity::Write)
    }

    #[getter]
    fn throttle_count(&self) -> u64 {
        self.limiter.read(|s| s.throttles)
    }

    /// Zeroes the consumed and throttle counters (the budget itself is unchanged).
    fn reset(&self) {
        reset(&self.limiter);
    }

    fn __repr__(&self) -> String {
        format!("FixedRate(rcu={}, wcu={})", show(self.rcu), show(self.wcu))
    }
}

/// A budget that follows throttling: starts at half of `max_rcu` / `max_wcu`, drops by a fifth on a
/// throttle and recovers by a tenth after every ten seconds without one, between the minimums and
/// the maximums.
#[pyclass(module = "pydynox._core", frozen)]
pub struct AdaptiveRate {
    pub limiter: Arc<RateLimiter>,
}

#[pymethods]
impl AdaptiveRate {
    #[new]
    #[pyo3(signature = (max_rcu=None, max_wcu=None, min_rcu=1.0, min_wcu=1.0))]
    fn new(
        max_rcu: Option<f64>,
        max_wcu: Option<f64>,
        min_rcu: f64,
        min_wcu: f64,
    ) -> PyResult<Self> {
        let max_rcu = check_rate("max_rcu", max_rcu)?;
        let max_wcu = check_rate("max_wcu", max_wcu)?;
        check_rate("min_rcu", Some(min_rcu))?;
        check_rate("min_wcu", Some(min_wcu))?;
        if max_rcu.is_none() && max_wcu.is_none() {
            return Err(PyValueError::new_err(
                "AdaptiveRate needs max_rcu=, max_wcu= or both (capacity units per second)",
            ));
        }
        for (name, max, min) in [("rcu", max_rcu, min_rcu), ("wcu", max_wcu, min_wcu)] {
            if let Some(max) = max {
                if min > max {
                    return Err(PyValueError::new_err(format!(
                        "min_{name} ({min}) is above max_{name} ({max})"
                    )));
                }
            }
        }
        let now = Instant::now();
        let make = |max: Option<f64>, min: f64| {
            max.map(|max| Bucket::new((max / 2.0).max(min), min, max, None, now))
        };
        Ok(AdaptiveRate {
            limiter: Arc::new(RateLimiter {
                adaptive: true,
                state: Mutex::new(State {
                    read: make(max_rcu, min_rcu),
                    write: make(max_wcu, min_wcu),
                    throttles: 0,
                    last_throttle: None,
                    last_change: now,
                }),
            }),
        })
    }

    /// The read budget now (units per second), None when reads are not limited.
    #[getter]
    fn current_rcu(&self) -> Option<f64> {
        self.limiter.read(|s| s.read.as_ref().map(|b| b.rate))
    }

    #[getter]
    fn current_wcu(&self) -> Option<f64> {
        self.limiter.read(|s| s.write.as_ref().map(|b| b.rate))
    }

    #[getter]
    fn max_rcu(&self) -> Option<f64> {
        self.limiter.read(|s| s.read.as_ref().map(|b| b.max))
    }

    #[getter]
    fn max_wcu(&self) -> Option<f64> {
        self.limiter.read(|s| s.write.as_ref().map(|b| b.max))
    }

    #[getter]
    fn consumed_rcu(&self) -> f64 {
        consumed(&self.limiter, Capacity::Read)
    }

    #[getter]
    fn consumed_wcu(&self) -> f64 {
        consumed(&self.limiter, Capacity::Write)
    }

    #[getter]
    fn throttle_count(&self) -> u64 {
        self.limiter.read(|s| s.throttles)
    }

    fn reset(&self) {
        reset(&self.limiter);
    }

    fn __repr__(&self) -> String {
        self.limiter.read(|s| {
            format!(
                "AdaptiveRate(current_rcu={}, current_wcu={})",
                show(s.read.as_ref().map(|b| b.rate)),
                show(s.write.as_ref().map(|b| b.rate))
            )
        })
    }
}

fn show(rate: Option<f64>) -> String {
    rate.map_or_else(|| "None".to_owned(), |r| format!("{r}"))
}

fn consumed(limiter: &RateLimiter, capacity: Capacity) -> f64 {
    limiter.read(|s| {
        let b = match capacity {
            Capacity::Read => s.read.as_ref(),
            _ => s.write.as_ref(),
        };
        b.map_or(0.0, |b| b.consumed)
    })
}

fn reset(limiter: &RateLimiter) {
    let mut s = limiter.state.lock();
    s.throttles = 0;
    for b in buckets(&mut s) {
        b.consumed = 0.0;
    }
}

/// The limiter behind a `rate_limit=` argument.
pub fn limiter_from_py(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Arc<RateLimiter>>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    if let Ok(fixed) = obj.cast::<FixedRate>() {
        return Ok(Some(fixed.get().limiter.clone()));
    }
    if let Ok(adaptive) = obj.cast::<AdaptiveRate>() {
        return Ok(Some(adaptive.get().limiter.clone()));
    }
    Err(PyTypeError::new_err(format!(
        "rate_limit must be a FixedRate or an AdaptiveRate, got {}",
        obj.get_type().name()?
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_queue_behind_debt() {
        let now = Instant::now();
        let mut b = Bucket::new(10.0, 10.0, 10.0, None, now);
        // Empty bucket: the first reservation runs at once, the next ones wait for the debt.
        assert_eq!(b.reserve(5.0, now), Duration::ZERO);
        let second = b.reserve(5.0, now);
        assert!((second.as_secs_f64() - 0.5).abs() < 1e-9, "{second:?}");
        let third = b.reserve(5.0, now);
        assert!((third.as_secs_f64() - 1.0).abs() < 1e-9, "{third:?}");
        // After the debt is repaid the bucket refills up to one second's worth, no more.
        let later = now + Duration::from_secs(60);
        assert_eq!(b.reserve(10.0, later), Duration::ZERO);
        assert_eq!(b.reserve(1.0, later), Duration::ZERO);
        assert!(b.reserve(1.0, later) > Duration::ZERO);
    }

    #[test]
    fn adaptive_backs_off_once_per_burst_and_recovers() {
        let AdaptiveRate { limiter } = AdaptiveRate::new(Some(100.0), None, 1.0, 1.0).unwrap();
        let throttled = Trace {
            attempts: vec![crate::events::AttemptRecord {
                status_code: Some(400),
                error_code: Some("ProvisionedThroughputExceededException".into()),
            }],
        };
        let stats = OpStats::default();
        limiter.settle(Capacity::Read, 1.0, &stats, &throttled);
        limiter.settle(Capacity::Read, 1.0, &stats, &throttled);
        let rate = limiter.read(|s| s.read.as_ref().map(|b| b.rate)).unwrap();
        assert!((rate - 40.0).abs() < 1e-9, "{rate}");
        assert_eq!(limiter.read(|s| s.throttles), 2);
        let mut state = limiter.state.lock();
        let later = Instant::now() + Duration::from_secs(11);
        limiter.adapt_up(&mut state, later);
        let rate = state.read.as_ref().map(|b| b.rate).unwrap();
        assert!((rate - 44.0).abs() < 1e-9, "{rate}");
    }
}
