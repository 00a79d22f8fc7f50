//! The `sharecare` server: settings, logs, then serve until SIGINT/SIGTERM.
//!
//! ```text
//! sharecare                     serve the site
//! sharecare mark-paid LBC-7K3Q9X confirm that an offline (FPS / bank) gift has arrived
//! sharecare admin add-user EMAIL --role viewer|finance|admin
//! sharecare admin reset-password EMAIL
//! sharecare admin set-role EMAIL --role viewer|finance|admin
//! sharecare admin disable EMAIL
//! sharecare admin enable EMAIL
//! sharecare backup [--to DIR]   a checked copy of the database, taken while the site serves
//! sharecare restore FILE        put a SQLite backup in place (refused while a site runs on it)
//! ```
//!
//! Passwords are asked for on the terminal (not echoed), or read as one line from standard
//! input when it is not a terminal; never from arguments or configuration files.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    use sharecare_services::{config::Settings, telemetry};
    use sharecare_web::startup::Application;
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
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => {}
        ["mark-paid", reference] => return staff::mark_paid(&settings, reference).await,
        ["admin", "add-user", email, "--role", role] => {
            return staff::add_user(&settings, email, role).await
        }
        ["admin", "reset-password", email] => return staff::reset_password(&settings, email).await,
        ["admin", "set-role", email, "--role", role] => {
            return staff::set_role(&settings, email, role).await
        }
        ["admin", "disable", email] => return staff::disable(&settings, email).await,
        ["admin", "enable", email] => return staff::enable(&settings, email).await,
        ["backup"] => return staff::backup(&settings, None).await,
        ["backup", "--to", folder] => return staff::backup(&settings, Some(folder)).await,
        ["restore", file] => return staff::restore(&settings, file).await,
        _ => {
            eprintln!(
                "usage: sharecare [mark-paid REFERENCE | admin add-user EMAIL --role viewer|finance|admin \
                 | admin reset-password EMAIL | admin set-role EMAIL --role viewer|finance|admin \
                 | admin disable EMAIL | admin enable EMAIL | backup [--to DIR] | restore FILE]"
            );
            return ExitCode::from(2);
        }
    }
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

/// Staff tasks from the command line (the first account is made here; the rest may be made in
/// the admin too), on the same services the server assembles (`startup::Core`).
mod staff {
    use std::process::ExitCode;

    use sharecare_domain::identifiers::Reference;
    use sharecare_domain::status::Transition;
    use sharecare_domain::time::Timestamp;
    use sharecare_services::config::Settings;
    use sharecare_web::startup::Core;

    /// The services on the configured database.
    async fn core(settings: &Settings) -> Result<Core, String> {
        let content = Core::load_content(settings).map_err(|e| e.to_string())?;
        Core::assemble(settings, content)
            .await
            .map_err(|e| e.to_string())
    }

    /// A new password: asked twice on a terminal (not echoed), or one line of standard input.
    fn read_new_password() -> Result<String, String> {
        use std::io::{BufRead, IsTerminal};
        if std::io::stdin().is_terminal() {
            let first = rpassword::prompt_password("New password (12 characters or more): ")
                .map_err(|e| e.to_string())?;
            let again =
                rpassword::prompt_password("The same again: ").map_err(|e| e.to_string())?;
            if first != again {
                return Err("the two passwords differ".into());
            }
            Ok(first)
        } else {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| e.to_string())?;
            Ok(line.trim_end_matches(['\r', '\n']).to_string())
        }
    }

    fn finish(result: Result<String, String>) -> ExitCode {
        match result {
            Ok(message) => {
                println!("{message}");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("sharecare: {error}");
                ExitCode::FAILURE
            }
        }
    }

    fn role(role: &str) -> Option<sharecare_domain::staff::Role> {
        let parsed = sharecare_domain::staff::Role::parse(role);
        if parsed.is_none() {
            eprintln!("sharecare: the role is viewer, finance or admin (not \"{role}\")");
        }
        parsed
    }

    pub async fn add_user(settings: &Settings, email: &str, role: &str) -> ExitCode {
        let Some(role) = self::role(role) else {
            return ExitCode::from(2);
        };
        finish(
            async {
                let staff = core(settings).await?.staff;
                let password = read_new_password()?;
                let actor = sharecare_db::Actor::command_line();
                let user = staff
                    .add_user(email, role, password, &actor)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(format!("{}: added as {}", user.email, role.as_str()))
            }
            .await,
        )
    }

    pub async fn reset_password(settings: &Settings, email: &str) -> ExitCode {
        finish(
            async {
                let staff = core(settings).await?.staff;
                let password = read_new_password()?;
                let actor = sharecare_db::Actor::command_line();
                staff
                    .reset_password(email, password, &actor)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(format!("{}: new password set", email.trim()))
            }
            .await,
        )
    }

    /// A new role; the account's open sessions end.
    pub async fn set_role(settings: &Settings, email: &str, role: &str) -> ExitCode {
        let Some(role) = self::role(role) else {
            return ExitCode::from(2);
        };
        finish(
            async {
                let staff = core(settings).await?.staff;
                let actor = sharecare_db::Actor::command_line();
                staff
                    .set_role(email, role, &actor)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(format!(
                    "{}: now {}; open sessions end at their next request",
                    email.trim(),
                    role.as_str()
                ))
            }
            .await,
        )
    }

    pub async fn disable(settings: &Settings, email: &str) -> ExitCode {
        finish(
            async {
                let staff = core(settings).await?.staff;
                let actor = sharecare_db::Actor::command_line();
                staff
                    .disable(email, &actor)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(format!(
                    "{}: disabled; open sessions end at their next request",
                    email.trim()
                ))
            }
            .await,
        )
    }

    pub async fn enable(settings: &Settings, email: &str) -> ExitCode {
        finish(
            async {
                let staff = core(settings).await?.staff;
                let actor = sharecare_db::Actor::command_line();
                staff
                    .enable(email, &actor)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(format!(
                    "{}: enabled; the sessions it had stay ended",
                    email.trim()
                ))
            }
            .await,
        )
    }

    /// A checked backup of the database into `folder` (default `BACKUP_DIR`).
    pub async fn backup(settings: &Settings, folder: Option<&str>) -> ExitCode {
        use sharecare_services::backups::Backups;
        finish(
            async {
                let database = core(settings).await?.database;
                let backups = Backups::new(
                    database,
                    settings.database_url.clone(),
                    settings.backups.clone(),
                );
                let taken = backups
                    .take(folder.map(std::path::Path::new), Timestamp::now())
                    .await
                    .map_err(|e| e.to_string())?;
                let mut said = format!(
                    "{}: {} rows, {} bytes, checked",
                    taken.file.display(),
                    taken.rows,
                    taken.bytes
                );
                for old in &taken.removed {
                    said.push_str(&format!(
                        "\n{}: deleted (older than the {} kept)",
                        old.display(),
                        settings.backups.kept
                    ));
                }
                Ok(said)
            }
            .await,
        )
    }

    /// Puts a SQLite backup in place of the site's database; the site must be stopped.
    pub async fn restore(settings: &Settings, file: &str) -> ExitCode {
        finish(
            async {
                let restored = sharecare_services::backups::restore(
                    &settings.database_url,
                    std::path::Path::new(file),
                    Timestamp::now(),
                )
                .await
                .map_err(|e| e.to_string())?;
                let mut said = format!(
                    "{}: restored from {file} ({} rows); start the site again",
                    restored.database.display(),
                    restored.rows
                );
                if let Some(aside) = &restored.kept_aside {
                    said.push_str(&format!(
                        "\nthe database it replaced is kept as {}",
                        aside.display()
                    ));
                }
                Ok(said)
            }
            .await,
        )
    }

    /// Confirms an offline gift. Running servers show the new total within
    /// `PROGRESS_REFRESH_SECONDS`.
    pub async fn mark_paid(settings: &Settings, reference: &str) -> ExitCode {
        let Some(reference) = Reference::parse(reference) else {
            eprintln!("sharecare: \"{reference}\" is not a reference like LBC-7K3Q9X");
            return ExitCode::from(2);
        };
        // On PostgreSQL the confirmation is announced: running servers show the new total at
        // once.
        let result = match core(settings).await {
            Ok(core) => core
                .donations
                .mark_paid(&reference)
                .await
                .map_err(|e| e.to_string()),
            Err(error) => Err(error),
        };
        match result {
            Ok(Transition::Changed) => {
                println!("{}: marked paid", reference.as_str());
                ExitCode::SUCCESS
            }
            Ok(Transition::Unchanged) => {
                println!("{}: already paid; nothing changed", reference.as_str());
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("sharecare: {}: {error}", reference.as_str());
                ExitCode::FAILURE
            }
        }
    }
}
