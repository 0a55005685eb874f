//! Reading a server's Prometheus metrics: parsed samples, and waiting on a gauge.

use std::time::{Duration, Instant};

use crate::process::ServerProcess;

/// The value of the first sample of `metric` whose labels include `labels`.
pub fn sample(
    scrape: &prometheus_parse::Scrape,
    metric: &str,
    labels: &[(&str, &str)],
) -> Option<f64> {
    scrape
        .samples
        .iter()
        .filter(|sample| sample.metric == metric)
        .find(|sample| {
            labels
                .iter()
                .all(|(name, value)| sample.labels.get(name) == Some(*value))
        })
        .map(|sample| match &sample.value {
            prometheus_parse::Value::Counter(value)
            | prometheus_parse::Value::Gauge(value)
            | prometheus_parse::Value::Untyped(value) => *value,
            prometheus_parse::Value::Histogram(buckets) => {
                buckets.last().map_or(0.0, |bucket| bucket.count)
            }
            prometheus_parse::Value::Summary(_) => f64::NAN,
        })
}

/// Parses a Prometheus text exposition.
pub fn parse(text: &str) -> prometheus_parse::Scrape {
    let lines = text.lines().map(|line| Ok(line.to_owned()));
    // The sample time is not looked at; a fixed one keeps the tests off the machine's clock.
    prometheus_parse::Scrape::parse_at(lines, chrono::DateTime::UNIX_EPOCH)
        .expect("Prometheus text format")
}

/// The `/metrics` address a server logged for its separate metrics listener, if any.
pub fn logged_metrics_url(log: &[String]) -> Option<String> {
    let line = log
        .iter()
        .find(|line| line.contains("metrics on http://"))?;
    let at = line.find("http://")?;
    Some(
        line[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || ":/.".contains(*c))
            .collect(),
    )
}

/// The server's `/metrics` URL: its separate listener's, or the main one's.
pub fn metrics_url(server: &ServerProcess) -> String {
    logged_metrics_url(&server.process.log())
        .unwrap_or_else(|| format!("{}/metrics", server.address))
}

/// Waits (up to ten seconds) until the server's metrics count at least `count` live
/// subscriptions: the real signal that the server has registered them.
pub async fn wait_for_live_subscriptions(server: &ServerProcess, count: usize) {
    let url = metrics_url(server);
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut listening = None;
    while Instant::now() < deadline {
        if let Ok(response) = client.get(&url).send().await
            && let Ok(text) = response.text().await
        {
            listening = sample(&parse(&text), "coalition_live_subscriptions", &[]);
            if listening.is_some_and(|listening| listening >= count as f64) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{count} subscriptions expected at {url}, {listening:?} listening");
}
