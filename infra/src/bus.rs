//! What the processes' Redis subscriptions (the revocation mirror, the case cache) share.

use std::time::Duration;

use redis::aio::PubSubSink;

/// Whether a subscribed connection still answers within `within`. A subscribed connection answers
/// `PING` with an array (`pong`, ``), not the plain `PONG`, so any reply counts.
pub(crate) async fn still_subscribed(sink: &mut PubSubSink, within: Duration) -> bool {
    matches!(tokio::time::timeout(within, sink.ping::<redis::Value>()).await, Ok(Ok(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Read as a string, the subscribed connection's answer failed, and both followers dropped and
    /// rebuilt their subscription at every ping (the case cache emptied every 3 s).
    #[tokio::test]
    async fn a_subscribed_connection_counts_as_alive() {
        let Ok(url) = std::env::var("TONGBAN_TEST_REDIS_URL") else {
            eprintln!("TONGBAN_TEST_REDIS_URL not set; subscriptions are tested in the PostgreSQL + Redis pass");
            return;
        };
        let client = redis::Client::open(url).expect("client");
        let (mut sink, _stream) = client.get_async_pubsub().await.expect("pubsub").split();
        sink.subscribe(format!("test:{}:bus", uuid::Uuid::new_v4())).await.expect("subscribe");
        for _ in 0..3 {
            assert!(still_subscribed(&mut sink, Duration::from_secs(3)).await);
        }
    }
}
