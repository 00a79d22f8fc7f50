//! The `sharecare` server: settings, logs, then serve until SIGINT/SIGTERM.

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    use sharecare::server::{config::Settings, startup::Application, telemetry};
    use std::process::ExitCode;

    telemetry::init();
    // Start-up failures print one plain line and exit non-zero: staff editing content need
    // the file and field, not a stack trace.
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("sharecare: configuration error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let application = match Application::build(settings.clone()).await {
        Ok(application) => application,
        Err(error) => {
            eprintln!("sharecare: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(address = %application.local_addr(), public = %settings.public_base_url, "serving");
    match application.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("sharecare: server error: {error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "ssr"))]
fn main() {
    // The browser build is a library (see lib.rs); the binary needs `--features ssr`.
}
