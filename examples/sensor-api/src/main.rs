//! `tk-sensor-api-example [ADDR]`: serves the example API over HTTP/1.0 on ADDR (default
//! `127.0.0.1:8080`), with the database from `TK_DATABASE_URL`, `trapperkeeper.toml` or the
//! SQLite default, as the data layer's configuration loads it.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::Duration;

use tk_sensor_api_example::Service;
use trapperkeeper_db::config::{CliOverrides, DatabaseConfig};

fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let service = runtime.block_on(async {
        let config = DatabaseConfig::load(&CliOverrides::default())?;
        Service::start(&config).await
    });
    let service = service.unwrap_or_else(|e| {
        eprintln!("error: cannot open the database: {e}");
        std::process::exit(1)
    });
    let listener = TcpListener::bind(&addr).unwrap_or_else(|e| {
        eprintln!("error: cannot listen on {addr}: {e}");
        std::process::exit(1)
    });
    eprintln!("listening on {addr}");
    for stream in listener.incoming().flatten() {
        // A connection each on its own thread, with a deadline for its request line: a client
        // that connects and sends nothing holds up nobody else.
        let (service, runtime) = (service.clone(), runtime.handle().clone());
        std::thread::spawn(move || {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut reader = BufReader::new(&stream);
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                return;
            }
            let mut words = line.split_whitespace();
            let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
            let answer = runtime.block_on(service.handle(method, path));
            let _ = write!(
                &stream,
                "HTTP/1.0 {} -\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\n\r\n{}",
                answer.status,
                answer.body.len(),
                answer.body
            );
        });
    }
}
