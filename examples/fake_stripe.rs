//! The tests' fake Stripe as a program, for the browser tests (see `end2end/playwright.config.ts`):
//! the Checkout Sessions endpoint, a hosted page with a Pay button, and signed webhooks sent to
//! the site.
//!
//! ```text
//! FAKE_STRIPE_ADDR=127.0.0.1:3102 FAKE_STRIPE_WEBHOOK_URL=http://127.0.0.1:3101/webhooks/stripe \
//!   cargo run --features ssr --example fake_stripe
//! ```
//! The secrets the site must use are `fake_stripe::SECRET_KEY` and `WEBHOOK_SECRET`.

// The tests' fake, whole: this program uses only part of it.
#[allow(dead_code)]
#[path = "../tests/api/fake_stripe.rs"]
mod fake_stripe;

#[tokio::main]
async fn main() {
    let address = std::env::var("FAKE_STRIPE_ADDR").unwrap_or_else(|_| "127.0.0.1:3102".into());
    let webhook = std::env::var("FAKE_STRIPE_WEBHOOK_URL")
        .unwrap_or_else(|_| "http://127.0.0.1:3101/webhooks/stripe".into());
    let fake = fake_stripe::FakeStripe::start_on(&address).await;
    fake.send_webhooks_to(&webhook);
    println!(
        "fake Stripe on {} sending webhooks to {webhook}",
        fake.base_url()
    );
    std::future::pending::<()>().await;
}
