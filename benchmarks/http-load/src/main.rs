//! A minimal HTTP/1.1 load generator for `benchmarks/bench_engine.py`: it sends pre-encoded
//! requests over keep-alive connections, one request at a time per connection, and reports how
//! long they took. It is written in Rust so that the generator's own CPU time stays small next to
//! the server's on a two-core machine (the asyncio generator it replaces cost about 45 µs of CPU
//! per 25-item batch write, more than half of what the engine itself spends on one).
//!
//! ```text
//! pydynox-http-load HOST:PORT CONNECTIONS REQUESTS_FILE
//! ```
//!
//! `REQUESTS_FILE` holds whole HTTP requests, each preceded by its length (`u32`, little-endian).
//! Connection `i` sends requests `i`, `i + CONNECTIONS`, ... When a server closes the connection
//! after an answer (`Connection: close`, or HTTP/1.0, as moto's server does), the next request goes
//! out over a new connection. Every answer must be `200`; the first that is not stops the run
//! (exit status 1, the answer's head on stderr). On success one line goes to stdout:
//! `{"requests": N, "seconds": S, "connections_opened": C}`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::ops::Range;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use std::{env, fs, thread};

type Failure = String;

/// Where each request lies in the requests file.
fn parse_requests(data: &[u8]) -> Result<Vec<Range<usize>>, Failure> {
    let mut requests = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let len_bytes: [u8; 4] = data
            .get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .ok_or("the requests file ends inside a length")?;
        let len = u32::from_le_bytes(len_bytes) as usize;
        let request = at + 4..at + 4 + len;
        if request.end > data.len() {
            return Err("the requests file ends inside a request".into());
        }
        at = request.end;
        requests.push(request);
    }
    Ok(requests)
}

/// A header's value in `head` (lower-cased), if the header is there.
fn header<'h>(head: &'h str, name: &str) -> Option<&'h str> {
    head.split("\r\n")
        .skip(1)
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
        .map(str::trim)
}

/// Reads one answer; returns whether the server keeps the connection open.
fn read_answer(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Result<bool, Failure> {
    buffer.clear();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let n = stream.read(&mut chunk).map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("the server closed the connection before answering".into());
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
    if !(head.starts_with("http/1.1 200") || head.starts_with("http/1.0 200")) {
        return Err(format!("answer: {}", &head[..head.len().min(300)]));
    }
    let length: usize = header(&head, "content-length")
        .ok_or("an answer without Content-Length")?
        .parse()
        .map_err(|e| format!("Content-Length: {e}"))?;
    let total = head_end + 4 + length;
    while buffer.len() < total {
        let n = stream.read(&mut chunk).map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("the server closed the connection inside an answer".into());
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let closes = head.starts_with("http/1.0") || header(&head, "connection") == Some("close");
    Ok(!closes)
}

fn connect(address: &str) -> Result<TcpStream, Failure> {
    let stream = TcpStream::connect(address).map_err(|e| format!("connect {address}: {e}"))?;
    stream
        .set_nodelay(true)
        .map_err(|e| format!("TCP_NODELAY: {e}"))?;
    Ok(stream)
}

/// Sends every `step`-th request from `first` on; returns the number of connections opened.
fn drive(
    address: &str,
    data: &[u8],
    requests: &[Range<usize>],
    first: usize,
    step: usize,
) -> Result<u64, Failure> {
    let mut opened = 0;
    let mut stream: Option<TcpStream> = None;
    let mut buffer = Vec::with_capacity(64 * 1024);
    for request in requests.iter().skip(first).step_by(step) {
        let mut open = match stream.take() {
            Some(open) => open,
            None => {
                opened += 1;
                connect(address)?
            }
        };
        open.write_all(&data[request.clone()])
            .map_err(|e| format!("write: {e}"))?;
        if read_answer(&mut open, &mut buffer)? {
            stream = Some(open);
        }
    }
    Ok(opened)
}

fn run() -> Result<String, Failure> {
    let args: Vec<String> = env::args().collect();
    let [_, address, connections, file] = args.as_slice() else {
        return Err("usage: pydynox-http-load HOST:PORT CONNECTIONS REQUESTS_FILE".into());
    };
    let connections: usize =
        connections.parse().ok().filter(|c| *c > 0).ok_or_else(|| {
            format!("CONNECTIONS must be a positive integer, not {connections:?}")
        })?;
    let data = Arc::new(fs::read(file).map_err(|e| format!("{file}: {e}"))?);
    let requests = Arc::new(parse_requests(&data)?);
    let count = requests.len();
    let address = Arc::new(address.clone());
    let start = Instant::now();
    let workers: Vec<_> = (0..connections.min(count.max(1)))
        .map(|first| {
            let (data, requests, address) = (
                Arc::clone(&data),
                Arc::clone(&requests),
                Arc::clone(&address),
            );
            thread::spawn(move || drive(&address, &data, &requests, first, connections))
        })
        .collect();
    let mut opened = 0;
    for worker in workers {
        opened += worker
            .join()
            .map_err(|_| "a connection's thread panicked".to_string())??;
    }
    let seconds = start.elapsed().as_secs_f64();
    Ok(format!(
        r#"{{"requests": {count}, "seconds": {seconds}, "connections_opened": {opened}}}"#
    ))
}

fn main() -> ExitCode {
    match run() {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("pydynox-http-load: {e}");
            ExitCode::FAILURE
        }
    }
}
