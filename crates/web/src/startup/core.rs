//! The services every entry point needs, assembled once: the server (`Application::build`)
//! and the staff's commands (`sharecare mark-paid`, `sharecare admin …`) share this, so a
//! command confirms a gift or adds an account through the same services as the site.

use std::sync::Arc;

use sharecare_content::{self as content, Content};
use sharecare_db::Database;
use sharecare_services::changes::Changes;
use sharecare_services::config::{SecretUrl, Settings};
use sharecare_services::donations::Donations;
use sharecare_services::limits::Limits;
use sharecare_services::mailer::Mailer;
use sharecare_services::payment::Payments;
use sharecare_services::staff::{PasswordGate, Staff};

use super::StartupError;

/// The content, the database and the services over them.
pub struct Core {
    pub content: Arc<Content>,
    pub database: Database,
    pub payments: Arc<Payments>,
    pub limits: Arc<Limits>,
    pub changes: Arc<Changes>,
    pub donations: Arc<Donations>,
    pub staff: Arc<Staff>,
    pub mailer: Arc<Mailer>,
}

impl Core {
    /// Loads and checks the content (first, so a bad edit stops everything with one line).
    pub fn load_content(settings: &Settings) -> Result<Arc<Content>, StartupError> {
        Ok(Arc::new(
            content::load(&settings.content_dir).map_err(StartupError::Content)?,
        ))
    }

    /// Connects to (and migrates) the database and builds the services on it.
    pub async fn assemble(
        settings: &Settings,
        content: Arc<Content>,
    ) -> Result<Core, StartupError> {
        let database = Database::connect(settings.database_url.expose())
            .await
            .map_err(StartupError::Database)?;
        let payments = Arc::new(Payments::new(settings.stripe.clone()));
        let limits = Arc::new(Limits::new(
            &database,
            settings.protection.limits,
            settings.protection.breaker,
        ));
        // On PostgreSQL a change is announced, so every running instance hears of it at once.
        let changes = Arc::new(Changes::new(database.clone()));
        let donations = Arc::new(
            Donations::new(
                database.clone(),
                content.clone(),
                payments.clone(),
                limits.clone(),
                changes.clone(),
                &settings.public_base_url,
            )
            .await
            .map_err(StartupError::Database)?
            .with_undo_window(settings.undo_confirmation),
        );
        let mailer = Arc::new(
            Mailer::new(
                &content,
                settings.smtp_url.as_ref().map(SecretUrl::expose),
                settings.receipt_from.as_deref(),
            )
            .map_err(StartupError::Receipts)?,
        );
        let staff = Arc::new(Staff::new(
            database.clone(),
            limits.clone(),
            Arc::new(PasswordGate::new(
                settings.protection.password_checks_at_once,
                settings.protection.password_queue,
            )),
            mailer.clone(),
            content
                .organisation
                .name
                .get(sharecare_domain::Locale::DEFAULT),
        ));
        Ok(Core {
            content,
            database,
            payments,
            limits,
            changes,
            donations,
            staff,
            mailer,
        })
    }
}
