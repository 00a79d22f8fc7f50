//! Background work (the receipt worker, the totals' follower and refresher, reconciliation,
//! retention) runs supervised: a panic is logged, counted and the task started again after a
//! short wait, instead of the work stopping silently for the rest of the process's life. A
//! task that returns has finished (the server is stopping) and is not started again.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Runs `task()` until it returns, starting it again whenever it panics.
pub fn spawn_supervised<F, Fut>(
    name: &'static str,
    mut stopping: watch::Receiver<bool>,
    task: F,
) -> JoinHandle<()>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        let mut restarts: u32 = 0;
        loop {
            match tokio::spawn(task()).await {
                Ok(()) => return,
                Err(error) if error.is_panic() => {
                    restarts += 1;
                    metrics::counter!("sharecare_task_restarts_total", "task" => name).increment(1);
                    tracing::error!(
                        task = name,
                        restarts,
                        "a background task panicked; starting it again"
                    );
                    if *stopping.borrow() {
                        return;
                    }
                    // 0.2 s, 0.4 s, ... at most about 13 s between restarts.
                    let wait = Duration::from_millis(100 << restarts.min(7));
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        _ = stopping.changed() => return,
                    }
                }
                Err(_) => return,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[tokio::test]
    async fn a_panicking_task_is_started_again_until_it_finishes() {
        let runs = Arc::new(AtomicUsize::new(0));
        let (_stop, stopping) = watch::channel(false);
        let counted = runs.clone();
        let supervisor = spawn_supervised("test", stopping, move || {
            let counted = counted.clone();
            async move {
                let run = counted.fetch_add(1, Ordering::SeqCst) + 1;
                if run < 3 {
                    panic!("injected failure {run}");
                }
            }
        });
        tokio::time::timeout(Duration::from_secs(30), supervisor)
            .await
            .expect("the task finishes after its restarts")
            .unwrap();
        assert_eq!(runs.load(Ordering::SeqCst), 3, "two panics, two restarts");
    }

    #[tokio::test]
    async fn stopping_ends_the_restarts() {
        let (stop, stopping) = watch::channel(false);
        let supervisor = spawn_supervised("test", stopping, || async { panic!("always") });
        stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(30), supervisor)
            .await
            .expect("no restart after stopping")
            .unwrap();
    }
}
